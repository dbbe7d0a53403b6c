"""Compliance frameworks: control data, `--group-by`, and `slsguard report --framework`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.findings import Finding, Location, RuleInfo, Severity
from slsguard.formats import render
from slsguard.formats.grouping import UNMAPPED, group, heading
from slsguard.frameworks import REPORTABLE, load
from slsguard.rules import all_rules

WILDCARD = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "*"
          Resource: "*"
functions:
  create:
    handler: handler.create
"""


@pytest.mark.parametrize("key", REPORTABLE)
def test_every_control_a_rule_maps_to_is_in_the_framework_data(key: str) -> None:
    framework = load(key)
    listed = [control.id for control in framework.controls]
    assert len(listed) == len(set(listed))
    assert all(control.title for control in framework.controls)
    assert framework.source and framework.date and framework.note
    mapped = {control for rule in all_rules() for control in rule.info.controls(key)}
    assert mapped - set(listed) == set()
    # Honest: the list is more than what the rules cover.
    assert set(listed) - mapped


def _finding(rule: RuleInfo, severity: Severity, line: int) -> Finding:
    return Finding(rule, severity, f"at {line}", Location("template", "t.yml", line, 1))


def test_group_orders_controls_naturally_and_unmapped_last() -> None:
    a = RuleInfo("SLS1", "a", Severity.LOW, "a", "P10", (("pci-dss-4.0", "10.2.1"),))
    b = RuleInfo("SLS2", "b", Severity.LOW, "b", "P2", (("pci-dss-4.0", "7.2.5"),))
    both = RuleInfo(
        "SLS3", "c", Severity.LOW, "c", "P2", (("pci-dss-4.0", "7.2.5"), ("pci-dss-4.0", "10.2.1"))
    )
    none = RuleInfo("SLS4", "d", Severity.LOW, "d", "meta")
    findings = [
        _finding(a, Severity.LOW, 1),
        _finding(b, Severity.LOW, 2),
        _finding(both, Severity.HIGH, 3),
        _finding(none, Severity.INFO, 4),
    ]
    groups = group(findings, "pci-dss-4.0")
    assert [(key, [f.location.line for f in fs]) for key, fs in groups] == [
        ("7.2.5", [3, 2]),
        ("10.2.1", [3, 1]),
        (UNMAPPED, [4]),
    ]
    assert [key for key, _ in group(findings, "practice")] == ["P2", "P10", "meta"]
    with pytest.raises(ValueError, match="unknown grouping"):
        group(findings, "iso-27001")


def test_headings_name_the_framework_and_the_control() -> None:
    assert heading("pci-dss-4.0", "7.2.5") == (
        "PCI DSS 4.0 7.2.5: Application and system accounts are assigned only the least "
        "privileges necessary"
    )
    assert (
        heading("owasp-serverless", "S5")
        == "OWASP Serverless Top 10 (2017) S5: Broken Access Control"
    )
    assert heading("cwe", "CWE-269") == "CWE-269"
    assert heading("practice", "P1") == "P1 least privilege"
    assert heading("hipaa", UNMAPPED) == "not mapped to HIPAA Security Rule"


def test_text_group_by_on_a_real_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "serverless.yml").write_text(WILDCARD)
    main(["scan", str(tmp_path), "--select", "SLS101", "--group-by", "fsbp", "--color", "never"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        'AWS Foundational Security Best Practices IAM.1: IAM policies should not allow full "*" '
        "administrative privileges"
    )
    assert lines[1].startswith("    CRITICAL  SLS101 wildcard-iam-action  ")
    assert lines[-2].startswith("1 finding: 1 critical in 1 app, 1 function;")


def test_group_by_needs_a_format_that_groups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "serverless.yml").write_text(WILDCARD)
    assert main(["scan", str(tmp_path), "--format", "sarif", "--group-by", "cwe"]) == 2
    assert "the sarif format cannot group findings" in capsys.readouterr().err
    assert main(["scan", str(tmp_path), "--group-by", "nist"]) == 2


def test_render_passes_options_only_to_renderers_that_take_them() -> None:
    from slsguard.findings import Report

    assert render("json", Report(findings=()), group_by="cwe", show_suppressed=True).startswith("{")


def test_report_lists_each_control_with_its_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "serverless.yml").write_text(WILDCARD)
    (tmp_path / ".slsguard.yml").write_text("ignore: [SLS210]\n")
    out = tmp_path / "pci.json"
    args = ["report", "--framework", "pci-dss-4.0", str(tmp_path)]
    assert main([*args, "--format", "json", "-o", str(out)]) == 0
    document = json.loads(out.read_text())
    controls = {item["id"]: item for item in document["controls"]}
    assert [item["id"] for item in document["controls"]] == [
        control.id for control in load("pci-dss-4.0").controls
    ]
    assert controls["7.2.5"]["status"] == "findings"
    assert controls["7.2.5"]["findings"]["SLS101"] == 1
    assert controls["8.6.2"]["status"] == "no findings"
    assert "SLS301" in controls["8.6.2"]["rules_run"]
    assert controls["1.3.1"] == {
        "id": "1.3.1",
        "title": "Inbound traffic to the cardholder data environment is restricted to what is "
        "necessary",
        "status": "not checked",
        "rules": ["SLS210"],
        "rules_run": [],
        "findings": {},
        "suppressed": 0,
    }
    assert controls["1.3.2"]["status"] == "not covered"
    assert sum(document["summary"].values()) == len(controls)
    assert "not a certificate" in document["disclaimer"]

    assert main(args) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0] == f"PCI DSS 4.0: what slsguard checked in {tmp_path}"
    row = next(i for i, line in enumerate(text) if line.startswith("[NOT COVERED] 1.3.2"))
    assert text[row + 1].strip() == "no slsguard rule checks this"
    assert text[-1].startswith(f"{len(controls)} controls: ")


def test_report_needs_a_known_framework(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(WILDCARD)
    assert main(["report", "--framework", "iso-27001", str(tmp_path)]) == 2
    assert main(["report", str(tmp_path)]) == 2
