"""`.gitignore` files read the way git reads them, without running git.

Every `.gitignore` from the top folder down applies to the paths under its own folder; a
deeper file overrides a shallower one, and within a file the last matching pattern wins.
A pattern with a slash before its end is anchored to its file's folder, one without matches
at any depth; a trailing slash matches folders only; `*`, `?`, `[...]` never cross a `/`;
`**/`, `/**` and `/**/` cross folders; `!` re-includes; `\\` escapes. A path inside an
ignored folder is ignored whatever later patterns say: git never looks inside it, so a
negation cannot re-include it (pathspec 1.1.1 gets this wrong, hence this module).

Not read: `.git/info/exclude` and the user's `core.excludesFile` (local preferences, not the
project's); git itself says what it tracks (see `slsguard.git`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

MAX_GITIGNORE_BYTES = 256 * 1024
MAX_PATTERNS = 10_000


@dataclass(frozen=True, slots=True)
class Pattern:
    """One line of a `.gitignore`, compiled."""

    regex: re.Pattern[str]
    negated: bool
    folders_only: bool


def parse(text: str) -> tuple[Pattern, ...]:
    """The patterns of a `.gitignore`'s text, in order."""
    patterns = []
    for line in text.splitlines()[:MAX_PATTERNS]:
        pattern = compile_line(line)
        if pattern is not None:
            patterns.append(pattern)
    return tuple(patterns)


def compile_line(line: str) -> Pattern | None:
    """One `.gitignore` line as a pattern; None for blanks and comments."""
    line = _strip_trailing_spaces(line)
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    folders_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    body = _translate(line.lstrip("/"))
    prefix = "" if anchored else "(?:.*/)?"
    return Pattern(re.compile(f"{prefix}{body}", re.DOTALL), negated, folders_only)


def _strip_trailing_spaces(line: str) -> str:
    """Trailing spaces are dropped unless escaped with a backslash."""
    stripped = line.rstrip(" ")
    if stripped.endswith("\\") and len(stripped) < len(line):
        return stripped + " "
    return stripped


def _translate(pattern: str) -> str:
    """A regular expression for a pattern relative to its `.gitignore`'s folder."""
    segments = pattern.split("/")
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            if last:  # `a/**`: everything inside a
                parts.append(".*")
            else:  # `**/b`, `a/**/b`: zero or more folders
                parts.append("(?:.*/)?")
            continue
        parts.append(_segment(segment) + ("" if last else "/"))
    return "".join(parts)


def _segment(segment: str) -> str:
    """One path segment's glob as a regular expression (never crossing `/`)."""
    out, index = [], 0
    while index < len(segment):
        char = segment[index]
        if char == "\\" and index + 1 < len(segment):
            out.append(re.escape(segment[index + 1]))
            index += 2
            continue
        if char == "*":
            while index + 1 < len(segment) and segment[index + 1] == "*":
                index += 1  # other runs of asterisks are a plain `*`
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            closing = _class_end(segment, index)
            if closing < 0:
                out.append(re.escape(char))
            else:
                out.append(_char_class(segment[index + 1 : closing]))
                index = closing
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    index = start + 1
    if index < len(segment) and segment[index] in "!^":
        index += 1
    if index < len(segment) and segment[index] == "]":
        index += 1  # a leading `]` is a member
    return segment.find("]", index)


def _char_class(inside: str) -> str:
    negated = inside[:1] in ("!", "^")
    members = inside[1:] if negated else inside
    escaped = "".join("\\" + c if c in "\\^[]" else c for c in members)
    return f"(?!/)[{'^' if negated else ''}{escaped}]"


@dataclass(slots=True)
class IgnoreRules:
    """The `.gitignore` files under `top`, read lazily, each once.

    Paths are handled as strings relative to `top` (a walk asks about every file, so the
    verdicts of folders are remembered too)."""

    top: Path
    _files: dict[str, tuple[Pattern, ...]] = field(default_factory=dict)
    _folders: dict[str, bool] = field(default_factory=dict)

    def ignored(self, path: Path, is_folder: bool | None = None) -> bool:
        """Whether git ignores `path` (under `top`): it, or a folder above it, is ignored."""
        relative = self._relative(path)
        if not relative:
            return False
        parent = relative.rpartition("/")[0]
        if parent and self._folder_ignored(parent):
            return True
        folder = path.is_dir() if is_folder is None else is_folder
        return bool(self.verdict(relative, folder))

    def verdict(self, relative: str, is_folder: bool) -> bool | None:
        """True (ignored) or False (re-included) by the deepest matching pattern, else None,
        for a path relative to `top`; the folders above it are not looked at."""
        parts = relative.split("/")
        for depth in range(len(parts) - 1, -1, -1):  # the deepest file decides first
            patterns = self.patterns_of("/".join(parts[:depth]))
            name = "/".join(parts[depth:])
            for pattern in reversed(patterns):
                if pattern.folders_only and not is_folder:
                    continue
                if pattern.regex.fullmatch(name):
                    return not pattern.negated
        return None

    def patterns_of(self, folder: str) -> tuple[Pattern, ...]:
        """The patterns of the `.gitignore` in `folder` (relative to `top`; "" for `top`),
        none when it is absent, unreadable or a symbolic link."""
        cached = self._files.get(folder)
        if cached is None:
            cached = parse(_read(self.top / folder / ".gitignore"))
            self._files[folder] = cached
        return cached

    def _folder_ignored(self, relative: str) -> bool:
        cached = self._folders.get(relative)
        if cached is None:
            parent = relative.rpartition("/")[0]
            above = bool(parent) and self._folder_ignored(parent)
            cached = above or bool(self.verdict(relative, True))
            self._folders[relative] = cached
        return cached

    def _relative(self, path: Path) -> str:
        """`path` relative to `top` with forward slashes; "" for `top` and paths outside."""
        top, text = os.fspath(self.top), os.path.abspath(path)
        if not text.startswith(top.rstrip(os.sep) + os.sep):
            return ""
        return text[len(top.rstrip(os.sep)) + 1 :].replace(os.sep, "/")


def _read(path: Path) -> str:
    try:
        if path.is_symlink() or not path.is_file():
            return ""  # git does not follow a symbolic link named .gitignore either
        with path.open("rb") as handle:
            return handle.read(MAX_GITIGNORE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""
