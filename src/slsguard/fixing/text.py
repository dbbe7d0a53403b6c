"""Text, edits and applying them: the byte-preserving core of `slsguard fix`.

A file is decoded once into `Source` (text without its BOM, the BOM and line ending
remembered). Edits are character spans of that text and the text that replaces them;
everything outside the spans stays exactly as it was, and `Source.encode` puts the BOM
back. New text is written with `\\n` and converted to the file's own line ending.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BOM = "\ufeff"


class EditError(Exception):
    """A located edit that cannot be made exactly; the message says why (shown to the user)."""


@dataclass(frozen=True, slots=True)
class Raw:
    """Text written verbatim into the file: an expression (`aws_sqs_queue.dlq.arn`) or a tag."""

    text: str


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace `text[start:end]` with `new` (an insertion when start == end)."""

    start: int
    end: int
    new: str
    target: str = ""
    """What the edit creates or sets (`provider.tracing.lambda`); two edits with the same
    target and different text conflict, identical ones are the same edit."""

    def overlaps(self, other: Edit) -> bool:
        """Whether both edits touch the same characters (insertions at one point do not)."""
        if self.start == self.end or other.start == other.end:
            inside = self.start < other.start < self.end or other.start < self.start < other.end
            return inside
        return self.start < other.end and other.start < self.end

    def conflicts(self, other: Edit) -> bool:
        """Whether the two edits cannot both be applied."""
        if self == other:
            return False
        if self.target and self.target == other.target:
            return True
        return self.overlaps(other)


@dataclass(frozen=True, slots=True)
class Source:
    """A text file as decoded for editing: its text, BOM and line ending."""

    text: str
    bom: bool = False
    newline: str = "\n"

    @classmethod
    def decode(cls, data: bytes) -> Source:
        """Decode UTF-8 bytes; UnicodeDecodeError when they are not UTF-8."""
        text = data.decode("utf-8")
        bom = text.startswith(BOM)
        if bom:
            text = text[1:]
        newline = "\r\n" if "\r\n" in text else "\n"
        return cls(text, bom, newline)

    def encode(self, text: str | None = None) -> bytes:
        """`text` (default: this text) as bytes, with the BOM when the file had one."""
        body = self.text if text is None else text
        return ((BOM if self.bom else "") + body).encode("utf-8")

    def lines(self, text: str) -> str:
        """New text written with `\\n`, in the file's line ending."""
        return text.replace("\n", self.newline) if self.newline != "\n" else text

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset, columns counted in characters."""
        line = self.text.count("\n", 0, offset) + 1
        start = self.text.rfind("\n", 0, offset) + 1
        return line, offset - start + 1


def literal(value: object) -> str | None:
    """`true`, `false`, `null` or the number, spelled alike in YAML, JSON and HCL; else None."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    return None


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """`text` with every edit applied; edits must not conflict (EditError when they do).

    Insertions at one point keep their given order.
    """
    unique = list(dict.fromkeys(edits))
    for index, edit in enumerate(unique):
        if not 0 <= edit.start <= edit.end <= len(text):
            raise EditError(f"edit span {edit.start}..{edit.end} is outside the file")
        for other in unique[index + 1 :]:
            if edit.conflicts(other):
                raise EditError("two edits change the same place")
    ordered = sorted(enumerate(unique), key=lambda pair: (pair[1].start, pair[1].end, pair[0]))
    out: list[str] = []
    cursor = 0
    for _, edit in ordered:
        out.append(text[cursor : edit.start])
        out.append(edit.new)
        cursor = max(cursor, edit.end)
    out.append(text[cursor:])
    return "".join(out)


def first_conflict(accepted: Iterable[Edit], candidate: Sequence[Edit]) -> Edit | None:
    """The first already accepted edit that one of `candidate` conflicts with, if any.

    Two insertions at one point from different fixes conflict too unless they are written
    at the same indentation: text inserted into `Globals.Function` and a new key of
    `Globals` meet at the same offset, and in YAML the order would decide the nesting.
    """
    accepted = list(accepted)
    for edit in candidate:
        for other in accepted:
            if edit.conflicts(other) or _nest_differently(edit, other):
                return other
    return None


def _nest_differently(edit: Edit, other: Edit) -> bool:
    same_point = edit.start == edit.end == other.start == other.end
    return same_point and edit != other and _indent(edit.new) != _indent(other.new)


def _indent(text: str) -> str:
    """The indentation of the first line of `text` that holds more than a comma."""
    for line in text.splitlines():
        if line.strip(" \t,"):
            return line[: len(line) - len(line.lstrip(" \t"))]
    return ""


def line_start(text: str, offset: int) -> int:
    """The offset of the first character of the line holding `offset`."""
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """The offset just after the line break ending the line holding `offset` (or len(text))."""
    found = text.find("\n", offset)
    return len(text) if found < 0 else found + 1


def indentation_of(text: str, offset: int) -> str:
    """The leading whitespace of the line holding `offset`."""
    start = line_start(text, offset)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]
