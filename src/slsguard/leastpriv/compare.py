"""What a role grants compared with what the code needs, resource by resource, decided by
the one IAM evaluator (`slsguard.iam.evaluate`: explicit denies, permissions boundaries,
IAM's ARN wildcards, conditions whose keys are unknown give *unknown*).

Granted resources are rendered template text (`!GetAtt OrdersTable.Arn`, `${Bucket.Arn}/*`,
literal ARNs); before evaluation they become the ARN patterns of the template resources they
name (a generated name is `*`). A needed resource's unknown parts (region, account, a name
computed at run time) are unknown to the evaluator, never wildcards: a need is *missing* only
when IAM would certainly deny it, so unknown values never produce a false SLS110.
"""

from __future__ import annotations

import re
from dataclasses import replace

from slsguard.iam.evaluate import Evaluation, Match, Policies, evaluate, statement_match
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
        "CloudWatchLambdaInsightsExecutionRolePolicy",
        "AWSXrayWriteOnlyAccess",
    }
)
_LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
_XRAY = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)
_MANAGED_GRANTS = {
    "AWSLambdaBasicExecutionRole": _LOGS,
    "AWSXRayDaemonWriteAccess": _XRAY,
    "AWSXrayWriteOnlyAccess": _XRAY,
    "AWSLambdaVPCAccessExecutionRole": (
        *_LOGS,
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ),
    "AWSLambdaSQSQueueExecutionRole": (
        *_LOGS,
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    ),
    "AWSLambdaKinesisExecutionRole": (
        *_LOGS,
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kinesis:ListStreams",
        "kinesis:SubscribeToShard",
    ),
    "AWSLambdaDynamoDBExecutionRole": (
        *_LOGS,
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    ),
}
"""What the benign AWS managed policies allow on `*` (their published documents in the AWS
Managed Policy Reference, https://docs.aws.amazon.com/aws-managed-policy/latest/reference/),
so that a role with one attached is judged with it (the X-Ray policy `slsguard fix`
attaches; the VPC policy of a function in a VPC). `CloudWatchLambdaInsightsExecutionRolePolicy`
allows only its own log group: it serves no need of the code."""
_KINDS = {
    "AWS::DynamoDB::Table": "table",
    "AWS::Serverless::SimpleTable": "table",
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


def role_complete(app: Application) -> bool:
    """Whether the scanned files say everything the framework adds to the roles: not with
    serverless-lift `constructs`, which grant functions access to what they reference."""
    template = app.template if isinstance(app.template, dict) else {}
    plugins = template.get("plugins")
    names = plugins.get("modules", []) if isinstance(plugins, dict) else plugins
    lift = isinstance(names, list) and "serverless-lift" in names
    return app.kind != "serverless" or not (lift or template.get("constructs"))


def judgeable(role: Role) -> bool:
    """Whether every statement of the role is in the scan (no external role or policy)."""
    if role.external:
        return False
    return all(p.known or p.name in _BENIGN_MANAGED for p in role.managed_policies)


def _pattern(app: Application, text: str) -> Pattern:
    match = _INTRINSIC.match(text.strip())
    if match:
        arn = _arn_of(app, match.group(1))
        suffix = "/stream/*" if match.group(2) else ""
        return (arn + suffix, frozenset({match.group(1)})) if arn else ("*", frozenset())
    logicals: set[str] = set()

    def replace(found: re.Match[str]) -> str:
        name = found.group(1).removesuffix(".Arn")
        arn = _arn_of(app, name) if name != found.group(1) else _ref_of(app, name)
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


_REF_IS_NAME = {
    "table": "TableName",
    "bucket": "BucketName",
    "stream": "Name",
    "function": "FunctionName",
    "parameter": "Name",
}
"""Kinds whose `Ref` is the resource's name (`table/${OrdersTable}`), and its property."""


def _ref_of(app: Application, logical: str) -> str | None:
    """What `${X}` stands for in a `Fn::Sub` ARN: a table's, bucket's, stream's, function's or
    parameter's name (`*` when generated or not literal), the ARN of a topic, secret or state
    machine, else unknown (`*`: a queue's URL, a key's id)."""
    resources = app.resources if isinstance(app.resources, dict) else {}
    resource = resources.get(logical)
    kind = _KINDS.get(str(resource.get("Type"))) if isinstance(resource, dict) else None
    if kind is None or not isinstance(resource, dict):
        return None
    if kind in ("topic", "secret", "statemachine"):
        return _arn_of(app, logical)
    properties = resource.get("Properties")
    name = properties.get(_REF_IS_NAME.get(kind, "")) if isinstance(properties, dict) else None
    return (
        name.lstrip("/")
        if isinstance(name, str) and kind == "parameter"
        else (name if isinstance(name, str) else "*")
    )


def role_policies(app: Application, role: Role, need: Need | None = None) -> Policies:
    """The role's policies for the evaluator, with template references resolved to ARNs.

    For a `need` on a template resource, Allow resources naming *other* template resources
    are dropped first: two resources of one template are never the same resource, even when
    both names are generated (`table/*`)."""
    boundary = role.boundary
    managed = tuple(
        Statement(
            "Allow", _MANAGED_GRANTS[p.name], (), ("*",), (), (), p.origin, p.name, "managed-policy"
        )
        for p in role.managed_policies
        if p.aws_managed and p.name in _MANAGED_GRANTS
    )
    return Policies(
        identity=(*(_resolved(app, s, need) for s in role.all_statements()), *managed),
        boundary=tuple(_resolved(app, s, need) for s in boundary.statements) if boundary else None,
        boundary_known=boundary is None or boundary.known,
    )


def _resolved(app: Application, statement: Statement, need: Need | None) -> Statement:
    if statement.not_resources:
        return statement
    logical = need.target.logical_id if need is not None else None
    kept: list[str] = []
    for text in statement.resources:
        arn, names = _pattern(app, text)
        if statement.is_allow and logical and names and logical not in names:
            continue
        kept.append(arn if names else _expression_unknown(text))
    if not kept:  # nothing left that may match: an Allow on no resource
        return replace(statement, actions=(), not_actions=(), resources=())
    return replace(statement, resources=tuple(kept))


def _expression_unknown(text: str) -> str:
    """A resource that is neither an ARN, `*` nor a template reference is an expression known
    at deploy time (a Terraform `module.x.arn`): wholly unknown to the evaluator, never the
    literal text (IAM accepts no such resource)."""
    stripped = text.strip()
    if stripped == "*" or stripped.startswith(("arn:", "!", "$", "{{")):
        return text
    return "${unknown}"


def requested(need: Need) -> str:
    """The needed resource as the evaluator reads a request: `*` for actions without
    resource-level permissions; otherwise unknown parts (`*` in the pattern) become holes (a
    resource not resolved at all is wholly unknown, never the literal `*`)."""
    if need.target.arn == "*" and need.target.resolved:
        return "*"
    return need.target.arn.replace("*", "${unknown}")


def may_serve(app: Application, statement: Statement, need: Need, action: str) -> bool:
    """Whether `statement` may be what allows `need` when it asks for `action` (SLS109: a
    grant some need may use is never called unused)."""
    if need.action.lower() != action.lower():
        return False
    resolved = _resolved(app, statement, need)
    return statement_match(resolved, need.action, requested(need)) is not Match.NO


def decision(app: Application, role: Role, need: Need) -> Evaluation:
    """IAM's decision for the needed action on the needed resource."""
    return evaluate(role_policies(app, role, need), need.action, requested(need))
