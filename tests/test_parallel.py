"""`scan --jobs N`: the same report as a serial scan, and the CPUs a process may use."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.parallel import automatic_jobs, available_cpus, cgroup_quota

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CORPUS = Path(
    os.environ.get("SLSGUARD_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
TIMING = re.compile(r'"duration_seconds": [0-9.]+')
"""The only field of the JSON report that says how long the run took (SARIF has none)."""


def _reports(paths: list[Path], jobs: int, out: Path) -> dict[str, str]:
    """The JSON and SARIF reports of one CLI scan with `--jobs`, timing left out."""
    json_file, sarif_file = out / f"jobs{jobs}.json", out / f"jobs{jobs}.sarif"
    argv = ["scan", *map(str, paths), "--format", "json", "--output", str(json_file)]
    argv += ["--also", f"sarif={sarif_file}", "--jobs", str(jobs), "--quiet", "--as-of"]
    assert main([*argv, "2026-01-01"]) in (0, 1)
    timeless = TIMING.sub('"duration_seconds": 0', json_file.read_text(encoding="utf-8"))
    return {"json": timeless, "sarif": sarif_file.read_text(encoding="utf-8")}


def test_parallel_reports_are_the_serial_ones_on_the_examples(tmp_path: Path) -> None:
    apps = sorted(path for path in EXAMPLES.iterdir() if path.is_dir())
    serial = _reports(apps, 1, tmp_path)
    assert serial == _reports(apps, 2, tmp_path)
    assert '"ruleId"' in serial["sarif"]  # the comparison is about real findings


def test_parallel_reports_are_the_serial_ones_on_the_corpus(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-world corpus {CORPUS} is absent (see SLSGUARD_CORPUS)")
    assert _reports([CORPUS], 1, tmp_path) == _reports([CORPUS], 2, tmp_path)


@pytest.mark.parametrize(
    ("cpu_max", "quota"),
    [("150000 100000\n", 2), ("50000 100000\n", 1), ("max 100000\n", None), ("junk\n", None)],
)
def test_cgroup_quota_rounds_up_and_ignores_no_limit(
    tmp_path: Path, cpu_max: str, quota: int | None
) -> None:
    (tmp_path / "cpu.max").write_text(cpu_max, encoding="ascii")
    assert cgroup_quota(tmp_path / "cpu.max") == quota


def test_available_cpus_is_the_affinity_capped_by_the_cgroup(tmp_path: Path) -> None:
    affinity = len(os.sched_getaffinity(0))
    assert available_cpus(tmp_path) == affinity  # no cpu.max: no cap
    (tmp_path / "cpu.max").write_text("100000 100000\n", encoding="ascii")
    assert available_cpus(tmp_path) == 1


def test_without_jobs_small_scans_stay_in_one_process() -> None:
    assert automatic_jobs(4) == 1
    assert automatic_jobs(99) == min(available_cpus(), 1)
    assert automatic_jobs(100_000) == available_cpus()


def test_jobs_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(EXAMPLES / "orders-api"), "--jobs", "0"]) == 2
    assert "expected a number of processes" in capsys.readouterr().err
