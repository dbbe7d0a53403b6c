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
from slsguard.model import DIALECTS, Application


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


def render(
    statements: tuple[PolicyStatement, ...],
    syntax: str,
    indent: int = 0,
    app: Application | None = None,
) -> str:
    """The statements as JSON, or in a dialect's syntax through the one statement renderer
    (`slsguard.dialects.statements`; `app` names Terraform resources by address)."""
    if syntax == "json":
        return json.dumps(_document(statements), indent=2) + "\n"
    from slsguard.dialects.statements import render_statements

    dialect = syntax if syntax in DIALECTS else "cloudformation"
    return render_statements(as_intent(statements), dialect, app, indent=indent)


def as_intent(statements: tuple[PolicyStatement, ...]) -> tuple[fixes.PolicyStatement, ...]:
    """The statements as fix-intent statements (resources as `ResourceRef`s where known)."""
    return tuple(
        fixes.PolicyStatement(s.actions, tuple(_resource(t) for t in s.targets), s.reasons)
        for s in statements
    )


_GETATT = re.compile(r"^!GetAtt (\w+)\.(\w+)$")
_REF = re.compile(r"^!Ref (\w+)$")
_SUB = re.compile(r"^!Sub '\$\{(\w+)\.(\w+)\}(.*)'$")


def _resource(target: Target) -> str | fixes.ResourceRef:
    """The template resource a target's CloudFormation value names, else its ARN."""
    cfn = target.cfn
    if found := _GETATT.match(cfn):
        return fixes.ResourceRef(found.group(1), found.group(2))
    if found := _REF.match(cfn):
        return fixes.ResourceRef(found.group(1), "Ref")
    if found := _SUB.match(cfn):
        return fixes.ResourceRef(found.group(1), found.group(2), found.group(3))
    return target.arn


def _document(statements: tuple[PolicyStatement, ...]) -> dict[str, object]:
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
