"""Effective permissions: what the roles of an application's functions really allow.

A function's effective permissions are all the statements that reach its role (inline,
customer-managed, framework-added), minus unconditional Denies, capped by the permissions
boundary when the template defines it. Rules ask questions of `Grant`s (one statement and
the functions it reaches) or of `RolePermissions` (one role), never of raw templates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from slsguard.iam import actions
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
    found: dict[tuple[object, ...], tuple[Statement, list[Role], list[str]]] = {}
    for role, names in function_roles(app):
        for statement in role.all_statements():
            if statement.granted_by == "framework" and not include_framework:
                continue
            key = (statement.origin, statement.policy)
            entry = found.setdefault(key, (statement, [], []))
            entry[1].append(role)
            entry[2].extend(name for name in names if name not in entry[2])
    return [
        Grant(statement, tuple(roles), tuple(names)) for statement, roles, names in found.values()
    ]


class RolePermissions:
    """Answers "does this role allow action A (on `*`)?" with Denies and boundaries applied."""

    def __init__(self, role: Role) -> None:
        self.role = role
        statements = list(role.all_statements())
        self.allows = [s for s in statements if s.is_allow]
        self.denies = [s for s in statements if not s.is_allow and not s.condition_keys]
        boundary = role.boundary
        self.boundary = list(boundary.statements) if boundary and boundary.known else None
        self._answers: dict[tuple[str, bool], Statement | None] = {}

    def allowed(self, action: str, *, on_star: bool = False) -> Statement | None:
        """The statement that allows `action` (on `*` when asked), or None."""
        key = (action, on_star)
        if key not in self._answers:
            self._answers[key] = self._allowed(action, on_star)
        return self._answers[key]

    def _allowed(self, action: str, on_star: bool) -> Statement | None:
        if self._denied(action) or not self.within_boundary(action):
            return None
        for statement in self.allows:
            if on_star and not _covers_star(statement):
                continue
            if statement_allows(statement, action):
                return statement
        return None

    def within_boundary(self, action: str) -> bool:
        """False only when a boundary defined in the template excludes `action`."""
        if self.boundary is None:
            return True
        return any(s.is_allow and statement_allows(s, action) for s in self.boundary)

    def _denied(self, action: str) -> bool:
        return any(
            "*" in statement.resources and statement_allows(statement, action)
            for statement in self.denies
        )


def statement_allows(statement: Statement, action: str) -> bool:
    """Whether a statement's Action (or NotAction) covers a concrete action."""
    if statement.not_actions:
        return not any(actions.matches(pattern, action) for pattern in statement.not_actions)
    return any(actions.matches(pattern, action) for pattern in statement.actions)


def _covers_star(statement: Statement) -> bool:
    if statement.not_resources:
        return True  # NotResource allows every resource but the listed ones.
    return statement.literal_star_resource() or "*" in statement.resources


def describe_functions(names: tuple[str, ...], limit: int = 4) -> str:
    """`function create` / `3 functions (create, list, delete)`."""
    if len(names) == 1:
        return f"function {names[0]}"
    shown = ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
    return f"{len(names)} functions ({shown})"


def boundary_note(roles: tuple[Role, ...]) -> str:
    """A clause saying an external boundary may narrow what a finding describes."""
    external = [r.boundary.arn for r in roles if r.boundary is not None and not r.boundary.known]
    if not external:
        return ""
    return (
        f" (the permissions boundary {external[0]} may narrow this; its content is not in the scan)"
    )


def grants_any(grant: Grant, pattern: str) -> bool:
    """Whether `pattern` grants at least one action once boundaries are applied."""
    if not any(role.boundary is not None and role.boundary.known for role in grant.roles):
        return actions.is_known_pattern(pattern)  # No boundary in the template to narrow it.
    return any(True for _ in expand_effective(grant, pattern))


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
    """The concrete actions of `pattern` that survive every role's boundary in the grant."""
    checkers = [RolePermissions(role) for role in grant.roles]
    for info in actions.expand(pattern):
        if any(checker.within_boundary(info.full_name) for checker in checkers):
            yield info
