"""The scan engine: stale reference data, crashing rules, selection, external roles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from slsguard.cli import exit_code
from slsguard.findings import RuleInfo, Severity, Violation
from slsguard.model import Application
from slsguard.reference import datasets
from slsguard.rules import Context, Rule, all_rules
from slsguard.scan import ScanOptions, UnknownRuleError, run_rule, scan, select_rules

SLS = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role: arn:aws:iam::123456789012:role/shared-lambda-role
functions:
  create:
    handler: handler.create
  remove:
    handler: handler.remove
"""


def test_stale_reference_data_is_reported_only_when_old(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    newest = max(date.fromisoformat(dataset.date) for dataset in datasets())
    fresh = scan([tmp_path], ScanOptions(select=("SLS009",), today=newest))
    assert [f.rule.id for f in fresh.findings] == []
    later = newest + timedelta(days=400)
    stale = scan([tmp_path], ScanOptions(select=("SLS009",), today=later))
    names = sorted(f.subject for f in stale.findings)
    assert names == ["IAM actions", "Lambda runtimes", "SAM policy templates", "SDK operations"]
    assert all("days old" in f.message for f in stale.findings)
    fixes = {f.subject: f.fix for f in stale.findings}
    assert fixes["IAM actions"].startswith("pip install")
    assert "--runtimes-file" in fixes["Lambda runtimes"]


def test_a_crashing_rule_becomes_an_internal_error_and_exit_2(tmp_path: Path) -> None:
    def broken(app: Application, context: Context) -> Iterator[Violation]:
        raise KeyError("boom")
        yield  # pragma: no cover

    rule = Rule(RuleInfo("SLS999", "broken", Severity.LOW, "broken", "P1"), broken)
    (tmp_path / "serverless.yml").write_text(SLS)
    report = scan([tmp_path], ScanOptions(select=("SLS104",)))
    app_findings = run_rule(rule, _only_app(tmp_path), Context(), {})
    [finding] = app_findings
    assert finding.rule.id == "SLS003"
    assert "rule SLS999 (broken) raised KeyError" in finding.message
    assert exit_code(replace(report, findings=(*report.findings, finding)), Severity.CRITICAL) == 2


def _only_app(folder: Path) -> Application:
    from slsguard.discovery import discover
    from slsguard.loading import LoadOptions, load_all

    [app] = load_all(discover([folder], folder), LoadOptions(), folder).apps
    return app


def test_external_role_is_reported_as_not_analysed_and_still_shared(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SLS)
    report = scan([tmp_path], ScanOptions(select=("SLS004", "SLS104")))
    # SLS004 also reads the code (the handler file is missing here): keep the role's note.
    by_rule = {f.rule.id: f for f in report.findings if "handler code" not in f.message}
    assert set(by_rule) == {"SLS004", "SLS104"}
    assert "arn:aws:iam::123456789012:role/shared-lambda-role" in by_rule["SLS004"].message
    assert by_rule["SLS004"].location.line == 6
    assert by_rule["SLS104"].location.line == 6


def test_selection_by_prefix_and_opt_in() -> None:
    ids = {rule.id for rule in select_rules(ScanOptions(select=("SLS3",)))}
    assert ids == {rule.id for rule in all_rules() if rule.id.startswith("SLS3")}
    assert "SLS002" not in {rule.id for rule in select_rules(ScanOptions())}
    assert "SLS002" in {rule.id for rule in select_rules(ScanOptions(verbose=True))}
    with pytest.raises(UnknownRuleError):
        select_rules(ScanOptions(ignore=("no-such-rule",)))


def test_rule_ids_and_names_are_unique_and_documented() -> None:
    rules = all_rules()
    assert len({rule.id for rule in rules}) == len({rule.name for rule in rules}) == len(rules)
    assert all(rule.info.doc.startswith(f"{rule.name} ({rule.id})") for rule in rules)


def test_services_of_other_clouds_are_not_analysed(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: greeter\nprovider:\n  name: azure\n  runtime: nodejs18\n"
        "functions:\n  hello:\n    handler: handler.hello\n"
    )
    report = scan([tmp_path])
    [app] = report.apps
    assert app.functions == ()
    assert [(f.rule.id, f.location.line) for f in report.findings] == [("SLS004", 2)]
    assert "provider 'azure'" in report.findings[0].message


def test_progress_is_told_how_loading_goes(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "serverless.yml").write_text(SLS)
    seen: list[tuple[int, int]] = []
    scan([tmp_path], ScanOptions(progress=lambda done, total: seen.append((done, total))))
    assert seen == [(0, 3), (1, 3), (2, 3)]
