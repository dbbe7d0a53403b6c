"""Reading dependency files safely, and finding the line each entry was written on.

Every read is bounded (size, and never outside the scan root); JSON and TOML parsers do not
report positions, so small scanners recover the line of each key afterwards.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from slsguard import files, zipped
from slsguard.discovery import display_name
from slsguard.findings import Origin

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_MANIFEST_BYTES = 32 * 1024 * 1024
"""Large monorepo lockfiles reach a few MiB; anything far larger is not a lockfile."""

TOMLDecodeError = tomllib.TOMLDecodeError


class UnreadableError(Exception):
    """A dependency file that cannot be read or parsed; the message says why."""


@dataclass(frozen=True, slots=True)
class ReadContext:
    """Where a scan may read (`root`) and how paths are shown (relative to `cwd`)."""

    root: Path
    cwd: Path

    def display(self, path: Path) -> str:
        """The path as findings show it."""
        return _display(path, self.cwd)

    def origin(self, path: Path, line: int = 1, column: int = 1) -> Origin:
        """An origin in a dependency file."""
        return Origin(self.display(path), (), line, column)

    def allowed(self, path: Path) -> bool:
        """Whether `path` (symlinks resolved) is a file under the scan root."""
        try:
            target = resolved(path)
        except OSError:
            return False
        inside = target.is_relative_to(self.root) or zipped.is_unpacked(target)
        return inside and target.is_file()

    def read(self, path: Path) -> str:
        """The file's text; UnreadableError when it is too large, outside the root or unreadable."""
        if not self.allowed(path):
            raise UnreadableError(f"{path.name} is outside the scan root or not a file")
        try:
            return files.read_text(path, MAX_MANIFEST_BYTES, errors="replace")
        except OSError as error:
            raise UnreadableError(f"{path.name}: {error.strerror}") from None


@lru_cache(maxsize=8192)
def _display(path: Path, cwd: Path) -> str:
    return display_name(path, cwd)


@lru_cache(maxsize=8192)
def resolved(path: Path) -> Path:
    """`path` with symlinks resolved (memoised: a scan asks about the same folders often)."""
    return path.resolve()


def table(value: Any) -> dict[str, Any]:
    """`value` when it is a mapping, else an empty one (for optional TOML/JSON sections)."""
    return value if isinstance(value, dict) else {}


def load_json(text: str, name: str) -> Any:
    """Parsed JSON; UnreadableError with the position when invalid."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableError(
            f"{name} is not valid JSON (line {error.lineno}: {error.msg})"
        ) from None
    except RecursionError:
        raise UnreadableError(f"{name} is nested too deeply") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise UnreadableError(f"{name} is not valid JSON ({error})") from None


def load_toml(text: str, name: str) -> dict[str, Any]:
    """Parsed TOML; UnreadableError when invalid."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UnreadableError(f"{name} is not valid TOML ({error})") from None
    except RecursionError:
        raise UnreadableError(f"{name} is nested too deeply") from None
    except ValueError as error:  # an integer of more digits than Python converts
        raise UnreadableError(f"{name} is not valid TOML ({error})") from None


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')

KeyPath = tuple[str, ...]


def json_object_lines(text: str) -> dict[KeyPath, int]:
    """The line of each key whose value is an object, by key path (arrays are not entered).

    `{"packages": {"node_modules/a": {...}}}` gives `("packages",)` and
    `("packages", "node_modules/a")`. Assumes valid JSON (parse it first).
    """
    lines: dict[KeyPath, int] = {}
    stack: list[tuple[KeyPath, bool]] = []  # (path of the container, is it an object)
    line, position = 1, 0
    pending: tuple[str, int] | None = None  # the last key read, and its line
    expect_key = False
    for match in _JSON_TOKEN.finditer(text):
        start = match.start()
        line += text.count("\n", position, start)
        position = start
        token = match.group()
        if token == "{" or token == "[":
            parent = stack[-1][0] if stack else ()
            path = (*parent, pending[0]) if pending is not None else parent
            if pending is not None and token == "{":
                lines[path] = pending[1]
            if pending is None and stack and not stack[-1][1]:
                path = (*parent, "[]")  # items of arrays are not addressed
            stack.append((path, token == "{"))
            expect_key, pending = token == "{", None
        elif token == "}" or token == "]":
            if stack:
                stack.pop()
            expect_key, pending = False, None
        elif token == ",":
            expect_key, pending = bool(stack and stack[-1][1]), None
        elif token == ":":
            expect_key = False
        elif expect_key:
            pending = (_unquote(token), line)
            expect_key = False
        else:
            pending = None
    return lines


def _unquote(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    value = json.loads(token)
    return value if isinstance(value, str) else token[1:-1]


_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")


def toml_table_lines(text: str, table: str) -> list[int]:
    """The lines of every `[table]` or `[[table]]` header, in order."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _TOML_HEADER.match(line)
        if match and _table_name(match.group(1)) == table:
            found.append(number)
    return found


def toml_key_line(text: str, table: str, key: str, default: int = 1) -> int:
    """The line of `key = ...` directly inside `[table]` (`""` for the top level)."""
    current = ""
    pattern = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_HEADER.match(line)
        if header:
            current = _table_name(header.group(1))
        elif current == table and pattern.match(line):
            return number
    return default


def _table_name(raw: str) -> str:
    parts = [part.strip().strip("\"'") for part in raw.split(".")]
    return ".".join(parts)


def lines_containing(text: str, needle: str) -> list[int]:
    """The numbers of the lines that contain `needle`, in order."""
    return [number for number, line in enumerate(text.splitlines(), 1) if needle in line]


def first_at_or_after(lines: list[int], start: int) -> int:
    """The first of the sorted line numbers `lines` at or after `start` (`start` when none)."""
    index = bisect.bisect_left(lines, start)
    return lines[index] if index < len(lines) else start


def line_containing(text: str, needle: str, start: int = 1, default: int = 1) -> int:
    """The first line at or after `start` that contains `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start and needle in line:
            return number
    return default
