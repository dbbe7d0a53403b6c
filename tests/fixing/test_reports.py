"""SARIF `fixes` and Markdown ```diff blocks carry each fix's exact edit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from slsguard.findings import FixChange
from slsguard.formats import render
from slsguard.formats.markdown import finding_block
from slsguard.scan import ScanOptions, scan

SCHEMA = Path(__file__).resolve().parents[1] / "schemas/sarif-2.1.0.schema.json"


def apply_replacements(text: str, replacements: list[dict[str, Any]]) -> str:
    """Apply SARIF replacements (ASCII files: UTF-16 columns are characters) bottom up."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return offsets[line - 1] + column - 1

    ordered = sorted(
        replacements,
        key=lambda r: -offset(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
    )
    for item in ordered:
        region = item["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        text = text[:start] + item.get("insertedContent", {}).get("text", "") + text[end:]
    return text


@pytest.mark.parametrize("app", ["orders-api", "thumbnails", "terraform-app"])
def test_sarif_fixes_are_valid_and_exact(workspace: Path, app: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    # Each app folder is its own project root (no git, no configuration): names start there.
    report = scan([Path(app)], ScanOptions(edits=True))
    log = json.loads(render("sarif", report))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert not [error.message for error in validator.iter_errors(log)]
    fixes = [fix for r in log["runs"][0]["results"] for fix in r.get("fixes", [])]
    assert fixes
    for fix in fixes:
        for change in fix["artifactChanges"]:
            path = workspace / app / change["artifactLocation"]["uri"]
            edited = apply_replacements(path.read_text(), change["replacements"])
            assert edited != path.read_text()


def test_sarif_replacements_reproduce_the_fix(workspace: Path) -> None:
    report = scan([Path("orders-api")], ScanOptions(edits=True))
    log = json.loads(render("sarif", report))
    tracing = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "SLS402")
    (change,) = tracing["fixes"][0]["artifactChanges"]
    template = workspace / "orders-api/serverless.yml"
    expected = template.read_text().replace(
        '          Resource: "*"\n\nfunctions:',
        '          Resource: "*"\n  tracing:\n    lambda: true\n\nfunctions:',
    )
    assert apply_replacements(template.read_text(), change["replacements"]) == expected
    assert tracing["fixes"][0]["description"]["text"] == "set tracing on service orders-api (safe)"


def test_markdown_shows_a_diff_block_that_text_cannot_close(workspace: Path) -> None:
    report = scan([Path("orders-api")], ScanOptions(edits=True))
    finding = next(f for f in report.findings if f.rule.id == "SLS402")
    block = finding_block(finding)
    assert "```diff\n--- a/serverless.yml\n" in block  # relative to the project root
    assert "+  tracing:\n+    lambda: true\n" in block
    hostile = FixChange("t", True, (), "+ x: ```\n+ @someone\n")
    sneaky = finding_block(
        type(finding)(
            **{
                **{name: getattr(finding, name) for name in finding.__slots__},
                "changes": (hostile,),
            }
        )
    )
    assert "````diff\n+ x: ```\n+ @someone\n````" in sneaky


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"


@pytest.mark.parametrize(
    ("rule", "folder", "file", "added"),
    [
        (
            "SLS201",
            "unauthenticated-endpoint",
            "serverless-ip-allowlist.yml",
            "authorizer: aws_iam",
        ),
        ("SLS203", "unvalidated-request-body", "sam.yaml", "ValidateBody: true"),
        ("SLS208", "public-event-source", "cloudformation.yaml", "aws:SourceAccount"),
    ],
)
def test_converted_fixes_reach_sarif_and_markdown(
    tmp_path: Path, rule: str, folder: str, file: str, added: str
) -> None:
    """Fixes converted from text to intents carry their exact edit into both reports."""
    import shutil

    shutil.copytree(FIXTURES / folder, tmp_path / folder)
    root = tmp_path / folder
    report = scan([root], ScanOptions(edits=True))
    results = json.loads(render("sarif", report))["runs"][0]["results"]
    fixed = [r for r in results if r["ruleId"] == rule and r.get("fixes")]
    assert fixed
    for result in fixed:
        for change in result["fixes"][0]["artifactChanges"]:
            path = root / change["artifactLocation"]["uri"]
            assert apply_replacements(path.read_text(), change["replacements"]) != path.read_text()
    in_file = [
        f for f in report.findings if f.rule.id == rule and (f.location.file or "").endswith(file)
    ]
    blocks = [finding_block(f) for f in in_file if f.changes]
    assert blocks and all("```diff\n" in block for block in blocks)
    assert any(f"+{' ' * 2}" in block and added in block for block in blocks)
