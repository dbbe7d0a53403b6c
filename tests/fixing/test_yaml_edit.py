"""Located YAML/JSON edits: the smallest change, in the file's style, nothing else touched."""

from __future__ import annotations

import pytest

from slsguard.findings import KeyPath
from slsguard.fixing.text import BOM, Edit, EditError, Raw, Source, apply_edits
from slsguard.fixing.yaml_edit import YamlDocument
from slsguard.loading.yaml import load_text

SERVERLESS = """\
service: orders  # the service
provider:
  name: aws
  runtime: 'nodejs14.x'   # pinned
  iam:
    role:
      statements:
        - Effect: Allow
          Action: s3:GetObject
          Resource: '*'
        - Effect: Allow
          Action: [sqs:SendMessage]
          Resource: '*'

functions:
  create:
    handler: src/create.main
    events:
      - httpApi: POST /orders
    environment:
# a comment at column 0 after an empty mapping
"""


def edited(text: str, make: object) -> str:
    source = Source.decode(text.encode())
    document = YamlDocument(source)
    edit = make(document)  # type: ignore[operator]
    assert isinstance(edit, Edit)
    return source.encode(apply_edits(source.text, [edit])).decode()


def only_added(before: str, after: str) -> list[str]:
    """The lines of `after` that `before` does not have (every old line must survive)."""
    old, new = before.splitlines(), after.splitlines()
    remaining = list(new)
    for line in old:
        remaining.remove(line)
    return remaining


def test_replacing_a_scalar_keeps_its_quotes_and_comment() -> None:
    after = edited(SERVERLESS, lambda d: d.set_value(("provider", "runtime"), "nodejs20.x"))
    assert after == SERVERLESS.replace("'nodejs14.x'   # pinned", "'nodejs20.x'   # pinned")


def test_missing_parents_are_created_at_the_end_of_the_mapping() -> None:
    after = edited(SERVERLESS, lambda d: d.set_value(("provider", "tracing", "lambda"), True))
    assert after == SERVERLESS.replace(
        "          Resource: '*'\n\nfunctions:",
        "          Resource: '*'\n  tracing:\n    lambda: true\n\nfunctions:",
    )


def test_a_key_goes_after_the_named_sibling() -> None:
    after = edited(
        SERVERLESS, lambda d: d.insert_key(("provider",), "logRetentionInDays", 30, after="runtime")
    )
    assert after == SERVERLESS.replace("# pinned\n", "# pinned\n  logRetentionInDays: 30\n")


def test_an_appended_statement_matches_the_list_style() -> None:
    statement = {"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"}
    after = edited(
        SERVERLESS,
        lambda d: d.append_item(("provider", "iam", "role", "statements"), statement),
    )
    assert only_added(SERVERLESS, after) == [
        "        - Effect: Allow",
        "          Action:",
        "            - xray:PutTraceSegments",
        "          Resource: '*'",
    ]
    assert after.index("xray") < after.index("functions:")


def test_appending_to_a_flow_list_stays_inline() -> None:
    path: KeyPath = ("provider", "iam", "role", "statements", 1, "Action")
    after = edited(SERVERLESS, lambda d: d.append_item(path, "sqs:GetQueueUrl"))
    assert after == SERVERLESS.replace("[sqs:SendMessage]", "[sqs:SendMessage, sqs:GetQueueUrl]")


def test_removing_a_list_item_removes_its_lines_only() -> None:
    after = edited(
        SERVERLESS, lambda d: d.remove_item(("provider", "iam", "role", "statements", 0))
    )
    assert after == SERVERLESS.replace(
        "        - Effect: Allow\n          Action: s3:GetObject\n          Resource: '*'\n", "", 1
    )


def test_removing_a_key() -> None:
    after = edited(SERVERLESS, lambda d: d.remove_key(("provider", "runtime")))
    assert after == SERVERLESS.replace("  runtime: 'nodejs14.x'   # pinned\n", "")


def test_an_empty_value_is_filled_in() -> None:
    path: KeyPath = ("functions", "create", "environment", "TABLE")
    after = edited(SERVERLESS, lambda d: d.set_value(path, "orders: main"))
    assert after == SERVERLESS.replace(
        "    environment:\n", "    environment:\n      TABLE: 'orders: main'\n"
    )


def test_serverless_resources_with_intrinsics_as_short_tags() -> None:
    body = {
        "Type": "AWS::SQS::Queue",
        "Properties": {
            "QueueName": {"Fn::Sub": "${AWS::StackName}-dlq"},
            "KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
            "Tags": [{"Key": "team", "Value": {"Ref": "Team"}}],
        },
    }
    after = edited(SERVERLESS, lambda d: d.add_resource("Dlq", body, ("resources", "Resources")))
    assert only_added(SERVERLESS, after) == [
        "resources:",
        "  Resources:",
        "    Dlq:",
        "      Type: AWS::SQS::Queue",
        "      Properties:",
        "        QueueName: !Sub ${AWS::StackName}-dlq",
        "        KmsMasterKeyId: !GetAtt Key.Arn",
        "        Tags:",
        "          - Key: team",
        "            Value: !Ref Team",
    ]
    root = load_text(after, "serverless.yml").root
    assert root["resources"]["Resources"]["Dlq"]["Properties"]["Tags"][0]["Value"] == {
        "Ref": "Team"
    }


SAM_CRLF_BOM = (
    BOM
    + "AWSTemplateFormatVersion: '2010-09-09'\r\n"
    + "Globals:\r\n"
    + "    Function:\r\n"
    + "        Runtime: python3.8 # old\r\n"
    + "Resources:\r\n"
    + "    Fn:\r\n"
    + "        Type: AWS::Serverless::Function\r\n"
    + "        Properties:\r\n"
    + "            Policies:\r\n"
    + "            - S3ReadPolicy:\r\n"
    + "                BucketName: !Ref Bucket\r\n"
    + "            Handler: app.main\r\n"
)


def test_crlf_bom_and_four_space_indentation_survive() -> None:
    source = Source.decode(SAM_CRLF_BOM.encode())
    document = YamlDocument(source)
    assert (source.bom, source.newline, document.unit, document.indent_sequences) == (
        True,
        "\r\n",
        4,
        False,
    )
    statement = {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
    edits = [
        document.set_value(("Globals", "Function", "Tracing"), "Active"),
        document.append_item(("Resources", "Fn", "Properties", "Policies"), statement),
        document.add_resource("Queue", {"Type": "AWS::SQS::Queue"}),
    ]
    data = source.encode(apply_edits(source.text, edits))
    assert data.startswith(BOM.encode())
    assert data.count(b"\n") == data.count(b"\r\n")
    assert (
        data.decode()
        == SAM_CRLF_BOM.replace("# old\r\n", "# old\r\n        Tracing: Active\r\n").replace(
            "!Ref Bucket\r\n",
            "!Ref Bucket\r\n"
            "            - Statement:\r\n"
            "              - Effect: Allow\r\n"
            "                Action: sqs:SendMessage\r\n"
            "                Resource: '*'\r\n",
        )
        + "    Queue:\r\n        Type: AWS::SQS::Queue\r\n"
    )


JSON_TEMPLATE = """\
{
    "Resources": {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.7",
                "Layers": [],
                "Tags": [{"Key": "a", "Value": "b"}],
                "Environment": {}
            }
        }
    }
}
"""


def test_json_set_scalar_and_new_object() -> None:
    path: KeyPath = ("Resources", "Fn", "Properties", "TracingConfig", "Mode")
    after = edited(JSON_TEMPLATE, lambda d: d.set_value(path, "Active"))
    assert after == JSON_TEMPLATE.replace(
        '"Environment": {}\n',
        '"Environment": {},\n'
        '                "TracingConfig": {\n'
        '                    "Mode": "Active"\n'
        "                }\n",
    )


def test_json_inline_and_empty_collections() -> None:
    props: KeyPath = ("Resources", "Fn", "Properties")
    tags = edited(JSON_TEMPLATE, lambda d: d.append_item((*props, "Tags"), {"Key": "c"}))
    assert '"Tags": [{"Key": "a", "Value": "b"}, {"Key": "c"}],' in tags
    layers = edited(JSON_TEMPLATE, lambda d: d.append_item((*props, "Layers"), {"Ref": "L"}))
    assert '"Layers": [\n                    {\n                        "Ref": "L"\n' in layers
    env = edited(JSON_TEMPLATE, lambda d: d.insert_key((*props, "Environment"), "X", "y"))
    assert '"Environment": {\n                    "X": "y"\n                }\n' in env


def test_json_remove_first_and_last_members() -> None:
    props: KeyPath = ("Resources", "Fn", "Properties")
    first = edited(JSON_TEMPLATE, lambda d: d.remove_key((*props, "Runtime")))
    assert first == JSON_TEMPLATE.replace('                "Runtime": "python3.7",\n', "")
    last = edited(JSON_TEMPLATE, lambda d: d.remove_key((*props, "Environment")))
    assert last == JSON_TEMPLATE.replace(
        '"Tags": [{"Key": "a", "Value": "b"}],\n                "Environment": {}',
        '"Tags": [{"Key": "a", "Value": "b"}]',
    )


def test_json_new_resource() -> None:
    after = edited(JSON_TEMPLATE, lambda d: d.add_resource("Logs", {"Type": "AWS::Logs::LogGroup"}))
    assert after.endswith(
        '        },\n        "Logs": {\n'
        '            "Type": "AWS::Logs::LogGroup"\n        }\n    }\n}\n'
    )


def test_raw_text_is_written_verbatim() -> None:
    after = edited(SERVERLESS, lambda d: d.set_value(("provider", "kmsKeyArn"), Raw("${ssm:/k}")))
    assert "  kmsKeyArn: ${ssm:/k}\n" in after


@pytest.mark.parametrize(
    ("text", "path", "reason"),
    [
        ("a: &x {b: 1}\nc: *x\n", ("c", "b"), "alias"),
        ("base: &b\n  x: 1\nd:\n  <<: *b\n", ("d", "x"), "merge key"),
        ("a: 1\n", ("a", "b"), "not a mapping"),
        ("a: &x 1\n", ("a",), "anchored"),
    ],
)
def test_places_that_cannot_be_edited_exactly(text: str, path: KeyPath, reason: str) -> None:
    document = YamlDocument(Source.decode(text.encode()))
    with pytest.raises(EditError, match=reason):
        document.set_value(path, 2)


def test_an_invalid_file_is_refused() -> None:
    with pytest.raises(EditError, match="does not parse"):
        YamlDocument(Source.decode(b"a: [1,\n"))


def test_quoting_follows_the_file_and_keeps_strings_strings() -> None:
    document = YamlDocument(Source.decode(b'a: "x"\nb: "y"\n'))
    assert document.quote == '"'
    edit = document.insert_key((), "c", "yes")
    assert edit.new == 'c: "yes"\n'
    assert document.insert_key((), "d", "plain text").new == "d: plain text\n"


def test_conflicting_edits_are_refused() -> None:
    with pytest.raises(EditError, match="same place"):
        apply_edits("abcdef", [Edit(1, 4, "x"), Edit(2, 3, "y")])
    with pytest.raises(EditError, match="same place"):
        apply_edits("abc", [Edit(1, 1, "x", "k"), Edit(2, 2, "y", "k")])
    assert apply_edits("abc", [Edit(1, 1, "x", "k"), Edit(1, 1, "x", "k")]) == "axbc"


def test_a_parent_from_a_file_variable_is_named() -> None:
    document = YamlDocument(Source.decode(b"resources: ${file(resources.yml)}\n"))
    with pytest.raises(EditError, match=r"comes from a variable or reference \(\$\{file"):
        document.add_resource("Q", {"Type": "AWS::SQS::Queue"}, ("resources", "Resources"))
