"""What an Athena query needs beyond `athena:` actions: the Glue Data Catalog it reads and the
S3 result location it writes, both with the caller's own permissions (a tested table).

Athena looks the query's tables up in the Glue Data Catalog as the caller
(https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html:
`glue:GetDatabase`, `glue:GetTable`, and `glue:GetPartitions` for partitioned tables, on the
catalog, the database and the table), writes the results to the query's output location as the
caller (https://docs.aws.amazon.com/athena/latest/ug/managed-policies.html, the S3 statement of
`AmazonAthenaFullAccess`: `s3:GetBucketLocation` and `s3:ListBucket` on the bucket, `s3:PutObject`,
`s3:GetObject` and the multipart actions on its objects), and `GetQueryResults` reads that
file (https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html: "also
must have permissions to the Amazon S3 `GetObject` action for the Athena query results
location").

Which tables a query reads is in its SQL, and where their data lives is in the catalog: the
Glue needs are written into policies but never reported missing, and the table data's S3
reads are an uncertainty (S3 grants are not judged unused). The result location's needs are
certain only when the call names the location: a workgroup may set it, or Athena may manage
the results itself (then no S3 permission is used).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from slsguard.leastpriv.resources import Target, unresolved


@dataclass(frozen=True, slots=True)
class QueryNeed:
    """One action an Athena call needs on one resource."""

    action: str
    target: Target
    required: bool
    """False: written in policies, never reported missing (it depends on the SQL or on the
    workgroup's settings)."""


_CATALOG = ("glue:GetDatabase", "glue:GetTable", "glue:GetPartitions")
_RESULT_BUCKET = ("s3:GetBucketLocation", "s3:ListBucket")
_RESULT_OBJECTS = (
    "s3:PutObject",
    "s3:GetObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
_REQUIRED_RESULTS = frozenset({"s3:GetBucketLocation", "s3:PutObject"})
_OUTPUT = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[^'\"`\s$]*)?")
_DATABASE = re.compile(r"Database['\"]?\s*[:=]\s*['\"`]([A-Za-z0-9_-]+)['\"`]")

READS_TABLE_DATA = "start_query_execution"
"""The call whose table data Athena reads from S3 as the caller (an uncertainty)."""

REASONS = {
    "start_query_execution": "athena.start_query_execution reads the Glue Data Catalog and "
    "writes its results to S3 as the caller",
    "get_query_results": "athena.get_query_results reads the results from S3 as the caller",
}
"""Why each Athena call needs Glue or S3 permissions."""


def query_needs(method: str, texts: dict[str, str]) -> Iterator[QueryNeed]:
    """The Glue and S3 needs of an Athena call, given its arguments' text by parameter."""
    if method == "start_query_execution":
        yield from _catalog(texts.get("QueryExecutionContext", ""))
        yield from _results(texts.get("ResultConfiguration", ""))
    elif method == "get_query_results":
        objects = unresolved("bucket", "the query's output location").child("/*")
        yield QueryNeed("s3:GetObject", objects, required=False)


def _catalog(context: str) -> Iterator[QueryNeed]:
    found = _DATABASE.search(context)
    database = found.group(1) if found else "*"
    label = f'the database "{database}"' if found else "unresolved: the query's database"
    resources = (
        Target("arn:aws:glue:*:*:catalog", label="the Glue Data Catalog"),
        Target(f"arn:aws:glue:*:*:database/{database}", label=label, resolved=bool(found)),
        Target(f"arn:aws:glue:*:*:table/{database}/*", label=label, resolved=bool(found)),
    )
    for action in _CATALOG:  # which tables are read is in the SQL: never certain
        yield from (QueryNeed(action, r, required=False) for r in resources)


def _results(configuration: str) -> Iterator[QueryNeed]:
    """The result location's needs: certain when the call names the location, otherwise
    (the workgroup's location, or results Athena manages itself) written but not reported."""
    found = _OUTPUT.search(configuration)
    if found:
        label = f'the output location "s3://{found.group(1)}"'
        bucket = Target(f"arn:aws:s3:::{found.group(1)}", label=label)
        prefix = (found.group(2) or "/").rstrip("/")
        objects = Target(f"arn:aws:s3:::{found.group(1)}{prefix}/*", label=label)
    else:
        bucket = unresolved("bucket", "the query's output location is set elsewhere")
        objects = bucket.child("/*")
    for action in _RESULT_BUCKET:
        yield QueryNeed(action, bucket, found is not None and action in _REQUIRED_RESULTS)
    for action in _RESULT_OBJECTS:
        yield QueryNeed(action, objects, found is not None and action in _REQUIRED_RESULTS)
