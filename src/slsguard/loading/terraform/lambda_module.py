"""`terraform-aws-modules/lambda/aws`: the most used community module, modelled from its inputs.

A call of the module becomes the resources it would create: the function (`handler`,
`runtime`, `environment_variables`, `tracing_mode`, ...), its role with the policies the
inputs attach (`policy_statements`, `policy_json`, `policies`), and a function URL when
`create_lambda_function_url` is set. Each property points at the module input it came from.
"""

from __future__ import annotations

from slsguard.loading.terraform import hcl
from slsguard.loading.terraform.datasources import policy_document
from slsguard.loading.terraform.evaluate import Evaluator
from slsguard.loading.terraform.module import Loader, logical_id
from slsguard.loading.yaml import FileMap, YList, YMap

_INPUTS = {
    "function_name": "FunctionName",
    "handler": "Handler",
    "runtime": "Runtime",
    "timeout": "Timeout",
    "memory_size": "MemorySize",
    "kms_key_arn": "KmsKeyArn",
    "reserved_concurrent_executions": "ReservedConcurrentExecutions",
    "code_signing_config_arn": "CodeSigningConfigArn",
    "layers": "Layers",
    "source_path": "CodeUri",
}
_STATEMENT_KEYS = {
    "effect": "Effect",
    "actions": "Action",
    "not_actions": "NotAction",
    "resources": "Resource",
    "not_resources": "NotResource",
}


def add_lambda_modules(loader: Loader, resources: FileMap, addresses: dict[str, str]) -> None:
    """Add the function, role and URL each call of the lambda module creates."""
    for prefix, block, file, evaluator in loader.lambda_modules:
        name = prefix.rstrip(".")
        function_id = logical_id(name, "lambda_function", "this")
        role_id = logical_id(name, "iam_role", "lambda")
        function = _function(evaluator, block, file, role_id)
        _add(resources, function_id, function, file, block.pos)
        addresses[function_id] = f"module.{name}.aws_lambda_function.this"
        role = _role(evaluator, block, file)
        if role is not None:
            _add(resources, role_id, role, file, block.pos)
            addresses[role_id] = f"module.{name}.aws_iam_role.lambda"
        url = _url(evaluator, block, file, function_id)
        if url is not None:
            url_id = logical_id(name, "lambda_function_url", "this")
            _add(resources, url_id, url, file, block.pos)
            addresses[url_id] = f"module.{name}.aws_lambda_function_url.this"


def _add(resources: FileMap, key: str, properties: YMap, file: str, pos: tuple[int, int]) -> None:
    node = YMap(file, pos)
    node["Type"], node["Properties"] = properties.pop("__type__"), properties
    node.key_positions = {"Type": pos, "Properties": pos}
    resources[key] = node
    resources.key_positions[key] = pos
    resources.key_files[key] = file


def _input(evaluator: Evaluator, block: hcl.Block, name: str, file: str) -> object:
    return evaluator.attribute(block, name, file)


def _put(node: YMap, key: str, value: object, pos: tuple[int, int]) -> None:
    node[key] = value
    node.key_positions[key] = pos


def _function(evaluator: Evaluator, block: hcl.Block, file: str, role_id: str) -> YMap:
    node = YMap(file, block.pos)
    node["__type__"] = "AWS::Lambda::Function"
    attributes = block.body.attributes
    for name, key in _INPUTS.items():
        if name in attributes:
            _put(node, key, evaluator.value(attributes[name].expr, file), attributes[name].pos)
    if node.get("ReservedConcurrentExecutions") == -1:
        del node["ReservedConcurrentExecutions"]
    if "environment_variables" in attributes:
        attribute = attributes["environment_variables"]
        environment = YMap(file, attribute.pos)
        _put(environment, "Variables", evaluator.value(attribute.expr, file), attribute.pos)
        _put(node, "Environment", environment, attribute.pos)
    if "tracing_mode" in attributes:
        attribute = attributes["tracing_mode"]
        tracing = YMap(file, attribute.pos)
        _put(tracing, "Mode", evaluator.value(attribute.expr, file), attribute.pos)
        _put(node, "TracingConfig", tracing, attribute.pos)
    if "lambda_role" in attributes and _input(evaluator, block, "create_role", file) is False:
        _put(
            node,
            "Role",
            evaluator.value(attributes["lambda_role"].expr, file),
            attributes["lambda_role"].pos,
        )
    else:
        _put(node, "Role", {"Fn::GetAtt": [role_id, "Arn"]}, block.pos)
    return node


def _role(evaluator: Evaluator, block: hcl.Block, file: str) -> YMap | None:
    if _input(evaluator, block, "create_role", file) is False:
        return None
    attributes = block.body.attributes
    node = YMap(file, block.pos)
    node["__type__"] = "AWS::IAM::Role"
    policies = YList(file, block.pos)
    if (
        _input(evaluator, block, "attach_policy_statements", file) is True
        and "policy_statements" in attributes
    ):
        attribute = attributes["policy_statements"]
        policies.append(_statements_policy(evaluator, attribute, file))
        policies.item_positions.append(attribute.pos)
    if _input(evaluator, block, "attach_policy_json", file) is True and "policy_json" in attributes:
        attribute = attributes["policy_json"]
        policy = YMap(file, attribute.pos)
        _put(policy, "PolicyName", "policy_json", attribute.pos)
        _put(policy, "PolicyDocument", policy_document(evaluator, attribute, file), attribute.pos)
        policies.append(policy)
        policies.item_positions.append(attribute.pos)
    if policies:
        _put(node, "Policies", policies, block.pos)
    managed = YList(file, block.pos)
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    managed.append(basic)
    managed.item_positions.append(block.pos)
    if _input(evaluator, block, "attach_policies", file) is True and "policies" in attributes:
        attribute = attributes["policies"]
        listed = evaluator.value(attribute.expr, file)
        for index, item in enumerate(listed if isinstance(listed, list) else []):
            managed.append(item)
            positions = getattr(listed, "item_positions", [])
            managed.item_positions.append(
                positions[index] if index < len(positions) else attribute.pos
            )
    _put(node, "ManagedPolicyArns", managed, block.pos)
    return node


def _statements_policy(evaluator: Evaluator, attribute: hcl.Attribute, file: str) -> YMap:
    """`policy_statements = { name = { effect, actions, resources } }` as a policy."""
    value = evaluator.value(attribute.expr, file)
    statements = YList(file, attribute.pos)
    if isinstance(value, YMap):
        for key, spec in value.items():
            if not isinstance(spec, YMap):
                continue
            statement = YMap(file, spec.position)
            for name, target in _STATEMENT_KEYS.items():
                if name in spec:
                    _put(statement, target, spec[name], spec.key_positions.get(name, spec.position))
            statements.append(statement)
            statements.item_positions.append(value.key_positions.get(key, attribute.pos))
    document = YMap(file, attribute.pos)
    _put(document, "Statement", statements, attribute.pos)
    policy = YMap(file, attribute.pos)
    _put(policy, "PolicyName", "policy_statements", attribute.pos)
    _put(policy, "PolicyDocument", document, attribute.pos)
    return policy


def _url(evaluator: Evaluator, block: hcl.Block, file: str, function_id: str) -> YMap | None:
    if _input(evaluator, block, "create_lambda_function_url", file) is not True:
        return None
    node = YMap(file, block.pos)
    node["__type__"] = "AWS::Lambda::Url"
    attributes = block.body.attributes
    url_pos = attributes["create_lambda_function_url"].pos
    _put(node, "TargetFunctionArn", {"Ref": function_id}, url_pos)
    auth = attributes.get("authorization_type")
    value = evaluator.value(auth.expr, file) if auth else "NONE"  # The module's default.
    _put(node, "AuthType", value, auth.pos if auth else url_pos)
    return node
