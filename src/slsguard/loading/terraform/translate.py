"""Terraform resources as CloudFormation-shaped resources, positions kept in the `.tf` files.

slsguard's rules and analyses read CloudFormation `Resources` (`AWS::Lambda::Function`
properties, `AWS::IAM::Role` policies, event source mappings, permissions, queues, log
groups, alarms); translating each Terraform resource into that shape once lets every rule
work on Terraform unchanged. Each property remembers the line of the Terraform argument it
came from, so findings point at `runtime = "python3.8"`, not at the resource block. Only the
arguments a rule reads are translated; the rest of a resource is left out.
"""

from __future__ import annotations

from typing import Any

from slsguard.loading.terraform import api_gateway, hcl, stores
from slsguard.loading.terraform.datasources import policy_document
from slsguard.loading.terraform.evaluate import Evaluator, Resource
from slsguard.loading.terraform.packaging import InlineSource, code_of
from slsguard.loading.yaml import YList, YMap

Spec = dict[str, str | tuple[str, "Spec"]]
"""Terraform argument → CloudFormation property; a nested block → (property, its spec)."""

_FUNCTION: Spec = {
    "function_name": "FunctionName",
    "handler": "Handler",
    "runtime": "Runtime",
    "role": "Role",
    "timeout": "Timeout",
    "memory_size": "MemorySize",
    "kms_key_arn": "KmsKeyArn",
    "reserved_concurrent_executions": "ReservedConcurrentExecutions",
    "code_signing_config_arn": "CodeSigningConfigArn",
    "layers": "Layers",
    "package_type": "PackageType",
    "architectures": "Architectures",
    "environment": ("Environment", {"variables": "Variables"}),
    "tracing_config": ("TracingConfig", {"mode": "Mode"}),
    "dead_letter_config": ("DeadLetterConfig", {"target_arn": "TargetArn"}),
    "vpc_config": (
        "VpcConfig",
        {"subnet_ids": "SubnetIds", "security_group_ids": "SecurityGroupIds"},
    ),
    "logging_config": (
        "LoggingConfig",
        {
            "log_format": "LogFormat",
            "log_group": "LogGroup",
            "application_log_level": "ApplicationLogLevel",
            "system_log_level": "SystemLogLevel",
        },
    ),
}
_ON_FAILURE: Spec = {
    "on_failure": ("OnFailure", {"destination_arn": "Destination", "destination": "Destination"})
}
_SPECS: dict[str, tuple[str, Spec]] = {
    "aws_lambda_function": ("AWS::Lambda::Function", _FUNCTION),
    "aws_lambda_function_url": (
        "AWS::Lambda::Url",
        {
            "function_name": "TargetFunctionArn",
            "authorization_type": "AuthType",
            "qualifier": "Qualifier",
            "cors": (
                "Cors",
                {
                    "allow_origins": "AllowOrigins",
                    "allow_credentials": "AllowCredentials",
                    "allow_methods": "AllowMethods",
                    "allow_headers": "AllowHeaders",
                },
            ),
        },
    ),
    "aws_lambda_permission": (
        "AWS::Lambda::Permission",
        {
            "action": "Action",
            "function_name": "FunctionName",
            "principal": "Principal",
            "source_arn": "SourceArn",
            "source_account": "SourceAccount",
            "principal_org_id": "PrincipalOrgID",
            "function_url_auth_type": "FunctionUrlAuthType",
        },
    ),
    "aws_lambda_event_source_mapping": (
        "AWS::Lambda::EventSourceMapping",
        {
            "event_source_arn": "EventSourceArn",
            "function_name": "FunctionName",
            "batch_size": "BatchSize",
            "starting_position": "StartingPosition",
            "destination_config": ("DestinationConfig", _ON_FAILURE),
        },
    ),
    "aws_lambda_function_event_invoke_config": (
        "AWS::Lambda::EventInvokeConfig",
        {
            "function_name": "FunctionName",
            "qualifier": "Qualifier",
            "maximum_retry_attempts": "MaximumRetryAttempts",
            "destination_config": ("DestinationConfig", _ON_FAILURE),
        },
    ),
    "aws_lambda_layer_version": ("AWS::Lambda::LayerVersion", {"layer_name": "LayerName"}),
    "aws_iam_role": (
        "AWS::IAM::Role",
        {
            "name": "RoleName",
            "managed_policy_arns": "ManagedPolicyArns",
            "permissions_boundary": "PermissionsBoundary",
        },
    ),
    "aws_iam_role_policy": ("AWS::IAM::Policy", {"name": "PolicyName"}),
    "aws_iam_policy": ("AWS::IAM::ManagedPolicy", {"name": "ManagedPolicyName"}),
    "aws_sqs_queue": (
        "AWS::SQS::Queue",
        {
            "name": "QueueName",
            "redrive_policy": "RedrivePolicy",
            "kms_master_key_id": "KmsMasterKeyId",
            "sqs_managed_sse_enabled": "SqsManagedSseEnabled",
        },
    ),
    "aws_sns_topic": (
        "AWS::SNS::Topic",
        {"name": "TopicName", "kms_master_key_id": "KmsMasterKeyId"},
    ),
    "aws_s3_bucket": ("AWS::S3::Bucket", {"bucket": "BucketName"}),
    # Tables, secrets, parameters and keys: what handler code and policies name.
    "aws_dynamodb_table": ("AWS::DynamoDB::Table", {"name": "TableName"}),
    "aws_secretsmanager_secret": (
        "AWS::SecretsManager::Secret",
        {"name": "Name", "kms_key_id": "KmsKeyId"},
    ),
    "aws_ssm_parameter": ("AWS::SSM::Parameter", {"name": "Name", "type": "Type"}),
    "aws_kms_key": ("AWS::KMS::Key", {"description": "Description"}),
    "aws_kinesis_stream": ("AWS::Kinesis::Stream", {"name": "Name"}),
    "aws_cloudwatch_log_group": (
        "AWS::Logs::LogGroup",
        {"name": "LogGroupName", "retention_in_days": "RetentionInDays", "kms_key_id": "KmsKeyId"},
    ),
    "aws_cloudwatch_metric_alarm": (
        "AWS::CloudWatch::Alarm",
        {
            "alarm_name": "AlarmName",
            "metric_name": "MetricName",
            "namespace": "Namespace",
            "dimensions": "Dimensions",
        },
    ),
}


_SPECS.update(api_gateway.SPECS)
_SPECS.update(stores.SPECS)


def translate(evaluator: Evaluator, resource: Resource) -> YMap | None:
    """The CloudFormation-shaped resource (`{Type, Properties}`), or None when not modelled."""
    known = _SPECS.get(resource.type)
    if known is None or resource.data:
        return None
    cfn_type, spec = known
    properties = properties_of(
        evaluator, resource.block.body, spec, resource.file, resource.block.pos
    )
    _extra(evaluator, resource, properties)
    node = YMap(resource.file, resource.block.pos)
    node["Type"] = cfn_type
    node["Properties"] = properties
    node.key_positions = {"Type": resource.block.pos, "Properties": resource.block.pos}
    return node


def properties_of(
    evaluator: Evaluator, body: hcl.Body, spec: Spec, file: str, pos: tuple[int, int]
) -> YMap:
    """The arguments and nested blocks of `body` named in `spec`, under their CFN names."""
    result = YMap(file, pos)
    for name, target in spec.items():
        if isinstance(target, str):
            attribute = body.attributes.get(name)
            if attribute is not None:
                value = evaluator.value(attribute.expr, file)
                if value is not None:
                    result[target] = value
                    result.key_positions[target] = attribute.pos
            continue
        key, inner = target
        block = body.block(name) or _json_block(body, name)
        if block is not None:
            result[key] = properties_of(evaluator, block.body, inner, file, block.pos)
            result.key_positions[key] = block.pos
    return result


def _dimensions(properties: YMap) -> None:
    """An alarm's `dimensions` map as CloudFormation's list of `{Name, Value}`: read as a map,
    an alarm on one function would look account-wide (no `FunctionName` dimension)."""
    dimensions = properties.get("Dimensions")
    if not isinstance(dimensions, YMap):
        return
    pairs = YList(dimensions.file, dimensions.position)
    for name, value in dimensions.items():
        where = dimensions.key_positions.get(name, dimensions.position)
        pair = YMap(dimensions.file, where)
        pair["Name"] = name
        pair["Value"] = value
        pair.key_positions = {"Name": where, "Value": where}
        pairs.append(pair)
        pairs.item_positions.append(where)
    properties["Dimensions"] = pairs


def _json_block(body: hcl.Body, name: str) -> hcl.Block | None:
    """A nested block written as an object (the `.tf.json` syntax): `"environment": {...}`."""
    attribute = body.attributes.get(name)
    expr = attribute.expr if attribute is not None else None
    if isinstance(expr, hcl.TupleExpr) and len(expr.items) == 1:
        expr = expr.items[0]
    if attribute is None or not isinstance(expr, hcl.ObjectExpr):
        return None
    attributes = {}
    for item in expr.items:
        key = item.key
        label = key.value if isinstance(key, hcl.Lit) else getattr(key, "name", None)
        if isinstance(key, hcl.Template) and all(isinstance(p, str) for p in key.parts):
            label = "".join(str(p) for p in key.parts)
        if isinstance(label, str):
            attributes[label] = hcl.Attribute(label, item.value, item.pos)
    return hcl.Block(name, (), hcl.Body(attributes, (), expr.pos), attribute.pos)


def _extra(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    """What a spec cannot say: policy documents, inline policies, defaults that mean unset."""
    body = resource.block.body
    api_gateway.extra(evaluator, resource, properties)
    stores.extra(evaluator, resource, properties)
    if resource.type == "aws_cloudwatch_metric_alarm":
        _dimensions(properties)
    if resource.type == "aws_cloudwatch_log_group" and properties.get("RetentionInDays") == 0:
        del properties["RetentionInDays"]  # 0 is Terraform's "never expire".
    if resource.type in ("aws_iam_role_policy", "aws_iam_policy"):
        _set(properties, "PolicyDocument", body.attributes.get("policy"), evaluator, resource)
    if resource.type == "aws_iam_role_policy" and "role" in body.attributes:
        attribute = body.attributes["role"]
        roles = YList(resource.file, attribute.pos)
        roles.append(_role_reference(evaluator.value(attribute.expr, resource.file), evaluator))
        roles.item_positions.append(attribute.pos)
        properties["Roles"] = roles
        properties.key_positions["Roles"] = attribute.pos
    if resource.type == "aws_iam_role":
        _role_extra(evaluator, resource, properties)
    if resource.type == "aws_lambda_function":
        if properties.get("ReservedConcurrentExecutions") == -1:
            del properties["ReservedConcurrentExecutions"]  # -1 is Terraform's "unreserved".
        _code(evaluator, resource, properties)


def _set(
    properties: YMap,
    key: str,
    attribute: hcl.Attribute | None,
    evaluator: Evaluator,
    resource: Resource,
) -> None:
    if attribute is None:
        return
    properties[key] = policy_document(evaluator, attribute, resource.file)
    properties.key_positions[key] = attribute.pos


def _role_extra(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    body = resource.block.body
    _set(
        properties,
        "AssumeRolePolicyDocument",
        body.attributes.get("assume_role_policy"),
        evaluator,
        resource,
    )
    inline = body.blocks_of("inline_policy")
    if not inline:
        return
    policies = YList(resource.file, inline[0].pos)
    for block in inline:
        policy = YMap(resource.file, block.pos)
        name = evaluator.attribute(block, "name", resource.file)
        policy["PolicyName"] = name if name is not None else "inline_policy"
        policy.key_positions["PolicyName"] = block.pos
        _set(policy, "PolicyDocument", block.body.attributes.get("policy"), evaluator, resource)
        policies.append(policy)
        policies.item_positions.append(block.pos)
    properties["Policies"] = policies
    properties.key_positions["Policies"] = inline[0].pos


def _role_reference(value: Any, evaluator: Evaluator) -> Any:
    """`role = aws_iam_role.x.id` (or `.name`) names the role resource: `!Ref` it."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return {"Ref": target[0]} if isinstance(target, list) and target else value
    if isinstance(value, str):
        for found in evaluator.scope.resources.values():
            if found.type == "aws_iam_role":
                name = evaluator.attribute(found.block, "name", found.file)
                if name == value:
                    return {"Ref": found.logical_id}
    return value


def _code(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    """The function's code: `CodeUri` for a local path, `Code.ZipFile` for inline sources."""
    code = code_of(evaluator, resource)
    if isinstance(code, str):
        properties["CodeUri"] = code
        properties.key_positions["CodeUri"] = resource.block.pos
    elif isinstance(code, InlineSource):
        inline = YMap(resource.file, code.pos)
        inline["ZipFile"] = code.content
        inline.key_positions["ZipFile"] = code.pos
        properties["Code"] = inline
        properties.key_positions["Code"] = code.pos


def argument_path(terraform_type: str, properties: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """The Terraform argument path of a translated property path (the inverse of the specs):
    (`TracingConfig`, `Mode`) of an `aws_lambda_function` is (`tracing_config`, `mode`).

    A policy document keeps its JSON keys under its argument (`policy.Statement[0].Action`);
    a property no spec names is written in snake case.
    """
    known = _SPECS.get(terraform_type)
    spec: Spec = known[1] if known else {}
    out: list[str | int] = []
    for index, part in enumerate(properties):
        if isinstance(part, int):
            out.append(part)
            continue
        if part in ("PolicyDocument", "AssumeRolePolicyDocument"):
            name = "policy" if part == "PolicyDocument" else "assume_role_policy"
            return (*out, name, *properties[index + 1 :])
        found = _argument(spec, part)
        if found is None:  # Named by snake case, or by the block it comes from; go on below it
            name = _BLOCKS.get((terraform_type, part), _snake(part))  # (a policy inside).
            found = (name, {})
        name, inner = found
        out.append(name)
        spec = inner
    return tuple(out)


_BLOCKS = {("aws_iam_role", "Policies"): "inline_policy"}
"""Properties translated from a nested block no spec names (an inline policy of a role)."""


def _argument(spec: Spec, cfn_name: str) -> tuple[str, Spec] | None:
    for argument, target in spec.items():
        if target == cfn_name:
            return argument, {}
        if isinstance(target, tuple) and target[0] == cfn_name:
            return argument, target[1]
    return None


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
