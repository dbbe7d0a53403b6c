"""The minimal policy of a function, grouped into statements, in the project's syntax.

Actions on the same resources share a statement; each statement carries the code lines
(or the trigger) that need it, written as comments. Every action is checked against the
IAM dataset before it is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from slsguard import fixes
from slsguard.iam import actions
from slsguard.leastpriv.needs import FunctionNeeds, Need
from slsguard.leastpriv.resources import Target
from slsguard.model import Application


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    """One Allow statement of the minimal policy and why it is there."""

    actions: tuple[str, ...]
    targets: tuple[Target, ...]
    reasons: tuple[str, ...]
    """`src/handler.py:12 s3.put_object`, `the sqs trigger`."""


def minimal(needs: FunctionNeeds, *, implied: bool = True) -> tuple[PolicyStatement, ...]:
    """The fewest statements that allow every need (trigger needs when `implied`)."""
    by_target: dict[tuple[str, str], tuple[Target, set[str], list[str]]] = {}
    for need in needs.needs:
        if need.implied and not implied:
            continue
        if actions.lookup(need.action) is None:
            raise ValueError(f"not an IAM action: {need.action}")
        entry = by_target.setdefault((need.target.arn, need.target.cfn), (need.target, set(), []))
        entry[1].add(need.action)
        reason = _reason(need)
        if reason not in entry[2]:
            entry[2].append(reason)
    by_actions: dict[tuple[str, ...], tuple[list[Target], list[str]]] = {}
    for target, names, reasons in by_target.values():
        group = by_actions.setdefault(tuple(sorted(names)), ([], []))
        group[0].append(target)
        group[1].extend(r for r in reasons if r not in group[1])
    return tuple(
        PolicyStatement(names, tuple(targets), tuple(reasons))
        for names, (targets, reasons) in by_actions.items()
    )


def _reason(need: Need) -> str:
    if need.location is None:
        return need.reason
    where = f"{need.location.file}:{need.location.line}"
    unresolved = "" if need.target.resolved else f"; {need.target.label}"
    return f"{where} {need.reason}{unresolved}"


def render(statements: tuple[PolicyStatement, ...], syntax: str, indent: int = 0) -> str:
    """The statements as YAML items (serverless, sam, cloudformation) or a JSON document
    (`json`); Terraform is written by its dialect (`intents`)."""
    if syntax == "json":
        return json.dumps(document(statements), indent=2) + "\n"
    pad = " " * indent
    lines: list[str] = []
    for statement in statements:
        lines += [f"{pad}# {reason}" for reason in statement.reasons]
        lines.append(f"{pad}- Effect: Allow")
        lines.append(f"{pad}  Action: [{', '.join(statement.actions)}]")
        lines.append(f"{pad}  Resource:")
        lines += [f"{pad}    - {_yaml(target, syntax)}" for target in statement.targets]
    return "\n".join(lines) + "\n"


_PSEUDO = {
    "serverless": ("${aws:region}", "${aws:accountId}"),
    "sam": ("${AWS::Region}", "${AWS::AccountId}"),
    "cloudformation": ("${AWS::Region}", "${AWS::AccountId}"),
}
"""How each YAML syntax writes the deployment's region and account."""


def _yaml(target: Target, syntax: str) -> str:
    if target.sls and syntax == "serverless":
        return f"'{target.sls}'"
    if target.cfn:
        return target.cfn
    parts = target.arn.split(":", 5)
    if len(parts) == 6 and parts[3] == "*" and parts[4] == "*" and syntax in _PSEUDO:
        parts[3], parts[4] = _PSEUDO[syntax]
        arn = ":".join(parts)
        return f"'{arn}'" if syntax == "serverless" else f"!Sub '{arn}'"
    return f"'{target.arn}'" if target.arn.startswith("*") else target.arn


def document(statements: tuple[PolicyStatement, ...]) -> dict[str, object]:
    """The statements as an IAM policy document (ARN patterns; `Sid`s name code lines)."""
    sids = statement_ids(statements)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": list(s.actions),
                "Resource": [t.arn for t in s.targets],
            }
            for sid, s in zip(sids, statements, strict=True)
        ],
    }


def intents(
    statements: tuple[PolicyStatement, ...], app: Application | None = None, syntax: str = ""
) -> tuple[fixes.PolicyStatement, ...]:
    """The statements as fix intents for a dialect to write: template resources as references
    when `app` is Terraform (`aws_dynamodb_table.orders.arn`), Serverless text with its
    variables when written in `syntax` (default: the app's own) `serverless`, else ARN
    patterns whose unknown region and account are Terraform's `data.aws_region`/
    `data.aws_caller_identity`."""
    written = syntax or (app.kind if app is not None else "")
    return tuple(
        fixes.PolicyStatement(
            s.actions,
            tuple(dict.fromkeys(_terraform_resource(t, app, written) for t in s.targets)),
            s.reasons,
        )
        for s in statements
    )


TERRAFORM_DATA = 'data "aws_region" "current" {}\ndata "aws_caller_identity" "current" {}\n'
"""The data sources `_terraform_resource` ARNs refer to."""


def _terraform_resource(
    target: Target, app: Application | None, syntax: str
) -> str | fixes.ResourceRef:
    from slsguard.dialects.text import HclExpression
    from slsguard.tf_address import terraform_address

    logical = target.logical_id if target.resolved else None
    if app is not None and logical and terraform_address(app, logical) is not None:
        return fixes.ResourceRef(logical, "Arn", _suffix(target))
    if syntax == "serverless" and target.sls:
        return target.sls  # the stage and region as variables: right for every stage
    if app is not None and app.kind != "terraform":
        return _template_resource(target)
    parts = target.arn.split(":", 5)
    if len(parts) == 6 and parts[3] == "*" and parts[4] == "*":
        parts[3] = "${data.aws_region.current.name}"
        parts[4] = "${data.aws_caller_identity.current.account_id}"
        return HclExpression(json.dumps(":".join(parts)))
    return target.arn


_GETATT = re.compile(r"^!GetAtt (\w+)\.(\w+)$")
_REF = re.compile(r"^!Ref (\w+)$")
_SUB = re.compile(r"^!Sub '\$\{(\w+)\.(\w+)\}(.*)'$")


def _template_resource(target: Target) -> str | fixes.ResourceRef:
    """The template resource a target's CloudFormation value names, else its ARN."""
    cfn = target.cfn
    if found := _GETATT.match(cfn):
        return fixes.ResourceRef(found.group(1), found.group(2))
    if found := _REF.match(cfn):
        return fixes.ResourceRef(found.group(1), "Ref")
    if found := _SUB.match(cfn):
        return fixes.ResourceRef(found.group(1), found.group(2), found.group(3))
    return target.arn


def _suffix(target: Target) -> str:
    """`/*` of `!Sub '${Bucket.Arn}/*'`: what a child target adds to its resource's ARN."""
    match = re.search(r"\}(/[^']*)'$", target.cfn)
    return match.group(1) if match else ""


_SID_PARTS = 4
"""Code locations named in one `Sid` at most (the rest are in the YAML comments)."""


def statement_ids(statements: tuple[PolicyStatement, ...]) -> list[str]:
    """A unique IAM `Sid` ([A-Za-z0-9]+) per statement naming the code lines that need it:
    `src/orders/db.py:10` → `DbL10`, `the sqs trigger` → `SqsTrigger`."""
    sids: list[str] = []
    for statement in statements:
        parts = dict.fromkeys(_sid_part(r) for r in statement.reasons)
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
