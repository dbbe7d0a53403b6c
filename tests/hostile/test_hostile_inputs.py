"""The robustness promise, case by case: every hostile input ends in bounded time and memory
with its finding, and the rest of the scan intact.

The named cases (`hostile_cases.py`) run in child processes, several at a time, each under a 1 GiB
address-space limit and killed at 30 s (a safety net). Each test then asserts the promise:
the run ended by itself within 10 s of CPU time, its peak RSS stayed under 512 MiB, the exit code is
the expected one, and the expected finding is in the report.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hostile_cases import ALL, many_functions
from hostile_harness import PROMISED_RSS_MIB, PROMISED_SECONDS, Case, Outcome, run

NAMED = ALL
PARALLEL = 2
SCALE_KILL_AFTER = 300.0
"""The scale runs' safety net: their CPU time is measured, their wall time on a busy machine
can be several times longer."""


def _applies(case: Case) -> bool:
    """False for a permission case run as root, who reads a file whatever its mode."""
    return case.root_can_read or not hasattr(os, "getuid") or os.getuid() != 0


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    """Every named case, run once, several in parallel."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        wanted = [case for case in NAMED if _applies(case)]
        with ThreadPoolExecutor(PARALLEL) as pool:
            futures = {
                case.name: pool.submit(run, case, base / f"case{index}")
                for index, case in enumerate(wanted)
            }
            yield {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", NAMED, ids=[case.name for case in NAMED])
def test_hostile_input_ends_with_its_finding(case: Case, outcomes: dict[str, Outcome]) -> None:
    if not _applies(case):
        pytest.skip("running as root: permissions do not stop a read")
    outcome = outcomes[case.name]
    assert not outcome.killed, f"{case.name}: still running after the 30 s safety net"
    # CPU time, not wall time: the suite shares a busy machine with other test runs.
    assert outcome.cpu_seconds < PROMISED_SECONDS
    assert outcome.rss_mib < PROMISED_RSS_MIB
    assert outcome.exit_code in case.exit_codes, outcome.stderr
    assert "Traceback" not in outcome.stderr
    if case.stderr_says:
        assert case.stderr_says in outcome.stderr
    if case.rule is not None:
        assert outcome.has(case.rule, case.says), sorted({f["rule_id"] for f in outcome.findings})
    for rule in case.also:
        assert outcome.has(rule), f"{case.name}: {rule} is missing, the rest of the scan was lost"


def test_scale_grows_linearly(tmp_path: Path) -> None:
    """Twice the functions sharing one role and one handler module (5,000 and 10,000) cost
    at most 2.5 times the CPU time and memory: nothing is quadratic in the functions."""
    sizes = {"small": 5_000, "large": 10_000}
    with ThreadPoolExecutor(2) as pool:
        futures = {
            name: pool.submit(run, many_functions(count), tmp_path / name, SCALE_KILL_AFTER)
            for name, count in sizes.items()
        }
        small, large = (futures[name].result() for name in sizes)
    assert small.has("SLS101", "5000 functions") and large.has("SLS101", "10000 functions")
    assert not large.killed and large.rss_mib < PROMISED_RSS_MIB
    assert large.cpu_seconds / small.cpu_seconds < 2.5
    assert large.rss_mib / small.rss_mib < 2.5
