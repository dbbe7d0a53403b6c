"""The one renderer of minimal IAM statements, in each dialect's syntax.

SLS109/SLS110 fixes (through `ReplaceStatements` intents) and `slsguard policy` both write
statements here: YAML lists for Serverless, SAM and CloudFormation (resources as `!GetAtt`,
`!Ref` or `!Sub`), a `data "aws_iam_policy_document"` for Terraform, ARNs for a live account.
"""

from __future__ import annotations

from slsguard import model
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


def render_statements(
    statements: tuple[PolicyStatement, ...],
    dialect: model.Dialect,
    app: model.Application | None = None,
    name: str = "minimal",
    indent: int = 0,
) -> str:
    """The statements in `dialect` (`app` names Terraform resources by address)."""
    if dialect == "terraform":
        from slsguard.dialects.terraform import policy_document

        return policy_document(app, name, statements) + "\n"
    return yaml_statements(statements, indent)
