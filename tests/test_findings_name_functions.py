"""Findings name their function: every finding about one function's code or configuration
carries it, lists of names say how many were left out, resources are named, not written as
template expressions (issue 15, item 7).

Checked on the example apps of the repository, on a small app with the shapes found on real
projects (OWASP DVSA, aws-serverless-ecommerce-platform), and on the shared corpus when present.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.findings import Finding, name_list
from slsguard.project import find as find_project
from slsguard.scan import ScanOptions, scan

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CORPUS = Path(
    os.environ.get("SLSGUARD_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)

# One function behind an API, fed by a queue, with a managed policy and a permission written
# with `!Ref`: each of its findings is about that one function.
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Receipts:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.9
      Handler: app.handler
      CodeUri: code/
      Timeout: 60
      Policies:
        - AmazonSESFullAccess
        - Statement:
            - Effect: Allow
              Action: sts:GetCallerIdentify
              Resource: "*"
      Events:
        Api:
          Type: Api
          Properties:
            Path: /receipts
            Method: post
        Messages:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
  ReceiptsPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Receipts
      Principal: apigateway.amazonaws.com
  Nested:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: shared/dlq.yaml
  Outside:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ../../elsewhere/dlq.yaml
"""

HANDLER = """\
import os


def handler(event, context):
    for record in event["Records"]:
        os.system("convert " + record["body"])
"""

_COUNTED_LIST = re.compile(r"(\d+) functions \(([^)]*)\)")
_MORE = re.compile(r" and (\d+) more$")
_RAW = re.compile(r"!Ref |!GetAtt |\{'Ref'|\{'Fn::")


def _cut_lists(finding: Finding) -> list[str]:
    """The `N functions (a, b)` lists of a message whose names and `and M more` miss some."""
    cut = []
    for match in _COUNTED_LIST.finditer(finding.message):
        listed = match.group(2)
        more = _MORE.search(listed)
        shown = len(_MORE.sub("", listed).split(", "))
        if shown + (int(more.group(1)) if more else 0) != int(match.group(1)):
            cut.append(match.group(0))
    return cut


def _problems(findings: list[Finding]) -> list[str]:
    """What item 7 forbids, one line per finding that does it."""
    problems = []
    for finding in findings:
        where = f"{finding.rule.id} {finding.message[:120]}"
        if len(finding.functions) == 1 and finding.function != finding.functions[0]:
            problems.append(f"about one function but does not name it: {where}")
        if finding.function is not None and finding.function not in finding.functions:
            problems.append(f"names a function it does not concern: {where}")
        problems.extend(f"list cut silently ({cut}): {where}" for cut in _cut_lists(finding))
        if re.search(r"\brole (!|\$\{|\{)", finding.message):
            problems.append(f"role named by a template expression: {where}")
        if finding.location.kind == "source" and _RAW.search(finding.message):
            problems.append(f"trigger named by a template expression: {where}")
    return problems


@pytest.fixture(scope="module")
def receipts(tmp_path_factory: pytest.TempPathFactory) -> list[Finding]:
    root = tmp_path_factory.mktemp("receipts")
    app = root / "service"
    (app / "code").mkdir(parents=True)
    (app / "code" / "app.py").write_text(HANDLER)
    (app / "shared").mkdir()
    (app / "template.yaml").write_text(TEMPLATE)
    report = scan([app], ScanOptions(project=find_project([app], root=app)))
    return list(report.findings)


def test_every_finding_about_the_one_function_names_it(receipts: list[Finding]) -> None:
    about = {
        finding.rule.id
        for finding in receipts
        if finding.function == "Receipts" and finding.functions == ("Receipts",)
    }
    # managed policy, unknown action, API stage (WAF, throttling, logging), queue (TLS,
    # redrive), the permission written with `!Ref`, the runtime, code injection
    assert {
        "SLS103",
        "SLS108",
        "SLS204",
        "SLS209",
        "SLS403",
        "SLS207",
        "SLS502",
        "SLS107",
        "SLS501",
        "SLS601",
    } <= about
    assert _problems(receipts) == []


def test_resources_are_named_not_written_as_expressions(receipts: list[Finding]) -> None:
    by_rule = {finding.rule.id: finding for finding in receipts}
    assert by_rule["SLS107"].message.startswith("permission on function Receipts:")
    assert "from sqs Queue reaches" in by_rule["SLS601"].message


def test_a_missing_nested_template_says_whether_it_is_outside(receipts: list[Finding]) -> None:
    notes = sorted(f.message for f in receipts if f.rule.id == "SLS004" and "nested" in f.message)
    assert notes == [
        "nested stack Nested uses a template slsguard cannot read: shared/dlq.yaml "
        "(file not found)",
        "nested stack Outside uses a template slsguard cannot read: ../../elsewhere/dlq.yaml "
        "(outside the scan root)",
    ]


def test_name_lists_say_how_many_more() -> None:
    assert name_list(["a", "b"]) == "a, b"
    assert name_list(["a", "b", "c", "d", "e", "f"]) == "a, b, c, d and 2 more"
    assert name_list(["a", "a", "b"], 1) == "a and 1 more"


def test_example_apps() -> None:
    project = find_project([EXAMPLES], root=EXAMPLES)
    report = scan([EXAMPLES], ScanOptions(project=project))
    assert any(finding.function for finding in report.findings)
    assert _problems(list(report.findings)) == []


def test_corpus() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-world corpus {CORPUS} is absent (see SLSGUARD_CORPUS)")
    report = scan([CORPUS])
    assert _problems(list(report.findings)) == []


SHARED_ROLE = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [secretsmanager:GetSecretValue]
          Resource: "*"
functions:
  create:
    handler: handler.create
  refund:
    handler: handler.refund
"""


def test_json_lists_every_function_a_finding_is_about(tmp_path: Path) -> None:
    """A statement of the shared provider role is about both functions, and so is the note
    that their one handler file is missing: `function` is null and `functions` names them."""
    (tmp_path / "serverless.yml").write_text(SHARED_ROLE, encoding="utf-8")
    out = tmp_path / "report.json"
    main(["scan", str(tmp_path), "--select", "SLS102,SLS004", "--format", "json", "-o", str(out)])
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    about = {item["rule_id"]: (item["function"], item["functions"]) for item in findings}
    both = (None, ["create", "refund"])
    assert about == {"SLS102": both, "SLS004": both}


def test_a_module_finding_names_only_the_functions_that_reach_the_module(tmp_path: Path) -> None:
    """Two functions, each in its own handler file under one code root: a file-level hit in
    one file is about the function whose handler reaches that file, not the other one."""
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n"
        "  open:\n    handler: open_route.handler\n"
        "  other:\n    handler: other.handler\n"
    )
    (tmp_path / "open_route.py").write_text(
        'import hmac\n\nKEY = b"k3y-Used-t0-sign-Every-0rder"\n\n\n'
        "def handler(event, context):\n"
        '    return hmac.new(KEY, event["body"].encode(), "sha256").hexdigest()\n'
    )
    (tmp_path / "other.py").write_text("def handler(event, context):\n    return 1\n")
    report = scan([tmp_path], ScanOptions(project=find_project([tmp_path], root=tmp_path)))
    code = [f for f in report.findings if f.location.file.endswith("open_route.py")]
    assert code, "the signing-key constant is reported"
    assert {f.functions for f in code} == {("open",)}
