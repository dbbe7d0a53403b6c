"""Which resource a call touches: constants, template environment variables and the
CloudFormation resources they reference, as ARN patterns (region and account `*`).

A value of another stack (`!GetAtt Child.Outputs.QueueArn`, `!ImportValue orders-QueueArn`)
names the resource that stack defines when the scan holds it (`analysis.stacks`), written as
that resource's ARN pattern. Otherwise the target says it is unresolved and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from slsguard.analysis.stacks import output_resource
from slsguard.leastpriv.pycalls import Arg
from slsguard.loading.yaml import YMap
from slsguard.model import Application, Deferred, Function, Reference, render

_TYPES: dict[str, tuple[str, str, str]] = {
    "table": ("AWS::DynamoDB::Table", "TableName", "arn:aws:dynamodb:*:*:table/{}"),
    "bucket": ("AWS::S3::Bucket", "BucketName", "arn:aws:s3:::{}"),
    "queue": ("AWS::SQS::Queue", "QueueName", "arn:aws:sqs:*:*:{}"),
    "topic": ("AWS::SNS::Topic", "TopicName", "arn:aws:sns:*:*:{}"),
    "secret": ("AWS::SecretsManager::Secret", "Name", "arn:aws:secretsmanager:*:*:secret:{}-*"),
    "parameter": ("AWS::SSM::Parameter", "Name", "arn:aws:ssm:*:*:parameter/{}"),
    "function": ("AWS::Lambda::Function", "FunctionName", "arn:aws:lambda:*:*:function:{}"),
    "stream": ("AWS::Kinesis::Stream", "Name", "arn:aws:kinesis:*:*:stream/{}"),
    "statemachine": (
        "AWS::StepFunctions::StateMachine",
        "StateMachineName",
        "arn:aws:states:*:*:stateMachine:{}",
    ),
    "key": ("AWS::KMS::Key", "", "arn:aws:kms:*:*:key/{}"),
    "role": ("AWS::IAM::Role", "RoleName", "arn:aws:iam::*:role/{}"),
    "configuration": (
        "AWS::AppConfig::ConfigurationProfile",
        "",
        "arn:aws:appconfig:*:*:application/*/environment/*/configuration/{}",
    ),
}
"""Resource kind → (CloudFormation type, name property, ARN pattern)."""

_ALSO = {"table": "AWS::Serverless::SimpleTable"}
"""SAM types that become the CloudFormation type under the same logical id."""

_ARN_ATTRIBUTE = {
    "table": "Arn",
    "bucket": "Arn",
    "queue": "Arn",
    "stream": "Arn",
    "key": "Arn",
    "function": "Arn",
}
_REF_IS_ARN = frozenset({"topic", "secret", "statemachine"})


@dataclass(frozen=True, slots=True)
class Target:
    """A resource a call needs, as an ARN pattern and, when known, the template resource."""

    arn: str
    logical_id: str | None = None
    label: str = ""
    """How it was found: `OrdersTable (TABLE_NAME)`, `the constant "orders"`."""
    resolved: bool = True
    cfn: str = ""
    """The ARN as a CloudFormation value (`!GetAtt OrdersTable.Arn`), for YAML policies."""
    sls: str = ""
    """The ARN as the Serverless Framework config writes it, its variables kept
    (`arn:aws:dynamodb:${aws:region}:${aws:accountId}:table/${sls:stage}-orders`), so that
    a policy for one stage is right for every stage."""
    key: Target | None = None
    """For a resource of another stack of the scan (no `logical_id` here): the
    customer-managed key that stack encrypts it with, whose KMS actions its use needs."""

    def child(self, suffix: str) -> Target:
        """A sub-resource (objects of a bucket, indexes of a table)."""
        cfn = f"!Sub '${{{self.logical_id}.Arn}}{suffix}'" if self.logical_id else ""
        sls = self.sls + suffix if self.sls else ""
        return replace(self, arn=self.arn + suffix, cfn=cfn, sls=sls)


ANY = Target("*", label="no resource-level permissions", cfn="'*'")


def unresolved(kind: str | None, why: str) -> Target:
    """The narrowest sound pattern for a resource the analysis could not name."""
    pattern = _TYPES[kind][2].format("*") if kind in _TYPES else "*"
    return Target(pattern, label=f"unresolved: {why}", resolved=False)


def resolve(app: Application, fn: Function, kind: str, arg: Arg | None) -> Target:
    """The resource of `kind` an argument names, or an explicit unresolved pattern."""
    if arg is None:
        return unresolved(kind, "the call does not name it")
    if arg.kind == "const":
        return _named(kind, arg.text, f'"{arg.text}"')
    if arg.kind == "unknown":
        return unresolved(kind, f"`{arg.text}` is computed at run time")
    var = next((e for e in fn.environment if e.name == arg.text), None)
    if var is None:
        return unresolved(kind, f"{arg.text} is not set in the template")
    raw = serverless_text(app, fn, var.name)
    if isinstance(var.value, str):
        return _with_variables(_named(kind, var.value, arg.text), var.value, raw)
    if raw.startswith("arn:") and isinstance(var.value, Reference | Deferred):
        known = var.value.text if isinstance(var.value, Deferred) else raw  # the stage resolved
        return _with_variables(Target(_VARIABLE.sub("*", known), label=arg.text), "", raw)
    other = other_stack(app, kind, var.value, arg.text)
    if other is not None:
        return other
    logical = _logical_id(var.value)
    if logical is not None:
        return from_resource(app, kind, logical, arg.text)
    return unresolved(kind, f"{arg.text} is only known at deploy time")


def _named(kind: str, text: str, label: str) -> Target:
    if text.startswith("arn:"):
        suffix = "*" if kind == "secret" and text.count(":") == 6 else ""
        return Target(text + suffix, label=label)
    if kind == "queue" and text.startswith("https://"):
        parts = text.split("/")
        region = text.split(".")[1] if text.count(".") >= 2 else "*"
        if len(parts) >= 5:
            return Target(f"arn:aws:sqs:{region}:{parts[3]}:{parts[4]}", label=label)
    pattern = _TYPES[kind][2] if kind in _TYPES else "{}"
    return Target(pattern.format(text.lstrip("/") if kind == "parameter" else text), label=label)


def _logical_id(value: object) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref" and isinstance(argument, str):
            return argument
        if name == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else str(argument).split(".")
            return str(parts[0]) if parts else None
    return None


def from_resource(app: Application, kind: str, logical: str, via: str) -> Target:
    """The ARN pattern of the template resource `logical`, reached through `via`."""
    resources: Any = app.resources if isinstance(app.resources, dict) else {}
    resource = resources.get(logical)
    label = f"{logical} ({via})"
    if not isinstance(resource, dict) or kind not in _TYPES:
        return unresolved(kind, f"{via} references {logical}, not a resource of this template")
    cfn_type, name_key, pattern = _TYPES[kind]
    if resource.get("Type") not in (cfn_type, _ALSO.get(kind)):
        return unresolved(kind, f"{via} references {logical}, a {resource.get('Type')}")
    properties = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
    name = properties.get(name_key) if name_key and isinstance(properties, dict) else None
    name = name.lstrip("/") if isinstance(name, str) and kind == "parameter" else name
    arn = pattern.format(name if isinstance(name, str) else "*")
    attribute = _ARN_ATTRIBUTE.get(kind)
    cfn = f"!GetAtt {logical}.{attribute}" if attribute else ""
    cfn = f"!Ref {logical}" if kind in _REF_IS_ARN else cfn
    return Target(arn, logical, label, True, cfn)


def other_stack(app: Application, kind: str, value: object, via: str) -> Target | None:
    """The resource of another stack that `value` reads, or an unresolved target saying so;
    None when `value` reads no other stack's value. The output may hold a name or a URL rather
    than an ARN, so the policy writes the resource's ARN pattern, not the value read."""
    if not reads_other_stack(value):
        return None
    linked = output_resource(app, value)
    if linked is None:
        return unresolved(kind, f"{via} is {render(value)}, from a stack not in the scan")
    owner, logical = linked
    found = from_resource(owner, kind, logical, via)
    if not found.resolved:
        return found
    label = f"{logical} of {owner.file} ({via}: {render(value)})"
    return Target(found.arn, None, label, True, key=_key_of(owner, logical))


def elsewhere(owner: Application, target: Target, via: str) -> Target:
    """A resolved target of another stack (`owner`) as this stack's policies name it: by ARN
    pattern (its logical id means nothing here), with the key that stack encrypts it with."""
    if target.logical_id is None:
        return target
    label = f"{target.logical_id} of {owner.file} ({via})"
    return Target(target.arn, None, label, target.resolved, key=_key_of(owner, target.logical_id))


def _key_of(owner: Application, logical: str) -> Target | None:
    from slsguard.leastpriv.kms import customer_key  # kms resolves keys with this module

    key = customer_key(owner, logical)
    return elsewhere(owner, key, f"the key of {logical}") if key is not None else None


def reads_other_stack(value: object) -> bool:
    """Whether a value is `Fn::ImportValue`, `Fn::GetAtt Child.Outputs.X` or Serverless
    `${cf:stack.Output}`."""
    if isinstance(value, Reference) and value.source == "cf":
        return True
    if not isinstance(value, dict) or len(value) != 1:
        return False
    ((name, argument),) = value.items()
    if name == "Fn::ImportValue":
        return True
    parts = argument if isinstance(argument, list) else str(argument).split(".", 1)
    return name == "Fn::GetAtt" and len(parts) > 1 and str(parts[1]).startswith("Outputs.")


_VARIABLE = re.compile(r"\$\{[^}]*\}")
_REGION_ACCOUNT = ("${aws:region}", "${aws:accountId}")


def serverless_text(app: Application, fn: Function, name: str) -> str:
    """The environment variable's value as the Serverless config writes it (`orders-
    ${sls:stage}`), when it holds variables; empty otherwise or for other syntaxes."""
    if app.kind != "serverless" or not app.documents:
        return ""
    root = app.documents[0].root
    for path in (("functions", fn.name, "environment"), ("provider", "environment")):
        node: object = root
        for step in path:
            node = node.get(step) if isinstance(node, YMap) else None
        value = node.get(name) if isinstance(node, YMap) else None
        if value is not None:
            return value if isinstance(value, str) and "${" in value else ""
    return ""


def _with_variables(target: Target, resolved: str, raw: str) -> Target:
    """`target` with its Serverless text: the resolved name put back as written, and an
    unknown region and account as `${aws:region}`/`${aws:accountId}`."""
    if not raw:
        return target
    arn = target.arn.replace(resolved, raw) if resolved and resolved in target.arn else ""
    arn = raw if raw.startswith("arn:") else arn
    parts = arn.split(":", 5)
    if len(parts) == 6:
        parts[3] = _REGION_ACCOUNT[0] if parts[3] == "*" else parts[3]
        parts[4] = _REGION_ACCOUNT[1] if parts[4] == "*" else parts[4]
        return replace(target, sls=":".join(parts))
    return target
