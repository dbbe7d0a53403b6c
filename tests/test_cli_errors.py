"""Internal errors are exit 2 with one line; closed pipes end quietly; `--output` is checked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from slsguard import formats
from slsguard.cli import main
from slsguard.findings import Report

TEMPLATE = """\
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "serverless.yml").write_text(TEMPLATE, encoding="utf-8")
    return folder


def _broken_renderer(name: str, report: Report, **options: object) -> str:
    raise RuntimeError("renderer exploded")


def test_an_unexpected_exception_is_one_line_and_exit_2(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(formats, "render", _broken_renderer)
    assert main(["scan", str(project)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("slsguard: internal error: RuntimeError: renderer exploded at ")
    assert "--debug" in err and "Traceback" not in err


def test_debug_shows_the_traceback(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(formats, "render", _broken_renderer)
    assert main(["scan", str(project), "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "internal error: RuntimeError: renderer exploded" in err


def test_output_into_a_missing_folder_is_a_usage_error(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "report.json"
    assert main(["scan", str(project), "--output", str(target)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"slsguard: cannot write the report to {target}: folder {target.parent} does not exist\n"
    )


def test_write_baseline_into_a_missing_folder_is_a_usage_error(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing" / "baseline.json"
    assert main(["scan", str(project), "--write-baseline", str(target)]) == 2
    assert "cannot write the baseline to" in capsys.readouterr().err


def test_output_dash_is_standard_output(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(project), "--format", "json", "--output", "-"]) == 1
    assert capsys.readouterr().out.startswith("{")
    assert not (tmp_path / "-").exists()


def test_a_closed_pipe_ends_quietly(project: Path) -> None:
    """`slsguard scan . | head`: the reader has gone away; no BrokenPipeError on stderr."""
    scan = subprocess.Popen(
        [sys.executable, "-m", "slsguard", "scan", str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert scan.stdout is not None and scan.stderr is not None
    scan.stdout.close()  # before the report is written: every write meets a closed pipe
    err = scan.stderr.read().decode()
    assert scan.wait(timeout=60) in (0, 1)
    assert err == ""
