"""Minimal IAM statements in the YAML template dialects.

SLS109/SLS110 fixes (`ReplaceStatements` intents) are written here as YAML lists for
Serverless, SAM and CloudFormation (resources as `!GetAtt`, `!Ref` or `!Sub`); Terraform's
`data "aws_iam_policy_document"` is `terraform.policy_document`, which `slsguard policy`
shares.
"""

from __future__ import annotations

from slsguard.dialects.text import yaml_block
from slsguard.fixes import PolicyStatement, ResourceRef


def yaml_resource(resource: str | ResourceRef) -> object:
    """A resource as a CloudFormation value: the ARN, or the intrinsic naming the resource."""
    if isinstance(resource, str):
        return resource
    if resource.attribute == "Ref":
        return {"Ref": resource.logical_id}
    if resource.suffix:
        return {
            "Fn::Sub": "${" + f"{resource.logical_id}.{resource.attribute}" + "}" + resource.suffix
        }
    return {"Fn::GetAtt": f"{resource.logical_id}.{resource.attribute}"}


def yaml_statements(statements: tuple[PolicyStatement, ...], indent: int = 0) -> str:
    """`- Effect: Allow` items, each after comments naming the code that needs it."""
    pad = " " * indent
    lines: list[str] = []
    for statement in statements:
        lines += [f"{pad}# {reason}" for reason in statement.evidence]
        lines.append(f"{pad}- Effect: {statement.effect}")
        lines.append(f"{pad}  Action: [{', '.join(statement.actions)}]")
        lines.append(f"{pad}  Resource:")
        resources = [yaml_resource(r) for r in statement.resources]
        lines += [f"{pad}    {line}" for line in yaml_block((), resources).splitlines()]
    return "\n".join(lines) + "\n" if lines else ""
