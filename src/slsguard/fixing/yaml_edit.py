"""Located edits in YAML and JSON templates, written in the file's own style.

`YamlDocument` composes the text with the project's YAML loader (which keeps the character
offset of every node) and turns requests such as "set `provider.tracing.lambda` to true" or
"append this statement to `Resources.Role.Properties.Policies[0]...Statement`" into `Edit`s:
the smallest span that changes, with new text indented like the surrounding keys, in the
file's quoting style, as JSON in a JSON file. Nothing else in the file is touched.

Values are plain Python data (`str`, `int`, `bool`, `None`, `dict`, `list`), `Raw` text, or
CloudFormation intrinsics in long form (`{"Ref": "Queue"}`), written as short tags
(`!Ref Queue`) in YAML and as they are in JSON. A place that cannot be edited exactly (a
value from an anchor or a merge key, a path through a scalar) raises `EditError`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import yaml

from slsguard.findings import KeyPath, format_path
from slsguard.fixing.text import (
    Edit,
    EditError,
    Raw,
    Source,
    indentation_of,
    line_end,
    line_start,
    literal,
)
from slsguard.loading.yaml import compose

_MERGE = "tag:yaml.org,2002:merge"
_SPECIAL_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_SHORT_TAGS = {"Ref": "!Ref", "Condition": "!Condition"}


class YamlDocument:
    """A YAML or JSON text with its node tree, making located edits in the file's style."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.text = source.text
        try:
            root = compose(self.text)
        except yaml.YAMLError as error:
            raise EditError(f"the file does not parse as YAML/JSON: {error}") from None
        self.root = root
        self.json = self.text.lstrip()[:1] in ("{", "[")
        self.unit = _indent_unit(root) if root is not None else 2
        self.indent_sequences = _sequences_indented(root)
        self.quote = '"' if self.json else _preferred_quote(root)

    # ---- finding places ------------------------------------------------------------

    def find(self, path: KeyPath) -> yaml.Node | None:
        """The node at `path`, None when its last part is missing; EditError when unreachable."""
        node = self.root
        for depth, part in enumerate(path):
            if node is None:
                return None
            node = self._child(node, part, path[: depth + 1])
        return node

    def _child(self, node: yaml.Node, part: str | int, path: KeyPath) -> yaml.Node | None:
        where = format_path(path)
        if _is_null(node):  # `environment:` with nothing under it: every child is missing.
            return None
        if _from_elsewhere(node):
            raise EditError(
                f"{where}: its parent comes from a variable or reference ({node.value})"
            )
        if isinstance(part, int):
            if not isinstance(node, yaml.SequenceNode):
                raise EditError(f"{where}: the parent is not a list")
            return node.value[part] if 0 <= part < len(node.value) else None
        if not isinstance(node, yaml.MappingNode):
            raise EditError(f"{where}: the parent is not a mapping")
        pair = _pair(node, part)
        if pair is None:
            if any(key.tag == _MERGE for key, _ in node.value):
                raise EditError(f"{where}: may come from a YAML merge key (<<)")
            return None
        key, value = pair
        if value.start_mark.index < key.end_mark.index:
            raise EditError(f"{where}: the value is a YAML alias (*anchor) defined elsewhere")
        return value

    def _require(self, path: KeyPath, kind: type[yaml.Node]) -> yaml.Node:
        node = self.find(path)
        if not isinstance(node, kind):
            label = "mapping" if kind is yaml.MappingNode else "list"
            raise EditError(f"{format_path(path) or 'the document'} is not a {label}")
        if self.text[node.start_mark.index : node.start_mark.index + 1] in ("&", "*"):
            raise EditError(f"{format_path(path)}: an anchored value is shared elsewhere")
        return node

    # ---- public edits --------------------------------------------------------------

    def set_value(self, path: KeyPath, value: object) -> Edit:
        """Set the value at `path`, creating missing parent mappings on the way."""
        if not path:
            raise EditError("cannot replace the whole document")
        existing = self.find(path)
        if existing is None:
            return self._create(path, value)
        if self.text[existing.start_mark.index : existing.start_mark.index + 1] in ("&", "*"):
            raise EditError(f"{format_path(path)}: an anchored value is shared elsewhere")
        if _from_elsewhere(existing):
            raise EditError(
                f"{format_path(path)} takes its value from a variable or reference "
                "defined elsewhere: change it where it is defined"
            )
        return self._replace(path, existing, value)

    def insert_key(self, path: KeyPath, key: str, value: object, after: str | None = None) -> Edit:
        """Add `key: value` to the mapping at `path` (after the entry `after` when given)."""
        mapping = self._require(path, yaml.MappingNode)
        assert isinstance(mapping, yaml.MappingNode)
        if _pair(mapping, key) is not None:
            raise EditError(f"{format_path((*path, key))} already exists")
        target = format_path((*path, key))
        if mapping.flow_style or not mapping.value:
            return self._insert_flow_pair(mapping, key, value, target)
        anchor = _pair(mapping, after) if after else None
        last_key, last_value = anchor or mapping.value[-1]
        column = mapping.value[0][0].start_mark.column
        at = self._after_line(self._pair_end(last_key, last_value))
        lines = self._entry_lines(key, value, column)
        return self._insert_lines(at, lines, target)

    def append_item(self, path: KeyPath, value: object) -> Edit:
        """Append `value` to the list at `path` (creating the list when it is missing)."""
        if self.find(path) is None:
            return self.set_value(path, [value])
        sequence = self._require(path, yaml.SequenceNode)
        assert isinstance(sequence, yaml.SequenceNode)
        target = format_path(path) + "[+]" + _digest(value)
        if sequence.flow_style or not sequence.value:
            return self._insert_flow_item(sequence, value, target)
        dash = sequence.start_mark.column
        at = self._after_line(self._content_end(sequence.value[-1]))
        return self._insert_lines(at, self._item_lines(value, dash), target)

    def add_resource(
        self, logical_id: str, body: dict[str, Any], container: KeyPath = ("Resources",)
    ) -> Edit:
        """Add a resource under `container` (`Resources`, or `resources.Resources`)."""
        if self.find((*container, logical_id)) is not None:
            raise EditError(f"{format_path((*container, logical_id))} already exists")
        return self.set_value((*container, logical_id), body)

    def replace_item(self, path: KeyPath, items: list[object]) -> Edit:
        """Replace the list item at `path` with `items`, in its place (a statement by the
        minimal statements)."""
        index = path[-1]
        if not isinstance(index, int) or not items:
            raise EditError(f"{format_path(path)} is not a list item to replace")
        sequence = self._require(path[:-1], yaml.SequenceNode)
        assert isinstance(sequence, yaml.SequenceNode)
        if not 0 <= index < len(sequence.value):
            raise EditError(f"{format_path(path)} does not exist")
        item = sequence.value[index]
        target = format_path(path)
        if sequence.flow_style:
            rendered = ", ".join(_json_inline(i) if self.json else self._flow(i) for i in items)
            return Edit(item.start_mark.index, item.end_mark.index, rendered, target)
        start = self._item_start(item, flow=False)
        if not _own_line(self.text, start):
            raise EditError(f"{target}: the item does not start its own line")
        dash = start - line_start(self.text, start)
        lines = [line for value in items for line in self._item_lines(value, dash)]
        end = line_end(self.text, self._content_end(item))
        text = self.source.lines("\n".join(lines) + "\n")
        return Edit(line_start(self.text, start), end, text, target)

    def remove_key(self, path: KeyPath) -> Edit:
        """Remove the entry at `path` (a key of a mapping) with its whole value."""
        mapping = self._require(path[:-1], yaml.MappingNode)
        assert isinstance(mapping, yaml.MappingNode)
        name = path[-1]
        index = next((i for i, (k, _) in enumerate(mapping.value) if k.value == name), -1)
        if index < 0:
            raise EditError(f"{format_path(path)} does not exist")
        if len(mapping.value) == 1:
            raise EditError(f"{format_path(path)}: removing it would leave an empty mapping")
        spans = [(k.start_mark.index, self._pair_end(k, v)) for k, v in mapping.value]
        flow = bool(mapping.flow_style)
        return self._remove_entry(spans, index, flow, "-" + format_path(path))

    def remove_item(self, path: KeyPath) -> Edit:
        """Remove the list item at `path` (its last part is the index)."""
        index = path[-1]
        if not isinstance(index, int):
            raise EditError(f"{format_path(path)} is not a list item")
        sequence = self._require(path[:-1], yaml.SequenceNode)
        assert isinstance(sequence, yaml.SequenceNode)
        if not 0 <= index < len(sequence.value):
            raise EditError(f"{format_path(path)} does not exist")
        if len(sequence.value) == 1:
            raise EditError(f"{format_path(path)}: removing it would leave an empty list")
        flow = bool(sequence.flow_style)
        spans = [(self._item_start(item, flow), self._content_end(item)) for item in sequence.value]
        return self._remove_entry(spans, index, flow, "-" + format_path(path))

    # ---- replacing and creating ------------------------------------------------------

    def _replace(self, path: KeyPath, node: yaml.Node, value: object) -> Edit:
        target = format_path(path)
        start, end = node.start_mark.index, self._content_end(node)
        collection = isinstance(value, dict | list) and bool(value) and not is_intrinsic(value)
        block_node = isinstance(node, yaml.MappingNode | yaml.SequenceNode) and not node.flow_style
        if self.json or not (collection or block_node):
            style = node.style if isinstance(node, yaml.ScalarNode) else None
            return Edit(start, end, self._inline(value, start, style), target)
        parent = self.find(path[:-1])
        if (
            not isinstance(parent, yaml.MappingNode)
            or parent.flow_style
            or isinstance(path[-1], int)
        ):
            raise EditError(f"{target}: cannot write a block value here")
        pair = _pair(parent, str(path[-1]))
        assert pair is not None
        column = pair[0].start_mark.column
        colon = self.text.index(":", pair[0].end_mark.index)
        lines = self._entry_lines(str(path[-1]), value, column)
        if not collection:  # A block collection becomes a scalar: keep the line of the key.
            return Edit(colon + 1, end, " " + lines[0].split(": ", 1)[1], target)
        body = "\n".join(lines[1:])
        return Edit(colon + 1, max(colon + 1, end), self.source.lines("\n" + body), target)

    def _create(self, path: KeyPath, value: object) -> Edit:
        """Insert `value` at a missing `path`: nest it under the deepest existing mapping."""
        depth = len(path) - 1
        while depth > 0 and self.find(path[:depth]) is None:
            depth -= 1
        nested: object = value
        for part in reversed(path[depth + 1 :]):
            if isinstance(part, int):
                raise EditError(f"{format_path(path)}: the list does not exist")
            nested = {part: nested}
        key = path[depth]
        if isinstance(key, int):
            raise EditError(f"{format_path(path)}: list item {key} does not exist")
        parent = self.find(path[:depth])
        if parent is not None and _is_null(parent) and depth > 0:
            return self._replace(path[:depth], parent, {key: nested})
        return self.insert_key(path[:depth], key, nested)

    def _insert_lines(self, at: int, lines: list[str], target: str) -> Edit:
        prefix = "" if at == 0 or self.text[at - 1] == "\n" else "\n"
        return Edit(at, at, self.source.lines(prefix + "\n".join(lines) + "\n"), target)

    def _insert_flow_pair(self, node: yaml.Node, key: str, value: object, target: str) -> Edit:
        assert isinstance(node, yaml.MappingNode)
        pairs = [(k.start_mark.index, v.end_mark.index) for k, v in node.value]
        return self._insert_flow(node, pairs, f"{self._key(key)}: ", value, target)

    def _insert_flow_item(self, node: yaml.Node, value: object, target: str) -> Edit:
        assert isinstance(node, yaml.SequenceNode)
        items = [(item.start_mark.index, item.end_mark.index) for item in node.value]
        return self._insert_flow(node, items, "", value, target)

    def _insert_flow(
        self,
        node: yaml.Node,
        entries: list[tuple[int, int]],
        lead: str,
        value: object,
        target: str,
    ) -> Edit:
        """Insert into `{...}`/`[...]`: on its own line when the entries are, else inline."""
        opening = node.start_mark.index
        close = node.end_mark.index - 1
        if self.text[close : close + 1] not in ("}", "]"):
            raise EditError(f"{target}: cannot find the closing bracket")
        base = indentation_of(self.text, opening)
        if not entries:
            if not self.json:
                return Edit(close, close, lead + self._flow(value), target)
            inner = base + " " * self.unit
            text = "\n" + inner + lead + self._inline(value, opening, None, inner) + "\n" + base
            return Edit(close, close, self.source.lines(text), target)
        first_start, _ = entries[0]
        _, last_end = entries[-1]
        if "\n" in self.text[opening:first_start]:
            inner = indentation_of(self.text, first_start)
            text = ",\n" + inner + lead + self._inline(value, opening, None, inner)
            return Edit(last_end, last_end, self.source.lines(text), target)
        rendered = _json_inline(value) if self.json else self._flow(value)
        return Edit(last_end, last_end, ", " + lead + rendered, target)

    def _remove_entry(
        self, spans: list[tuple[int, int]], index: int, flow: bool, target: str
    ) -> Edit:
        start, end = spans[index]
        if flow:
            if index + 1 < len(spans):
                next_start = spans[index + 1][0]
                if _own_line(self.text, start) and _own_line(self.text, next_start):
                    return Edit(
                        line_start(self.text, start), line_start(self.text, next_start), "", target
                    )
                return Edit(start, next_start, "", target)
            return Edit(spans[index - 1][1], end, "", target)
        if not _own_line(self.text, start):
            raise EditError("the entry does not start its own line")
        return Edit(line_start(self.text, start), line_end(self.text, end), "", target)

    # ---- measuring -------------------------------------------------------------------

    def _content_end(self, node: yaml.Node) -> int:
        """Where the node's own text ends (block collections end at their last value)."""
        if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
            return self._pair_end(*node.value[-1])
        if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            return self._content_end(node.value[-1])
        if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
            return len(self.text[: node.end_mark.index].rstrip(" \t\r\n"))
        return int(node.end_mark.index)

    def _pair_end(self, key: yaml.Node, value: yaml.Node) -> int:
        """Where a `key: value` entry ends (just after the colon when the value is empty)."""
        if isinstance(value, yaml.ScalarNode) and value.start_mark.index == value.end_mark.index:
            return self.text.index(":", key.end_mark.index) + 1
        return max(int(key.end_mark.index), self._content_end(value))

    def _after_line(self, offset: int) -> int:
        """The start of the line after the one holding the character before `offset`."""
        return line_end(self.text, max(offset - 1, 0))

    def _item_start(self, item: yaml.Node, flow: bool) -> int:
        """Where a list item begins: its `-` in a block list."""
        start = int(item.start_mark.index)
        if flow:
            return start
        dash = self.text.rfind("-", line_start(self.text, start), start)
        if dash < 0:
            raise EditError("cannot find the item's dash")
        return dash

    # ---- rendering -------------------------------------------------------------------

    def _entry_lines(self, key: str, value: object, column: int) -> list[str]:
        pad = " " * column
        head = f"{pad}{self._key(key)}:"
        if isinstance(value, dict) and value and not is_intrinsic(value):
            return [head] + [
                line
                for sub_key, sub_value in value.items()
                for line in self._entry_lines(str(sub_key), sub_value, column + self.unit)
            ]
        if isinstance(value, list) and value:
            dash = column + (self.unit if self.indent_sequences else 0)
            return [head] + [line for item in value for line in self._item_lines(item, dash)]
        return [f"{head} {self._inline(value, 0, None)}"]

    def _item_lines(self, item: object, dash: int) -> list[str]:
        pad = " " * dash
        if isinstance(item, dict) and item and not is_intrinsic(item):
            inner = [
                line
                for key, value in item.items()
                for line in self._entry_lines(str(key), value, dash + 2)
            ]
            return [pad + "- " + inner[0][dash + 2 :], *inner[1:]]
        return [f"{pad}- {self._inline(item, 0, None)}"]

    def _inline(self, value: object, at: int, style: str | None, indent: str = "") -> str:
        """One value written where a scalar goes (JSON in a JSON file)."""
        if isinstance(value, Raw):
            return value.text
        if self.json:
            return _json(value, indent or indentation_of(self.text, at), " " * self.unit)
        return self._flow(value, style)

    def _flow(self, value: object, style: str | None = None) -> str:
        if isinstance(value, Raw):
            return value.text
        if isinstance(value, dict):
            if is_intrinsic(value):
                return self._tag(value)
            pairs = ", ".join(f"{self._key(str(k))}: {self._flow(v)}" for k, v in value.items())
            return "{" + pairs + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self._flow(item) for item in value) + "]"
        return self._scalar(value, style)

    def _tag(self, value: dict[str, Any]) -> str:
        ((name, argument),) = value.items()
        tag = _SHORT_TAGS.get(name) or "!" + name.removeprefix("Fn::")
        if name == "Fn::GetAtt" and isinstance(argument, list) and len(argument) == 2:
            return f"{tag} {argument[0]}.{argument[1]}"
        return f"{tag} {self._flow(argument)}"

    def _key(self, key: str) -> str:
        if self.json:
            return json.dumps(key, ensure_ascii=False)
        return self._scalar(key, None)

    def _scalar(self, value: object, style: str | None) -> str:
        spelled = literal(value)
        if spelled is not None:
            return spelled
        text = str(value)
        if self.json:
            return json.dumps(text, ensure_ascii=False)
        if style in (None, "") and _plain_safe(text):
            return text
        quote = style if style in ("'", '"') else self.quote
        if quote == "'" and "\n" not in text and text.isprintable():
            return "'" + text.replace("'", "''") + "'"
        return json.dumps(text, ensure_ascii=False)


def _pair(node: yaml.MappingNode, key: str | None) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE and key_node.value == key:
            return key_node, value_node
    return None


def _from_elsewhere(node: yaml.Node) -> bool:
    """A scalar that a variable (`${self:custom.x}`) or an intrinsic (`!Ref X`) fills in."""
    if not isinstance(node, yaml.ScalarNode):
        return False
    tagged = str(node.tag or "").startswith("!") and not str(node.tag).startswith("!!")
    return tagged or "${" in str(node.value)


def _is_null(node: yaml.Node) -> bool:
    """An empty value (`key:`, `key: ~`, `key: null`) that edits may fill in."""
    return (
        isinstance(node, yaml.ScalarNode)
        and not node.style
        and node.value in ("", "~", "null", "Null", "NULL")
    )


def _own_line(text: str, offset: int) -> bool:
    """Whether only whitespace precedes `offset` on its line (a `-` counts as whitespace)."""
    head = text[line_start(text, offset) : offset]
    return head.strip() in ("", "-")


def is_intrinsic(value: object) -> bool:
    """A CloudFormation function in long form: `{"Ref": x}`, `{"Fn::GetAtt": [...]}`."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (name,) = value
    return name in _SHORT_TAGS or str(name).startswith("Fn::")


def _plain_safe(text: str) -> bool:
    """Whether `text` reads back as the same string when written without quotes."""
    if not text or text != text.strip() or "\n" in text or text[0] in _SPECIAL_START:
        return False
    if ": " in text or " #" in text or text.endswith(":") or not text.isprintable():
        return False
    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False


def _json(value: object, indent: str, unit: str) -> str:
    """JSON text for `value` whose continuation lines start at `indent`."""
    if isinstance(value, Raw):
        return value.text
    inner = indent + unit
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(str(k))}: {_json(v, inner, unit)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value:
        items = [inner + _json(item, inner, unit) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def _json_inline(value: object) -> str:
    """JSON text for `value` on one line (`{"Key": "a", "Value": "b"}`)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(str(k))}: {_json_inline(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_json_inline(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _digest(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)[:80]


def _walk(node: yaml.Node | None) -> Iterator[yaml.Node]:
    stack = [node] if node is not None else []
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, yaml.MappingNode):
            stack.extend(value for pair in current.value for value in pair)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _indent_unit(root: yaml.Node) -> int:
    """The file's indentation step: the most common gap between a key and its child keys."""
    steps: Counter[int] = Counter()
    for node in _walk(root):
        if not isinstance(node, yaml.MappingNode):
            continue
        for key, value in node.value:
            if isinstance(value, yaml.MappingNode) and value.value:
                child = value.value[0][0].start_mark
                if child.line > key.start_mark.line and child.column > key.start_mark.column:
                    steps[child.column - key.start_mark.column] += 1
    return steps.most_common(1)[0][0] if steps else 2


def _sequences_indented(root: yaml.Node | None) -> bool:
    """Whether block lists under a key are indented (`key:\\n  - a`) or not (`key:\\n- a`)."""
    votes: Counter[bool] = Counter()
    for node in _walk(root):
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
                    votes[value.start_mark.column > key.start_mark.column] += 1
    return votes[True] >= votes[False]


def _preferred_quote(root: yaml.Node | None) -> str:
    """The quote the file uses most for quoted strings (double when it uses none)."""
    styles = Counter(
        node.style
        for node in _walk(root)
        if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    )
    return "'" if styles["'"] > styles['"'] else '"'
