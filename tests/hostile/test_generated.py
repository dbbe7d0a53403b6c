"""The robustness promise over generated hostile projects (hypothesis).

Each example is a folder of malformed serverless.yml, SAM/CloudFormation, Terraform,
dependency manifests and handler code (see `hostile_strategies`); it is scanned through the
CLI, in this process, and the test asserts the promise itself:

- the scan ends by itself with exit 0 or 1, never 2 (an internal error) nor an exception;
- it stays inside its limits: under 10 s of CPU time, and under 512 MiB more address space
  than the test process had (an address-space limit set for the scan, so that an
  amplification fails the example with a MemoryError rather than swapping the machine);
- every file broken on purpose is reported as a parse error (SLS001) at that file;
- no planted secret appears in the report or on the console, whole or nearly whole.

The `ci` profile (the default) is derandomised and bounded, so that a run is reproducible
and fast; `SLSGUARD_HYPOTHESIS=dev` explores many more examples with fresh randomness.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import signal
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from hostile_strategies import PLANTED, Project, projects
from hypothesis import HealthCheck, Phase, given, note, settings

from slsguard.cli import main

settings.register_profile(
    "ci",
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=20),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", max_examples=400, deadline=timedelta(seconds=20))
settings.register_profile(  # many examples, reported as drawn: to look for new failures
    "explore",
    parent=settings.get_profile("dev"),
    phases=[Phase.generate],
    report_multiple_bugs=True,
)
PROFILE = settings.get_profile(os.environ.get("SLSGUARD_HYPOTHESIS", "ci"))

CPU_SECONDS = 10.0
EXTRA_ADDRESS_SPACE = 512 * 1024 * 1024
KILL_AFTER_SECONDS = 30


class Hung(BaseException):
    """Raised in the scan by the safety-net alarm (a BaseException: nothing catches it)."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hung(f"the scan was still running after {KILL_AFTER_SECONDS} s")


@contextlib.contextmanager
def _limits() -> Iterator[None]:
    """An address-space limit and an alarm around one scan, restored afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    used = _address_space()
    limit = used + EXTRA_ADDRESS_SPACE
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    previous = signal.signal(signal.SIGALRM, _alarm)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.alarm(KILL_AFTER_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.signal(signal.SIGALRM, previous)


def _address_space() -> int:
    """This process's current virtual size in bytes (VmSize)."""
    with open("/proc/self/status", encoding="utf-8") as status:
        line = next(line for line in status if line.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


def _write(project: Project, folder: Path) -> None:
    for name, data in project.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _scan(folder: Path) -> tuple[int, dict[str, Any], str, float]:
    """(exit code, JSON report, console output, CPU seconds) of `slsguard scan` on `folder`."""
    report = folder.parent / "report.json"
    console = io.StringIO()
    started = time.process_time()
    with contextlib.redirect_stdout(console), contextlib.redirect_stderr(console), _limits():
        code = main(["scan", str(folder), "--format", "json", "--output", str(report)])
    cpu = time.process_time() - started
    text = report.read_text(encoding="utf-8") if report.is_file() else "{}"
    return code, json.loads(text), console.getvalue() + text, cpu


def _leaks(text: str) -> list[str]:
    """Planted secrets found in `text`, whole or without their first characters (a mask
    keeps at most four)."""
    return [secret for secret in PLANTED if secret in text or secret[6:] in text]


@PROFILE
@given(projects())
def test_a_hostile_project_never_breaks_the_promise(project: Project) -> None:
    note("\n".join(project.notes))
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "project"
        folder.mkdir()
        _write(project, folder)
        code, report, output, cpu = _scan(folder)
    assert code in (0, 1), output[-1500:]
    assert "Traceback" not in output
    assert cpu < CPU_SECONDS
    findings = report["findings"]
    internal = [f["message"] for f in findings if f["rule_id"] == "SLS003"]
    assert not internal, internal
    parse_errors = {f["location"]["file"] for f in findings if f["rule_id"] == "SLS001"}
    expected = {name for name in project.broken if name != "handler.py" or project.handler_read}
    assert expected <= parse_errors, sorted(expected - parse_errors)
    assert not _leaks(output), [line for line in output.splitlines() if _leaks(line)][:5]
