"""Minimal IAM statements as the template dialects and a plain IAM document write them.

This is the one renderer of least-privilege statements (`fixes.PolicyStatement`) outside
HCL: the SLS109/SLS110 fixes (`ReplaceStatements` intents) and `slsguard policy` both write
through it. Serverless, SAM and CloudFormation get YAML `- Effect: Allow` items whose
resources are the template's own (`!GetAtt T.Arn`, `!Ref T`, `!Sub '${B.Arn}/*'`), the
Serverless text with its variables, or an ARN in the deploying account
(`!Sub 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs'`); `iam_document` is the JSON
document IAM stores (`slsguard policy --format json`, a live account). Terraform's
`data "aws_iam_policy_document"` is `terraform.policy_document`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from slsguard import model
from slsguard.fixes import PolicyResource, PolicyStatement, ResourceRef

Resource = str | ResourceRef | PolicyResource
"""A resource of a statement, as the intents carry it."""

_PSEUDO = {
    "serverless": ("${aws:region}", "${aws:accountId}"),
    "template": ("${AWS::Region}", "${AWS::AccountId}"),
}
"""How the region and account are written: Serverless variables, CloudFormation `!Sub`."""


def yaml_statements(
    app: model.Application, statements: tuple[PolicyStatement, ...], dialect: str, indent: int = 0
) -> str:
    """`- Effect: Allow` items in `dialect` (serverless, sam, cloudformation), each after
    comments naming the code that needs it."""
    pad = " " * indent
    lines: list[str] = []
    for statement in statements:
        lines += [f"{pad}# {reason}" for reason in statement.evidence]
        lines.append(f"{pad}- Effect: {statement.effect}")
        lines.append(f"{pad}  Action: [{', '.join(statement.actions)}]")
        lines.append(f"{pad}  Resource:")
        lines += [f"{pad}    - {yaml_resource(app, r, dialect)}" for r in statement.resources]
    return "\n".join(lines) + "\n" if lines else ""


def yaml_resource(app: model.Application, resource: Resource, dialect: str) -> str:
    """One resource as a YAML scalar of `dialect`. Serverless variables are written wherever
    the file is a Serverless config (its `resources:` too): the framework resolves them."""
    if isinstance(resource, ResourceRef):
        return _intrinsic(resource)
    if isinstance(resource, str):
        return _quoted(resource)
    serverless = dialect == "serverless" or app.kind == "serverless"
    if serverless and resource.serverless:
        return _quoted(resource.serverless)
    if resource.ref is not None and _in_template(app, resource.ref.logical_id):
        return _intrinsic(resource.ref)
    if isinstance(resource.arn, model.AccountArn):
        region, account = _PSEUDO["serverless" if serverless else "template"]
        arn = resource.arn.written(region, account)
        return _quoted(arn) if serverless else f"!Sub '{arn}'"
    return _quoted(resource.arn)


def _in_template(app: model.Application, logical_id: str) -> bool:
    """Whether the app is a template that defines `logical_id` (a Terraform app's resources
    have translated ids, which no template names)."""
    resources = app.resources
    template = app.kind in ("serverless", "sam", "cloudformation")
    return template and isinstance(resources, dict) and logical_id in resources


def _intrinsic(ref: ResourceRef) -> str:
    if ref.attribute == "Ref":
        return f"!Ref {ref.logical_id}"
    if ref.suffix:
        return f"!Sub '${{{ref.logical_id}.{ref.attribute}}}{ref.suffix}'"
    return f"!GetAtt {ref.logical_id}.{ref.attribute}"


def _quoted(text: str) -> str:
    """An ARN as YAML reads it back: quoted when a `*` or `${` would mean something else."""
    return f"'{text}'" if text.startswith("*") or "${" in text else text


def pattern(resource: Resource) -> str:
    """A resource as a plain IAM document names it: its ARN, `*` for an unknown region and
    account (a template resource by the ARN pattern it resolves to)."""
    if isinstance(resource, PolicyResource):
        return resource.pattern
    if isinstance(resource, ResourceRef):
        return f"<{resource.logical_id} {resource.attribute}>{resource.suffix}"
    return resource


def iam_document(
    statements: tuple[PolicyStatement, ...], arn: Callable[[Resource], str] = pattern
) -> dict[str, object]:
    """The statements as the JSON policy document IAM stores, each with a `Sid` naming the
    code lines that need it; `arn` names each resource (ARN patterns by default)."""
    sids = statement_ids(statements)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": s.effect,
                "Action": list(s.actions),
                "Resource": [arn(r) for r in s.resources],
            }
            for sid, s in zip(sids, statements, strict=True)
        ],
    }


_SID_PARTS = 4
"""Code locations named in one `Sid` at most (the rest are in the evidence comments)."""


def statement_ids(statements: tuple[PolicyStatement, ...]) -> list[str]:
    """A unique IAM `Sid` ([A-Za-z0-9]+) per statement naming the code lines that need it:
    `src/orders/db.py:10` → `DbL10`, `the sqs trigger` → `SqsTrigger`."""
    sids: list[str] = []
    for statement in statements:
        parts = dict.fromkeys(_sid_part(r) for r in statement.evidence)
        base = "".join(list(parts)[:_SID_PARTS]) or "Needed"
        sid, count = base, 1
        while sid in sids:
            count += 1
            sid = f"{base}N{count}"
        sids.append(sid)
    return sids


def _sid_part(reason: str) -> str:
    where = re.match(r"(?:\S*/)?([^/\s:]+?)(?:\.\w+)?:(\d+) ", reason)
    if where is not None:
        return f"{_camel(where.group(1))}L{where.group(2)}"
    return _camel(reason.removeprefix("the "))


def _camel(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text) if w)
