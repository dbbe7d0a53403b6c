"""`.tf.json` files as the same located syntax tree as `.tf` files.

The JSON syntax nests blocks as objects keyed by type and labels; strings are templates
(`"${aws_iam_role.app.arn}"`), parsed with the HCL expression grammar.
"""

from __future__ import annotations

import json
from typing import Any

from slsguard.loading.terraform.hcl import (
    Attribute,
    Block,
    Body,
    Lit,
    ObjectExpr,
    ObjectItem,
    Position,
    Template,
    TupleExpr,
    split_template,
)
from slsguard.loading.yaml import YList, YMap


def json_body(root: Any) -> Body:
    """A `.tf.json` document (a located YMap) as a body: objects of blocks, string templates."""
    if not isinstance(root, YMap):
        return Body({}, (), (1, 1))
    return _json_body(root, ("",), 0)


_BLOCK_LABELS = {"resource": 2, "data": 2, "variable": 1, "module": 1, "output": 1, "provider": 1}


def _json_body(node: Any, kinds: tuple[str, ...], depth: int) -> Body:
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for key, value in node.items():
        pos = node.key_positions.get(key, node.position)
        if depth == 0 and key in _BLOCK_LABELS | {"locals": 0, "terraform": 0}:
            blocks.extend(_json_blocks(key, value, _BLOCK_LABELS.get(key, 0), (), pos))
        else:
            attributes[key] = Attribute(key, _json_expr(value, pos), pos)
    return Body(attributes, tuple(blocks), node.position)


def _json_blocks(
    kind: str, value: Any, labels_left: int, labels: tuple[str, ...], pos: Position
) -> list[Block]:
    if isinstance(value, YList):
        return [b for item in value for b in _json_blocks(kind, item, labels_left, labels, pos)]
    if not isinstance(value, YMap):
        return []
    if labels_left == 0:
        return [Block(kind, labels, _json_body(value, (kind,), 1), pos)]
    found: list[Block] = []
    for label, inner in value.items():
        where = value.key_positions.get(label, pos)
        found.extend(_json_blocks(kind, inner, labels_left - 1, (*labels, label), where))
    return found


def _json_expr(value: Any, pos: Position) -> object:
    if isinstance(value, YMap):
        items = tuple(
            ObjectItem(
                Lit(key, value.key_positions.get(key, pos), key),
                _json_expr(item, value.key_positions.get(key, pos)),
                value.key_positions.get(key, pos),
            )
            for key, item in value.items()
        )
        return ObjectExpr(items, value.position, "{…}")
    if isinstance(value, YList):
        positions = value.item_positions
        items_list = tuple(
            _json_expr(item, positions[i] if i < len(positions) else pos)
            for i, item in enumerate(value)
        )
        return TupleExpr(items_list, value.position, "[…]")
    if isinstance(value, str) and "${" in value:
        return Template(split_template(value, pos), pos, json.dumps(value)[:200])
    if isinstance(value, str):
        return Template((value,), pos, json.dumps(value)[:200])
    return Lit(value, pos, json.dumps(value))
