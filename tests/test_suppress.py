"""Inline suppressions: what an ignore covers, what it suppresses, and how reports show it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.findings import Finding, Location, Severity
from slsguard.rules import find_rule
from slsguard.scan import ScanOptions, scan
from slsguard.suppress import apply, find_ignores

SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-2.1.0.schema.json"

TEMPLATE = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow  # slsguard: ignore[wildcard-iam-action, SLS105] the migration role
          Action: "*"
          Resource: "*"
        # slsguard: ignore[SLS102] reads public assets of any bucket
        - Effect: Allow
          Action: s3:GetObject
          Resource: "*"
functions:
  create:  # slsguard: ignore[plaintext-secret-in-environment] a throwaway test database
    handler: handler.create
    environment:
      DB_PASSWORD: Zq8vN2pLx7Rt
  report:
    handler: handler.report
    environment:
      API_PASSWORD: Pw9rT4mKx2Lq
"""


def _spans(text: str, name: str = "serverless.yml") -> list[tuple[int, int, int]]:
    return [(i.line, i.first, i.last) for i in find_ignores(name, text)]


def test_a_comment_covers_its_line_or_the_block_its_line_opens() -> None:
    # (comment line, first covered line, last covered line)
    assert _spans(TEMPLATE) == [(8, 8, 10), (11, 12, 14), (16, 16, 19)]


def test_block_scalars_flow_values_and_trailing_keys() -> None:
    text = (
        "a:\n"
        "  script: |  # slsguard: ignore[SLS303] sample\n"
        "    line one\n"
        "    line two\n"
        "  list: [1,\n"
        "    2]  # slsguard: ignore[SLS303] sample\n"
        "  last: 1  # slsguard: ignore[SLS303] sample\n"
    )
    assert _spans(text) == [(2, 2, 4), (6, 6, 6), (7, 7, 7)]


def test_python_and_brace_languages_use_indentation_and_braces() -> None:
    python = (
        "def handler(event, context):  # slsguard: ignore[SLS305] fixture\n"
        "    token = 'x'\n"
        "\n"
        "    return token\n"
        "other = 1\n"
    )
    assert _spans(python, "src/handler.py") == [(1, 1, 4)]
    javascript = (
        "// slsguard: ignore[SLS305] fixture\n"
        "exports.handler = async (event) => {\n"
        "  const token = 'x';\n"
        "};\n"
        "const other = 1; // slsguard: ignore[SLS305] one line\n"
    )
    assert _spans(javascript, "src/handler.js") == [(1, 2, 4), (5, 5, 5)]


def test_reason_and_rule_list_are_parsed() -> None:
    [ignore] = find_ignores(
        "t.yml", "a: 1  # slsguard: ignore[ SLS101 ,wildcard-iam-resource ] - ok\n"
    )
    assert ignore.rules == ("SLS101", "wildcard-iam-resource")
    assert ignore.reason == "ok"
    assert ignore.column == 7
    [bare] = find_ignores("t.yml", "a: 1  # slsguard: ignore\n")
    assert bare.rules == () and bare.reason == ""


def test_json_metadata_covers_its_resource() -> None:
    text = json.dumps(
        {
            "Resources": {
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Metadata": {"slsguard": {"ignore": [{"rule": "SLS107", "reason": "r"}]}},
                    "Properties": {"Handler": "index.handler"},
                },
                "Other": {"Type": "AWS::SQS::Queue"},
            }
        },
        indent=2,
    )
    [ignore] = find_ignores("template.json", text)
    assert (ignore.rules, ignore.reason, ignore.metadata) == (("SLS107",), "r", True)
    lines = text.splitlines()
    assert lines[ignore.first - 1].strip().startswith('"Fn"')
    assert lines[ignore.last - 1].strip() == "},"
    assert lines[ignore.last].strip().startswith('"Other"')


def test_suppressed_findings_are_kept_aside_with_their_reason(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(TEMPLATE)
    report = scan([tmp_path], ScanOptions(select=("SLS101", "SLS102", "SLS105", "SLS301")))
    suppressed = {
        (f.rule.id, f.location.line, f.suppression.reason)
        for f in report.suppressed
        if f.suppression
    }
    assert suppressed == {
        ("SLS101", 9, "the migration role"),
        ("SLS105", 9, "the migration role"),
        ("SLS102", 14, "reads public assets of any bucket"),
        ("SLS301", 19, "a throwaway test database"),
    }
    assert [(f.rule.id, f.location.line) for f in report.findings] == [("SLS301", 23)]


def test_unused_ignores_are_judged_only_for_rules_that_ran(tmp_path: Path) -> None:
    text = TEMPLATE.replace("  report:\n", "  report:  # slsguard: ignore[SLS101] nothing here\n")
    (tmp_path / "serverless.yml").write_text(text)
    everything = scan([tmp_path], ScanOptions(enable=("SLS007",)))
    unused = [(f.location.line, f.message) for f in everything.findings if f.rule.id == "SLS007"]
    assert unused == [
        (
            20,
            "`slsguard: ignore[SLS101] nothing here` suppresses nothing: "
            "no SLS101 finding on lines 20-23",
        )
    ]
    narrowed = scan([tmp_path], ScanOptions(select=("SLS102", "SLS007")))
    assert [f.rule.id for f in narrowed.findings] == []
    assert [f.rule.id for f in narrowed.suppressed] == ["SLS102"]


def test_the_innermost_ignore_is_used_and_internal_errors_are_never_suppressed(
    tmp_path: Path,
) -> None:
    text = "a:  # slsguard: ignore[SLS101] outer\n  b: 1  # slsguard: ignore[SLS101] inner\n"
    (tmp_path / "t.yml").write_text(text)
    internal_error, wildcard = find_rule("SLS003"), find_rule("SLS101")
    assert internal_error is not None and wildcard is not None
    where = Location("template", "t.yml", 2, 3)
    findings = [
        Finding(wildcard.info, Severity.HIGH, "wildcard", where),
        Finding(internal_error.info, Severity.HIGH, "crash", where),
    ]
    outcome = apply(findings, {"t.yml": tmp_path / "t.yml"}, {"SLS101", "SLS003", "SLS007"})
    assert [f.rule.id for f in outcome.kept] == ["SLS003"]
    [suppressed] = outcome.suppressed
    assert suppressed.suppression is not None and suppressed.suppression.reason == "inner"
    assert [(rule, v.origin.line) for rule, v in outcome.problems] == [("SLS007", 1)]


def test_exit_code_ignores_suppressed_findings_and_text_can_show_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "serverless.yml").write_text(TEMPLATE)
    args = ["scan", str(tmp_path), "--select", "SLS101,SLS102,SLS105", "--color", "never"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "No findings in 1 app, 2 functions; 3 suppressed;" in out
    assert "SLS101" not in out
    assert main([*args, "--show-suppressed"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert "Suppressed (3)" in shown
    notes = [line.strip() for line in shown if line.strip().startswith("suppressed: ")]
    assert len(notes) == 3
    assert notes[0].startswith("suppressed: the migration role (")
    assert notes[0].endswith("serverless.yml:8)")


def test_sarif_marks_suppressed_results_and_validates(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    (tmp_path / "serverless.yml").write_text(TEMPLATE)
    out = tmp_path / "r.sarif"
    main(["scan", str(tmp_path), "--select", "SLS101,SLS301", "--format", "sarif", "-o", str(out)])
    sarif = json.loads(out.read_text())
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    results = {
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r
        for r in sarif["runs"][0]["results"]
    }
    assert set(results) == {("SLS101", 9), ("SLS301", 19), ("SLS301", 23)}
    assert results[("SLS101", 9)]["suppressions"] == [
        {"kind": "inSource", "justification": "the migration role"}
    ]
    assert "suppressions" not in results[("SLS301", 23)]
