"""IAM policy documents in templates, turned into model `Statement`s with their origins.

Shared by every loader: CloudFormation `PolicyDocument`s, Serverless `iamRoleStatements`
and SAM inline policies have the same shape. Actions and resources are rendered to text;
a resource written as an intrinsic (`!GetAtt Table.Arn`, `${ssm:...}`) is remembered as a
reference, so it is never mistaken for a literal `*`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slsguard.findings import Origin
from slsguard.loading.yaml import YList, YMap
from slsguard.model import (
    Condition,
    Deferred,
    GrantedBy,
    ParameterDefault,
    Reference,
    Statement,
    is_literal,
    render,
)


def parse_document(
    document: Any, origin: Origin, policy: str, granted_by: GrantedBy = "user"
) -> list[Statement]:
    """The statements of a policy document (`{Version, Statement: [...]}`)."""
    if not isinstance(document, YMap | dict):
        return []
    if "Statement" not in document:
        return []
    statements = document["Statement"]
    child = child_origin(document, "Statement", origin)
    return parse_statements(statements, child, policy, granted_by)


def parse_statements(
    statements: Any, origin: Origin, policy: str, granted_by: GrantedBy = "user"
) -> list[Statement]:
    """The statements of a `Statement` value: a list, a single map, or `!If` branches."""
    result: list[Statement] = []
    for raw, where in _statement_items(statements, origin):
        statement = parse_statement(raw, where, policy, granted_by)
        if statement is not None:
            result.append(statement)
    return result


def _statement_items(value: Any, origin: Origin) -> Iterator[tuple[Any, Origin]]:
    if isinstance(value, YList | list):
        for index, item in enumerate(value):
            yield from _statement_items(item, child_origin(value, index, origin))
    elif isinstance(value, YMap | dict):
        branches = value.get("Fn::If") if len(value) == 1 else None
        if isinstance(branches, list) and len(branches) == 3:
            # Both branches may be deployed: judge the union, as the condition is unknown.
            for index in (1, 2):
                yield from _statement_items(branches[index], child_origin(branches, index, origin))
        else:
            yield value, origin


def parse_statement(
    raw: Any, origin: Origin, policy: str, granted_by: GrantedBy = "user"
) -> Statement | None:
    """One statement; None when it is not a statement (e.g. `!Ref AWS::NoValue`)."""
    if not isinstance(raw, YMap | dict) or not ({"Action", "NotAction"} & raw.keys()):
        return None
    effect = raw.get("Effect", "Allow")
    assumed: list[str] = []
    written = {key: _branches(raw.get(key), key, assumed) for key in _JUDGED_KEYS}
    resources, references = _resources(written["Resource"])
    not_resources, _ = _resources(written["NotResource"])
    conditions = parse_conditions(raw.get("Condition"))
    condition_keys = tuple(
        "<condition>" if condition.key == _UNKNOWN else condition.key for condition in conditions
    )
    return Statement(
        effect="Deny" if render(effect).strip().lower() == "deny" else "Allow",
        actions=_texts(written["Action"]),
        not_actions=_texts(written["NotAction"]),
        resources=resources,
        not_resources=not_resources,
        condition_keys=condition_keys,
        origin=origin,
        policy=policy,
        granted_by=granted_by,
        resource_references=references,
        action_origin=_key_origin(raw, ("Action", "NotAction"), origin),
        resource_origin=_key_origin(raw, ("Resource", "NotResource"), origin),
        conditions=conditions,
        resource_values=_written(raw.get("Resource")),
        assumed=tuple(dict.fromkeys(assumed)),
    )


_JUDGED_KEYS = ("Action", "NotAction", "Resource", "NotResource")


def _branches(value: Any, key: str, assumed: list[str]) -> Any:
    """`value` with each `!If` replaced by both its branches (either may be deployed), and
    what that assumes (a branch, a parameter's default) said in `assumed`."""
    if value is None:
        return None
    items: list[Any] = []
    for item in value if isinstance(value, list) else [value]:
        branches = item.get("Fn::If") if isinstance(item, dict) and len(item) == 1 else None
        if isinstance(branches, list) and len(branches) == 3:
            assumed.append(
                f"`{key}` depends on condition {render(branches[0])}: both branches are judged"
            )
            for branch in branches[1:]:
                if branch != {"Ref": "AWS::NoValue"}:
                    expanded = _branches(branch, key, assumed)
                    items.extend(expanded if isinstance(expanded, list) else [expanded])
            continue
        if isinstance(item, ParameterDefault):
            assumed.append(
                f"`{key}` is the default of {item.named_by}: a deployment may pass another value"
            )
        items.append(item)
    return items


def _written(value: Any) -> tuple[object, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(item for item in items if item is not None)


_UNKNOWN = "<unknown>"


def parse_conditions(block: Any) -> tuple[Condition, ...]:
    """The tests of a `Condition` block; one unknown test when its shape cannot be read."""
    if block is None:
        return ()
    unreadable = (Condition(_UNKNOWN, _UNKNOWN, (), known=False),)
    if not isinstance(block, YMap | dict) or not block:
        return unreadable
    found: list[Condition] = []
    for operator, tests in block.items():
        if not isinstance(tests, YMap | dict) or not tests:
            found.append(Condition(str(operator), _UNKNOWN, (), known=False))
            continue
        for key, value in tests.items():
            items = value if isinstance(value, list) else [value]
            known = all(is_literal(item) or isinstance(item, bool) for item in items)
            values = tuple(render(item).strip() for item in items if item is not None)
            found.append(Condition(str(operator), str(key), values, known))
    return tuple(found)


def _key_origin(raw: Any, keys: tuple[str, ...], origin: Origin) -> Origin:
    for key in keys:
        if key in raw:
            return child_origin(raw, key, origin)
    return origin


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(render(item).strip() for item in items if item is not None)


def _resources(value: Any) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    if value is None:
        return (), ()
    items = value if isinstance(value, list) else [value]
    texts: list[str] = []
    references: list[bool] = []
    for item in items:
        if item is None:
            continue
        texts.append(render(item).strip())
        references.append(isinstance(item, Reference | Deferred | dict))
    return tuple(texts), tuple(references)


def child_origin(container: Any, key: str | int, parent: Origin) -> Origin:
    """The origin of `container[key]`, using the positions the loader recorded."""
    if isinstance(container, YMap) and isinstance(key, str):
        return container.origin_of(key, parent)
    if isinstance(container, YList) and isinstance(key, int):
        return container.origin_of(key, parent)
    return parent.child(key)
