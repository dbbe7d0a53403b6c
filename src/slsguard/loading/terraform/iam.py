"""IAM pieces that have no CloudFormation twin: policy attachments, and readable names.

`aws_iam_role_policy_attachment`, `aws_iam_user_policy_attachment`,
`aws_iam_group_policy_attachment` and `aws_iam_policy_attachment` attach a managed policy to
a role, user or group from a separate resource; they are added after the stack is built, with
the position of their `policy_arn`. Statement and policy names are then turned back from
logical ids into Terraform addresses, so messages say `aws_iam_role_policy.app`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slsguard.findings import Origin
from slsguard.loading.cloudformation import RoleBuilder, Stack
from slsguard.loading.terraform.evaluate import Evaluator, Resource
from slsguard.loading.terraform.module import Loader
from slsguard.model import PolicyRef, render

_AWS_MANAGED = re.compile(r":iam::aws:policy/")
# Each attachment resource and the arguments naming its roles, users or groups.
_ATTACHMENTS = {
    "aws_iam_role_policy_attachment": ("role",),
    "aws_iam_user_policy_attachment": ("user",),
    "aws_iam_group_policy_attachment": ("group",),
    "aws_iam_policy_attachment": ("roles", "users", "groups"),
}


def attach_policies(loader: Loader, stack: Stack) -> None:
    """Add each policy attachment's managed policy to the roles it names."""
    for _prefix, evaluator in loader.evaluators:
        for found in evaluator.scope.resources.values():
            if found.data or found.type not in _ATTACHMENTS:
                continue
            attribute = found.block.body.attributes.get("policy_arn")
            if attribute is None:
                continue
            origin = Origin(found.file, ("resource", found.address, "policy_arn"), *attribute.pos)
            policy = _policy(stack, evaluator.value(attribute.expr, found.file), origin)
            for role in _roles(evaluator, stack, found):
                role.managed.append(policy)


def _policy(stack: Stack, value: Any, origin: Origin) -> PolicyRef:
    target = _target(value)
    if target is not None and target in stack.managed_policies:
        return stack.managed_policies[target]
    text = render(value)
    return PolicyRef(text, origin, bool(_AWS_MANAGED.search(text)))


def _roles(evaluator: Evaluator, stack: Stack, found: Resource) -> list[RoleBuilder]:
    """The roles, users and groups (all kept as role builders) an attachment names."""
    values: list[Any] = []
    for name in _ATTACHMENTS[found.type]:
        value = evaluator.attribute(found.block, name, found.file)
        values.extend(value if isinstance(value, list) else [value])
    roles = []
    for item in values:
        target = _target(item)
        if target is None and isinstance(item, str):
            target = next((r.key for r in stack.roles.values() if r.name == item), None)
        if target is not None and target in stack.roles:
            roles.append(stack.roles[target])
    return roles


def _target(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref" and isinstance(argument, str):
            return argument
        if name == "Fn::GetAtt" and isinstance(argument, list) and argument:
            return str(argument[0])
    return None


def readable_policies(stack: Stack, addresses: dict[str, str]) -> None:
    """Policy names in Terraform terms (`aws_iam_role_policy.app`), not logical ids."""

    def readable(name: str) -> str:
        head, dot, rest = name.partition(".")
        return addresses.get(head, head) + dot + rest

    renamed = {
        key: replace(policy, arn=readable(policy.arn)) if not policy.aws_managed else policy
        for key, policy in stack.managed_policies.items()
    }
    renamed = {
        key: replace(
            policy,
            statements=tuple(replace(s, policy=readable(s.policy)) for s in policy.statements),
        )
        for key, policy in renamed.items()
    }
    by_identity = {id(stack.managed_policies[key]): value for key, value in renamed.items()}
    stack.managed_policies.update(renamed)
    for role in stack.roles.values():
        role.statements = [replace(s, policy=readable(s.policy)) for s in role.statements]
        role.managed = [by_identity.get(id(policy), policy) for policy in role.managed]
        if role.key in addresses:
            role.name = addresses[role.key] if role.name == role.key else role.name
