"""The one IAM policy evaluator: would this request be allowed, denied, or can't we know?

Every rule and analysis that asks "does the role allow X?" asks it here, so IAM's
semantics live in one place:

- an explicit ``Deny`` beats any ``Allow``; with no matching ``Allow`` the request is
  implicitly denied;
- a permissions boundary intersects: the identity policies *and* the boundary must allow;
- a resource-based policy (same account) adds to what the identity policies allow;
- ``Action``/``NotAction`` match case-insensitively with ``*`` and ``?``;
- ``Resource``/``NotResource`` match ARNs case-sensitively; ``*`` and ``?`` match within
  one ``:``-separated segment, and a ``*`` that is the last character of a segment may
  also span ``:`` (IAM User Guide, "Using wildcards in resource ARNs");
- a ``Condition`` is evaluated when the request context gives its key; a key that cannot
  be known statically makes the statement's answer *unknown*, never *denied*.

Three-valued logic throughout: every match is `Match.YES`, `Match.NO` or `Match.MAYBE`.
The result of `evaluate` is an `Evaluation` whose `decision` is ``"allowed"``,
``"denied"`` or ``"unknown"``, with the statements responsible and the reasons for an
unknown.

Usage::

    from slsguard.iam.evaluate import Policies, evaluate

    policies = Policies.of_role(fn.role)                   # inline + managed + boundary
    result = evaluate(policies, "s3:GetObject", "arn:aws:s3:::orders/*")
    result.decision        # "allowed" | "denied" | "unknown"
    result.allowing        # the Allow statements that (may) grant it
    result.denying         # the Deny statements that (may) refuse it
    result.reasons         # why it is unknown ("condition aws:SourceArn is not known ...")

    # Context keys known statically are passed in; the others stay unknown.
    evaluate(policies, "iam:PassRole", "*", {"iam:PassedToService": "lambda.amazonaws.com"})

Resources in a request:

- ``None``: some resource that is not known statically (answers about specific
  resources become *unknown*, ``Resource: "*"`` still answers *yes*);
- ``"*"``: *every* resource (only a statement on every resource matches; use it for
  "is this allowed on `*`?");
- an ARN, possibly partially known: ``${...}`` placeholders, ``{{resolve:...}}`` and
  rendered intrinsics (``!GetAtt Table.Arn``, ``!Ref Bucket``) are unknown parts.

Helpers for rules that judge a statement on its own: `statement_match` (one statement
against one request), `narrowing_conditions` and `on_every_resource` (a statement on
`*` narrowed by ``iam:PassedToService``, ``kms:ViaService``, ``aws:SourceArn``, ... is
not "on every resource"), `granted_actions` (the concrete actions a statement grants
once Denies and the boundary are subtracted).
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from slsguard.iam import actions
from slsguard.model import Condition, Role, Statement

__all__ = [
    "NARROWING_KEYS",
    "Decision",
    "Evaluation",
    "Match",
    "Policies",
    "action_match",
    "arn_match",
    "condition_match",
    "evaluate",
    "granted_actions",
    "narrowing_conditions",
    "on_every_resource",
    "statement_match",
]

Decision = Literal["allowed", "denied", "unknown"]
"""What IAM would decide for a request, as far as the scanned files tell."""


class Match(enum.IntEnum):
    """A three-valued answer, ordered so that `min` is AND and `max` is OR."""

    NO = 0
    MAYBE = 1
    YES = 2

    def negate(self) -> Match:
        """NOT in three-valued logic (MAYBE stays MAYBE)."""
        return Match(2 - self.value)


@dataclass(frozen=True, slots=True)
class Policies:
    """Everything that decides a principal's requests.

    `identity`: the statements of its inline and managed policies. `boundary`: the
    statements of its permissions boundary, or None when it has none; when the boundary
    exists but its content is not in the scan, `boundary_known` is False and every allow
    becomes at most *unknown*. `resource`: statements of a resource-based policy that
    names this principal (the caller picks them; `Statement` carries no `Principal`).
    """

    identity: tuple[Statement, ...]
    boundary: tuple[Statement, ...] | None = None
    boundary_known: bool = True
    resource: tuple[Statement, ...] = ()

    @classmethod
    def of_role(cls, role: Role, resource: Iterable[Statement] = ()) -> Policies:
        """A role's policies: inline and customer-managed statements, and its boundary.

        AWS managed policies are not in the scan and are not counted as allowing anything.
        """
        boundary = role.boundary
        return cls(
            identity=tuple(role.all_statements()),
            boundary=tuple(boundary.statements) if boundary is not None else None,
            boundary_known=boundary is None or boundary.known,
            resource=tuple(resource),
        )


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The answer to one request.

    `allowing`: the Allow statements that match (for *unknown*, those that may).
    `denying`: the Deny statements that match or may match. `reasons`: why the answer is
    *unknown*, in words fit for a message. `explicit`: denied by a Deny statement (as
    opposed to no Allow at all).
    """

    decision: Decision
    allowing: tuple[Statement, ...] = ()
    denying: tuple[Statement, ...] = ()
    reasons: tuple[str, ...] = ()
    explicit: bool = False

    @property
    def allowed(self) -> bool:
        """Certainly allowed."""
        return self.decision == "allowed"

    @property
    def denied(self) -> bool:
        """Certainly denied (explicitly or for want of an Allow)."""
        return self.decision == "denied"

    @property
    def possible(self) -> bool:
        """Allowed, or it cannot be known statically: never "missing" for this request."""
        return self.decision != "denied"


ContextValue = str | Sequence[str]
"""A context key's value(s); an empty sequence means the key is known to be absent."""


def evaluate(
    policies: Policies,
    action: str,
    resource: str | None = None,
    context: Mapping[str, ContextValue] | None = None,
) -> Evaluation:
    """IAM's decision for `action` (``service:Action``, concrete) on `resource`.

    `context` gives the condition keys known statically (case-insensitive names); any key
    a condition needs that is not given is unknown. See the module docstring for how
    `resource` is written.
    """
    known = _normalise_context(context)
    reasons: list[str] = []

    def judge(statements: Iterable[Statement], effect: str) -> list[tuple[Statement, Match]]:
        found: list[tuple[Statement, Match]] = []
        for statement in statements:
            if statement.effect != effect:
                continue
            result = _statement_match(statement, action, resource, known, reasons)
            if result is not Match.NO:
                found.append((statement, result))
        return found

    every = [*policies.identity, *(policies.boundary or ()), *policies.resource]
    denies = judge(every, "Deny")
    identity = judge(policies.identity, "Allow")
    allow = _best(identity)
    if not policies.boundary_known:
        allow = min(allow, Match.MAYBE)
        if allow is Match.MAYBE:
            reasons.append("the permissions boundary is not in the scan")
    elif policies.boundary is not None:
        allow = min(allow, _best(judge(policies.boundary, "Allow")))
    granted_by_resource = judge(policies.resource, "Allow")
    allow = max(allow, _best(granted_by_resource))
    deny = _best(denies)
    allowing = tuple(s for s, _ in [*identity, *granted_by_resource])
    denying = tuple(s for s, _ in denies)
    if deny is Match.YES:
        sure = tuple(s for s, m in denies if m is Match.YES)
        return Evaluation("denied", allowing, sure, explicit=True)
    if allow is Match.NO:
        return Evaluation("denied", (), denying)
    if allow is Match.YES and deny is Match.NO:
        sure = tuple(s for s, m in [*identity, *granted_by_resource] if m is Match.YES)
        return Evaluation("allowed", sure, ())
    return Evaluation("unknown", allowing, denying, tuple(dict.fromkeys(reasons)))


def _best(found: Sequence[tuple[Statement, Match]]) -> Match:
    return max((match for _, match in found), default=Match.NO)


def _normalise_context(context: Mapping[str, ContextValue] | None) -> dict[str, tuple[str, ...]]:
    normalised: dict[str, tuple[str, ...]] = {}
    for key, value in (context or {}).items():
        normalised[key.lower()] = (value,) if isinstance(value, str) else tuple(value)
    return normalised


# ----------------------------------------------------------------- one statement


def statement_match(
    statement: Statement,
    action: str,
    resource: str | None = None,
    context: Mapping[str, ContextValue] | None = None,
) -> Match:
    """Whether `statement` applies to the request (its Effect is not considered)."""
    return _statement_match(statement, action, resource, _normalise_context(context), [])


def _statement_match(
    statement: Statement,
    action: str,
    resource: str | None,
    context: Mapping[str, tuple[str, ...]],
    reasons: list[str],
) -> Match:
    if not action_match(statement, action):
        return Match.NO
    mine: list[str] = []
    result = _resource_match(statement, action, resource, mine)
    for condition in statement.conditions:
        if result is Match.NO:
            return result
        result = min(result, _condition_match(condition, context, mine))
    if result is not Match.NO:
        reasons.extend(mine)
    return result


def action_match(statement: Statement, action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers the concrete `action`."""
    if statement.not_actions:
        return not any(actions.matches(pattern, action) for pattern in statement.not_actions)
    return any(actions.matches(pattern, action) for pattern in statement.actions)


def _resource_match(
    statement: Statement, action: str, resource: str | None, reasons: list[str]
) -> Match:
    requests = _requested(action, resource)
    if statement.not_resources:
        listed = max(
            (arn_match(p, r) for p in statement.not_resources for r in requests),
            default=Match.NO,
        )
        result = listed.negate()
    elif statement.resources:
        result = max(
            (arn_match(p, r) for p in statement.resources for r in requests), default=Match.NO
        )
    else:
        result = Match.MAYBE  # No Resource at all: not a valid identity statement.
    if result is Match.MAYBE:
        reasons.append(
            "the resource is not known statically"
            if resource is None or _has_holes(resource)
            else f"the statement's resource ({_first(statement)}) is not known statically"
        )
    return result


def _requested(action: str, resource: str | None) -> tuple[str | None, ...]:
    """What an unknown resource can be for `action`: its resource types' ARN templates.

    An action without resource-level permissions is only ever requested on `*`; an
    action missing from the reference data keeps the resource unknown.
    """
    if resource is not None:
        return (resource,)
    info = actions.lookup(action)
    if info is None:
        return (None,)
    return actions.resource_arns(info) or ("*",)


def _first(statement: Statement) -> str:
    return (statement.resources or statement.not_resources or ("?",))[0]


# ------------------------------------------------------------------------ ARNs

# Parts of a rendered value only known at deploy time: Serverless/CFN `${...}`,
# `{{resolve:...}}` dynamic references, and rendered intrinsics (`!GetAtt X.Arn`, `{…}`).
_HOLE = re.compile(r"\$\{[^}]*\}|\{\{resolve:[^}]*\}\}|\{…\}")
_HOLE_MARK = "\x00"


def _has_holes(text: str) -> bool:
    return text.startswith("!") or _HOLE.search(text) is not None


def _with_marks(text: str) -> str:
    """`text` with each unknown part replaced by one mark character."""
    if text.startswith("!"):
        return _HOLE_MARK
    return _HOLE.sub(_HOLE_MARK, text)


def _only_stars(text: str) -> bool:
    return bool(text) and not text.strip("*")


@functools.lru_cache(maxsize=4096)
def _arn_regex(pattern: str) -> re.Pattern[str]:
    """IAM's ARN glob: `*`/`?` stay within a segment; a segment-final `*` may span `:`."""
    out: list[str] = []
    for index, char in enumerate(pattern):
        if char == "*":
            last = index + 1 == len(pattern) or pattern[index + 1] == ":"
            out.append(".*" if last else "[^:]*")
        elif char == "?":
            out.append("[^:]")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def arn_match(pattern: str, resource: str | None) -> Match:
    """Whether the policy resource `pattern` covers the requested `resource`.

    Case-sensitive, with IAM's ARN wildcard rules. Either side may have unknown parts
    (see the module docstring); then the answer is MAYBE unless the known parts already
    rule it in or out.
    """
    if _only_stars(pattern) and not _has_holes(pattern):
        return Match.YES
    if resource is None:
        return Match.MAYBE
    if resource == "*":
        return Match.MAYBE if _has_holes(pattern) else Match.NO
    if pattern == resource:
        return Match.YES
    if not _has_holes(pattern) and not _has_holes(resource):
        return Match.YES if _arn_regex(pattern).fullmatch(resource) else Match.NO
    return _match_with_holes(_with_marks(pattern), _with_marks(resource))


# What an unknown part of a requested ARN may turn out to be, to test whether the
# pattern's wildcards cover it whatever it is: empty, plain, with a path and a colon.
_PROBES = ("", "x", "x/y", "x:y/z")


def _match_with_holes(pattern: str, resource: str) -> Match:
    if _HOLE_MARK not in pattern:
        regex = _arn_regex(pattern)
        if all(regex.fullmatch(resource.replace(_HOLE_MARK, p)) for p in _PROBES):
            return Match.YES
    return Match.MAYBE if _compatible(pattern, resource) else Match.NO


def _compatible(pattern: str, resource: str) -> bool:
    """A necessary condition for a match, segment by segment (partition, service, ...).

    A segment whose wildcard or unknown part ends it may span the colons after it.
    """
    ours, theirs = pattern.split(":", 5), resource.split(":", 5)
    for index in range(max(len(ours), len(theirs))):
        if index >= len(ours) or index >= len(theirs):
            shorter = ours if len(ours) < len(theirs) else theirs
            return shorter[-1].endswith(("*", _HOLE_MARK))
        if not _segments_agree(ours[index], theirs[index]):
            return False
    return True


def _segments_agree(a: str, b: str) -> bool:
    """Whether two segments, each with wildcards or unknown parts, may be equal."""
    if _prefix(a) == a and _prefix(b) == b:
        return a == b
    if not _agree(_prefix(a), _prefix(b)):
        return False
    spans = a.endswith(("*", _HOLE_MARK)) or b.endswith(("*", _HOLE_MARK))
    return spans or _agree(_prefix(a[::-1]), _prefix(b[::-1]))


def _prefix(text: str) -> str:
    """The literal start of `text`, up to its first wildcard or unknown part."""
    cut = min((i for i, c in enumerate(text) if c in "*?" + _HOLE_MARK), default=len(text))
    return text[:cut]


def _agree(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


# ------------------------------------------------------------------ conditions


def condition_match(condition: Condition, context: Mapping[str, ContextValue]) -> Match:
    """Whether one condition test holds for the given (partial) request context."""
    return _condition_match(condition, _normalise_context(context), [])


def _condition_match(
    condition: Condition, context: Mapping[str, tuple[str, ...]], reasons: list[str]
) -> Match:
    key = condition.key.lower()
    if key not in context:
        reasons.append(f"condition {condition.key} is not known statically")
        return Match.MAYBE
    if not condition.known:
        reasons.append(f"the values of condition {condition.key} are not known statically")
        return Match.MAYBE
    qualifier, _, operator = condition.operator.rpartition(":")
    qualifier = qualifier.lower()
    operator = operator.lower()
    if_exists = operator.endswith("ifexists")
    operator = operator.removesuffix("ifexists")
    present = context[key]
    if operator == "null":
        wants_absent = {v.lower() for v in condition.values} == {"true"}
        return Match.YES if (not present) == wants_absent else Match.NO
    negated = "not" in operator
    if not present:
        # Absent key: IfExists and ForAllValues hold vacuously, negated operators hold,
        # the others fail (IAM User Guide, condition operators).
        return Match.YES if (if_exists or qualifier == "forallvalues" or negated) else Match.NO
    test = _value_test(operator.replace("not", "", 1) if negated else operator)
    if test is None or any("${" in value for value in condition.values):
        reasons.append(f"condition operator {condition.operator} on {condition.key} is not judged")
        return Match.MAYBE
    outcomes = [negated != any(test(want, value) for want in condition.values) for value in present]
    holds = all(outcomes) if qualifier == "forallvalues" else any(outcomes)
    return Match.YES if holds else Match.NO


_Test = Callable[[str, str], bool]
"""A comparison: (value written in the policy, value in the request) -> holds."""


def _value_test(operator: str) -> _Test | None:
    """The comparison for a (non-negated, lower-case) operator, or None when not judged."""
    return _TESTS.get(operator)


def _string_equals(want: str, value: str) -> bool:
    return want == value


def _equals_ignore_case(want: str, value: str) -> bool:
    return want.lower() == value.lower()


def _string_like(want: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in want)
    return re.fullmatch(regex, value, re.DOTALL) is not None


def _arn_like(want: str, value: str) -> bool:
    return arn_match(want, value) is Match.YES


def _in_network(want: str, value: str) -> bool:
    """`IpAddress`: the request's address lies in the CIDR range written in the policy."""
    try:
        network = ipaddress.ip_network(want.strip(), strict=False)
        return ipaddress.ip_address(value.strip()) in network
    except ValueError:
        return False  # Not an address (a reference, a typo): it admits no one.


def _numeric(holds: Callable[[float, float], bool]) -> _Test:
    def test(want: str, value: str) -> bool:
        try:
            return holds(float(value), float(want))
        except ValueError:
            return False

    return test


_TESTS: dict[str, _Test] = {
    "stringequals": _string_equals,
    "stringequalsignorecase": _equals_ignore_case,
    "stringlike": _string_like,
    "arnequals": _arn_like,
    "arnlike": _arn_like,
    "bool": _equals_ignore_case,
    "ipaddress": _in_network,
    "numericequals": _numeric(lambda a, b: a == b),
    "numericlessthan": _numeric(lambda a, b: a < b),
    "numericlessthanequals": _numeric(lambda a, b: a <= b),
    "numericgreaterthan": _numeric(lambda a, b: a > b),
    "numericgreaterthanequals": _numeric(lambda a, b: a >= b),
}


# -------------------------------------------------------- judging a statement alone

NARROWING_KEYS = frozenset(
    {
        "iam:passedtoservice",
        "iam:awsservicename",
        "iam:permissionsboundary",
        "iam:policyarn",
        "kms:viaservice",
        "kms:callerservice",
        "kms:encryptioncontext",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:resourceaccount",
        "aws:resourceorgid",
        "aws:resourceorgpaths",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
        "s3:prefix",
        "dynamodb:leadingkeys",
        "lambda:functionarn",
        "ssm:resourcetag",
    }
)
"""Condition keys that limit which resources or callers a statement reaches.

A statement on ``Resource: "*"`` with one of these (or a ``*:ResourceTag/`` or
``aws:RequestTag/`` key, or a ``kms:EncryptionContext:`` key) is not "on every
resource". Keys that only add a transport or authentication requirement
(``aws:SecureTransport``, ``aws:MultiFactorAuthPresent``) do not narrow.
"""

_NARROWING_PREFIXES = ("kms:encryptioncontext:", "aws:requesttag/")


def narrowing_conditions(statement: Statement) -> tuple[Condition, ...]:
    """The conditions of `statement` that narrow what it reaches (see `NARROWING_KEYS`)."""
    return tuple(c for c in statement.conditions if _narrows(c))


def _narrows(condition: Condition) -> bool:
    key = condition.key.lower()
    if condition.operator.lower().startswith("null"):
        return False  # Only tests presence.
    return (
        key in NARROWING_KEYS
        or "resourcetag/" in key
        or key.startswith(_NARROWING_PREFIXES)
        or key == "<unknown>"
    )


def on_every_resource(statement: Statement) -> bool:
    """Whether `statement` reaches every resource: `*` or `NotResource`, and not narrowed.

    A `*` that is a rendered reference (a variable that resolved to `*` is still `*`, but
    `!GetAtt` is not) does not count.
    """
    if narrowing_conditions(statement):
        return False
    if statement.not_resources:
        return True
    return statement.literal_star_resource()


def granted_actions(
    statement: Statement, policies: Policies, pattern: str
) -> tuple[actions.ActionInfo, ...]:
    """The concrete actions of `pattern` that `statement` still grants once the Deny
    statements and the boundary in `policies` are applied, on the statement's own resources.

    An action survives unless it is certainly denied (or certainly outside the boundary)
    on every resource the statement names; unknowns keep it.
    """
    if pattern in statement.actions:
        candidates = list(actions.expand(pattern))  # The statement grants it as written.
    else:
        candidates = [
            info for info in actions.expand(pattern) if action_match(statement, info.full_name)
        ]
    subtracting = [s for s in policies.identity if not s.is_allow] or None
    if subtracting is None and policies.boundary is None:
        return tuple(candidates)
    targets = statement.resources if not statement.not_resources else ("*",)
    return tuple(
        info
        for info in candidates
        if any(
            evaluate(_alone(statement, policies), info.full_name, _target(t)).possible
            for t in targets
        )
    )


def _alone(statement: Statement, policies: Policies) -> Policies:
    """`policies` with only `statement` allowing (to judge what it adds)."""
    denies = tuple(s for s in policies.identity if not s.is_allow)
    return Policies((statement, *denies), policies.boundary, policies.boundary_known)


def _target(resource: str) -> str | None:
    return "*" if _only_stars(resource) else (None if _has_holes(resource) else resource)
