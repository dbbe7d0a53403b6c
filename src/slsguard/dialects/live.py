"""The live dialect: an audited AWS account, where places are ARNs and fixes are CLI steps.

`slsguard audit` builds the model of each deployed application from what the account says;
each resource of that model keeps the ARN it stands for (`Metadata` `slsguard:arn`), so a
fix names the real thing (`arn:aws:lambda:...:function:pay`, the stage of a REST API) and
says what to run: an AWS CLI command where one makes the change, the change in AWS terms
otherwise. A deployed resource is then changed again by the template or tool that deployed
it, so each step says to make the same change there; `slsguard fix` never edits an account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from slsguard import model
from slsguard.dialects.base import Edit, NotApplied, resource_path
from slsguard.dialects.statements import iam_document
from slsguard.findings import Origin, format_path
from slsguard.fixes import (
    OWN_ACCOUNT,
    AddResource,
    FreeText,
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
)

ARN = "slsguard:arn"
"""The Metadata key under which the audit keeps a resource's ARN (`audit.template`)."""

REDEPLOY = "then make the same change where it is defined, or the next deploy reverts it"

_LAMBDA_FLAGS = {
    "tracing": "--tracing-config Mode={}",
    "kms-key": "--kms-key-arn {}",
    "runtime": "--runtime {}",
    "timeout": "--timeout {}",
    "failure-destination": "--dead-letter-config TargetArn={}",
}

_REST_STAGE_PATCHES = {
    "api-tracing": (("/tracingEnabled", "true"),),
    "execution-logging": (("/*/*/logging/loglevel", "ERROR"),),
    "data-trace": (("/*/*/logging/dataTrace", "false"),),
    "throttling": (("/*/*/throttling/burstLimit", "50"), ("/*/*/throttling/rateLimit", "100")),
}


def _value(value: object) -> str:
    if isinstance(value, Placeholder):
        return f"<{value.text}>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, default=_json_default)
    return str(value)


def _json_default(value: object) -> object:
    return f"<{value.text}>" if isinstance(value, Placeholder) else str(value)


def arn_of(app: model.Application, target: Target) -> str:
    """The ARN of the deployed thing a target stands for (its name when none is known)."""
    logical = target.logical_id
    if not logical:
        found = resource_path(app, target.origin.path)
        logical = found[0] if found else ""
    resources = app.resources if isinstance(app.resources, dict) else {}
    body = resources.get(logical)
    metadata = body.get("Metadata") if isinstance(body, dict) else None
    arn = metadata.get(ARN) if isinstance(metadata, dict) else None
    return arn if isinstance(arn, str) else (target.deployed_name or target.name)


@dataclass(frozen=True, slots=True)
class LiveDialect:
    """ARNs for places, AWS CLI steps for fixes."""

    name: model.Dialect = "live"

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """The ARN (the origin's file for a live place) and the attribute path under it."""
        attribute = format_path(origin.path)
        return f"{origin.file} {attribute}".strip()

    def render(self, app: model.Application, intent: Intent) -> str:
        """An AWS CLI command when one makes the change, else the change in AWS terms."""
        if isinstance(intent, FreeText):
            return intent.text
        if isinstance(intent, SetSetting):
            text = _setting(arn_of(app, intent.target), intent)
        elif isinstance(intent, AddResource):
            text = _resource(arn_of(app, intent.target), intent)
        elif isinstance(intent, ReplaceStatements):
            verb = "add to" if intent.add else "replace the statements of"
            text = f"{verb} {arn_of(app, intent.target)}:\n" + _document(app, intent.statements)
        elif isinstance(intent, RemoveGrant):
            text = (
                f"remove the {intent.what} {intent.target.name} from {arn_of(app, intent.target)}"
            )
        elif isinstance(intent, MoveToSecret):
            text = _secret(arn_of(app, intent.target), intent)
        else:  # pragma: no cover - the intent set is closed
            text = intent.title
        note = getattr(intent, "note", "")
        return "\n".join(part for part in (text, note, f"({REDEPLOY})") if part)

    def render_settings(self, app: model.Application, intents: list[SetSetting]) -> str:
        """Several settings of one deployed thing: one command each, the reminder once."""
        lines = [self.render(app, intent).removesuffix(f"\n({REDEPLOY})") for intent in intents]
        return "\n".join([*lines, f"({REDEPLOY})"])

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """Never: an account is fixed through what deploys it."""
        return NotApplied("a deployed account is changed through what deploys it", intent.title)


def _setting(arn: str, intent: SetSetting) -> str:
    """The CLI command of a setting on a function, a log group or an API stage."""
    value = _value(intent.value)
    if intent.value == OWN_ACCOUNT and arn.count(":") >= 5:
        value = arn.split(":")[4]
    flag = _LAMBDA_FLAGS.get(intent.setting)
    if ":function:" in arn and flag is not None:
        return f"aws lambda update-function-configuration --function-name {arn} " + flag.format(
            value
        )
    if ":function:" in arn and intent.setting == "reserved-concurrency":
        return (
            f"aws lambda put-function-concurrency --function-name {arn} "
            f"--reserved-concurrent-executions {value}"
        )
    if ":function:" in arn and intent.setting == "auth":
        return f"aws lambda update-function-url-config --function-name {arn} --auth-type {value}"
    if ":log-group:" in arn and intent.setting == "log-retention":
        group = arn.split(":log-group:", 1)[1].removesuffix(":*")
        return f"aws logs put-retention-policy --log-group-name {group} --retention-in-days {value}"
    if ":function:" in arn and intent.setting == "log-retention":
        group = "/aws/lambda/" + arn.rsplit(":", 1)[-1]
        return f"aws logs put-retention-policy --log-group-name {group} --retention-in-days {value}"
    stage = _stage(arn)
    if stage is not None and intent.setting in _REST_STAGE_PATCHES and stage[0] == "restapis":
        patches = " ".join(
            f"op=replace,path={path},value={patch}"
            for path, patch in _REST_STAGE_PATCHES[intent.setting]
        )
        return (
            f"aws apigateway update-stage --rest-api-id {stage[1]} --stage-name {stage[2]} "
            f"--patch-operations {patches}"
        )
    if stage is not None and intent.setting == "access-logging":
        return _access_logging(stage)
    if stage is not None and stage[0] == "apis" and intent.setting == "throttling":
        return (
            f"aws apigatewayv2 update-stage --api-id {stage[1]} --stage-name {stage[2]} "
            "--default-route-settings ThrottlingBurstLimit=50,ThrottlingRateLimit=100"
        )
    return f"set {intent.setting} to {value} on {arn} (console, or the service's CLI)"


_ACCESS_FORMAT = "$context.requestId $context.identity.sourceIp $context.status"


def _access_logging(stage: tuple[str, str, str]) -> str:
    """Access logs of a stage into a log group (created first, with a retention period)."""
    kind, api, name = stage
    destination = "<ARN of a log group with a retention period>"
    if kind == "restapis":
        return (
            f"aws apigateway update-stage --rest-api-id {api} --stage-name {name} "
            f"--patch-operations op=replace,path=/accessLogSettings/destinationArn,"
            f"value={destination} op=replace,path=/accessLogSettings/format,"
            f"value='{_ACCESS_FORMAT}'"
        )
    return (
        f"aws apigatewayv2 update-stage --api-id {api} --stage-name {name} "
        f"--access-log-settings DestinationArn={destination},Format='{_ACCESS_FORMAT}'"
    )


def _stage(arn: str) -> tuple[str, str, str] | None:
    """(`restapis` or `apis`, API id, stage name) of an API Gateway stage ARN."""
    _, _, path = arn.partition("::/")
    parts = path.split("/")
    if len(parts) == 4 and parts[0] in ("restapis", "apis") and parts[2] == "stages":
        return parts[0], parts[1], parts[3]
    return None


def _resource(arn: str, intent: AddResource) -> str:
    """The CLI command that creates what a fix adds, or the addition in AWS terms."""
    name = arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    if intent.kind == "alarm" and ":function:" in arn:
        metric = str(intent.value_of("metric", "Errors"))
        notify = _value(intent.value_of("notify", Placeholder("SNS topic ARN")))
        return (
            f"aws cloudwatch put-metric-alarm --alarm-name {name}-{metric.lower()} "
            f"--namespace AWS/Lambda --metric-name {metric} "
            f"--dimensions Name=FunctionName,Value={name} --statistic Sum --period 300 "
            f"--evaluation-periods 1 --threshold {intent.value_of('threshold', 1)} "
            f"--comparison-operator GreaterThanOrEqualToThreshold --alarm-actions {notify}"
        )
    if intent.kind == "log-group" and ":function:" in arn:
        days = _value(intent.value_of("log-retention", 30))
        return (
            f"aws logs create-log-group --log-group-name /aws/lambda/{name}\n"
            f"aws logs put-retention-policy --log-group-name /aws/lambda/{name} "
            f"--retention-in-days {days}"
        )
    if intent.kind == "dlq":
        return f"aws sqs create-queue --queue-name {name}-dlq"
    if intent.kind == "waf-association":
        web_acl = _value(intent.value_of("web_acl", Placeholder("web ACL ARN")))
        return f"aws wafv2 associate-web-acl --web-acl-arn {web_acl} --resource-arn {arn}"
    if intent.kind in ("queue-policy", "topic-policy", "bucket-policy"):
        return (
            f"add to the resource policy of {arn} a statement that denies every request "
            "when aws:SecureTransport is false"
        )
    return f"add a {intent.kind} for {arn}"


def _document(app: model.Application, statements: tuple[PolicyStatement, ...]) -> str:
    """The statements as an IAM policy document (JSON), resources as ARNs where known."""
    return json.dumps(iam_document(statements, lambda r: _resource_arn(app, r)), indent=2)


def _resource_arn(app: model.Application, resource: str | ResourceRef | PolicyResource) -> str:
    """The deployed ARN of a resource of the account, else the resource's ARN pattern."""
    if isinstance(resource, PolicyResource):
        logical = resource.ref.logical_id if resource.ref else resource.resource
        suffix = resource.ref.suffix if resource.ref else ""
        target = Target("resource", logical, Origin(""), logical_id=logical)
        deployed = arn_of(app, target) if logical else ""
        return deployed + suffix if deployed.startswith("arn:") else resource.pattern
    if isinstance(resource, str):
        return resource
    arn = arn_of(
        app, Target("resource", resource.logical_id, Origin(""), logical_id=resource.logical_id)
    )
    return arn + resource.suffix


def _secret(arn: str, intent: MoveToSecret) -> str:
    parameter = intent.parameter or f"/<app>/{intent.variable}"
    if intent.store == "ssm":
        store = f"aws ssm put-parameter --name {parameter} --type SecureString --value <the value>"
    else:
        store = f"aws secretsmanager create-secret --name {parameter} --secret-string <the value>"
    return (
        f"{store}\nthen remove {intent.variable} from the environment of {arn} and read the "
        "value from the store at run time"
    )


DIALECT = LiveDialect()
