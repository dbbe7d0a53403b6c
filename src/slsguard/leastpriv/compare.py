"""What a role grants compared with what the code needs, resource by resource.

Granted resources are rendered template text (`!GetAtt OrdersTable.Arn`, `${Bucket.Arn}/*`,
literal ARNs); they become ARN patterns with the template resources they name. A need and
a grant *overlap* when some ARN matches both patterns; only a need that overlaps no
allowing statement is missing, so unknown values never produce a false SLS110.
"""

from __future__ import annotations

import functools
import re

from slsguard.iam.effective import RolePermissions, statement_allows
from slsguard.leastpriv.needs import Need
from slsguard.leastpriv.resources import from_resource
from slsguard.model import Application, Role, Statement

_BENIGN_MANAGED = frozenset(
    {
        "AWSLambdaBasicExecutionRole",
        "AWSLambdaVPCAccessExecutionRole",
        "AWSXRayDaemonWriteAccess",
        "AWSLambdaSQSQueueExecutionRole",
        "AWSLambdaKinesisExecutionRole",
        "AWSLambdaDynamoDBExecutionRole",
    }
)
_KINDS = {
    "AWS::DynamoDB::Table": "table",
    "AWS::S3::Bucket": "bucket",
    "AWS::SQS::Queue": "queue",
    "AWS::SNS::Topic": "topic",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::SSM::Parameter": "parameter",
    "AWS::Lambda::Function": "function",
    "AWS::Kinesis::Stream": "stream",
    "AWS::StepFunctions::StateMachine": "statemachine",
    "AWS::KMS::Key": "key",
}
_INTRINSIC = re.compile(r"^!(?:GetAtt|Ref) ([A-Za-z0-9]+)(?:\.(Stream)?Arn)?$")
_SUB = re.compile(r"\$\{([^}]+)\}")

Pattern = tuple[str, frozenset[str]]
"""An ARN glob and the logical ids of the template resources it names."""


def judgeable(role: Role) -> bool:
    """Whether every statement of the role is in the scan (no external role or policy)."""
    if role.external:
        return False
    return all(p.known or p.name in _BENIGN_MANAGED for p in role.managed_policies)


def granted_patterns(app: Application, statement: Statement) -> tuple[Pattern, ...]:
    """The statement's resources as ARN patterns (`*` for what is unknown)."""
    if statement.not_resources:
        return (("*", frozenset()),)
    return tuple(_pattern(app, text) for text in statement.resources)


def _pattern(app: Application, text: str) -> Pattern:
    match = _INTRINSIC.match(text.strip())
    if match:
        arn = _arn_of(app, match.group(1))
        suffix = "/stream/*" if match.group(2) else ""
        return (arn + suffix, frozenset({match.group(1)})) if arn else ("*", frozenset())
    logicals: set[str] = set()

    def replace(found: re.Match[str]) -> str:
        name = found.group(1).removesuffix(".Arn")
        arn = _arn_of(app, name)
        if arn:
            logicals.add(name)
            return arn
        return "*"

    return _SUB.sub(replace, text), frozenset(logicals)


def _arn_of(app: Application, logical: str) -> str | None:
    resources = app.resources if isinstance(app.resources, dict) else {}
    resource = resources.get(logical)
    kind = _KINDS.get(str(resource.get("Type"))) if isinstance(resource, dict) else None
    return from_resource(app, kind, logical, "").arn if kind else None


def overlaps(need: Need, pattern: Pattern) -> bool:
    """Whether some resource ARN is both needed and granted."""
    logical = need.target.logical_id
    arn, names = pattern
    if logical and names and logical not in names:
        return False
    return _intersect(need.target.arn, arn)


@functools.lru_cache(maxsize=4096)
def _intersect(left: str, right: str) -> bool:
    """Whether two IAM globs (`*`, `?`) match at least one common string."""

    @functools.cache
    def walk(i: int, j: int) -> bool:
        if i == len(left) and j == len(right):
            return True
        if i < len(left) and left[i] == "*":
            return walk(i + 1, j) or (j < len(right) and walk(i, j + 1))
        if j < len(right) and right[j] == "*":
            return walk(i, j + 1) or (i < len(left) and walk(i + 1, j))
        if i == len(left) or j == len(right):
            return False
        same = left[i] == right[j] or "?" in (left[i], right[j])
        return same and walk(i + 1, j + 1)

    return walk(0, 0)


def allowed(app: Application, permissions: RolePermissions, need: Need) -> bool:
    """Whether the role allows the needed action on the needed resource."""
    action = need.action
    if not permissions.within_boundary(action):
        return False
    for statement in permissions.denies:
        if "*" in statement.resources and statement_allows(statement, action):
            return False
    return any(
        statement_allows(statement, action)
        and any(overlaps(need, p) for p in granted_patterns(app, statement))
        for statement in permissions.allows
    )
