"""The minimal policy of a function, grouped into statements, as fix intents.

Actions on the same resources share a statement; each statement carries the code lines
(or the trigger) that need it, as evidence. Every action is checked against the IAM dataset.
`intents` hands the statements to the dialects (`slsguard.dialects`), which write them in
each syntax: the SLS109/SLS110 fixes and `slsguard policy` share that one renderer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slsguard import fixes
from slsguard.iam import actions
from slsguard.leastpriv.needs import FunctionNeeds, Need
from slsguard.leastpriv.resources import Target
from slsguard.model import AccountArn


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


def intents(statements: tuple[PolicyStatement, ...]) -> tuple[fixes.PolicyStatement, ...]:
    """The statements as fix intents, every resource named every way slsguard knows it; the
    dialect that writes them (`slsguard.dialects`) picks its own way."""
    return tuple(
        fixes.PolicyStatement(
            s.actions, tuple(dict.fromkeys(_resource(t) for t in s.targets)), s.reasons
        )
        for s in statements
    )


def _resource(target: Target) -> fixes.PolicyResource:
    arn = AccountArn.parse(target.arn) or target.arn
    logical = target.logical_id if target.resolved and target.logical_id else ""
    return fixes.PolicyResource(arn, _template_resource(target), logical, target.sls)


_GETATT = re.compile(r"^!GetAtt (\w+)\.(\w+)$")
_REF = re.compile(r"^!Ref (\w+)$")
_SUB = re.compile(r"^!Sub '\$\{(\w+)\.(\w+)\}(.*)'$")


def _template_resource(target: Target) -> fixes.ResourceRef | None:
    """The template resource a target's CloudFormation value names (`!GetAtt T.Arn`)."""
    cfn = target.cfn
    if found := _GETATT.match(cfn):
        return fixes.ResourceRef(found.group(1), found.group(2))
    if found := _REF.match(cfn):
        return fixes.ResourceRef(found.group(1), "Ref")
    if found := _SUB.match(cfn):
        return fixes.ResourceRef(found.group(1), found.group(2), found.group(3))
    return None
