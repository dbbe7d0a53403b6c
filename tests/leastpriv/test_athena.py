"""Athena queries: the Glue Data Catalog they read and the S3 result location they write."""

from __future__ import annotations

from pathlib import Path

from tests.leastpriv.test_precision import findings, serverless, write

from slsguard.discovery import discover
from slsguard.iam import actions
from slsguard.leastpriv.athena import query_needs
from slsguard.leastpriv.needs import function_needs
from slsguard.loading import LoadOptions, load_all

QUERY = """import boto3

athena = boto3.client("athena")


def handler(event, context):
    run = athena.start_query_execution(
        QueryString="SELECT * FROM orders",
        QueryExecutionContext={"Database": "sales"},
        ResultConfiguration={"OutputLocation": "s3://query-results/athena/"},
    )
    return athena.get_query_results(QueryExecutionId=run["QueryExecutionId"])
"""

JS_QUERY = """const {
  AthenaClient,
  StartQueryExecutionCommand,
} = require("@aws-sdk/client-athena");

const athena = new AthenaClient({});

exports.report = async () =>
  athena.send(
    new StartQueryExecutionCommand({
      QueryString: "SELECT * FROM orders",
      QueryExecutionContext: { Database: "sales" },
      ResultConfiguration: { OutputLocation: "s3://query-results/athena/" },
    }),
  );
"""

ATHENA_ONLY = (
    "        - Effect: Allow\n"
    "          Action: [athena:StartQueryExecution, athena:GetQueryResults]\n"
    "          Resource: '*'\n"
)
GLUE = "arn:aws:glue:*:*:"
RESULTS = "arn:aws:s3:::query-results"


def _table(texts: dict[str, str]) -> set[tuple[str, str, bool]]:
    return {
        (n.action, n.target.arn, n.required) for n in query_needs("start_query_execution", texts)
    }


def test_a_query_naming_its_location_needs_the_catalog_and_the_results() -> None:
    texts = {
        "QueryExecutionContext": '{"Database": "sales"}',
        "ResultConfiguration": '{"OutputLocation": "s3://query-results/athena/"}',
    }
    catalog = (f"{GLUE}catalog", f"{GLUE}database/sales", f"{GLUE}table/sales/*")
    glue = ("glue:GetDatabase", "glue:GetTable", "glue:GetPartitions")
    assert _table(texts) == {
        *{(action, arn, False) for action in glue for arn in catalog},
        ("s3:GetBucketLocation", RESULTS, True),
        ("s3:ListBucket", RESULTS, False),
        ("s3:PutObject", f"{RESULTS}/athena/*", True),
        ("s3:GetObject", f"{RESULTS}/athena/*", False),
        ("s3:AbortMultipartUpload", f"{RESULTS}/athena/*", False),
        ("s3:ListMultipartUploadParts", f"{RESULTS}/athena/*", False),
    }
    assert all(actions.lookup(action) is not None for action, _, _ in _table(texts))


def test_a_workgroup_location_is_written_but_never_reported() -> None:
    found = _table({})
    assert ("s3:PutObject", "arn:aws:s3:::*/*", False) in found
    assert not any(required for _, _, required in found)
    assert ("glue:GetTable", f"{GLUE}database/*", False) in found


def _needs(root: Path, function: str) -> tuple[set[tuple[str, str, bool]], set[str]]:
    app = load_all(discover([root], root), LoadOptions(), root).apps[0]
    found = function_needs(app)[function]
    needs = {(n.action, n.target.arn, n.optional) for n in found.needs}
    return needs, {u.service for u in found.uncertain}


def test_python_query_end_to_end(tmp_path: Path) -> None:
    root = write(tmp_path, {"handler.py": QUERY})
    (root / "serverless.yml").write_text(
        serverless(ATHENA_ONLY, "  report:\n    handler: handler.handler\n"), encoding="utf-8"
    )
    needs, uncertain = _needs(root, "report")
    assert ("s3:PutObject", f"{RESULTS}/athena/*", False) in needs
    assert ("glue:GetTable", f"{GLUE}table/sales/*", True) in needs
    assert ("s3:GetObject", "arn:aws:s3:::*/*", True) in needs  # get_query_results
    assert uncertain == {"s3"}  # the tables' data: S3 grants are not judged unused
    # The role lacks only what the named result location certainly needs.
    assert findings(root, "SLS110") == ["handler.py:7", "handler.py:7"]


def test_javascript_query_end_to_end(tmp_path: Path) -> None:
    runtime = serverless(ATHENA_ONLY, "  report:\n    handler: handler.report\n")
    root = write(
        tmp_path,
        {"handler.js": JS_QUERY, "serverless.yml": runtime.replace("python3.12", "nodejs20.x")},
    )
    needs, _ = _needs(root, "report")
    assert ("s3:GetBucketLocation", RESULTS, False) in needs
    assert ("glue:GetDatabase", f"{GLUE}database/sales", True) in needs
