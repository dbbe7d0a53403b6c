"""Located Terraform edits: attributes, nested and top-level blocks, removals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from slsguard.fixing.hcl_edit import BlockRef, HclDocument, NewBlock, hcl_value
from slsguard.fixing.text import Edit, EditError, Raw, Source, apply_edits
from slsguard.loading.terraform.hcl import parse_hcl

MAIN = """\
# Payments
resource "aws_lambda_function" "charge" {
  function_name = "charge" # the name
  runtime       = "python3.8"
  role          = aws_iam_role.lambda.arn

  environment {
    variables = {
      TABLE = "payments"
    }
  }
}

resource "aws_cloudwatch_log_group" "empty" {}
"""

CHARGE = [BlockRef("resource", ("aws_lambda_function", "charge"))]


def edited(make: Callable[[HclDocument], Edit], text: str = MAIN) -> str:
    source = Source.decode(text.encode())
    result = source.encode(apply_edits(source.text, [make(HclDocument(source))])).decode()
    parse_hcl(result)
    return result


def test_replacing_an_expression_keeps_alignment_and_comments() -> None:
    after = edited(lambda d: d.set_attribute(CHARGE, "runtime", "python3.12"))
    assert after == MAIN.replace('"python3.8"', '"python3.12"')


def test_a_new_attribute_follows_the_last_one_aligned() -> None:
    after = edited(lambda d: d.set_attribute(CHARGE, "kms_key_arn", Raw("aws_kms_key.k.arn")))
    assert after == MAIN.replace(
        "lambda.arn\n", "lambda.arn\n  kms_key_arn   = aws_kms_key.k.arn\n"
    )


def test_a_nested_block_is_created_before_the_closing_brace() -> None:
    after = edited(lambda d: d.set_nested(CHARGE, "tracing_config", "mode", "Active"))
    assert after == MAIN.replace(
        "    }\n  }\n}\n",
        '    }\n  }\n  tracing_config {\n    mode = "Active"\n  }\n}\n',
        1,
    )


def test_an_existing_nested_block_is_edited_in_place() -> None:
    text = MAIN.replace(
        "  environment {", '  tracing_config {\n    mode = "PassThrough"\n  }\n\n  environment {'
    )
    after = edited(lambda d: d.set_nested(CHARGE, "tracing_config", "mode", "Active"), text)
    assert after == text.replace('"PassThrough"', '"Active"')


def test_an_empty_one_line_block_opens_up() -> None:
    group = [BlockRef("resource", ("aws_cloudwatch_log_group", "empty"))]
    after = edited(lambda d: d.set_attribute(group, "retention_in_days", 30))
    assert after.endswith('"empty" {\n  retention_in_days = 30\n}\n')


def test_a_resource_at_the_end_and_after_a_block() -> None:
    group = NewBlock(
        "resource",
        ("aws_cloudwatch_log_group", "charge"),
        (
            ("name", Raw('"/aws/lambda/${aws_lambda_function.charge.function_name}"')),
            ("retention_in_days", 30),
        ),
    )
    at_end = edited(lambda d: d.add_block(group))
    assert at_end == MAIN + (
        '\nresource "aws_cloudwatch_log_group" "charge" {\n'
        '  name              = "/aws/lambda/${aws_lambda_function.charge.function_name}"\n'
        "  retention_in_days = 30\n"
        "}\n"
    )
    queue = NewBlock("resource", ("aws_sqs_queue", "dlq"), (("name", "charge-dlq"),))
    after = edited(lambda d: d.add_block(queue, after=CHARGE))
    assert after == MAIN.replace(
        "}\n\nresource",
        '}\n\nresource "aws_sqs_queue" "dlq" {\n  name = "charge-dlq"\n}\n\nresource',
        1,
    )


def test_removals_take_their_lines_and_no_blank_line_is_left() -> None:
    no_role = edited(lambda d: d.remove_attribute(CHARGE, "role"))
    assert no_role == MAIN.replace("  role          = aws_iam_role.lambda.arn\n", "")
    no_env = edited(lambda d: d.remove_block([*CHARGE, BlockRef("environment")]))
    assert no_env == MAIN.replace(
        '\n  environment {\n    variables = {\n      TABLE = "payments"\n    }\n  }\n', "\n", 1
    ).replace("lambda.arn\n\n}", "lambda.arn\n}")


def test_crlf_is_kept_in_new_lines() -> None:
    text = MAIN.replace("\n", "\r\n")
    after = edited(lambda d: d.set_nested(CHARGE, "tracing_config", "mode", "Active"), text)
    assert after.count("\n") == after.count("\r\n")
    assert '  tracing_config {\r\n    mode = "Active"\r\n  }\r\n}' in after


def test_statement_blocks_are_addressed_by_index() -> None:
    text = (
        'data "aws_iam_policy_document" "p" {\n'
        '  statement {\n    actions = ["s3:*"]\n  }\n'
        '  statement {\n    actions = ["sqs:*"]\n  }\n'
        "}\n"
    )
    path = [BlockRef("data", ("aws_iam_policy_document", "p")), BlockRef("statement", index=1)]
    after = edited(lambda d: d.remove_block(path), text)
    assert after == text.replace('  statement {\n    actions = ["sqs:*"]\n  }\n', "")


def test_what_cannot_be_edited_is_refused() -> None:
    document = HclDocument(Source.decode(b'resource "a" "b" { x = 1 }\n'))
    with pytest.raises(EditError, match="one line"):
        document.set_attribute([BlockRef("resource", ("a", "b"))], "y", 2)
    with pytest.raises(EditError, match="no block"):
        document.set_attribute([BlockRef("resource", ("a", "c"))], "y", 2)
    with pytest.raises(EditError, match="does not parse"):
        HclDocument(Source.decode(b"resource {\n"))


def test_values() -> None:
    assert hcl_value({"a": [1, True, None], "long_name": "x${y}"}) == (
        '{\n  a         = [1, true, null]\n  long_name = "x$${y}"\n}'
    )


def test_values_set_elsewhere_are_not_replaced_but_written_ones_are() -> None:
    text = (
        'resource "aws_lambda_function" "f" {\n'
        "  runtime = var.runtime\n"
        '  handler = "${local.prefix}.main"\n'
        '  policy  = jsonencode({ a = "b" })\n'
        "}\n"
    )
    document = HclDocument(Source.decode(text.encode()))
    path = [BlockRef("resource", ("aws_lambda_function", "f"))]
    with pytest.raises(EditError, match=r"var\.runtime"):
        document.set_attribute(path, "runtime", "python3.13")
    with pytest.raises(EditError, match="change the value where it is defined"):
        document.set_attribute(path, "handler", "x.main")
    edit = document.set_attribute(path, "policy", Raw('jsonencode({ a = "c" })'))
    assert edit.new == 'jsonencode({ a = "c" })'
