"""A region's live resources as CloudFormation-shaped templates, one per application.

Functions are grouped into applications by their `aws:cloudformation:stack-name` tag (the
rest of a region forms one application). Each application becomes a template whose
resources mirror what runs, so the CloudFormation loader builds the same model as for a
repository and every rule applies unchanged. `places` maps each logical id back to the ARN
of the deployed resource and the attribute path under it, for cloud locations.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slsguard.audit.collect import Json, LiveFunction, LiveRole, RegionSnapshot
from slsguard.dialects.live import ARN

STACK_TAG = "aws:cloudformation:stack-name"
STACK_ID_TAG = "aws:cloudformation:stack-id"
_FUNCTION_KEYS = (
    "FunctionName", "Handler", "Runtime", "Timeout", "MemorySize", "PackageType",
    "KmsKeyArn", "Architectures", "Description",
)  # fmt: skip

Place = tuple[str, tuple[str, ...]]

"""(ARN of the deployed resource, attribute path under it)."""


@dataclass(slots=True)
class LiveApp:
    """One application's synthesized template and where each resource really is."""

    name: str
    region: str
    arn: str
    """The stack ARN, or the region's Lambda service ARN for functions outside stacks."""
    resources: dict[str, Json] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    code: dict[Path, str] = field(default_factory=dict)
    """Extracted package directory → ARN of its function (`--download-code`)."""
    function_ids: dict[str, str] = field(default_factory=dict)
    """Function ARN → its logical id in the template (`orders-list` → `OrdersList`)."""
    function_names: dict[str, str] = field(default_factory=dict)
    """Logical id → the function's real name, which messages and summaries use."""

    def name_function(self, fn: LiveFunction) -> str:
        """Give a function a logical id of its own (alphanumeric, as CloudFormation wants)."""
        logical = logical_id(fn.name, self.resources)
        while logical in self.function_names:
            logical += "Function"
        self.function_ids[fn.arn] = logical
        self.function_names[logical] = fn.name
        return logical

    def add(self, logical_id: str, kind: str, properties: Json, place: Place) -> None:
        """Add one resource and remember where it lives."""
        self.resources[logical_id] = {"Type": kind, "Properties": properties}
        self.places[logical_id] = place

    def template(self) -> Json:
        """The CloudFormation-shaped template the model is built from; each resource keeps
        the ARN it stands for in `Metadata` (the live dialect names it by that ARN)."""
        resources = {
            logical: {**body, "Metadata": {ARN: self.places[logical][0]}}
            if logical in self.places
            else body
            for logical, body in self.resources.items()
        }
        return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def applications(
    snapshot: RegionSnapshot, packages: dict[str, Path | str] | None = None
) -> list[LiveApp]:
    """The region's functions grouped into applications, each with its resources
    (`packages`: the extracted code of each function, by ARN)."""
    groups: dict[str, list[LiveFunction]] = {}
    for fn in snapshot.functions:
        groups.setdefault(fn.tags.get(STACK_TAG, ""), []).append(fn)
    apps = []
    for stack, functions in sorted(groups.items()):
        app = _new_app(stack, functions, snapshot.region)
        for fn in functions:
            logical = _function(app, fn, snapshot.roles.get(str(fn.config.get("Role"))))
            package = (packages or {}).get(fn.arn)
            if isinstance(package, Path):
                app.resources[logical]["Properties"]["Code"] = str(package)
                app.code[package.resolve()] = fn.arn
        _alarms(app, snapshot.alarms, {fn.name for fn in functions})
        _log_groups(app, snapshot, functions)
        _entry_points(app, snapshot, functions)
        apps.append(app)
    return apps


def _new_app(stack: str, functions: list[LiveFunction], region: str) -> LiveApp:
    account = functions[0].arn.split(":")[4]
    if stack:
        stack_arn = functions[0].tags.get(STACK_ID_TAG) or (
            f"arn:aws:cloudformation:{region}:{account}:stack/{stack}"
        )
        return LiveApp(f"{stack} ({region})", region, stack_arn)
    return LiveApp(f"lambda {account} ({region})", region, f"arn:aws:lambda:{region}:{account}")


def logical_id(name: str, taken: Container[str] = ()) -> str:
    """A CloudFormation logical id for a name, `orders-list` → `OrdersList`; a type-like
    suffix keeps it apart from ids already `taken`."""
    words = "".join(ch if ch.isalnum() else " " for ch in name).split()
    logical = "".join(word[:1].upper() + word[1:] for word in words) or "Resource"
    return logical + "Function" if logical in taken else logical


def _function(app: LiveApp, fn: LiveFunction, role: LiveRole | None) -> str:
    """Mirror one function and its attachments; returns its logical id."""
    logical = app.name_function(fn)
    config = fn.config
    properties: Json = {key: config[key] for key in _FUNCTION_KEYS if config.get(key) is not None}
    properties["FunctionName"] = fn.name
    if role is not None:
        _role(app, role)
        properties["Role"] = {"Fn::GetAtt": [role.arn, "Arn"]}
    elif config.get("Role"):
        properties["Role"] = config["Role"]
    variables = (config.get("Environment") or {}).get("Variables")
    if variables:
        properties["Environment"] = {"Variables": variables}
    _copy(config, properties, "TracingConfig", "VpcConfig", "DeadLetterConfig", "LoggingConfig")
    _copy(config, properties, "ImageConfig", "EphemeralStorage", "SnapStart")
    if config.get("Layers"):
        properties["Layers"] = [layer.get("Arn") for layer in config["Layers"]]
    if fn.concurrency is not None:
        properties["ReservedConcurrentExecutions"] = fn.concurrency
    if fn.code_signing:
        properties["CodeSigningConfigArn"] = fn.code_signing
    if fn.tags:
        properties["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(fn.tags.items())]
    app.add(logical, "AWS::Lambda::Function", properties, (fn.arn, ()))
    _attachments(app, fn, logical)
    return logical


def _copy(source: Json, target: Json, *keys: str) -> None:
    for key in keys:
        value = source.get(key)
        if value:
            target[key] = {
                k: v for k, v in value.items() if k not in ("VpcId", "Ipv6AllowedForDualStack")
            }


def _attachments(app: LiveApp, fn: LiveFunction, logical: str) -> None:
    """The function's URL, resource policy, event source mappings and invoke configs."""
    ref = {"Ref": logical}
    properties: Json
    if fn.url is not None:
        properties = {"TargetFunctionArn": {"Fn::GetAtt": [logical, "Arn"]}}
        properties.update({k: fn.url[k] for k in ("AuthType", "Cors", "InvokeMode") if k in fn.url})
        app.add(f"{logical}Url", "AWS::Lambda::Url", properties, (fn.arn, ("FunctionUrlConfig",)))
    statements = (fn.policy or {}).get("Statement") or []
    for index, statement in enumerate(statements if isinstance(statements, list) else []):
        sid = str(statement.get("Sid") or index)
        place: Place = (fn.arn, ("Policy", "Statement", sid))
        app.add(
            f"{logical}Permission{index}",
            "AWS::Lambda::Permission",
            _permission(ref, statement),
            place,
        )
    for index, mapping in enumerate(fn.mappings):
        properties = {"FunctionName": ref}
        properties.update({k: v for k, v in mapping.items() if k not in ("FunctionArn", "UUID")})
        uuid = str(mapping.get("UUID", index))
        arn = str(
            mapping.get("EventSourceMappingArn")
            or (f"arn:aws:lambda:{app.region}:{fn.arn.split(':')[4]}:event-source-mapping:{uuid}")
        )
        app.add(
            f"{logical}Mapping{index}", "AWS::Lambda::EventSourceMapping", properties, (arn, ())
        )
    for index, invoke in enumerate(fn.invoke_configs):
        qualifier = str(invoke.get("FunctionArn", "")).rsplit(":", 1)[-1]
        properties = {"FunctionName": ref, "Qualifier": qualifier or "$LATEST"}
        properties.update(
            {k: v for k, v in invoke.items() if k in ("DestinationConfig", "MaximumRetryAttempts")}
        )
        place = (fn.arn, ("EventInvokeConfig", qualifier))
        app.add(
            f"{logical}InvokeConfig{index}", "AWS::Lambda::EventInvokeConfig", properties, place
        )


def _permission(function: Json, statement: Json) -> Json:
    """An `AWS::Lambda::Permission` from one resource-policy statement."""
    principal: Any = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("Service") or principal.get("AWS") or "*"
    if isinstance(principal, list):
        principal = principal[0] if principal else "*"
    conditions: Json = statement.get("Condition") or {}
    values: dict[str, Any] = {}
    for operator in conditions.values():
        if isinstance(operator, dict):
            values.update({key.lower(): value for key, value in operator.items()})
    properties: Json = {
        "FunctionName": function,
        "Action": statement.get("Action"),
        "Principal": principal,
    }
    keys = {
        "aws:sourcearn": "SourceArn",
        "aws:sourceaccount": "SourceAccount",
        "aws:principalorgid": "PrincipalOrgID",
        "lambda:functionurlauthtype": "FunctionUrlAuthType",
    }
    for key, name in keys.items():
        if key in values:
            properties[name] = values[key]
    if "FunctionUrlAuthType" in statement:
        properties["FunctionUrlAuthType"] = statement["FunctionUrlAuthType"]
    return properties


def _role(app: LiveApp, role: LiveRole) -> None:
    if role.arn in app.resources:
        return
    properties: Json = {"RoleName": role.name}
    if role.inline:
        properties["Policies"] = [
            {"PolicyName": name, "PolicyDocument": document} for name, document in role.inline
        ]
    managed: list[Any] = []
    for policy_arn, document in role.attached:
        if document is None:
            managed.append(policy_arn)
            continue
        managed.append({"Ref": policy_arn})
        if policy_arn not in app.resources:
            properties_of_policy = {
                "ManagedPolicyName": policy_arn.rsplit("/", 1)[-1],
                "PolicyDocument": document,
            }
            app.add(policy_arn, "AWS::IAM::ManagedPolicy", properties_of_policy, (policy_arn, ()))
    if managed:
        properties["ManagedPolicyArns"] = managed
    boundary = (role.role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary:
        properties["PermissionsBoundary"] = boundary
    app.add(role.arn, "AWS::IAM::Role", properties, (role.arn, ()))


def _alarms(app: LiveApp, alarms: tuple[Json, ...], names: set[str]) -> None:
    """The Lambda alarms that watch one of the app's functions, or every function."""
    for alarm in alarms:
        metrics = [
            alarm,
            *((m.get("MetricStat") or {}).get("Metric") or {} for m in alarm.get("Metrics") or []),
        ]
        watched = [
            _watched(metric) for metric in metrics if metric.get("Namespace") == "AWS/Lambda"
        ]
        if not any(item is None or item & names for item in watched):
            continue
        keys = ("AlarmName", "Namespace", "MetricName", "Dimensions", "Metrics", "AlarmActions")
        properties = {key: alarm[key] for key in keys if alarm.get(key) is not None}
        arn = str(alarm.get("AlarmArn"))
        app.add(arn, "AWS::CloudWatch::Alarm", properties, (arn, ()))


def _watched(metric: Json) -> set[str] | None:
    """The function names a metric is about; None when it is about every function."""
    dimensions = metric.get("Dimensions") or []
    names = {str(d.get("Value")) for d in dimensions if d.get("Name") == "FunctionName"}
    return names or None


def _log_groups(app: LiveApp, snapshot: RegionSnapshot, functions: list[LiveFunction]) -> None:
    for fn in functions:
        name = (fn.config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{fn.name}"
        group = snapshot.log_groups.get(name)
        if group is None:
            continue
        arn = str(group.get("arn", "")).removesuffix(":*") or name
        properties: Json = {"LogGroupName": name}
        if group.get("retentionInDays") is not None:
            properties["RetentionInDays"] = group["retentionInDays"]
        app.add(arn, "AWS::Logs::LogGroup", properties, (arn, ()))


def _entry_points(app: LiveApp, snapshot: RegionSnapshot, functions: list[LiveFunction]) -> None:
    """The APIs and the S3/SQS/SNS sources that invoke the application's functions."""
    from slsguard.audit.apigw_template import mirror_api, owners
    from slsguard.audit.sources import mirror_source

    names = {fn.arn: app.function_ids[fn.arn] for fn in functions}
    for api in snapshot.extra.get("apis", ()):
        if owners(api, names):
            mirror_api(app, api, names)
    for source in snapshot.extra.get("sources", ()):
        if set(source.functions) & set(names):
            mirror_source(app, source, names)
