"""Which functions use a data store, and which of them write to it.

A finding about a bucket, queue, table or key says whose data is at stake: the functions
whose role grants actions on the store, whose environment names it, or that it triggers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slsguard.analysis.event_sources import event_sources
from slsguard.analysis.resources import Resource, ResourceIndex, referenced_ids
from slsguard.iam.effective import function_roles, statement_allows
from slsguard.model import Application, render


@dataclass(frozen=True, slots=True)
class StoreUsers:
    """The functions that use one store, and how."""

    functions: tuple[str, ...] = ()
    writers: tuple[str, ...] = ()
    """Functions whose role grants the store's write action (`s3:PutObject`, ...)."""
    ways: tuple[str, ...] = ()
    """`role grants`, `environment`, `event source`."""

    def clause(self) -> str:
        """`; used by function upload (role grants, environment)`, or nothing."""
        if not self.functions:
            return ""
        from slsguard.iam.effective import describe_functions

        return f"; used by {describe_functions(self.functions)} ({', '.join(self.ways)})"


def store_users(
    app: Application, index: ResourceIndex, store: Resource, write_action: str | None = None
) -> StoreUsers:
    """The functions that use `store`: role grants, environment references, triggers."""
    functions: dict[str, None] = {}
    writers: dict[str, None] = {}
    ways: dict[str, None] = {}
    for role, names in function_roles(app):
        for statement in role.all_statements():
            if not statement.is_allow or statement.granted_by == "framework":
                continue
            if not any(_names(index, text, store) for text in statement.resources):
                continue
            functions.update(dict.fromkeys(names))
            ways["role grants"] = None
            if write_action and statement_allows(statement, write_action):
                writers.update(dict.fromkeys(names))
    for fn in app.functions:
        if any(_names(index, variable.value, store) for variable in fn.environment):
            functions[fn.name] = None
            ways["environment"] = None
    for source in event_sources(app, index):
        if source.resource is store:
            functions[source.function.name] = None
            ways["event source"] = None
    for fn in app.functions:  # streams and other sources event_sources does not resolve
        if any(store.logical_id in references_in(trigger.settings) for trigger in fn.triggers):
            functions[fn.name] = None
            ways["event source"] = None
    return StoreUsers(tuple(functions), tuple(writers), tuple(ways))


def references_in(value: Any, depth: int = 0) -> set[str]:
    """Every logical id that a value refers to, however deep (`!GetAtt`, `!Ref`, `${X}`)."""
    found: set[str] = set()
    if depth > 40:
        return found
    if isinstance(value, str):
        found.update(referenced_ids(value))
    elif isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub"):
            found.update(referenced_ids(value))
        for item in value.values():
            found |= references_in(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            found |= references_in(item, depth + 1)
    return found


def _names(index: ResourceIndex, value: object, store: Resource) -> bool:
    """Whether a policy resource or environment value designates `store`."""
    if store.logical_id in referenced_ids(value):
        return True
    if store.name is None or isinstance(value, dict | list):
        return False
    return index.designated(render(value), store.type) is store


__all__ = ["StoreUsers", "references_in", "store_users"]
