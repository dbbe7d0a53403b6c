"""HCL2 text into a small located syntax tree: bodies, blocks, attributes and expressions.

The grammar is python-hcl2's (a maintained Lark LALR grammar with positions propagated to
every node). Its own dictionary output keeps positions only for blocks (`with_meta`) and
turns expressions back into `${...}` text, so slsguard walks the Lark parse tree instead:
every attribute, object element and expression keeps the `line:column` where it is written,
so findings point at the attribute, not at the block. `.tf.json` files are read with the
YAML/JSON loader and converted to the same tree (strings there are templates too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

Position = tuple[int, int]
Span = tuple[int, int]

MAX_TF_BYTES = 2 * 1024 * 1024
"""Terraform files are small; a larger one is generated data, not configuration."""


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal: text, number, boolean or null."""

    value: object
    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class Template:
    """A quoted string or heredoc: literal text parts and interpolated expressions."""

    parts: tuple[object, ...]
    pos: Position
    text: str
    heredoc: bool = False


@dataclass(frozen=True, slots=True)
class Name:
    """A bare identifier: `var`, `local`, `aws_iam_role`, `each`."""

    name: str
    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class GetAttr:
    """`expr.name`."""

    target: object
    name: str
    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class Index:
    """`expr[key]` (also `expr.0`)."""

    target: object
    key: object
    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class Call:
    """`name(args...)`."""

    name: str
    args: tuple[object, ...]
    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class TupleExpr:
    """`[a, b]`."""

    items: tuple[object, ...]
    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class ObjectItem:
    """One `key = value` of an object, with where the key is written."""

    key: object
    value: object
    pos: Position


@dataclass(frozen=True, slots=True)
class ObjectExpr:
    """`{ key = value, ... }`."""

    items: tuple[ObjectItem, ...]
    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class Conditional:
    """`cond ? a : b`."""

    condition: object
    then: object
    otherwise: object
    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class Opaque:
    """An expression slsguard does not evaluate (operators, splats, `for`): kept as text."""

    pos: Position
    text: str


@dataclass(frozen=True, slots=True)
class Attribute:
    """`name = expression` in a body."""

    name: str
    expr: object
    pos: Position
    span: Span = (0, 0)
    """Character offsets of `name = expression` in the text (for `slsguard fix`)."""
    value_span: Span = (0, 0)
    """Character offsets of the expression alone."""


@dataclass(frozen=True, slots=True)
class Block:
    """`type "label" ... { body }`."""

    type: str
    labels: tuple[str, ...]
    body: Body
    pos: Position
    span: Span = (0, 0)
    """Character offsets from the block type to its closing brace (for `slsguard fix`)."""


@dataclass(frozen=True, slots=True)
class Body:
    """The attributes (by name) and nested blocks (in order) of a file or a block."""

    attributes: dict[str, Attribute]
    blocks: tuple[Block, ...]
    pos: Position

    def blocks_of(self, kind: str) -> list[Block]:
        """The nested blocks of one type."""
        return [block for block in self.blocks if block.type == kind]

    def block(self, kind: str) -> Block | None:
        """The first nested block of one type."""
        found = self.blocks_of(kind)
        return found[0] if found else None


class HclError(Exception):
    """A file that is not valid HCL; carries the position of the problem."""

    def __init__(self, message: str, position: Position = (1, 1)) -> None:
        super().__init__(message)
        self.position = position


def parse_hcl(text: str) -> Body:
    """Parse HCL2 text; HclError with a position when it is invalid."""
    if len(text) > MAX_TF_BYTES:
        raise HclError(f"file is larger than {MAX_TF_BYTES // (1024 * 1024)} MiB")
    import hcl2  # Deferred: building the grammar costs time only Terraform scans pay.
    from lark.exceptions import LarkError, UnexpectedInput

    if not text.endswith("\n"):
        text += "\n"
    text = _trim_heredoc_closers(text)
    try:
        tree = hcl2.parses_to_tree(text)
    except UnexpectedInput as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else "syntax error"
        raise HclError(f"invalid HCL: {detail}", (error.line, error.column)) from None
    except LarkError as error:
        raise HclError(f"invalid HCL: {error}") from None
    try:
        return _Converter(text).body(tree.children[0])
    except RecursionError:
        raise HclError("nesting too deep to analyse") from None


_HEREDOC_OPENER = re.compile(r"<<-?([A-Za-z_][\w-]*)\r?$", re.MULTILINE)


def _trim_heredoc_closers(text: str) -> str:
    """Drop the spaces and tabs that trail a heredoc's closing marker (`EOF  `).

    Terraform ends a heredoc at a line holding only its marker, trailing whitespace
    included; python-hcl2 requires the newline right after the marker (its issue #343),
    so such a file would fail to parse. Only whitespace is removed, only on lines that are
    exactly a marker this file opens, so lines and columns stay where they were.
    """
    markers = set(_HEREDOC_OPENER.findall(text))
    if not markers:
        return text
    alternatives = "|".join(re.escape(marker) for marker in sorted(markers))
    closer = re.compile(rf"^([ \t]*(?:{alternatives}))[ \t]+(?=\r?$)", re.MULTILINE)
    return closer.sub(r"\1", text)


def parse_expression(text: str, pos: Position) -> object:
    """One expression (from a `.tf.json` template); Opaque when it does not parse."""
    try:
        body = parse_hcl(f"x = {text}\n")
    except HclError:
        return Opaque(pos, text)
    attribute = body.attributes.get("x")
    return _relocate(attribute.expr, pos) if attribute else Opaque(pos, text)


def _relocate(expr: object, pos: Position) -> object:
    """An expression parsed out of context, placed at `pos` (its own position is meaningless)."""
    if hasattr(expr, "pos"):
        from dataclasses import replace

        return replace(expr, pos=pos)  # type: ignore[type-var]
    return expr


def _tree_pos(node: Any) -> Position:
    meta = node.meta
    return (getattr(meta, "line", 1), getattr(meta, "column", 1))


def _span(node: Any) -> Span:
    meta = node.meta
    return (getattr(meta, "start_pos", 0), getattr(meta, "end_pos", 0))


def _is_tree(node: Any) -> bool:
    return hasattr(node, "data")


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, "\\" + code)

    return _ESCAPE.sub(replace, text)


class _Converter:
    """Lark parse tree → located syntax tree."""

    def __init__(self, source: str) -> None:
        self.source = source

    def text(self, node: Any) -> str:
        meta = node.meta
        start, end = getattr(meta, "start_pos", None), getattr(meta, "end_pos", None)
        if start is None or end is None:
            return ""
        return " ".join(self.source[start:end].split())[:200]

    def body(self, node: Any) -> Body:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for child in node.children:
            if not _is_tree(child):
                continue
            if child.data == "attribute":
                trees = [c for c in child.children if _is_tree(c)]
                name = self.name(trees[0])
                attributes[name] = Attribute(
                    name, self.expr(trees[1]), _tree_pos(child), _span(child), _span(trees[1])
                )
            elif child.data == "block":
                blocks.append(self.block(child))
        return Body(attributes, tuple(blocks), _tree_pos(node))

    def block(self, node: Any) -> Block:
        trees = [c for c in node.children if _is_tree(c) and c.data != "new_line_or_comment"]
        kind = self.name(trees[0])
        labels = tuple(self.label(label) for label in trees[1:-1])
        return Block(kind, labels, self.body(trees[-1]), _tree_pos(node), _span(node))

    def name(self, node: Any) -> str:
        token: Any = node.children[0] if node.children else ""
        return str(token.children[0]) if _is_tree(token) else str(token)

    def label(self, node: Any) -> str:
        if node.data == "string":
            return "".join(str(p) for p in self.template(node).parts if isinstance(p, str))
        return self.name(node)

    def expr(self, node: Any) -> object:
        if not _is_tree(node):
            return Lit(str(node), (node.line, node.column), str(node))
        handler = getattr(self, "_" + str(node.data), None)
        if handler is None:
            return Opaque(_tree_pos(node), self.text(node))
        result: object = handler(node)
        return result

    def _expr_term(self, node: Any) -> object:
        trees = [c for c in node.children if _is_tree(c) and c.data != "new_line_or_comment"]
        return self.expr(trees[0]) if trees else Opaque(_tree_pos(node), self.text(node))

    def _identifier(self, node: Any) -> object:
        name = str(node.children[0])
        return Name(name, _tree_pos(node), name)

    def _literal_value(self, node: Any) -> object:
        word = str(node.children[0])
        value = {"true": True, "false": False}.get(word)
        return Lit(value, _tree_pos(node), word)

    def _int_lit(self, node: Any) -> object:
        word = str(node.children[0])
        # Past a few hundred digits an integer is infinite for every purpose here, and
        # converting 100,000 digits is refused by Python (and slow).
        return Lit(int(word) if len(word) <= 300 else float("inf"), _tree_pos(node), word)

    def _float_lit(self, node: Any) -> object:
        word = str(node.children[0])
        return Lit(float(word), _tree_pos(node), word)

    def _string(self, node: Any) -> object:
        return self.template(node)

    def template(self, node: Any) -> Template:
        parts: list[object] = []
        for part in node.children:
            if not _is_tree(part):
                continue
            for piece in part.children:
                if _is_tree(piece) and piece.data == "interpolation":
                    inner = [c for c in piece.children if _is_tree(c)]
                    parts.append(self.expr(inner[0]) if inner else "")
                elif _is_tree(piece):
                    parts.append(Opaque(_tree_pos(piece), self.text(piece)))  # %{ } directives
                elif piece.type == "ESCAPED_INTERPOLATION" or piece.type == "ESCAPED_DIRECTIVE":
                    parts.append(str(piece)[1:])
                else:
                    parts.append(_unescape(str(piece)))
        return Template(tuple(parts), _tree_pos(node), self.text(node))

    def _heredoc_template(self, node: Any) -> object:
        return self.heredoc(node, trim=False)

    def _heredoc_template_trim(self, node: Any) -> object:
        return self.heredoc(node, trim=True)

    def heredoc(self, node: Any, trim: bool) -> Template:
        raw = str(node.children[0])
        lines = raw.split("\n")
        body_lines = lines[1:-2]
        if trim:
            indents = [len(line) - len(line.lstrip()) for line in body_lines if line.strip()]
            cut = min(indents, default=0)
            body_lines = [line[cut:] for line in body_lines]
        body = "\n".join(body_lines) + "\n"
        pos = _tree_pos(node)
        parts = split_template(body, (pos[0] + 1, 1))
        return Template(parts, pos, body[:200], heredoc=True)

    def _tuple(self, node: Any) -> object:
        items = tuple(
            self.expr(c) for c in node.children if _is_tree(c) and c.data != "new_line_or_comment"
        )
        return TupleExpr(items, _tree_pos(node), self.text(node))

    def _object(self, node: Any) -> object:
        items = []
        for elem in node.children:
            if not _is_tree(elem) or elem.data != "object_elem":
                continue
            trees = [c for c in elem.children if _is_tree(c)]
            key_node = trees[0].children[0]
            key: object = self.expr(key_node)
            items.append(ObjectItem(key, self.expr(trees[1]), _tree_pos(elem)))
        return ObjectExpr(tuple(items), _tree_pos(node), self.text(node))

    def _get_attr_expr_term(self, node: Any) -> object:
        target, accessor = node.children[0], node.children[1]
        name_node = next(c for c in accessor.children if _is_tree(c))
        return GetAttr(self.expr(target), self.name(name_node), _tree_pos(node), self.text(node))

    def _index_expr_term(self, node: Any) -> object:
        target, accessor = node.children[0], node.children[1]
        if accessor.data == "short_index":
            digits = str(accessor.children[-1])
            key: object = Lit(int(digits), _tree_pos(accessor), digits)
        else:
            inner = [
                c for c in accessor.children if _is_tree(c) and c.data != "new_line_or_comment"
            ]
            key = self.expr(inner[0]) if inner else Opaque(_tree_pos(accessor), "")
        return Index(self.expr(target), key, _tree_pos(node), self.text(node))

    def _function_call(self, node: Any) -> object:
        names = [c for c in node.children if _is_tree(c) and c.data == "identifier"]
        name = "::".join(self.name(n) for n in names)
        args: tuple[object, ...] = ()
        for child in node.children:
            if _is_tree(child) and child.data == "arguments":
                args = tuple(
                    self.expr(c)
                    for c in child.children
                    if _is_tree(c) and c.data != "new_line_or_comment"
                )
        return Call(name, args, _tree_pos(node), self.text(node))

    def _conditional(self, node: Any) -> object:
        trees = [c for c in node.children if _is_tree(c) and c.data != "new_line_or_comment"]
        condition, then, otherwise = (self.expr(t) for t in trees[:3])
        return Conditional(condition, then, otherwise, _tree_pos(node), self.text(node))


_INTERPOLATION = re.compile(r"(?<!\$)\$\{")


def split_template(text: str, pos: Position) -> tuple[object, ...]:
    """Literal text and `${...}` expressions of a heredoc or a `.tf.json` string."""
    parts: list[object] = []
    index = 0
    for _ in range(1000):  # Bounded: a template has few interpolations.
        match = _INTERPOLATION.search(text, index)
        if match is None:
            break
        end = _closing_brace(text, match.end())
        if end < 0:
            break
        parts.append(text[index : match.start()].replace("$${", "${"))
        line = pos[0] + text.count("\n", 0, match.start())
        parts.append(parse_expression(text[match.end() : end], (line, 1)))
        index = end + 1
    parts.append(text[index:].replace("$${", "${"))
    return tuple(part for part in parts if part != "")


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    quoted = False
    for index in range(start, min(len(text), start + 10_000)):
        char = text[index]
        if char == '"' and text[index - 1] != "\\":
            quoted = not quoted
        elif not quoted and char == "{":
            depth += 1
        elif not quoted and char == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1
