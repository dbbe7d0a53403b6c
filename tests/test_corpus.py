"""Smoke test on the real-world corpus: no crash, no internal error, parse errors reported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from slsguard.discovery import discover
from slsguard.project import find as find_project
from slsguard.scan import ScanOptions, scan

# The corpus lives next to the repository (`../shared/corpus`); SLSGUARD_CORPUS names another.
CORPUS = Path(
    os.environ.get("SLSGUARD_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-world corpus {CORPUS} is absent (see SLSGUARD_CORPUS)")
    return CORPUS


def _parses(path: Path) -> bool:
    # An independent check with libyaml alone (compose only, so tags are allowed). PyYAML's
    # pure-Python parser is stricter than the YAML spec about trailing tabs.
    try:
        yaml.compose(path.read_text(encoding="utf-8-sig"), Loader=yaml.CSafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    return True


def test_corpus_scans_without_internal_errors(corpus: Path) -> None:
    report = scan([corpus])
    rules = {finding.rule.id for finding in report.findings}
    assert "SLS003" not in rules
    assert len(report.apps) > 900
    assert sum(len(app.functions) for app in report.apps) > 1000
    root = find_project([corpus]).root  # file names are relative to it
    reported = {
        (root / (f.location.file or "")).resolve() for f in report.findings if f.rule.id == "SLS001"
    }
    candidates = [c.path for c in discover([corpus]) if c.kind != "code-config"]
    unparseable = {path.resolve() for path in candidates if not _parses(path)}
    assert unparseable  # the corpus has broken templates: they must all be reported
    assert unparseable <= reported


TERRAFORM_CORPUS = Path(__file__).resolve().parent / "fixtures" / "terraform-corpus"


def test_terraform_corpus_scans_every_module() -> None:
    """The Terraform inputs (none are in the shared corpus): every root module is an app."""
    # The folder is its own project (it is inside slsguard's repository, whose root is higher).
    project = find_project([TERRAFORM_CORPUS], root=TERRAFORM_CORPUS)
    report = scan([TERRAFORM_CORPUS], ScanOptions(project=project))
    assert "SLS003" not in {finding.rule.id for finding in report.findings}
    apps = {app.name: app for app in report.apps if app.kind == "terraform"}
    assert set(apps) == {
        "rest-api",
        "s3-thumbnailer",
        "lambda-module-app",
        "cdktf-json",
        "multi-env/envs/prod",  # modules/service is loaded through the calls only
    }
    assert sum(len(app.functions) for app in apps.values()) == 7
    files = {Path(f.location.file or "").suffix for f in report.findings}
    assert {".tf", ".json", ".tfvars"} <= files  # findings point into the Terraform files
