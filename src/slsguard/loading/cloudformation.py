"""CloudFormation resources into model parts: functions, roles, policies, Lambda permissions.

Used on its own for plain CloudFormation (and CDK output), and by the SAM and Serverless
loaders for the resources they share. Intrinsics are resolved where the template itself
determines them: parameters with defaults and `!Sub` over known values; `!GetAtt Role.Arn`
and `!Ref Role` name the role resource. Everything else stays a readable intrinsic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from slsguard.findings import Origin, Severity, Violation
from slsguard.loading.policies import child_origin, parse_document
from slsguard.loading.yaml import YList, YMap
from slsguard.model import (
    EnvProvenance,
    EnvScope,
    EnvVar,
    Function,
    LambdaPermission,
    Note,
    ParameterDefault,
    PolicyRef,
    PrincipalKind,
    Reference,
    Role,
    Statement,
    Trigger,
    render,
)

_AWS_MANAGED = re.compile(r":iam::aws:policy/")
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9_:]+)(?:\.[A-Za-z0-9_.]+)?\}")


@dataclass(slots=True)
class RoleBuilder:
    """A role being assembled from the resources that grant it permissions."""

    key: str
    name: str
    origin: Origin
    statements: list[Statement] = field(default_factory=list)
    managed: list[PolicyRef] = field(default_factory=list)
    boundary: PolicyRef | None = None
    external: bool = False
    kind: PrincipalKind = "role"
    assumed_by: tuple[str, ...] = ()

    def freeze(self) -> Role:
        """The immutable role."""
        return Role(
            self.key,
            self.name,
            self.origin,
            tuple(self.statements),
            tuple(self.managed),
            self.boundary,
            self.external,
            self.kind,
            self.assumed_by,
        )


@dataclass(slots=True)
class Stack:
    """A CloudFormation template's resources with the model parts built from them."""

    file: str
    resources: YMap
    origin: Origin
    parameters: dict[str, Any]
    roles: dict[str, RoleBuilder] = field(default_factory=dict)
    managed_policies: dict[str, PolicyRef] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def resource_origin(self, logical_id: str) -> Origin:
        """Where a resource is declared."""
        return self.resources.origin_of(logical_id, self.origin)

    def of_type(self, *types: str) -> list[tuple[str, YMap, Origin]]:
        """(logical id, properties, origin) of every resource of the given types."""
        found = []
        for logical_id, resource in self.resources.items():
            if isinstance(resource, YMap) and resource.get("Type") in types:
                properties = resource.get("Properties")
                origin = self.resource_origin(logical_id)
                if not isinstance(properties, YMap):
                    properties = YMap(self.file, (origin.line, origin.column))
                found.append((logical_id, properties, origin))
        return found


def parameter_defaults(template: YMap) -> dict[str, Any]:
    """`{name: Default}` for the template's parameters that have a default."""
    parameters = template.get("Parameters")
    if not isinstance(parameters, YMap):
        return {}
    return {
        name: spec["Default"]
        for name, spec in parameters.items()
        if isinstance(spec, YMap) and "Default" in spec
    }


def substitute(value: Any, parameters: dict[str, Any]) -> Any:
    """`value` with `!Ref Param` and `${Param}` in `!Sub` replaced by parameter defaults."""
    if isinstance(value, YMap):
        if len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref" and isinstance(argument, str) and argument in parameters:
                default = parameters[argument]
                if isinstance(default, str):
                    return ParameterDefault(default, f"parameter {argument}")
                return default
            if name == "Fn::Sub" and isinstance(argument, str):
                return _sub(argument, parameters)
        copy = YMap(value.file, value.position)
        copy.key_positions = value.key_positions
        for key, item in value.items():
            copy[key] = substitute(item, parameters)
        return copy
    if isinstance(value, YList):
        items = YList(value.file, value.position)
        items.item_positions = value.item_positions
        items.extend(substitute(item, parameters) for item in value)
        return items
    return value


def _sub(text: str, parameters: dict[str, Any]) -> str:
    used: list[str] = []

    def replace(match: re.Match[str]) -> str:
        value = parameters.get(match.group(1))
        if isinstance(value, str) and "." not in match.group(0):
            used.append(match.group(1))
            return value
        return match.group(0)

    result = _SUB_NAME.sub(replace, text)
    return ParameterDefault(result, f"parameter {used[0]}") if used else result


def build_stack(template: YMap, file: str, origin: Origin) -> Stack:
    """Collect the IAM roles and policies of a template into role builders."""
    resources = template.get("Resources")
    resources_origin = child_origin(template, "Resources", origin)
    if not isinstance(resources, YMap):
        resources = YMap(file, (resources_origin.line, resources_origin.column))
    stack = Stack(file, resources, resources_origin, parameter_defaults(template))
    for logical_id, properties, where in stack.of_type("AWS::IAM::ManagedPolicy"):
        document = substitute(properties.get("PolicyDocument"), stack.parameters)
        doc_origin = child_origin(properties, "PolicyDocument", where)
        statements = tuple(parse_document(document, doc_origin, logical_id))
        stack.managed_policies[logical_id] = PolicyRef(logical_id, where, False, statements, True)
    for logical_id, properties, where in stack.of_type("AWS::IAM::Role"):
        stack.roles[logical_id] = _role(stack, logical_id, properties, where)
    # Users and groups hold policies the same way; they are judged like roles.
    principals: tuple[tuple[PrincipalKind, str], ...] = (
        ("user", "AWS::IAM::User"),
        ("group", "AWS::IAM::Group"),
    )
    for kind, cfn_type in principals:
        for logical_id, properties, where in stack.of_type(cfn_type):
            stack.roles[logical_id] = _role(stack, logical_id, properties, where, kind)
    for logical_id, properties, where in stack.of_type("AWS::IAM::Policy"):
        document = substitute(properties.get("PolicyDocument"), stack.parameters)
        doc_origin = child_origin(properties, "PolicyDocument", where)
        granted = parse_document(document, doc_origin, logical_id)
        for role in _principal_targets(stack, properties):
            role.statements.extend(granted)
    for logical_id, properties, _where in stack.of_type("AWS::IAM::ManagedPolicy"):
        for role in _principal_targets(stack, properties):
            role.managed.append(stack.managed_policies[logical_id])
    return stack


def _principal_targets(stack: Stack, properties: YMap) -> list[RoleBuilder]:
    """The roles, users and groups a policy resource attaches to."""
    targets = []
    for key in ("Roles", "Users", "Groups"):
        targets.extend(_role_targets(stack, properties.get(key)))
    return targets


def _role(
    stack: Stack, logical_id: str, properties: YMap, where: Origin, kind: PrincipalKind = "role"
) -> RoleBuilder:
    named = {"role": "RoleName", "user": "UserName", "group": "GroupName"}[kind]
    written = properties.get(named)
    # A name built by an intrinsic (`!Sub ${AWS::StackName}-role`) reads worse than the
    # resource's own name: only a literal name is used.
    name = written if isinstance(written, str) and "${" not in written else logical_id
    role = RoleBuilder(logical_id, name, where)
    role.kind = kind
    role.assumed_by = _trusted(properties.get("AssumeRolePolicyDocument"))
    policies = properties.get("Policies")
    if isinstance(policies, YList):
        policies_origin = child_origin(properties, "Policies", where)
        for index, policy in enumerate(policies):
            if not isinstance(policy, YMap):
                continue
            policy_origin = child_origin(policies, index, policies_origin)
            document = substitute(policy.get("PolicyDocument"), stack.parameters)
            name = f"{logical_id}.{render(policy.get('PolicyName') or index)}"
            doc_origin = child_origin(policy, "PolicyDocument", policy_origin)
            role.statements.extend(parse_document(document, doc_origin, name))
    arns = properties.get("ManagedPolicyArns")
    if isinstance(arns, YList):
        arns_origin = child_origin(properties, "ManagedPolicyArns", where)
        for index, arn in enumerate(arns):
            role.managed.append(policy_ref(stack, arn, child_origin(arns, index, arns_origin)))
    if "PermissionsBoundary" in properties:
        boundary_origin = child_origin(properties, "PermissionsBoundary", where)
        role.boundary = policy_ref(stack, properties["PermissionsBoundary"], boundary_origin)
    return role


def _trusted(document: Any) -> tuple[str, ...]:
    """The principals a trust policy lets assume the role (services, accounts, providers)."""
    found: list[str] = []
    statements = document.get("Statement") if isinstance(document, dict) else None
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        values = principal.values() if isinstance(principal, dict) else [principal]
        for value in values:
            items = value if isinstance(value, list) else [value]
            found.extend(render(item) for item in items if item is not None)
    return tuple(dict.fromkeys(found))


def policy_ref(stack: Stack, value: Any, origin: Origin) -> PolicyRef:
    """A managed policy named by ARN, name or a reference to a policy in the template."""
    # Look before substituting: `substitute` flattens `!Sub ...${Policy}` to plain text.
    logical = _logical_id(value)
    value = substitute(value, stack.parameters)
    logical = logical if logical in stack.managed_policies else _logical_id(value)
    if logical and logical in stack.managed_policies:
        return stack.managed_policies[logical]
    text = render(value)
    if not text.startswith("arn:") and "/" not in text and not isinstance(value, dict):
        text = f"arn:aws:iam::aws:policy/{text}"  # SAM and Serverless accept bare names.
    return PolicyRef(text, origin, bool(_AWS_MANAGED.search(text)))


def _role_targets(stack: Stack, roles: Any) -> list[RoleBuilder]:
    if not isinstance(roles, list):
        return []
    targets = []
    for item in roles:
        logical = _logical_id(item)
        if logical in stack.roles:
            targets.append(stack.roles[logical])
    return targets


def _logical_id(value: Any) -> str | None:
    """The resource a `!Ref X`, `!GetAtt X.Arn` or `!Sub ...${X}...` points at."""
    if isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref" and isinstance(argument, str):
            return argument
        if name == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else str(argument).split(".")
            return str(parts[0]) if parts else None
        if name == "Fn::Sub":
            template = argument[0] if isinstance(argument, list) and argument else argument
            names = [
                found for found in _SUB_NAME.findall(str(template)) if not found.startswith("AWS::")
            ]
            return names[0] if len(names) == 1 else None
    return None


def resolve_role(stack: Stack, value: Any, origin: Origin) -> RoleBuilder:
    """The role a function's `Role` names: a role in the template, or an external one."""
    # Look before substituting: `substitute` flattens `!Sub ...${Role}` to plain text.
    logical = _logical_id(value)
    value = substitute(value, stack.parameters)
    logical = logical if logical in stack.roles else _logical_id(value)
    if logical is None and isinstance(value, str) and value in stack.roles:
        logical = value  # Serverless accepts a bare logical id.
    if logical is not None and logical in stack.roles:
        return stack.roles[logical]
    text = render(value)
    return RoleBuilder(text, text.rsplit("/", 1)[-1], origin, external=True)


def environment(variables: Any, origin: Origin, scope: EnvScope = "function") -> list[EnvVar]:
    """Environment variables with the provenance of each value."""
    if not isinstance(variables, YMap):
        return []
    return [
        EnvVar(name, value, variables.origin_of(name, origin), provenance(value), scope)
        for name, value in variables.items()
    ]


def provenance(value: Any) -> EnvProvenance:
    """Where an environment value comes from: a literal, a secrets store, a reference."""
    from slsguard.model import Deferred

    references: tuple[Reference, ...] = ()
    if isinstance(value, Reference):
        references = (value,)
    elif isinstance(value, Deferred):
        references = value.references
    if references:
        if any(not reference.resolvable for reference in references):
            return "unresolved"
        if any(_is_secrets_manager(reference.address) for reference in references):
            return "secretsmanager"
        return "ssm" if all(ref.source == "ssm" for ref in references) else "variable"
    if isinstance(value, dict):
        text = render(value)
        if "{{resolve:secretsmanager" in text:
            return "secretsmanager"
        return "ssm" if "{{resolve:ssm" in text else "cfn"
    if isinstance(value, str) and "{{resolve:" in value:
        return "secretsmanager" if "{{resolve:secretsmanager" in value else "ssm"
    return "literal"


def _is_secrets_manager(address: str) -> bool:
    return address.lstrip("/").startswith("aws/reference/secretsmanager/")


def lambda_functions(stack: Stack) -> list[Function]:
    """The `AWS::Lambda::Function` resources as model functions."""
    triggers = _event_source_triggers(stack)
    functions = []
    for logical_id, properties, where in stack.of_type("AWS::Lambda::Function"):
        role = None
        if "Role" in properties:
            role_origin = child_origin(properties, "Role", where)
            role = resolve_role(stack, properties["Role"], role_origin).freeze()
        env = properties.get("Environment")
        env_origin = child_origin(properties, "Environment", where)
        variables = env.get("Variables") if isinstance(env, YMap) else None
        variables_origin = child_origin(env, "Variables", env_origin)
        functions.append(
            Function(
                name=logical_id,
                origin=where,
                handler=_text_or_none(properties.get("Handler")),
                runtime=_text_or_none(properties.get("Runtime")),
                environment=tuple(environment(variables, variables_origin)),
                triggers=tuple(triggers.get(logical_id, ())),
                role=role,
                kms_key=properties.get("KmsKeyArn"),
                logical_id=logical_id,
                settings=properties,
                runtime_origin=child_origin(properties, "Runtime", where),
            )
        )
    return functions


def _text_or_none(value: Any) -> str | None:
    return None if value is None else render(value)


def _event_source_triggers(stack: Stack) -> dict[str, list[Trigger]]:
    found: dict[str, list[Trigger]] = {}
    for _id, properties, where in stack.of_type("AWS::Lambda::EventSourceMapping"):
        target = _logical_id(properties.get("FunctionName"))
        source = render(properties.get("EventSourceArn"))
        kind = "sqs" if "sqs" in source.lower() or "queue" in source.lower() else "stream"
        if target:
            found.setdefault(target, []).append(Trigger(kind, where, properties))
    for _id, properties, where in stack.of_type("AWS::Lambda::Url"):
        target = _logical_id(properties.get("TargetFunctionArn"))
        if target:
            found.setdefault(target, []).append(Trigger("url", where, properties))
    return found


def lambda_permissions(stack: Stack) -> list[LambdaPermission]:
    """The `AWS::Lambda::Permission` resources."""
    permissions = []
    for logical_id, properties, where in stack.of_type("AWS::Lambda::Permission"):
        auth = properties.get("FunctionUrlAuthType")
        permissions.append(
            LambdaPermission(
                origin=where,
                function=render(properties.get("FunctionName")),
                principal=render(properties.get("Principal")),
                action=render(properties.get("Action")),
                source_arn=properties.get("SourceArn"),
                source_account=properties.get("SourceAccount"),
                principal_org_id=properties.get("PrincipalOrgID"),
                function_url_auth_type=render(auth) if auth is not None else None,
                logical_id=logical_id,
                function_logical_id=_logical_id(properties.get("FunctionName")) or "",
            )
        )
    return permissions


def nested_templates(stack: Stack) -> list[tuple[str, Any, Origin]]:
    """(logical id, location value, origin) of nested stacks and SAM applications."""
    found = []
    for logical_id, properties, where in stack.of_type("AWS::CloudFormation::Stack"):
        found.append((logical_id, properties.get("TemplateURL"), where))
    for logical_id, properties, where in stack.of_type("AWS::Serverless::Application"):
        found.append((logical_id, properties.get("Location"), where))
    return found


def not_analysed(origin: Origin, message: str, fix: str = "") -> Note:
    """A loader note that something cannot be analysed (SLS004)."""
    return Note("SLS004", Violation(origin, message, fix, Severity.INFO))
