"""`scan --jobs N`: the same report as a serial scan, and the CPUs a process may use."""

from __future__ import annotations

import json
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


NESTED = Path(__file__).resolve().parent / "fixtures/rules/os-command-injection/nested-stacks"
"""An API template nesting the template of its functions, and importing another's export."""


def _reports(paths: list[Path], jobs: int, out: Path, main_format: str = "json") -> dict[str, str]:
    """The JSON and SARIF reports of one CLI scan with `--jobs`, timing left out (the one
    in `main_format` is written as the scan's own, with each fix's exact edits)."""
    json_file, sarif_file = out / f"jobs{jobs}.json", out / f"jobs{jobs}.sarif"
    files = {"json": json_file, "sarif": sarif_file}
    other = "sarif" if main_format == "json" else "json"
    argv = ["scan", *map(str, paths), "--format", main_format, "--output", str(files[main_format])]
    argv += ["--also", f"{other}={files[other]}", "--jobs", str(jobs), "--quiet", "--as-of"]
    assert main([*argv, "2026-01-01"]) in (0, 1)
    timeless = TIMING.sub('"duration_seconds": 0', json_file.read_text(encoding="utf-8"))
    return {"json": timeless, "sarif": sarif_file.read_text(encoding="utf-8")}


def test_parallel_reports_are_the_serial_ones_on_the_examples(tmp_path: Path) -> None:
    apps = sorted(path for path in EXAMPLES.iterdir() if path.is_dir())
    serial = _reports(apps, 1, tmp_path)
    assert serial == _reports(apps, 2, tmp_path)
    assert '"ruleId"' in serial["sarif"]  # the comparison is about real findings


def test_fixes_with_their_exact_edits_are_the_serial_ones(tmp_path: Path) -> None:
    apps = sorted(path for path in EXAMPLES.iterdir() if path.is_dir())
    serial = _reports(apps, 1, tmp_path, "sarif")
    assert serial == _reports(apps, 2, tmp_path, "sarif")
    assert '"fixes"' in serial["sarif"]  # workers attached the edits


def test_stacks_tied_across_files_are_judged_together(tmp_path: Path) -> None:
    """Each file is first loaded alone on some worker: the API template, which nests the
    functions' template and imports an export, is loaded again with it."""
    serial = _reports([NESTED], 1, tmp_path)
    assert serial == _reports([NESTED], 2, tmp_path)
    assert "the query string from GET /export (rest, public, no auth)" in serial["json"]


def test_a_serverless_include_and_an_ignore_in_a_template_are_the_serial_ones(
    tmp_path: Path,
) -> None:
    """A template that a Serverless config includes is no application of its own; an
    inline ignore without a reason in a template is reported about its application, which
    this process loads again to name the place."""
    service, other = tmp_path / "project" / "shop", tmp_path / "project" / "other"
    service.mkdir(parents=True)
    other.mkdir()
    (service / "serverless.yml").write_text(
        "service: shop\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  pay:\n    handler: handler.pay\n"
        "resources: ${file(resources.yml)}\n"
    )
    (service / "resources.yml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\n'
        "Resources:\n  Uploads:\n    Type: AWS::S3::Bucket\n"
    )
    (other / "template.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
        "  Worker:  # slsguard: ignore[SLS402]\n    Type: AWS::Lambda::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: app.handler\n"
        "      Role: arn:aws:iam::123456789012:role/worker\n"
        "      Code:\n        ZipFile: 'def handler(event, context): return 1'\n"
    )
    serial = _reports([tmp_path / "project"], 1, tmp_path)
    assert serial == _reports([tmp_path / "project"], 2, tmp_path)
    report = json.loads(serial["json"])
    assert sorted(app["file"] for app in report["apps"]) == [
        "other/template.yaml",
        "shop/serverless.yml",
    ]
    assert [f["location"]["file"] for f in report["findings"] if f["rule_id"] == "SLS006"] == [
        "other/template.yaml"
    ]


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
