"""CDK apps: `cdk.out` next to `cdk.json` is the app; without it (or stale) a reader is told."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from slsguard.findings import Severity
from slsguard.formats.text import summary_line
from slsguard.scan import ScanOptions, scan

APP = Path(__file__).resolve().parents[1] / "fixtures/rules/os-command-injection/cdk-app"


def _copy(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    (app / ".gitignore").write_text("cdk.out\n")
    manifest = app / "cdk.out" / "manifest.json"
    later = (app / "lib" / "orders-stack.ts").stat().st_mtime + 60
    os.utime(manifest, (later, later))
    return app


def test_cdk_out_next_to_cdk_json_is_scanned_with_nested_stacks_and_assets(tmp_path: Path) -> None:
    app = _copy(tmp_path)
    result = scan([app], ScanOptions(select=("SLS004", "SLS601")))
    assert sorted(a.name for a in result.apps) == [
        "OrdersStack.template",
        "OrdersStackWorkers.nested.template",
    ]
    assert [f.rule.id for f in result.findings] == ["SLS601", "SLS601"]


def test_without_cdk_out_nothing_is_analysed_and_the_gate_fails(tmp_path: Path) -> None:
    app = _copy(tmp_path)
    shutil.rmtree(app / "cdk.out")
    result = scan([app], ScanOptions(select=("SLS004",)))
    [note] = result.findings
    assert note.severity is Severity.LOW
    assert note.location.file is not None and note.location.file.endswith("cdk.json")
    assert "run `cdk synth` and scan again" in note.fix
    assert summary_line(result).startswith("1 finding: 1 low; 0 apps analysed; ")


def test_output_older_than_the_sources_may_be_stale(tmp_path: Path) -> None:
    app = _copy(tmp_path)
    source = app / "lib" / "orders-stack.ts"
    later = (app / "cdk.out" / "manifest.json").stat().st_mtime + 60
    os.utime(source, (later, later))
    result = scan([app], ScanOptions(select=("SLS004",)))
    [note] = [f for f in result.findings if "stale" in f.message]
    assert note.message.startswith("cdk.out/manifest.json is older than lib/orders-stack.ts")
    assert note.severity is Severity.INFO


def test_no_apps_never_reads_as_no_findings(tmp_path: Path) -> None:
    result = scan([tmp_path], ScanOptions())
    assert summary_line(result).startswith("0 apps analysed; ")
