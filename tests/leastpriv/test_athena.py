"""Athena queries: the Glue Data Catalog they read and the S3 result location they write."""

from __future__ import annotations

from pathlib import Path

from tests.leastpriv.test_precision import findings, serverless, write

from slsguard.discovery import discover
from slsguard.iam import actions
from slsguard.leastpriv.athena import WRITES, hidden_query, query_needs
from slsguard.leastpriv.needs import function_needs
from slsguard.loading import LoadOptions, load_all
from slsguard.scan import ScanOptions, scan

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


def _writes(query: str) -> set[tuple[str, str, bool]]:
    """The needs of a statement beyond the reads every query has."""
    texts = {"QueryString": query, "QueryExecutionContext": '{"Database": "sales"}'}
    reads = _table({"QueryExecutionContext": texts["QueryExecutionContext"]})
    return _table(texts) - reads


def _on_table(action: str, table: str, required: bool) -> set[tuple[str, str, bool]]:
    resources = (f"{GLUE}catalog", f"{GLUE}database/sales", f"{GLUE}table/sales/{table}")
    return {(action, arn, required) for arn in resources}


def test_statements_that_write_need_the_catalog_and_s3_writes() -> None:
    ctas = (  # a literal's text is its value
        "CREATE TABLE sales.daily WITH (format = 'PARQUET', "
        "external_location = 's3://lake/daily/') AS SELECT * FROM orders"
    )
    assert _writes(ctas) == {
        *_on_table("glue:CreateTable", "daily", True),
        ("s3:PutObject", "arn:aws:s3:::lake/daily/*", True),
        ("s3:ListBucket", "arn:aws:s3:::lake", False),  # Athena checks the location is empty
        ("s3:GetBucketLocation", "arn:aws:s3:::lake", False),
    }
    # Without `external_location` a CTAS writes under the result location (already needed).
    assert _writes("CREATE TABLE daily AS SELECT * FROM orders") == _on_table(
        "glue:CreateTable", "daily", True
    )
    assert _writes("CREATE EXTERNAL TABLE raw (a int) STORED AS PARQUET") == _on_table(
        "glue:CreateTable", "raw", True
    )
    # INSERT INTO writes where the catalog says: written, never reported (its `s3:PutObject`
    # on an unresolved bucket is the same need as the unresolved result location's).
    assert _writes("f'INSERT INTO {table} SELECT * FROM raw'") == {
        *_on_table("glue:BatchCreatePartition", "*", False),
        *_on_table("glue:UpdateTable", "*", False),
    }
    assert _writes("MSCK REPAIR TABLE events") == _on_table(
        "glue:BatchCreatePartition", "events", True
    )
    assert _writes("ALTER TABLE events ADD PARTITION (dt = 1)") == _on_table(
        "glue:BatchCreatePartition", "events", True
    )
    assert _writes("DROP TABLE IF EXISTS tmp") == {
        *_on_table("glue:DeleteTable", "tmp", True),
        *_on_table("glue:BatchDeletePartition", "tmp", False),
    }
    assert _writes("SELECT * FROM orders") == set()
    assert all(actions.lookup(action) is not None for w in WRITES for action in w.required)


def test_a_query_the_code_does_not_show_may_write() -> None:
    assert hidden_query("start_query_execution", {"QueryString": "query"})
    assert not hidden_query("start_query_execution", {"QueryString": "SELECT 1"})
    assert not hidden_query("start_query_execution", {"QueryString": "f'INSERT INTO {t} ...'"})


CTAS = """import boto3

athena = boto3.client("athena")


def handler(event, context):
    athena.start_query_execution(
        QueryString="CREATE TABLE daily WITH (external_location = 's3://lake/daily/') "
        "AS SELECT * FROM orders",
        QueryExecutionContext={"Database": "sales"},
        ResultConfiguration={"OutputLocation": "s3://query-results/athena/"},
    )


def rerun(event, context):
    athena.start_query_execution(QueryString=event["sql"], WorkGroup="primary")
"""

GLUE_WRITES = (
    "        - Effect: Allow\n"
    "          Action: [athena:StartQueryExecution, glue:CreateTable, glue:DeleteTable]\n"
    "          Resource: '*'\n"
    "        - Effect: Allow\n"
    "          Action: [s3:GetBucketLocation, s3:PutObject]\n"
    "          Resource: ['arn:aws:s3:::query-results', 'arn:aws:s3:::query-results/*']\n"
)


def test_a_ctas_without_its_grants_is_reported_and_a_hidden_query_keeps_glue(
    tmp_path: Path,
) -> None:
    functions = "  daily:\n    handler: handler.handler\n  rerun:\n    handler: handler.rerun\n"
    files = {"handler.py": CTAS, "serverless.yml": serverless(ATHENA_ONLY, functions)}
    root = write(tmp_path, files)
    needs, _ = _needs(root, "daily")
    assert ("glue:CreateTable", f"{GLUE}table/sales/daily", False) in needs
    assert ("s3:PutObject", "arn:aws:s3:::lake/daily/*", False) in needs
    reported = {
        f.message.split(" needs ")[1].split(" (")[0]
        for f in scan([root], ScanOptions(select=("SLS110",))).findings
    }
    assert reported == {
        "`s3:GetBucketLocation` on arn:aws:s3:::query-results",
        "`s3:PutObject` on arn:aws:s3:::query-results/athena/*",
        f"`glue:CreateTable` on {GLUE}catalog",
        f"`glue:CreateTable` on {GLUE}database/sales",
        f"`glue:CreateTable` on {GLUE}table/sales/daily",
        "`s3:PutObject` on arn:aws:s3:::lake/daily/*",
    }
    # With the grants, `daily` alone uses `glue:CreateTable`, not `glue:DeleteTable`; with
    # `rerun`, which runs SQL the code does not show, no Glue grant is claimed unused.
    alone = "  daily:\n    handler: handler.handler\n"
    (root / "serverless.yml").write_text(serverless(GLUE_WRITES, alone), encoding="utf-8")
    unused = " ".join(f.message for f in scan([root], ScanOptions(select=("SLS109",))).findings)
    assert "glue:DeleteTable" in unused
    assert "glue:CreateTable" not in unused
    (root / "serverless.yml").write_text(serverless(GLUE_WRITES, functions), encoding="utf-8")
    unused = " ".join(f.message for f in scan([root], ScanOptions(select=("SLS109",))).findings)
    assert "glue:" not in unused


JS_INSERT = """const {
  AthenaClient,
  StartQueryExecutionCommand,
} = require("@aws-sdk/client-athena");

const athena = new AthenaClient({});

exports.load = async (event) =>
  athena.send(
    new StartQueryExecutionCommand({
      QueryString: `INSERT INTO sales.${event.table} SELECT * FROM raw`,
      WorkGroup: "etl",
    }),
  );
"""


def test_javascript_insert_into_a_computed_table(tmp_path: Path) -> None:
    runtime = serverless(ATHENA_ONLY, "  load:\n    handler: handler.load\n")
    runtime = runtime.replace("python3.12", "nodejs20.x")
    root = write(tmp_path, {"handler.js": JS_INSERT, "serverless.yml": runtime})
    needs, uncertain = _needs(root, "load")
    assert ("glue:BatchCreatePartition", f"{GLUE}table/sales/*", True) in needs
    assert ("s3:PutObject", "arn:aws:s3:::*/*", True) in needs
    assert "glue" not in uncertain  # the statement is visible: only its table is computed
    assert findings(root, "SLS110") == []
