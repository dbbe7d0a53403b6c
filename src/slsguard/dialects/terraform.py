"""The Terraform dialect: resources by address, arguments in HCL.

The Terraform loader translates resources into CloudFormation shapes so that analyses can
be shared, and records each resource's address (`slsguard.tf_address`); this dialect makes
that translation invisible downstream: places are named `aws_lambda_function.charge.runtime`
(`module.receipts.aws_sqs_queue.jobs` in a module), and fixes are HCL arguments, blocks and
resources (`tracing_config { mode = "Active" }`, `aws_cloudwatch_metric_alarm`,
`aws_iam_policy_document`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from slsguard import model
from slsguard.dialects import authorizers
from slsguard.dialects.base import (
    Edit,
    EditAction,
    NotApplied,
    new_resource_for,
    resource_path,
    secret_not_applied,
    secret_note,
)
from slsguard.dialects.cfn_resources import CACHING_DISABLED
from slsguard.dialects.cloudformation import condition_block, password_policy, vpc_config
from slsguard.dialects.template import Key
from slsguard.dialects.text import HclExpression, hcl_body, hcl_nested, hcl_resource, hcl_value
from slsguard.findings import Origin, format_path
from slsguard.fixes import (
    SAFE,
    AddedKind,
    AddResource,
    FreeText,
    Grant,
    Intent,
    MoveToSecret,
    Placeholder,
    PolicyResource,
    PolicyStatement,
    RemoveGrant,
    ReplaceStatements,
    ResourceRef,
    SetSetting,
    Target,
    has_placeholder,
)
from slsguard.loading.terraform.translate import argument_path
from slsguard.tf_address import local_address, terraform_address

_ACCESS_FORMAT = HclExpression(
    'jsonencode({ requestId = "$context.requestId", ip = "$context.identity.sourceIp", '
    'requestTime = "$context.requestTime", routeKey = "$context.routeKey", '
    'status = "$context.status" })'
)


def _access_log(_value: object) -> object:
    return {
        "destination_arn": HclExpression("aws_cloudwatch_log_group.api_access.arn"),
        "format": _ACCESS_FORMAT,
    }


def _json_encoded(value: object) -> object:
    """Arguments that take a JSON document (`redrive_policy`): `jsonencode({...})`."""
    return HclExpression(f"jsonencode({hcl_value(value)})")


_OWN_ACCOUNT = HclExpression("data.aws_caller_identity.current.account_id")


def _own_account(_value: object) -> object:
    """`slsguard fix` declares the data source when the module does not yet."""
    return _OWN_ACCOUNT


def _own_role(_value: object) -> object:
    return Placeholder("ARN of an aws_iam_role only this function uses")


def _route_throttling(value: object) -> object:
    limits = value if isinstance(value, dict) else {}
    return {
        "throttling_burst_limit": limits.get("burst", 50),
        "throttling_rate_limit": limits.get("rate", 100),
    }


SETTINGS: dict[tuple[str, str], Key] = {
    ("function", "tracing"): Key(("tracing_config{}", "mode")),
    ("function", "kms-key"): Key(("kms_key_arn",)),
    ("function", "runtime"): Key(("runtime",)),
    ("function", "timeout"): Key(("timeout",)),
    ("function", "reserved-concurrency"): Key(("reserved_concurrent_executions",)),
    ("function", "code-signing"): Key(("code_signing_config_arn",)),
    ("function", "vpc"): Key(("vpc_config{}",), vpc_config("security_group_ids", "subnet_ids")),
    ("function", "failure-destination"): Key(("dead_letter_config{}", "target_arn")),
    ("AWS::ApiGateway::Stage", "api-tracing"): Key(("xray_tracing_enabled",)),
    ("stage", "api-tracing"): Key(("xray_tracing_enabled",)),
    ("AWS::ApiGateway::Stage", "access-logging"): Key(("access_log_settings{}",), _access_log),
    ("AWS::ApiGatewayV2::Stage", "access-logging"): Key(("access_log_settings{}",), _access_log),
    ("AWS::ApiGatewayV2::Stage", "execution-logging"): Key(
        ("default_route_settings{}", "logging_level")
    ),
    ("AWS::Logs::LogGroup", "log-retention"): Key(("retention_in_days",)),
    ("AWS::ApiGatewayV2::Stage", "throttling"): Key(
        ("default_route_settings{}",), _route_throttling
    ),
    ("setting", "data-trace"): Key(("data_trace_enabled",)),
    ("setting", "timeout"): Key(("timeout",)),
    ("AWS::Kinesis::Stream", "encryption"): Key(("encryption_type",), lambda _value: "KMS"),
    ("AWS::Kinesis::Stream", "kms-key"): Key(("kms_key_id",)),
    ("AWS::EFS::FileSystem", "encryption"): Key(("encrypted",)),
    ("AWS::RDS::DBInstance", "encryption"): Key(("storage_encrypted",)),
    ("AWS::RDS::DBCluster", "encryption"): Key(("storage_encrypted",)),
    ("AWS::DocDB::DBCluster", "encryption"): Key(("storage_encrypted",)),
    ("AWS::ElastiCache::ReplicationGroup", "encryption"): Key(("at_rest_encryption_enabled",)),
    ("AWS::OpenSearchService::Domain", "encryption"): Key(("encrypt_at_rest{}", "enabled")),
    ("AWS::Elasticsearch::Domain", "encryption"): Key(("encrypt_at_rest{}", "enabled")),
    ("AWS::SQS::Queue", "encryption"): Key(("sqs_managed_sse_enabled",)),
    ("AWS::Cognito::UserPool", "mfa"): Key(("mfa_configuration",)),
    ("AWS::Cognito::UserPool", "mfa-methods"): Key(
        ("software_token_mfa_configuration{}",), lambda _value: {"enabled": True}
    ),
    ("AWS::Cognito::UserPool", "password-policy"): Key(
        ("password_policy{}",), password_policy("minimum_length", "require_{}")
    ),
    ("setting:url", "auth"): Key(("authorization_type",)),
    ("AWS::ApiGateway::Method", "authorization"): Key(
        ("authorization",),
        authorizers.authorization_type("authorizer_id = aws_api_gateway_authorizer.<name>.id"),
    ),
    ("AWS::ApiGatewayV2::Route", "authorization"): Key(
        ("authorization_type",),
        authorizers.authorization_type("authorizer_id = aws_apigatewayv2_authorizer.<name>.id"),
    ),
    ("setting:appsync", "authorization"): Key(("authentication_type",), authorizers.appsync),
    ("setting:cors-http", "cors-origins"): Key(
        ("cors_configuration{}", "allow_origins"), authorizers.origins
    ),
    ("setting:cors-url", "cors-origins"): Key(("cors{}", "allow_origins"), authorizers.origins),
    ("AWS::ApiGateway::Method", "request-validation"): Key(
        ("request_validator_id",),
        authorizers.validation(
            "aws_api_gateway_request_validator.<name>.id, with validate_request_body = true; "
            "and request_models"
        ),
    ),
    ("AWS::Lambda::Permission", "auth"): Key(("function_url_auth_type",)),
    ("AWS::Lambda::Permission", "principal"): Key(("principal",)),
    ("AWS::SQS::Queue", "redrive-policy"): Key(("redrive_policy",), _json_encoded),
    ("AWS::CloudFront::Distribution", "web-acl"): Key(("web_acl_id",)),
    ("AWS::Lambda::Url", "auth"): Key(("authorization_type",)),
    ("AWS::ApiGateway::DomainName", "tls-policy"): Key(("security_policy",)),
    ("setting:domain", "tls-policy"): Key(("security_policy",)),
    ("AWS::Lambda::EventSourceMapping", "failure-destination"): Key(
        ("destination_config{}", "on_failure{}", "destination_arn")
    ),
    ("setting:domain-configuration", "tls-policy"): Key(
        ("domain_name_configuration{}", "security_policy")
    ),
    ("AWS::Lambda::Permission", "source-account"): Key(("source_account",), _own_account),
    ("AWS::Lambda::Permission", "source-arn"): Key(("source_arn",)),
    ("function", "role"): Key(("role",), _own_role),
    ("setting", "iam-actions"): Key(("Action",)),
    ("setting", "iam-resources"): Key(("Resource",)),
    ("setting", "iam-condition"): Key(("Condition",), condition_block(_OWN_ACCOUNT)),
}
"""(see `Target.lookup_keys`, setting) → argument path; `name{}` is a nested block."""

_STATEMENT_NOTE = 'in a data "aws_iam_policy_document" statement: `{}`'
_NOTES = {
    "iam-actions": _STATEMENT_NOTE.format("actions = [...]"),
    "iam-resources": _STATEMENT_NOTE.format("resources = [...]"),
    "iam-condition": _STATEMENT_NOTE.format("condition { test = ..., variable = ..., values }"),
}
"""How a statement key reads where the statement is an HCL block, not JSON."""

AS_RESOURCE: dict[tuple[str, str], AddedKind] = {
    ("function", "log-retention"): "log-group",
    ("stage:rest", "throttling"): "method-settings",
    ("AWS::S3::Bucket", "public-access-block"): "public-access-block",
    ("AWS::S3::Bucket", "object-ownership"): "ownership-controls",
}
"""Settings Terraform writes as a resource of their own (a function's log group)."""


def address_of(app: model.Application, target: Target) -> str:
    """The Terraform address of a fix's target (`module.x.aws_lambda_function.charge`)."""
    found = resource_path(app, target.origin.path)
    logical = target.logical_id or (found[0] if found else "")
    return terraform_address(app, logical) or target.name


@dataclass(frozen=True, slots=True)
class TerraformDialect:
    """HCL for fixes, addresses for places."""

    name: model.Dialect = "terraform"

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """`aws_iam_role_policy.api.policy.Statement[0].Action` for a translated path."""
        found = resource_path(app, origin.path)
        if found is None:  # A place in a file's literal tree: `resource.aws_x.name.argument`.
            path = origin.path[1:] if origin.path[:1] == ("resource",) else origin.path
            if path and str(path[0]).startswith("resource."):
                path = (str(path[0]).removeprefix("resource."), *path[1:])
            if len(path) == 2 and path[1] == "Default":  # A variable's default, read as a
                return f"var.{path[0]}.default"  # CloudFormation parameter's `Default`.
            return format_path(path)
        logical, rest = found
        address = terraform_address(app, logical)
        if address is None:
            return format_path((logical, *rest))
        properties = rest[1:] if rest[:1] == ("Properties",) else rest
        terraform_type = local_address(address).split(".")[0]
        argument = format_path(argument_path(terraform_type, properties))
        return f"{address}.{argument}" if argument else address

    def name_value(self, app: model.Application, value: object) -> str | None:
        """A reference to a resource of the app by its address (`aws_sqs_queue.jobs.arn`);
        None for anything else (named as rendered)."""
        reference = _reference(value)
        if reference is None or terraform_address(app, reference.logical_id) is None:
            return None
        return str(_resource_text(app, reference)).strip('"')

    def render(self, app: model.Application, intent: Intent) -> str:
        """The intent as HCL, with `#` comments saying where it goes."""
        if isinstance(intent, SetSetting):
            return self._setting(app, intent)
        if isinstance(intent, AddResource):
            return _comment([intent.note, *_grants(intent.grants)]) + self._resource(app, intent)
        if isinstance(intent, ReplaceStatements):
            where = address_of(app, intent.target)
            return _comment([_statements_verb(intent, where), intent.note]) + (
                self._policy_document(app, intent)
            )
        if isinstance(intent, RemoveGrant):
            where = self.name_of(app, intent.target.origin)
            return _comment([f"remove the {intent.what} at {where}", intent.note])
        if isinstance(intent, MoveToSecret):
            return self._secret(app, intent)
        text = intent.text if isinstance(intent, FreeText) else intent.title
        return _comment(text.splitlines()).rstrip("\n")

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """Arguments set in their resource block; new resources appended to its file."""
        origin = _origin(intent)
        if isinstance(intent, SetSetting):
            as_resource = _as_resource(intent)
            if as_resource is not None:
                return self.edit(app, as_resource)
            if intent.target.variant == "iam-statement":  # Not an argument of the resource.
                where = self.name_of(app, intent.target.origin)
                return NotApplied(
                    f"{where} is inside a policy document: edit it there", intent.title
                )
            found = _setting_key(intent)
            if found is None:
                return NotApplied("no exact Terraform argument for this fix", intent.title)
            path, value = found.path, found.value(intent.value)
            if has_placeholder(value):
                return NotApplied("the value must be chosen by you", intent.title)
            key = path[0].removesuffix("{}")
            if len(path) > 1:
                text = hcl_nested(path[1:], value)
            elif path[0].endswith("{}") and isinstance(value, dict):
                text = hcl_body(value)
            else:
                text = hcl_value(value)
            anchor = (address_of(app, intent.target),)
            return Edit(
                origin.file,
                anchor,
                origin.line,
                origin.column,
                "set",
                text,
                key,
                intent.applicability,
                intent.title,
            )
        if isinstance(intent, AddResource) and intent.kind in _BUCKET_SETTINGS:
            return NotApplied(
                "a bucket has one such resource: change the one it has, or add this one",
                intent.title,
            )
        if isinstance(intent, AddResource):
            return Edit(
                origin.file,
                (),
                0,
                0,
                "append",
                self._resource(app, intent),
                applicability=intent.applicability,
                title=intent.title,
            )
        if isinstance(intent, ReplaceStatements):
            return _edit_statements(app, intent)
        if isinstance(intent, RemoveGrant):
            return _remove_grant(app, intent, self.name_of(app, intent.target.origin))
        if isinstance(intent, FreeText):
            return NotApplied("free-text advice has no exact edit", intent.title)
        return secret_not_applied(intent)

    def render_settings(self, app: model.Application, intents: list[SetSetting]) -> str:
        """Several settings of one target under one `# in ...` line (comments said once)."""
        seen: set[str] = set()
        lines: list[str] = []
        for intent in intents:
            for line in self._setting(app, intent).splitlines():
                if not line.startswith("#") or line not in seen:
                    lines.append(line)
                    seen.add(line)
        return "\n".join(lines)

    def _setting(self, app: model.Application, intent: SetSetting) -> str:
        as_resource = _as_resource(intent)
        if as_resource is not None:
            return self.render(app, as_resource)
        where = local_address(address_of(app, intent.target))
        if intent.target.variant == "iam-statement":  # Inside a policy: name the statement.
            where = self.name_of(app, intent.target.origin) or where
        found = _setting_key(intent)
        notes = [f"in {where}", intent.note, *_grants(intent.grants)]
        notes.append(_NOTES.get(intent.setting, ""))
        if found is None:
            return _comment([f"set {intent.setting} to {hcl_value(intent.value)}", *notes])
        return _comment(notes) + hcl_nested(found.path, found.value(intent.value))

    def _resource(self, app: model.Application, intent: AddResource) -> str:
        address = local_address(address_of(app, intent.target))
        name = address.split(".")[-1]
        function = HclExpression(f"{address}.function_name")
        if intent.kind == "log-group":
            return hcl_resource(
                "aws_cloudwatch_log_group",
                name,
                {
                    "name": HclExpression(f'"/aws/lambda/${{{address}.function_name}}"'),
                    "retention_in_days": intent.value_of("log-retention", 30),
                },
            )
        if intent.kind == "alarm":
            metric = str(intent.value_of("metric", "Errors"))
            return hcl_resource(
                "aws_cloudwatch_metric_alarm",
                f"{name}_{metric.lower()}",
                {
                    "namespace": "AWS/Lambda",
                    "metric_name": metric,
                    "dimensions": {"FunctionName": function},
                    "statistic": "Sum",
                    "period": 300,
                    "evaluation_periods": 1,
                    "threshold": intent.value_of("threshold", 1),
                    "comparison_operator": "GreaterThanOrEqualToThreshold",
                    "alarm_actions": [intent.value_of("notify", Placeholder("SNS topic ARN"))],
                },
            )
        if intent.kind in ("queue-policy", "topic-policy", "bucket-policy"):
            return _transport_policy(intent.kind, address, name)
        if intent.kind in _BUCKET_SETTINGS:
            return _bucket_setting(intent, address, name)
        if intent.kind == "dlq":
            return hcl_resource(
                "aws_sqs_queue",
                f"{name}_dlq",
                {
                    "message_retention_seconds": 1209600,
                },
            )
        if intent.kind == "waf-association":
            return hcl_resource(
                "aws_wafv2_web_acl_association",
                name,
                {
                    "resource_arn": intent.value_of(
                        "resource_arn", HclExpression(f"{address}.arn")
                    ),
                    "web_acl_arn": intent.value_of("web_acl", Placeholder("web ACL ARN")),
                },
            )
        if intent.kind == "cdn-with-waf":
            return _distribution(intent, address)
        if intent.kind == "method-settings":
            return _method_settings(intent, address)
        return _comment([intent.title])

    def _policy_document(self, app: model.Application, intent: ReplaceStatements) -> str:
        name = local_address(address_of(app, intent.target)).split(".")[-1]
        return policy_document(app, name, intent.statements)

    def _secret(self, app: model.Application, intent: MoveToSecret) -> str:
        """The variable that carries the secret's name, in the function's `environment`.

        Never `data.aws_ssm_parameter.x.value`: Terraform would read the plaintext into its
        state and the function's configuration (secret-materialized-in-environment)."""
        where = self.name_of(app, intent.target.origin) or intent.target.name
        notes = [f"in {where}", secret_note(intent), *_grants(intent.grants)]
        return _comment(notes) + f"{intent.reference_name} = {hcl_value(intent.reference_value)}"


def policy_document(
    app: model.Application | None, name: str, statements: tuple[PolicyStatement, ...]
) -> str:
    """A `data "aws_iam_policy_document"` with one `statement` block per statement."""
    lines = [f'data "aws_iam_policy_document" "{name}" {{']
    for statement in statements:
        lines += [f"  # {reason}" for reason in statement.evidence]
        body = {
            "effect": statement.effect,
            "actions": list(statement.actions),
            "resources": [_resource_text(app, r) for r in statement.resources],
        }
        lines += ["  statement {", hcl_body(body, 2), "  }"]
    lines.append("}")
    return "\n".join(lines)


_INLINE_POLICIES = frozenset({"aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy"})
"""Resources whose `policy` argument holds the statements (as `jsonencode({...})`)."""


def _edit_statements(app: model.Application, intent: ReplaceStatements) -> Edit | NotApplied:
    """The policy's `policy` argument written again with the minimal statements.

    `slsguard fix` replaces it only when it is written in place (`jsonencode({...})`, a
    heredoc); a policy document from elsewhere (`data.aws_iam_policy_document.x.json`) is
    reported as not applied."""
    address = address_of(app, intent.target)
    if local_address(address).split(".")[0] not in _INLINE_POLICIES:
        return NotApplied(f"{address} is not a policy slsguard can rewrite", intent.title)
    origin = intent.target.origin
    text = policy_json(app, intent.statements)
    anchor = (address,)
    return Edit(
        origin.file,
        anchor,
        origin.line,
        origin.column,
        "set",
        text,
        "policy",
        intent.applicability,
        intent.title,
    )


_ATTACHMENTS = ("aws_iam_role_policy_attachment", "aws_iam_policy_attachment")
"""Resources that only attach a managed policy: removing the grant removes the resource."""


def _remove_grant(app: model.Application, intent: RemoveGrant, native: str) -> Edit | NotApplied:
    """A managed policy out of `managed_policy_arns` or with its attachment resource; a
    statement with its inline policy when it is the policy's only one."""
    origin = intent.target.origin
    found = resource_path(app, origin.path)
    if found is None:  # A place in the file's own tree: an attachment resource's argument.
        address = native.rsplit(".", 1)[0] if "." in native else native
        if local_address(address).split(".")[0] not in _ATTACHMENTS:
            return NotApplied(f"{native} is not a grant slsguard can remove", intent.title)
        return _edit(origin, (address,), "remove", "", "", intent)
    logical, rest = found
    address = terraform_address(app, logical) or logical
    properties = _properties(app, logical)
    if intent.what == "managed-policy" and rest[:1] == ("ManagedPolicyArns",) and len(rest) == 2:
        arns = properties.get("ManagedPolicyArns")
        index = rest[1]
        if not isinstance(arns, list) or not isinstance(index, int) or index >= len(arns):
            return NotApplied(f"{native} is not a list item", intent.title)
        if not isinstance(arns[index], str):
            return NotApplied(
                f"{native} is an expression: change it where it is defined", intent.title
            )
        return _edit(
            origin, (address,), "remove", hcl_value(arns[index]), "managed_policy_arns", intent
        )
    document = properties.get("PolicyDocument")
    statements = document.get("Statement") if isinstance(document, dict) else None
    inline = local_address(address).split(".")[0] == "aws_iam_role_policy"
    if intent.what == "statement" and inline and isinstance(statements, list | dict):
        if isinstance(statements, dict) or len(statements) == 1:
            return _edit(origin, (address,), "remove", "", "", intent)
        return NotApplied(
            f"{address} has other statements: one is not removed alone from its policy",
            intent.title,
        )
    return NotApplied(f"{native} is not a grant slsguard can remove", intent.title)


def _properties(app: model.Application, logical: str) -> dict[str, object]:
    resources = app.resources if isinstance(app.resources, dict) else {}
    resource = resources.get(logical)
    properties = resource.get("Properties") if isinstance(resource, dict) else None
    return properties if isinstance(properties, dict) else {}


def _edit(
    origin: Origin, anchor: tuple[str, ...], action: EditAction, text: str, key: str, intent: Intent
) -> Edit:
    applicability = getattr(intent, "applicability", SAFE)
    return Edit(
        origin.file,
        anchor,
        origin.line,
        origin.column,
        action,
        text,
        key,
        applicability,
        intent.title,
    )


def policy_json(app: model.Application | None, statements: tuple[PolicyStatement, ...]) -> str:
    """`jsonencode({...})` of a policy with these statements, as `policy = ` takes it."""
    lines = ["jsonencode({", '  Version = "2012-10-17"', "  Statement = ["]
    for statement in statements:
        resources = [_resource_text(app, r) for r in statement.resources]
        lines += [f"    # {reason}" for reason in statement.evidence]
        lines += [
            "    {",
            f"      Effect   = {hcl_value(statement.effect)}",
            f"      Action   = {hcl_value(list(statement.actions))}",
            f"      Resource = {hcl_value(resources)}",
            "    },",
        ]
    lines += ["  ]", "})"]
    return "\n".join(lines)


DATA_SOURCES = 'data "aws_region" "current" {}\ndata "aws_caller_identity" "current" {}\n'
"""The data sources an ARN in the deploying account refers to (`AccountArn`)."""

_REGION_ACCOUNT = (
    "${data.aws_region.current.name}",
    "${data.aws_caller_identity.current.account_id}",
)


def _resource_text(
    app: model.Application | None, resource: str | ResourceRef | PolicyResource
) -> object:
    """A statement's resource in HCL: a resource of the app by its address
    (`aws_sqs_queue.jobs.arn`), an ARN in the deploying account through the region and
    account data sources, else the ARN."""
    if isinstance(resource, PolicyResource):
        return _policy_resource(app, resource)
    if isinstance(resource, str):
        return resource
    address = terraform_address(app, resource.logical_id) if app is not None else None
    if address is None:
        return f"<{resource.logical_id} {resource.attribute}>{resource.suffix}"
    attribute = "arn" if resource.attribute == "Ref" else _snake(resource.attribute)
    reference = f"{local_address(address)}.{attribute}"
    if resource.suffix:
        return HclExpression(f'"${{{reference}}}{resource.suffix}"')
    return HclExpression(reference)


def _policy_resource(app: model.Application | None, resource: PolicyResource) -> object:
    ref = resource.ref
    if ref is None and resource.resource:
        ref = ResourceRef(resource.resource, "Arn")
    if app is not None and ref is not None and terraform_address(app, ref.logical_id):
        return _resource_text(app, ref)
    if isinstance(resource.arn, model.AccountArn):
        return HclExpression(json.dumps(resource.arn.written(*_REGION_ACCOUNT)))
    return resource.arn


_SUB = re.compile(r"^\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}(.*)$")


def _reference(value: object) -> ResourceRef | None:
    """`!GetAtt X.Arn`, `!Ref X` or `!Sub ${X.Arn}/*` (the shapes the Terraform loader
    translates references into) as the resource they name."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((name, argument),) = value.items()
    if name == "Ref" and isinstance(argument, str):
        return ResourceRef(argument, "Ref")
    if name == "Fn::GetAtt":
        parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
        if len(parts) == 2:
            return ResourceRef(str(parts[0]), str(parts[1]))
    if name == "Fn::Sub" and isinstance(argument, str):
        found = _SUB.match(argument)
        if found and "${" not in found.group(3):
            return ResourceRef(found.group(1), found.group(2) or "Ref", found.group(3))
    return None


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _transport_policy(kind: str, address: str, name: str) -> str:
    arn = f"{address}.arn"
    resources = [HclExpression(arn)]
    if kind == "bucket-policy":
        resources.append(HclExpression(f'"${{{arn}}}/*"'))
    action = {"queue-policy": "sqs:*", "topic-policy": "sns:Publish", "bucket-policy": "s3:*"}[kind]
    document = (
        f'data "aws_iam_policy_document" "{name}_tls_only" {{\n'
        "  statement {\n"
        '    effect    = "Deny"\n'
        f'    actions   = ["{action}"]\n'
        f"    resources = {hcl_value(resources)}\n"
        "    principals {\n"
        '      type        = "*"\n'
        '      identifiers = ["*"]\n'
        "    }\n"
        "    condition {\n"
        '      test     = "Bool"\n'
        '      variable = "aws:SecureTransport"\n'
        '      values   = ["false"]\n'
        "    }\n"
        "  }\n"
        "}\n"
    )
    kind_name, holder, holder_value = {
        "queue-policy": ("aws_sqs_queue_policy", "queue_url", f"{address}.id"),
        "topic-policy": ("aws_sns_topic_policy", "arn", f"{address}.arn"),
        "bucket-policy": ("aws_s3_bucket_policy", "bucket", f"{address}.id"),
    }[kind]
    policy = HclExpression(f"data.aws_iam_policy_document.{name}_tls_only.json")
    return document + hcl_resource(
        kind_name, f"{name}_tls_only", {holder: HclExpression(holder_value), "policy": policy}
    )


_BUCKET_SETTINGS = ("public-access-block", "ownership-controls")
"""Bucket settings Terraform writes as a resource of their own, one per bucket."""


def _bucket_setting(intent: AddResource, address: str, name: str) -> str:
    """`aws_s3_bucket_public_access_block` (all on) or `aws_s3_bucket_ownership_controls`."""
    bucket = HclExpression(f"{address}.id")
    if intent.kind == "public-access-block":
        names = ("block_public_acls", "block_public_policy", "ignore_public_acls")
        entries: dict[str, object] = {"bucket": bucket, **dict.fromkeys(names, True)}
        entries["restrict_public_buckets"] = True
        return hcl_resource("aws_s3_bucket_public_access_block", name, entries)
    ownership = intent.value_of("value", "BucketOwnerEnforced")
    entries = {"bucket": bucket, "rule{}": {"object_ownership": ownership}}
    return hcl_resource("aws_s3_bucket_ownership_controls", name, entries)


def _setting_key(intent: SetSetting) -> Key | None:
    for key in intent.target.lookup_keys():
        found = SETTINGS.get((key, intent.setting))
        if found is not None:
            return found
    return None


def _as_resource(intent: SetSetting) -> AddResource | None:
    for key in intent.target.lookup_keys():
        kind = AS_RESOURCE.get((key, intent.setting))
        if kind is not None:
            return new_resource_for(intent, kind)
    return None


def _origin(intent: Intent) -> Origin:
    target = getattr(intent, "target", None)
    return target.origin if isinstance(target, Target) else Origin("")


def _grants(grants: tuple[Grant, ...]) -> list[str]:
    return [
        f"and allow {', '.join(g.actions)} to its role"
        + (f" (attach {g.managed_policy})" if g.managed_policy else "")
        for g in grants
    ]


def _comment(lines: list[str]) -> str:
    return "".join(f"# {line}\n" for line in lines if line)


DIALECT = TerraformDialect()


def _statements_verb(intent: ReplaceStatements, where: str) -> str:
    return f"add to {where}" if intent.add else f"replace the statements of {where} with"


_ALL_METHODS = '["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]'


def _distribution(intent: AddResource, address: str) -> str:
    """`aws_cloudfront_distribution` with a web ACL in front of a function URL or HTTP API."""
    if intent.value_of("origin") == "function-url":
        domain = f'split("/", {address}.function_url)[2]'
    else:
        domain = f'replace({address}.api_endpoint, "https://", "")'
    name = address.split(".")[-1]
    acl = hcl_value(Placeholder("ARN of a web ACL with scope CLOUDFRONT (us-east-1)"))
    return "\n".join(
        [
            f'resource "aws_cloudfront_distribution" "{name}" {{',
            "  enabled    = true",
            f"  web_acl_id = {acl}",
            "  origin {",
            '    origin_id   = "origin"',
            f"    domain_name = {domain}",
            "    custom_origin_config {",
            "      http_port              = 80",
            "      https_port             = 443",
            '      origin_protocol_policy = "https-only"',
            '      origin_ssl_protocols   = ["TLSv1.2"]',
            "    }",
            "  }",
            "  default_cache_behavior {",
            '    target_origin_id       = "origin"',
            '    viewer_protocol_policy = "https-only"',
            f"    allowed_methods        = {_ALL_METHODS}",
            '    cached_methods         = ["GET", "HEAD"]',
            f'    cache_policy_id        = "{CACHING_DISABLED}"',
            "  }",
            "  restrictions {",
            "    geo_restriction {",
            '      restriction_type = "none"',
            "    }",
            "  }",
            "  viewer_certificate {",
            "    cloudfront_default_certificate = true",
            "  }",
            "}",
        ]
    )


def _method_settings(intent: AddResource, address: str) -> str:
    """`aws_api_gateway_method_settings` for every method of a REST API stage."""
    limits = _route_throttling(intent.value_of("throttling"))
    name = address.split(".")[-1]
    return hcl_resource(
        "aws_api_gateway_method_settings",
        f"{name}_all",
        {
            "rest_api_id": HclExpression(f"{address}.rest_api_id"),
            "stage_name": HclExpression(f"{address}.stage_name"),
            "method_path": "*/*",
            "settings{}": limits,
        },
    )
