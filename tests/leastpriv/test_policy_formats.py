"""`slsguard policy` prints one valid document in every format, for every fixture app
with analysed handler code: JSON (an object keyed by function), complete HCL (parsed with
python-hcl2), and YAML for Serverless, SAM and CloudFormation."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from slsguard.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
APPS = [
    *sorted((FIXTURES / "rules" / "missing-permission").iterdir()),
    *sorted((FIXTURES / "rules" / "overprivileged-function").iterdir()),
    FIXTURES / "leastpriv" / "e2e-python",
    FIXTURES / "leastpriv" / "e2e-node",
    FIXTURES / "leastpriv" / "terraform-python",
    Path(__file__).resolve().parent / "fixtures" / "powertools",
]


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (`!GetAtt`, `!Ref`, `!Sub`) kept as data."""


def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tagged)


def _policy(app: Path, syntax: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["policy", str(app), "--format", syntax]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_json_is_one_document_keyed_by_function(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(_policy(app, "json", capsys))
    assert document and all(p["Version"] == "2012-10-17" for p in document.values())
    assert all(s["Effect"] == "Allow" for p in document.values() for s in p["Statement"])


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_terraform_is_complete_hcl(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parsed = hcl2.load(io.StringIO(_policy(app, "terraform", capsys)))
    kinds = [label.strip('"') for block in parsed["data"] for label in block]
    assert kinds[:2] == ["aws_region", "aws_caller_identity"]
    assert "aws_iam_policy_document" in kinds
    key = '"aws_iam_policy_document"'
    documents = [block[key] for block in parsed["data"] if key in block]
    statements = [
        s
        for d in documents
        if isinstance(d, dict)
        for body in d.values()
        for s in body.get("statement", [])
    ]
    assert statements and all(s["actions"] and s["resources"] for s in statements)


@pytest.mark.parametrize("syntax", ["serverless", "sam", "cloudformation"])
@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_yaml_formats_parse(app: Path, syntax: str, capsys: pytest.CaptureFixture[str]) -> None:
    documents = list(yaml.load_all(_policy(app, syntax, capsys), Loader=_CfnLoader))
    assert documents and all(isinstance(d, list) for d in documents)


def test_an_unknown_function_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    app = FIXTURES / "rules" / "missing-permission" / "orders"
    assert main(["policy", str(app), "--function", "nope"]) == 2
    assert "no function named nope (functions: worker)" in capsys.readouterr().err


def test_json_keys_functions_two_templates_share_by_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = """Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
"""
    code = "import boto3\n\n\ndef handler(event, context):\n"
    code += '    boto3.client("sqs").list_queues()\n'
    for folder in ("a", "b"):
        (tmp_path / folder / "src").mkdir(parents=True)
        (tmp_path / folder / "template.yaml").write_text(template, encoding="utf-8")
        (tmp_path / folder / "src" / "app.py").write_text(code, encoding="utf-8")
    assert main(["policy", str(tmp_path), "--format", "json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {
        "a/template.yaml:Worker",
        "b/template.yaml:Worker",
    }
