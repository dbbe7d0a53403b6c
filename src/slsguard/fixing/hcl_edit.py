"""Located edits in Terraform `.tf` files, written the way `terraform fmt` would.

`HclDocument` parses the text with the project's HCL reader, which keeps the character
span of every block and attribute, and turns requests such as "set `mode` in the
`tracing_config` block of `aws_lambda_function.charge`" or "add this resource after that
block" into `Edit`s. Blocks are addressed by `BlockRef`s from the top of the file; new
attributes are indented like their neighbours, with `=` aligned as in the block.

Values are plain Python data written as HCL literals (`"text"`, `true`, `30`, `[...]`,
`{ key = value }`), `Raw` expressions (`aws_sqs_queue.dlq.arn`), or `NewBlock`s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

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
from slsguard.loading.terraform.hcl import (
    Block,
    Body,
    Conditional,
    GetAttr,
    HclError,
    Index,
    Name,
    Opaque,
    Template,
    parse_hcl,
)


@dataclass(frozen=True, slots=True)
class BlockRef:
    """One step to a block: its type, its labels, and which one of the matching blocks."""

    type: str
    labels: tuple[str, ...] = ()
    index: int = 0

    def __str__(self) -> str:
        labels = "".join(f' "{label}"' for label in self.labels)
        suffix = f"[{self.index}]" if self.index else ""
        return f"{self.type}{labels}{suffix}"


@dataclass(frozen=True, slots=True)
class NewBlock:
    """A block to write: `type "label" { name = value ... nested blocks ... }`."""

    type: str
    labels: tuple[str, ...] = ()
    attributes: tuple[tuple[str, object], ...] = ()
    blocks: tuple[NewBlock, ...] = ()


BlockPath = Sequence[BlockRef]


class HclDocument:
    """A `.tf` text with its located syntax tree, making edits in its own style."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.text = source.text
        try:
            self.body = parse_hcl(self.text)
        except HclError as error:
            raise EditError(f"the file does not parse as HCL: {error}") from None
        self.unit = _indent_unit(self.text, self.body)

    # ---- finding places ------------------------------------------------------------

    def find(self, path: BlockPath) -> Block | None:
        """The block at `path`, None when one step is missing."""
        body: Body = self.body
        block: Block | None = None
        for step in path:
            matching = [
                b
                for b in body.blocks
                if b.type == step.type and b.labels[: len(step.labels)] == step.labels
            ]
            if step.index >= len(matching):
                return None
            block = matching[step.index]
            body = block.body
        return block

    def _require(self, path: BlockPath) -> Block:
        block = self.find(path)
        if block is None:
            raise EditError(f"no block {_name(path)}")
        if block.span == (0, 0):
            raise EditError(f"{_name(path)}: the block's position is unknown")
        return block

    # ---- public edits --------------------------------------------------------------

    def set_attribute(self, path: BlockPath, name: str, value: object) -> Edit:
        """Set `name = value` in the block at `path` (replacing the expression if present)."""
        block = self._require(path)
        target = f"{_name(path)}.{name}"
        attribute = block.body.attributes.get(name)
        if attribute is not None:
            start, end = attribute.value_span
            if _defined_elsewhere(attribute.expr):
                raise EditError(
                    f"{target} is the expression {self.text[start:end]!r}: "
                    "change the value where it is defined"
                )
            return Edit(start, end, self._value(value, start), target)
        line = self._attribute_line(block, name, value)
        last = max((a.span[1] for a in block.body.attributes.values()), default=0)
        if last and not self.text[last : line_end(self.text, last)].strip(" \t\r\n#/"):
            at = line_end(self.text, last)  # After the last attribute, before nested blocks.
            return Edit(at, at, self.source.lines(line + "\n"), target)
        return self._insert(block, [line], target)

    def ensure_block(self, path: BlockPath, new: NewBlock) -> Edit:
        """Add the nested block `new` to the block at `path` (EditError if it exists)."""
        block = self._require(path)
        if block.body.blocks_of(new.type):
            raise EditError(f"{_name(path)} already has a {new.type} block")
        indent = self._inner_indent(block)
        lines = self._block_lines(new, indent)
        return self._insert(block, lines, f"{_name(path)}.{new.type}")

    def set_nested(self, path: BlockPath, nested: str, name: str, value: object) -> Edit:
        """Set `name = value` in the nested block `nested` of `path`, creating it if needed."""
        if self.find([*path, BlockRef(nested)]) is not None:
            return self.set_attribute([*path, BlockRef(nested)], name, value)
        return self.ensure_block(path, NewBlock(nested, attributes=((name, value),)))

    def add_block(self, new: NewBlock, after: BlockPath | None = None) -> Edit:
        """Add a top-level block after the block `after`, or at the end of the file."""
        lines = self.source.lines("\n".join(self._block_lines(new, "")))
        target = str(BlockRef(new.type, new.labels))
        if self.find([BlockRef(new.type, new.labels)]) is not None:
            raise EditError(f"{target} already exists")
        if after:
            end = self._require(after).span[1]
            newline = self.source.newline
            return Edit(end, end, newline + newline + lines, target)
        at = len(self.text)
        stripped = self.text.rstrip()
        prefix = "" if not stripped else ("\n" if self.text.endswith("\n") else "\n\n")
        return Edit(at, at, self.source.lines(prefix) + lines + self.source.newline, target)

    def append_text(self, text: str, target: str) -> Edit:
        """Add top-level blocks written as HCL text at the end of the file.

        EditError when the text does not parse or one of its blocks already exists.
        """
        try:
            added = parse_hcl(text)
        except HclError as error:
            raise EditError(f"the fix text is not valid HCL: {error}") from None
        names = [str(BlockRef(block.type, block.labels)) for block in added.blocks]
        for block, name in zip(added.blocks, names, strict=True):
            if self.find([BlockRef(block.type, block.labels)]) is not None:
                raise EditError(f"{name} already exists")
        target = target or " + ".join(names)
        at = len(self.text)
        prefix = "" if not self.text.strip() else ("\n" if self.text.endswith("\n") else "\n\n")
        body = align_equals(text.strip("\n"))
        return Edit(at, at, self.source.lines(prefix + body + "\n"), target)

    def insert_text(self, path: BlockPath, text: str, target: str) -> Edit:
        """Add arguments or nested blocks written as HCL text (unindented) to a block."""
        block = self._require(path)
        indent = self._inner_indent(block)
        body = align_equals(text.strip("\n"))
        lines = [indent + line if line.strip() else "" for line in body.split("\n")]
        return self._insert(block, lines, target)

    def remove_attribute(self, path: BlockPath, name: str) -> Edit:
        """Remove the line(s) of attribute `name` from the block at `path`."""
        block = self._require(path)
        attribute = block.body.attributes.get(name)
        if attribute is None:
            raise EditError(f"{_name(path)} has no attribute {name}")
        return self._remove_lines(attribute.span, f"-{_name(path)}.{name}")

    def remove_list_item(self, path: BlockPath, name: str, item: str) -> Edit:
        """Remove the item written as `item` (a literal, `"arn:..."`) from the list attribute
        `name`: its line when it has one of its own, else the item and its comma."""
        block = self._require(path)
        attribute = block.body.attributes.get(name)
        if attribute is None:
            raise EditError(f"{_name(path)} has no attribute {name}")
        start, end = attribute.value_span
        value = self.text[start:end]
        if not value.startswith("[") or value.count(item) != 1:
            raise EditError(f"{_name(path)}.{name}: {item} is not one item of a list")
        at = start + value.index(item)
        after = at + len(item)
        comma = re.match(r"\s*,[ \t]*", self.text[after:end])
        after += comma.end() if comma else 0
        first, last = line_start(self.text, at), line_end(self.text, after)
        target = f"-{_name(path)}.{name}"
        if not self.text[first:at].strip() and not self.text[after:last].strip(" \t\r\n"):
            return Edit(first, last, "", target)  # The item's own line(s).
        before = re.search(r",\s*$", self.text[start:at]) if not comma else None
        at = start + before.start() if before else at
        return Edit(at, after, "", target)

    def remove_block(self, path: BlockPath) -> Edit:
        """Remove the block at `path` with its lines."""
        block = self._require(path)
        return self._remove_lines(block.span, f"-{_name(path)}")

    # ---- helpers -------------------------------------------------------------------

    def _insert(self, block: Block, lines: list[str], target: str) -> Edit:
        """Insert whole lines before the closing brace of `block`."""
        close = block.span[1] - 1
        if self.text[close : close + 1] != "}":
            raise EditError("cannot find the block's closing brace")
        opening = self.text.index("{", block.span[0])
        inside = self.text[opening + 1 : close]
        if "\n" not in inside:
            if inside.strip():
                raise EditError("the block is written on one line")
            indent = indentation_of(self.text, block.span[0])
            text = "{\n" + "\n".join(lines) + "\n" + indent + "}"
            return Edit(opening, close + 1, self.source.lines(text), target)
        at = line_start(self.text, close)
        if self.text[at:close].strip():
            raise EditError("the block's closing brace follows other text on its line")
        return Edit(at, at, self.source.lines("\n".join(lines) + "\n"), target)

    def _remove_lines(self, span: tuple[int, int], target: str) -> Edit:
        start, end = span
        if self.text[line_start(self.text, start) : start].strip():
            raise EditError("the text to remove shares its line with other text")
        first, after = line_start(self.text, start), line_end(self.text, end)
        before = line_start(self.text, max(first - 1, 0))
        following = self.text[after : line_end(self.text, after)].strip()
        if first and not self.text[before:first].strip() and following in ("", "}"):
            first = before  # Do not leave a blank line where the removed lines were.
        return Edit(first, after, "", target)

    def _inner_indent(self, block: Block) -> str:
        """The indentation of the block's contents (its first member's, or one step in)."""
        members = [a.span[0] for a in block.body.attributes.values()]
        members += [b.span[0] for b in block.body.blocks]
        opening = self.text.index("{", block.span[0])
        for start in sorted(members):
            if start > opening and not self.text[line_start(self.text, start) : start].strip():
                return indentation_of(self.text, start)
        return indentation_of(self.text, block.span[0]) + " " * self.unit

    def _attribute_line(self, block: Block, name: str, value: object) -> str:
        indent = self._inner_indent(block)
        width = max((len(n) for n in block.body.attributes), default=0)
        aligned = _aligned(self.text, block)
        pad = " " * (width - len(name)) if aligned and len(name) <= width else ""
        return f"{indent}{name}{pad} = {self._value(value, 0, indent)}"

    def _block_lines(self, new: NewBlock, indent: str) -> list[str]:
        labels = "".join(f" {json.dumps(label)}" for label in new.labels)
        inner = indent + " " * self.unit
        lines = [f"{indent}{new.type}{labels} {{"]
        width = max((len(name) for name, _ in new.attributes), default=0)
        for name, value in new.attributes:
            lines.append(f"{inner}{name.ljust(width)} = {self._value(value, 0, inner)}")
        for index, nested in enumerate(new.blocks):
            if new.attributes or index:
                lines.append("")
            lines.extend(self._block_lines(nested, inner))
        lines.append(indent + "}")
        return lines

    def _value(self, value: object, at: int, indent: str | None = None) -> str:
        indent = indentation_of(self.text, at) if indent is None else indent
        text = hcl_value(value, indent, " " * self.unit)
        if isinstance(value, Raw) and "\n" in text:  # Continuation lines at the line's indent.
            first, *rest = text.split("\n")
            text = "\n".join([first, *(indent + line if line else line for line in rest)])
        return self.source.lines(text)


def hcl_value(value: object, indent: str = "", unit: str = "  ") -> str:
    """An HCL expression for a Python value (`Raw` text verbatim)."""
    if isinstance(value, Raw):
        return value.text
    spelled = literal(value)
    if spelled is not None:
        return spelled
    if isinstance(value, list | tuple):
        return "[" + ", ".join(hcl_value(item, indent, unit) for item in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + unit
        width = max(len(str(key)) for key in value)
        items = [
            f"{inner}{_object_key(str(key)).ljust(width)} = {hcl_value(item, inner, unit)}"
            for key, item in value.items()
        ]
        return "{\n" + "\n".join(items) + "\n" + indent + "}"
    text = json.dumps(str(value), ensure_ascii=False)
    return text.replace("${", "$${").replace("%{", "%%{")


_ARGUMENT = re.compile(
    r"^(?P<indent>[ \t]*)(?P<name>[A-Za-z_][\w-]*)[ \t]*=(?!=)[ \t]*(?P<rest>.*)$"
)


def align_equals(text: str) -> str:
    """Align the `=` of consecutive one-line arguments at one indentation (`terraform fmt`)."""
    lines = text.split("\n")
    runs: list[list[int]] = []
    previous_indent: str | None = None
    for index, line in enumerate(lines):
        match = _ARGUMENT.match(line)
        if match is None:
            previous_indent = None
            continue
        if match["indent"] != previous_indent:
            runs.append([])
        runs[-1].append(index)
        previous_indent = match["indent"]
    for run in runs:
        matches = [_ARGUMENT.match(lines[index]) for index in run]
        width = max(len(m["name"]) for m in matches if m)
        for index, m in zip(run, matches, strict=True):
            if m:
                lines[index] = f"{m['indent']}{m['name'].ljust(width)} = {m['rest']}"
    return "\n".join(lines)


def _object_key(key: str) -> str:
    return key if key.replace("_", "a").replace("-", "a").isalnum() else json.dumps(key)


def _aligned(text: str, block: Block) -> bool:
    """Whether the block's attributes line up their `=` (as `terraform fmt` does)."""
    columns = set()
    for attribute in block.body.attributes.values():
        start, end = attribute.span
        equals = text.find("=", start, end)
        columns.add(equals - line_start(text, start))
    return len(columns) == 1 and len(block.body.attributes) > 1


def _defined_elsewhere(expr: object) -> bool:
    """An expression whose value is set somewhere else: a reference (`var.runtime`,
    `local.x`, `aws_kms_key.k.arn`), a condition, or a string interpolating one. Literals,
    objects, lists and calls such as `jsonencode({...})` are written here and may be replaced.
    """
    if isinstance(expr, Name | GetAttr | Index | Conditional | Opaque):
        return True
    return isinstance(expr, Template) and any(not isinstance(p, str) for p in expr.parts)


def _name(path: BlockPath) -> str:
    return " › ".join(str(step) for step in path)


def _indent_unit(text: str, body: Body) -> int:
    """The indentation step of the file: how far the first nested member is indented."""
    for block in body.blocks:
        members = [a.span[0] for a in block.body.attributes.values()] + [
            b.span[0] for b in block.body.blocks
        ]
        for start in sorted(members):
            head = text[line_start(text, start) : start]
            outer = len(indentation_of(text, block.span[0]))
            if not head.strip() and len(head) > outer:
                return len(head) - outer
    return 2
