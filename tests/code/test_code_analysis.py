"""Handler code analysis end to end: locating code, trigger-aware severity, flows in output."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from slsguard.code.locate import locate
from slsguard.code.model import HandlerSource
from slsguard.discovery import discover
from slsguard.findings import Finding, Report, Severity
from slsguard.formats import render
from slsguard.loading import LoadOptions, load_all
from slsguard.scan import ScanOptions, scan

SCHEMA = Path(__file__).resolve().parents[1] / "schemas/sarif-2.1.0.schema.json"

SLS = """service: orders
provider:
  name: aws
  runtime: {runtime}
functions:
  create:
    handler: {handler}
{events}"""

SQL_HANDLER = """import sqlite3


def create(event, context):
    customer = event["queryStringParameters"]["customer"]
    query = "SELECT * FROM orders WHERE customer = '" + customer + "'"
    return sqlite3.connect(":memory:").execute(query).fetchall()
"""


@pytest.fixture
def here(tmp_path: Path) -> Iterator[Path]:
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(previous)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _service(events: str, handler: str = "handler.create", runtime: str = "python3.12") -> str:
    return SLS.format(runtime=runtime, handler=handler, events=events)


def _findings(root: Path, *select: str) -> list[Finding]:
    report = scan([root], ScanOptions(select=select or ("SLS6", "SLS004", "SLS001")))
    return list(report.findings)


def test_public_endpoint_raises_and_authenticated_keeps(here: Path) -> None:
    public = "    events:\n      - httpApi: GET /orders\n"
    _write(here / "a", {"serverless.yml": _service(public), "handler.py": SQL_HANDLER})
    private = "    events:\n      - http:\n          path: orders\n          method: get\n"
    private += "          authorizer: aws_iam\n"
    _write(here / "b", {"serverless.yml": _service(private), "handler.py": SQL_HANDLER})
    (found_a,) = _findings(here / "a", "SLS603")
    (found_b,) = _findings(here / "b", "SLS603")
    assert found_a.severity is Severity.CRITICAL
    assert found_b.severity is Severity.HIGH
    assert "the query string" in found_a.message and "GET /orders" in found_a.message


def test_schedule_lowers_and_direct_invocation_is_a_source(here: Path) -> None:
    scheduled = "    events:\n      - schedule: rate(1 hour)\n"
    handler = SQL_HANDLER.replace('["queryStringParameters"]["customer"]', '["customer"]')
    _write(here / "s", {"serverless.yml": _service(scheduled), "handler.py": handler})
    _write(here / "d", {"serverless.yml": _service(""), "handler.py": handler})
    (found_s,) = _findings(here / "s", "SLS603")
    (found_d,) = _findings(here / "d", "SLS603")
    assert found_s.severity is Severity.MEDIUM
    assert found_d.severity is Severity.HIGH
    assert "direct invocation" in found_d.message


def test_trigger_decides_the_source(here: Path) -> None:
    # An SQS body is input; the same code behind an S3 trigger reads a trusted field.
    handler = """import os


def create(event, context):
    for record in event["Records"]:
        os.system("echo " + record["body"])
"""
    sqs = "    events:\n      - sqs: arn:aws:sqs:us-east-1:123456789012:q\n"
    s3 = "    events:\n      - s3: uploads\n"
    _write(here / "q", {"serverless.yml": _service(sqs), "handler.py": handler})
    _write(here / "o", {"serverless.yml": _service(s3), "handler.py": handler})
    assert [f.rule.id for f in _findings(here / "q", "SLS601")] == ["SLS601"]
    assert _findings(here / "o", "SLS601") == []


def test_flow_is_in_text_and_sarif_with_code_flows(here: Path) -> None:
    public = "    events:\n      - httpApi: GET /orders\n"
    _write(here, {"serverless.yml": _service(public), "handler.py": SQL_HANDLER})
    report = scan([here], ScanOptions(select=("SLS603",)))
    (finding,) = report.findings
    assert finding.location.kind == "source"
    assert finding.location.symbol == "create"
    assert [step.line for step in finding.flow] == [5, 6, 7]
    text = render("text", report)
    assert "path:" in text and "handler.py:5:" in text
    sarif = json.loads(render("sarif", report))
    flow = sarif["runs"][0]["results"][0]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [item["location"]["physicalLocation"]["region"]["startLine"] for item in flow] == [
        5,
        6,
        7,
    ]
    _validate(sarif)


def _validate(document: dict[str, object]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    errors = list(validator_class(schema).iter_errors(document))
    assert not errors, "\n".join(error.message for error in errors)


def test_fingerprint_survives_lines_added_above(here: Path) -> None:
    public = "    events:\n      - httpApi: GET /orders\n"
    _write(here, {"serverless.yml": _service(public), "handler.py": SQL_HANDLER})
    before = _findings(here, "SLS603")[0]
    (here / "handler.py").write_text("# a comment\n\n" + SQL_HANDLER)
    after = _findings(here, "SLS603")[0]
    assert after.location.line == before.location.line + 2
    assert after.fingerprint == before.fingerprint


def test_not_analysed_and_parse_errors(here: Path) -> None:
    _write(
        here,
        {
            "serverless.yml": """service: mixed
provider:
  name: aws
  runtime: python3.12
functions:
  broken:
    handler: broken.main
  java:
    handler: com.example.Handler::handleRequest
    runtime: java21
  image:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest
  gone:
    handler: missing/module.main
""",
            "broken.py": "def main(event, context)\n    return 1\n",
        },
    )
    found = _findings(here, "SLS001", "SLS004", "SLS601")
    parse = [f for f in found if f.rule.id == "SLS001"]
    assert [(f.location.file, f.location.line) for f in parse] == [("broken.py", 1)]
    messages = " | ".join(f.message for f in found if f.rule.id == "SLS004")
    assert "java21 code" in messages
    assert "container image" in messages
    assert "gone is not found" in messages  # inside the root, but missing


def test_custom_runtime_binary_built_from_rust_says_rust(here: Path) -> None:
    _write(
        here,
        {
            "template.yml": """Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
    Properties:
      CodeUri: ./rust_app
      Handler: bootstrap
      Runtime: provided.al2023
""",
            "rust_app/Cargo.toml": '[package]\nname = "api"\n',
            "rust_app/src/main.rs": "fn main() {}\n",
        },
    )
    [note] = [f.message for f in _findings(here, "SLS004")]
    assert note == (
        "the handler of Api is a provided.al2023 binary built from Rust (rust_app/Cargo.toml) "
        "(no code analysis for this language): its code is not analysed"
    )


def test_sam_code_in_s3_and_inline_line_numbers(here: Path) -> None:
    _write(
        here,
        {
            "template.yaml": """Transform: AWS::Serverless-2016-10-31
Resources:
  Remote:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://artifacts/app.zip
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import os

        def handler(event, context):
            os.system(event["command"])
""",
        },
    )
    found = _findings(here, "SLS004", "SLS601")
    remote = [f for f in found if f.rule.id == "SLS004"]
    assert remote and "code in S3 (s3://artifacts/app.zip)" in remote[0].message
    (inline,) = [f for f in found if f.rule.id == "SLS601"]
    assert (inline.location.file, inline.location.line, inline.location.column) == (
        "template.yaml",
        18,
        13,
    )


def test_esbuild_handler_maps_to_typescript_source(here: Path) -> None:
    _write(
        here,
        {
            "template.yaml": """Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: hello/
      Handler: app.lambdaHandler
    Metadata:
      BuildMethod: esbuild
      BuildProperties:
        EntryPoints:
          - src/app.ts
""",
            "hello/src/app.ts": "export const lambdaHandler = async (event: unknown) => event;\n",
        },
    )
    loaded = load_all(discover([here]), LoadOptions(), here)
    (app,) = loaded.apps
    located = locate(app, app.functions[0], here)
    assert isinstance(located, HandlerSource)
    assert located.display == "hello/src/app.ts"
    assert located.language == "typescript"


def test_code_outside_the_scan_root_is_never_read(here: Path) -> None:
    code = "import os\n\ndef main(event, context):\n    os.system(event)\n"
    (here / "outside.py").write_text(code)
    _write(here / "app", {"serverless.yml": _service("", handler="../outside.main")})
    found = _findings(here / "app", "SLS601", "SLS004")
    assert [f.rule.id for f in found] == ["SLS004"]


def test_report_without_code_rules_does_not_analyse(here: Path) -> None:
    _write(here, {"serverless.yml": _service(""), "handler.py": "def create(event, context)\n"})
    report: Report = scan([here], ScanOptions(select=("SLS101",)))
    assert report.findings == ()
