"""AWS SAM templates into the model: `Globals`, `Policies` (with policy templates), events.

A SAM function without `Role` gets the role SAM generates for it: the managed policy
`AWSLambdaBasicExecutionRole` (added by SAM itself, not the user's grant) plus everything
under `Policies`: managed policy names or ARNs, inline documents, and SAM policy templates
expanded into the statements they really produce.
"""

from __future__ import annotations

from typing import Any

from slsguard.findings import Origin
from slsguard.loading import sam_policies
from slsguard.loading.cloudformation import (
    RoleBuilder,
    Stack,
    build_stack,
    environment,
    lambda_functions,
    lambda_permissions,
    policy_ref,
    resolve_role,
    substitute,
)
from slsguard.loading.policies import child_origin, parse_document, parse_statements
from slsguard.loading.yaml import YList, YMap
from slsguard.model import Function, PolicyRef, Trigger, render

_EVENT_KINDS = {
    "Api": "http",
    "HttpApi": "httpApi",
    "S3": "s3",
    "SQS": "sqs",
    "SNS": "sns",
    "DynamoDB": "stream",
    "Kinesis": "stream",
    "MSK": "stream",
    "SelfManagedKafka": "stream",
    "MQ": "mq",
    "DocumentDB": "stream",
    "Schedule": "schedule",
    "ScheduleV2": "schedule",
    "CloudWatchEvent": "eventbridge",
    "EventBridgeRule": "eventbridge",
    "CloudWatchLogs": "logs",
    "IoTRule": "iot",
    "AlexaSkill": "alexa",
    "Cognito": "cognito",
}


def is_sam(template: Any) -> bool:
    """Whether a template uses the SAM transform."""
    if not isinstance(template, dict):
        return False
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(name, str) and name.startswith("AWS::Serverless") for name in names)


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's merge: maps merge key by key, lists are concatenated, the function's scalar wins."""
    if isinstance(global_value, YMap) and isinstance(local_value, YMap):
        merged = YMap(local_value.file, local_value.position)
        merged.key_positions = {**global_value.key_positions, **local_value.key_positions}
        for key in {**global_value, **local_value}:
            if key in global_value and key in local_value:
                merged[key] = merge_globals(global_value[key], local_value[key])
            else:
                merged[key] = local_value[key] if key in local_value else global_value[key]
        return merged
    if isinstance(global_value, YList) and isinstance(local_value, YList):
        items = YList(local_value.file, local_value.position)
        items.extend([*global_value, *local_value])
        items.item_positions = [*global_value.item_positions, *local_value.item_positions]
        return items
    return local_value


def sam_functions(template: YMap, stack: Stack) -> list[Function]:
    """The `AWS::Serverless::Function` resources with `Globals.Function` merged in."""
    globals_section = template.get("Globals")
    function_globals = (
        globals_section.get("Function") if isinstance(globals_section, YMap) else None
    )
    globals_origin = globals_function_origin(template, stack.origin)
    functions = []
    for logical_id, properties, where in stack.of_type("AWS::Serverless::Function"):
        runtime_origin = child_origin(properties, "Runtime", where)
        if isinstance(function_globals, YMap):
            if "Runtime" not in properties and "Runtime" in function_globals:
                runtime_origin = child_origin(function_globals, "Runtime", globals_origin)
            properties = merge_globals(function_globals, properties)
        functions.append(_function(stack, logical_id, properties, where, runtime_origin))
    return functions


def globals_function_origin(template: YMap, origin: Origin) -> Origin:
    """Where `Globals.Function` is (or `Globals`, or the template, when absent)."""
    root = Origin(origin.file)
    globals_section = template.get("Globals")
    if not isinstance(globals_section, YMap):
        return root
    globals_origin = template.origin_of("Globals", root)
    return child_origin(globals_section, "Function", globals_origin)


def _function(
    stack: Stack, logical_id: str, properties: YMap, where: Origin, runtime_origin: Origin
) -> Function:
    if properties.get("Role") not in (None, ""):
        # SAM generates the role when `Role` is absent, null or empty (as the .NET
        # `serverless.template` files of AWS's project templates write it: `"Role": null`).
        role = resolve_role(stack, properties["Role"], child_origin(properties, "Role", where))
    else:
        role = _generated_role(stack, logical_id, properties, where)
    env = properties.get("Environment")
    env_origin = child_origin(properties, "Environment", where)
    variables = env.get("Variables") if isinstance(env, YMap) else None
    return Function(
        name=logical_id,
        origin=where,
        handler=None if properties.get("Handler") is None else render(properties["Handler"]),
        runtime=None if properties.get("Runtime") is None else render(properties["Runtime"]),
        environment=tuple(environment(variables, child_origin(env, "Variables", env_origin))),
        triggers=tuple(_triggers(properties, where)),
        role=role.freeze(),
        kms_key=properties.get("KmsKeyArn"),
        logical_id=logical_id,
        settings=properties,
        runtime_origin=runtime_origin,
    )


def _generated_role(stack: Stack, logical_id: str, properties: YMap, where: Origin) -> RoleBuilder:
    role = RoleBuilder(f"{logical_id}Role", f"{logical_id}Role", where)
    basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    role.managed.append(PolicyRef(basic, where, True))
    if "Policies" in properties:
        _add_policies(
            stack, role, properties["Policies"], child_origin(properties, "Policies", where)
        )
    if "PermissionsBoundary" in properties:
        boundary_origin = child_origin(properties, "PermissionsBoundary", where)
        role.boundary = policy_ref(stack, properties["PermissionsBoundary"], boundary_origin)
    return role


def _add_policies(stack: Stack, role: RoleBuilder, policies: Any, origin: Origin) -> None:
    """`Policies`: a name/ARN, an inline document, a policy template, or a list of these."""
    if isinstance(policies, YList):
        for index, item in enumerate(policies):
            _add_policies(stack, role, item, child_origin(policies, index, origin))
        return
    policies = substitute(policies, stack.parameters)
    if isinstance(policies, YMap) and "Statement" in policies:
        role.statements.extend(parse_document(policies, origin, f"{role.key} inline policy"))
        return
    if isinstance(policies, YMap) and len(policies) == 1:
        ((name, arguments),) = policies.items()
        if sam_policies.is_policy_template(name):
            statements = sam_policies.expand(name, arguments if isinstance(arguments, dict) else {})
            template_origin = child_origin(policies, name, origin)
            role.statements.extend(
                parse_statements(statements or [], template_origin, name, "policy-template")
            )
            return
    role.managed.append(policy_ref(stack, policies, origin))


def _triggers(properties: YMap, where: Origin) -> list[Trigger]:
    triggers = []
    events = properties.get("Events")
    events_origin = child_origin(properties, "Events", where)
    if isinstance(events, YMap):
        for name, event in events.items():
            if isinstance(event, YMap):
                kind = _EVENT_KINDS.get(render(event.get("Type")), render(event.get("Type")))
                triggers.append(Trigger(kind, events.origin_of(name, events_origin), event))
    if "FunctionUrlConfig" in properties:
        url_origin = child_origin(properties, "FunctionUrlConfig", where)
        triggers.append(Trigger("url", url_origin, properties["FunctionUrlConfig"]))
    return triggers


def load_sam_parts(template: YMap, file: str, origin: Origin) -> tuple[Stack, list[Function]]:
    """The stack and all functions (SAM and plain Lambda) of a SAM template."""
    stack = build_stack(template, file, origin)
    return stack, [*sam_functions(template, stack), *lambda_functions(stack)]


__all__ = ["is_sam", "lambda_permissions", "load_sam_parts", "merge_globals"]
