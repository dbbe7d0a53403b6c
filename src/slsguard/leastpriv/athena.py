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

Statements that write (`WRITES`, read from the query's text when the code shows it) change the
catalog and S3 as the caller too. `CREATE TABLE` (and `CREATE TABLE ... AS SELECT`, CTAS)
needs `glue:CreateTable`, `DROP TABLE` `glue:DeleteTable` (and `glue:BatchDeletePartition` for
partitioned tables), `ALTER TABLE` `glue:UpdateTable`, `MSCK REPAIR TABLE` and
`ALTER TABLE ... ADD PARTITION` `glue:BatchCreatePartition`, on the database and the table
(https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html, its
examples of database and table-level permissions;
https://repost.aws/knowledge-center/athena-aws-glue-msck-repair-table for
`BatchCreatePartition`). A CTAS writes its data to its `external_location`, or under the
query's result location when it names none
(https://docs.aws.amazon.com/athena/latest/ug/considerations-ctas.html), and `INSERT INTO`
to the table's location in the catalog: `s3:PutObject` there as the caller
(https://docs.aws.amazon.com/athena/latest/ug/lf-athena-user-permissions.html, "IAM
permissions to write to Amazon S3 locations"). `INSERT INTO` a partitioned table adds its
partitions (`glue:BatchCreatePartition`), and writes to Iceberg tables (`INSERT`, `UPDATE`,
`DELETE`, `MERGE`) commit new metadata (`glue:UpdateTable`): both depend on the table, so they
are written, never reported. A query whose text the code does not show may be any of these:
an uncertainty on Glue (`hidden_query`), so no Glue grant is judged unused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from slsguard.leastpriv.resources import Target, unresolved


@dataclass(frozen=True, slots=True)
class QueryNeed:
    """One action an Athena call needs on one resource."""

    action: str
    target: Target
    required: bool
    """False: written in policies, never reported missing (it depends on the SQL or on the
    workgroup's settings)."""
    reason: str = ""
    """Why, when not the call's own (`REASONS`): the statement that writes."""


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


@dataclass(frozen=True, slots=True)
class Write:
    """A kind of SQL statement that changes the catalog or S3, and what it needs."""

    name: str
    """The statement as SQL names it (`INSERT INTO`)."""
    statement: re.Pattern[str]
    """Matches the statement's start; group `table` is the table it writes."""
    required: tuple[str, ...]
    """Glue actions on the database and the table, always needed."""
    optional: tuple[str, ...] = ()
    """Glue actions needed for some tables only (partitioned, Iceberg)."""
    data: bool = False
    """Whether it writes the table's data to S3 (CTAS, `INSERT INTO`)."""


_NAME = r"(?P<table>[`\"\w{}$.-]*)"
"""A table name as SQL writes it: `db.table`, quoted, built at run time (`{name}`), or empty
when the code appends it (`"INSERT INTO " + name`)."""
WRITES = (
    Write(
        "CREATE TABLE AS SELECT",
        re.compile(
            rf"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}[\s\S]*?\bAS\s*\(?\s*(?:SELECT|WITH)\b",
            re.I,
        ),
        ("glue:CreateTable",),
        data=True,
    ),
    Write(
        "CREATE TABLE",
        re.compile(rf"CREATE\s+(?:EXTERNAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}", re.I),
        ("glue:CreateTable",),
    ),
    Write(
        "INSERT INTO",
        re.compile(rf"INSERT\s+INTO\s+{_NAME}", re.I),
        (),
        ("glue:BatchCreatePartition", "glue:UpdateTable"),
        data=True,
    ),
    Write(
        "UPDATE, DELETE or MERGE",
        re.compile(rf"(?:UPDATE|DELETE\s+FROM|MERGE\s+INTO)\s+{_NAME}", re.I),
        (),
        ("glue:UpdateTable",),
    ),
    Write(
        "DROP TABLE",
        re.compile(rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_NAME}", re.I),
        ("glue:DeleteTable",),
        ("glue:BatchDeletePartition",),
    ),
    Write(
        "MSCK REPAIR TABLE",
        re.compile(rf"MSCK\s+REPAIR\s+TABLE\s+{_NAME}", re.I),
        ("glue:BatchCreatePartition",),
    ),
    Write(
        "ALTER TABLE ADD",
        re.compile(rf"ALTER\s+TABLE\s+{_NAME}\s+ADD\b", re.I),
        ("glue:BatchCreatePartition",),
    ),
    Write("ALTER TABLE", re.compile(rf"ALTER\s+TABLE\s+{_NAME}", re.I), ("glue:UpdateTable",)),
)
"""Writing statements, in the order they are tried (a CTAS before a plain `CREATE TABLE`)."""

_READ_ONLY = re.compile(r"(?:SELECT|WITH|SHOW|DESCRIBE|EXPLAIN|VALUES)\b", re.I)
_QUOTED = re.compile(r"^(?:f|rf|fr|r|b)?(['\"`]{1,3})", re.I)
_LOCATION = re.compile(
    r"external_location\s*=\s*'s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/[^']*)?'", re.I
)


def query_needs(method: str, texts: dict[str, str]) -> Iterator[QueryNeed]:
    """The Glue and S3 needs of an Athena call, given its arguments' text by parameter."""
    if method == "start_query_execution":
        context = texts.get("QueryExecutionContext", "")
        yield from _catalog(context)
        yield from _results(texts.get("ResultConfiguration", ""))
        yield from _writes(texts.get("QueryString", ""), context)
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


def hidden_query(method: str, texts: dict[str, str]) -> bool:
    """Whether a query runs whose statement the code does not show (it may write)."""
    return method == "start_query_execution" and _statement(texts.get("QueryString", "")) is None


def _statement(query: str) -> str | None:
    """The SQL a `QueryString` argument shows (a literal, an f-string or a template literal,
    quotes stripped), or None when it is a name or an expression."""
    quoted = _QUOTED.match(query.strip())
    sql = query.strip()[quoted.end() :] if quoted else query.strip()
    if _READ_ONLY.match(sql.lstrip("( \n")) or any(w.statement.match(sql.lstrip()) for w in WRITES):
        return sql.lstrip()
    return None


def _writes(query: str, context: str) -> Iterator[QueryNeed]:
    """What a writing statement needs: Glue on its database and table, S3 for its data."""
    sql = _statement(query)
    write = next((w for w in WRITES if sql and w.statement.match(sql)), None)
    if sql is None or write is None:
        return
    found = write.statement.match(sql)
    named = found.group("table") if found else ""
    database, table = _split(named.replace("`", "").replace('"', ""))
    if not database:
        given = _DATABASE.search(context)
        database = given.group(1) if given else ""
    resources = _table_resources(database, table)
    reason = f"athena.start_query_execution runs {write.name}, which writes as the caller"
    for action in write.required:
        yield from (QueryNeed(action, r, True, reason) for r in resources)
    for action in write.optional:
        yield from (QueryNeed(action, r, False, reason) for r in resources)
    if write.data:
        yield from (replace(n, reason=reason) for n in _data_location(sql, named))


def _split(name: str) -> tuple[str, str]:
    """`db.table` → (`db`, `table`); a dot inside a placeholder (`${event.table}`) is no
    separator."""
    depth = 0
    for index, char in enumerate(name):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if char == "." and depth == 0:
            return name[:index], name[index + 1 :]
    return "", name


def _table_resources(database: str, table: str) -> tuple[Target, ...]:
    """The catalog, the database and the table a statement writes; a name the code builds at
    run time (`{name}`, `${name}`) is unresolved."""
    known_db = bool(database) and not _computed(database)
    known_table = bool(table) and not _computed(table)
    db = database if known_db else "*"
    return (
        Target("arn:aws:glue:*:*:catalog", label="the Glue Data Catalog"),
        Target(
            f"arn:aws:glue:*:*:database/{db}",
            label=f'the database "{db}"' if known_db else "unresolved: the statement's database",
            resolved=known_db,
        ),
        Target(
            f"arn:aws:glue:*:*:table/{db}/{table if known_table else '*'}",
            label=f'the table "{table}"' if known_table else "unresolved: the statement's table",
            resolved=known_db and known_table,
        ),
    )


def _computed(name: str) -> bool:
    return any(c in name for c in "{}$")


def _data_location(sql: str, table: str) -> Iterator[QueryNeed]:
    """Where a CTAS or `INSERT INTO` writes the table's data: a CTAS's named
    `external_location` (`s3:PutObject` certain; `s3:ListBucket` and `s3:GetBucketLocation`
    written, as Athena checks the location is empty first), else the table's location in the
    catalog or the result location (written, never reported)."""
    found = _LOCATION.search(sql)
    if found is None or _computed(found.group(0)):
        where = f"the location of {table or 'the table'} in the catalog"
        yield QueryNeed("s3:PutObject", unresolved("bucket", where).child("/*"), required=False)
        return
    prefix = (found.group(2) or "/").rstrip("/")
    label = f'the external location "s3://{found.group(1)}{prefix}"'
    objects = Target(f"arn:aws:s3:::{found.group(1)}{prefix}/*", label=label)
    yield QueryNeed("s3:PutObject", objects, required=True)
    bucket = Target(f"arn:aws:s3:::{found.group(1)}", label=label)
    yield from (QueryNeed(a, bucket, required=False) for a in _RESULT_BUCKET)
