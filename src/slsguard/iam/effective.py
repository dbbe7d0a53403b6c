"""Effective permissions: what the roles of an application's functions really allow.

A function's effective permissions are all the statements that reach its role (inline,
customer-managed, framework-added), minus unconditional Denies, capped by the permissions
boundary when the template defines it. Rules ask questions of `Grant`s (one statement and
the functions it reaches) or of `RolePermissions` (one role), never of raw templates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from slsguard.findings import name_list
from slsguard.iam import actions
from slsguard.iam.evaluate import (
    Match,
    Policies,
    action_match,
    condition_match,
    evaluate,
    granted_actions,
    narrowing_conditions,
)
from slsguard.model import Application, Role, Statement


@dataclass(frozen=True, slots=True)
class Grant:
    """One statement, the roles it is part of, and the functions those roles run."""

    statement: Statement
    roles: tuple[Role, ...]
    functions: tuple[str, ...]


def function_roles(app: Application) -> list[tuple[Role, tuple[str, ...]]]:
    """Each role that runs at least one function, with the names of those functions."""
    by_key: dict[str, tuple[Role, list[str]]] = {}
    for fn in app.functions:
        if fn.role is not None:
            by_key.setdefault(fn.role.key, (fn.role, []))[1].append(fn.name)
    return [(role, tuple(names)) for role, names in by_key.values()]


def grants(app: Application, *, include_framework: bool = False) -> list[Grant]:
    """Every statement reaching a function role, once per place it is written."""
    # Names in an insertion-ordered dict: a list's `not in` made 10,000 functions sharing
    # one role quadratic.
    found: dict[tuple[object, ...], tuple[Statement, list[Role], dict[str, None]]] = {}
    for role, names in function_roles(app):
        for statement in role.all_statements():
            if statement.granted_by == "framework" and not include_framework:
                continue
            key = (statement.origin, statement.policy)
            entry = found.setdefault(key, (statement, [], {}))
            entry[1].append(role)
            entry[2].update(dict.fromkeys(names))
    return [
        Grant(statement, tuple(roles), tuple(names)) for statement, roles, names in found.values()
    ]


class RolePermissions:
    """Answers "does this role allow action A (on `*`)?" through `slsguard.iam.evaluate`.

    Denies and a boundary defined in the template are applied; an answer that cannot be
    known statically (a condition, a resource known only at deploy time) counts as
    possibly allowed, so no finding says a permission is missing when it may not be.
    """

    def __init__(self, role: Role) -> None:
        self.role = role
        self.policies = Policies.of_role(role)
        self._answers: dict[tuple[object, ...], Statement | None] = {}

    @property
    def allows(self) -> list[Statement]:
        """The role's Allow statements (identity policies)."""
        return [s for s in self.policies.identity if s.is_allow]

    @property
    def denies(self) -> list[Statement]:
        """The role's unconditional Deny statements (identity policies)."""
        return [s for s in self.policies.identity if not s.is_allow and not s.conditions]

    def allowed(
        self,
        action: str,
        *,
        on_star: bool = False,
        context: Mapping[str, str] | None = None,
    ) -> Statement | None:
        """The statement that (possibly) allows `action`, or None when it is denied.

        With `on_star`, only a statement on every resource counts: `*` (or `NotResource`)
        and no narrowing condition, unless `context` satisfies that condition.
        """
        key = (action, on_star, tuple(sorted((context or {}).items())))
        if key not in self._answers:
            self._answers[key] = self._allowed(action, on_star, context or {})
        return self._answers[key]

    def _allowed(self, action: str, on_star: bool, context: Mapping[str, str]) -> Statement | None:
        result = evaluate(self.policies, action, "*" if on_star else None, context)
        if result.denied:
            return None
        for statement in result.allowing:
            if not on_star or _reaches_everything(statement, context):
                return statement
        return None

    def within_boundary(self, action: str) -> bool:
        """False only when a boundary defined in the template excludes `action`."""
        boundary = self.policies.boundary
        if boundary is None or not self.policies.boundary_known:
            return True
        return evaluate(Policies(boundary), action).possible


def _reaches_everything(statement: Statement, context: Mapping[str, str]) -> bool:
    """On `*` and not narrowed, or narrowed only by conditions `context` satisfies."""
    if not (statement.not_resources or statement.literal_star_resource()):
        return False
    return all(
        condition_match(condition, context) is Match.YES
        for condition in narrowing_conditions(statement)
    )


def statement_allows(statement: Statement, action: str) -> bool:
    """Whether a statement's Action (or NotAction) covers a concrete action."""
    return action_match(statement, action)


def describe_functions(names: tuple[str, ...], limit: int = 4) -> str:
    """`function create` / `3 functions (create, list, delete)`."""
    unique = tuple(dict.fromkeys(names))
    if len(unique) == 1:
        return f"function {unique[0]}"
    return f"{len(unique)} functions ({name_list(unique, limit)})"


def boundary_note(roles: tuple[Role, ...]) -> str:
    """A clause saying an external boundary may narrow what a finding describes."""
    external = [r.boundary.arn for r in roles if r.boundary is not None and not r.boundary.known]
    if not external:
        return ""
    return (
        f" (the permissions boundary {external[0]} may narrow this; its content is not in the scan)"
    )


def may_allow_any(role: Role, services: frozenset[str]) -> bool:
    """A cheap necessary condition: does any Allow statement name one of `services`?"""
    for statement in role.all_statements():
        if not statement.is_allow:
            continue
        if statement.not_actions:
            return True
        for action in statement.actions:
            service = action.split(":", 1)[0].lower()
            if service in services or "*" in service or "?" in service:
                return True
    return False


def expand_effective(grant: Grant, pattern: str) -> Iterator[actions.ActionInfo]:
    """The concrete actions of `pattern` the grant's statement still grants on its own
    resources once each role's Denies and boundary are applied (see `granted_actions`)."""
    seen: set[actions.ActionInfo] = set()
    for role in grant.roles:
        for info in granted_actions(grant.statement, Policies.of_role(role), pattern):
            if info not in seen:
                seen.add(info)
                yield info
