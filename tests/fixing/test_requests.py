"""A dialect's located request becomes edits in the file's own style."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from slsguard.findings import KeyPath
from slsguard.fixing.hcl_edit import BlockRef, HclDocument
from slsguard.fixing.requests import block_path, text_edits
from slsguard.fixing.text import EditError, Source, apply_edits
from slsguard.fixing.yaml_edit import YamlDocument


@dataclass(frozen=True, slots=True)
class Request:
    file: str
    anchor: KeyPath
    action: str
    text: str
    key: str = ""


MAIN_TF = """\
resource "aws_lambda_function" "f" {
  runtime = "python3.9"
  tracing_config {
    mode = "PassThrough"
  }
}
"""


def hcl(request: Request, text: str = MAIN_TF) -> str:
    source = Source.decode(text.encode())
    return apply_edits(source.text, text_edits(HclDocument(source), request))


def yml(request: Request, text: str) -> str:
    source = Source.decode(text.encode())
    return apply_edits(source.text, text_edits(YamlDocument(source), request))


def test_a_block_body_merges_into_the_existing_nested_block() -> None:
    request = Request(
        "main.tf", ("aws_lambda_function.f",), "set", 'mode = "Active"', "tracing_config"
    )
    assert hcl(request) == MAIN_TF.replace('"PassThrough"', '"Active"')


def test_an_expression_replaces_the_argument() -> None:
    request = Request("main.tf", ("aws_lambda_function.f",), "set", '"python3.13"', "runtime")
    assert hcl(request) == MAIN_TF.replace('"python3.9"', '"python3.13"')


def test_appended_resources_are_named_by_their_blocks() -> None:
    text = 'resource "aws_sqs_queue" "a" {\n  name = "a"\n}\n'
    (edit,) = text_edits(
        HclDocument(Source.decode(MAIN_TF.encode())), Request("main.tf", (), "append", text)
    )
    assert edit.target == 'resource "aws_sqs_queue" "a"'
    with pytest.raises(EditError, match="already exists"):
        text_edits(
            HclDocument(Source.decode(MAIN_TF.encode())),
            Request("main.tf", (), "append", 'resource "aws_lambda_function" "f" {\n}\n'),
        )


def test_values_the_user_must_choose_are_never_written() -> None:
    request = Request("t.yml", ("Resources",), "set", "AlarmActions: [<SNS topic ARN>]", "A")
    with pytest.raises(EditError, match="must be chosen by you: <SNS topic ARN>"):
        yml(request, "Resources:\n  B: {}\n")
    tf = Request("main.tf", (), "append", 'resource "x" "y" {\n  a = ["<web ACL ARN>"]\n}\n')
    with pytest.raises(EditError, match="<web ACL ARN>"):
        hcl(tf)


def test_yaml_set_merges_into_existing_mappings() -> None:
    text = "provider:\n  name: aws\n  tracing:\n    apiGateway: true\n"
    request = Request("s.yml", ("provider",), "set", "lambda: true", "tracing")
    assert yml(request, text) == text + "    lambda: true\n"


def test_yaml_remove_and_append_item() -> None:
    text = "Statement:\n  - Sid: a\n  - Sid: b\n"
    assert yml(Request("t.yml", ("Statement", 0), "remove", ""), text) == "Statement:\n  - Sid: b\n"
    appended = yml(Request("t.yml", ("Statement",), "append-item", "Sid: c"), text)
    assert appended == text + "  - Sid: c\n"


def test_addresses_name_the_block_in_the_file() -> None:
    assert block_path("module.m.aws_sqs_queue.q[0]") == [
        BlockRef("resource", ("aws_sqs_queue", "q"))
    ]
    assert block_path("data.aws_iam_policy_document.p") == [
        BlockRef("data", ("aws_iam_policy_document", "p"))
    ]
    with pytest.raises(EditError):
        block_path("local")


def test_replaced_statements_take_the_list_style_of_the_file() -> None:
    text = (
        "provider:\n  iam:\n    role:\n      statements:\n"
        "        - Effect: Allow\n          Action: dynamodb:*\n          Resource: '*'\n"
        "functions: {}\n"
    )
    minimal = (
        "# handler.py:14 table.put_item\n"
        "- Effect: Allow\n  Action:\n    - dynamodb:PutItem\n  Resource:\n    - !GetAtt Table.Arn\n"
    )
    anchor: KeyPath = ("provider", "iam", "role", "statements")
    after = yml(Request("s.yml", anchor, "replace", minimal), text)
    assert after == (
        "provider:\n  iam:\n    role:\n      statements:\n"
        "        - Effect: Allow\n          Action:\n            - dynamodb:PutItem\n"
        "          Resource:\n            - !GetAtt Table.Arn\n"
        "functions: {}\n"
    )


def test_one_statement_is_replaced_by_several_in_its_place() -> None:
    text = "Statement:\n  - Sid: a\n    Action: s3:*\n  - Sid: b\n"
    request = Request("t.yml", ("Statement", 0), "replace", "- Sid: a1\n- Sid: a2\n")
    assert yml(request, text) == "Statement:\n  - Sid: a1\n  - Sid: a2\n  - Sid: b\n"
    flow = "Statement: [{Sid: a}, {Sid: b}]\n"
    assert yml(Request("t.yml", ("Statement", 1), "replace", "[{Sid: c}]"), flow) == (
        "Statement: [{Sid: a}, {Sid: c}]\n"
    )


def test_a_fix_naming_a_resource_the_template_lacks_is_refused() -> None:
    text = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\nGlobals:\n  Api: {}\n"
    request = Request(
        "t.yml", ("Globals", "Api"), "set", "DestinationArn: !GetAtt AccessLogs.Arn", "AccessLog"
    )
    with pytest.raises(EditError, match="refers to AccessLogs, which the template does not"):
        yml(request, text)
    own = Request("t.yml", ("Globals", "Api"), "set", "Target: !Ref Fn", "T")
    assert "Target: !Ref Fn" in yml(own, text)


def test_two_fixes_meeting_at_one_point_keep_their_nesting(tmp_path: Path) -> None:
    from slsguard.fixing.text import first_conflict

    text = "Globals:\n  Function:\n    Timeout: 5\nResources: {}\n"
    document = YamlDocument(Source.decode(text.encode()))
    tracing = document.set_value(("Globals", "Function", "Tracing"), "Active")
    api = document.set_value(("Globals", "HttpApi", "X"), 1)
    assert tracing.start == api.start
    assert first_conflict([tracing], [api]) is tracing
