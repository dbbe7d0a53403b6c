"""go.mod, as the Go toolchain reads it, for the modules a Go function is built with.

Since Go 1.17 a module's go.mod lists every module its build needs (`// indirect` marks
those only other modules import), at the versions minimal version selection picks: the
`require` lines are the build list, exact versions, and the file is treated as a lockfile.
`replace` directives are applied: a module replaced by another module's version is that
module at that version; one replaced by a local folder (`=> ../lib`) is not a registry
package. `exclude` lines only drop versions that are not selected anyway.

go.sum is not read for versions: it holds the checksums of every module version the
toolchain has looked at (older versions of the graph too), which would report versions the
function never ships.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from slsguard.deps.model import Manifest, Package
from slsguard.deps.reading import ReadContext, resolved
from slsguard.findings import Origin

_DIRECTIVE = re.compile(r"^(require|replace|exclude|retract|module|go|toolchain|godebug)\b\s*(.*)$")
_COMMENT = re.compile(r"\s*//.*$")


@dataclass(frozen=True, slots=True)
class _Line:
    """One requirement or replacement, with its line number and trailing comment."""

    verb: str
    text: str
    line: int
    comment: str


def parse_go_mod(path: Path, context: ReadContext) -> Manifest:
    """The modules of a go.mod's build list, with `replace` directives applied."""
    lines = list(_directives(context.read(path)))
    replacements = (_replace(item) for item in lines if item.verb == "replace")
    replaced = dict(found for found in replacements if found is not None)
    packages: list[Package] = []
    problems: list[str] = []
    for item in (item for item in lines if item.verb == "require"):
        parts = item.text.split()
        if len(parts) != 2:
            problems.append(f"line {item.line}: `require {item.text}` is not `module version`")
            continue
        name, version = _unquoted(parts[0]), parts[1]
        target = replaced.get((name, version)) or replaced.get((name, ""))
        packages.append(_package(name, version, target, item, context.origin(path, item.line)))
    first = packages[0].origin if packages else context.origin(path)
    return Manifest(resolved(path), "go-mod", "Go", first, tuple(packages), tuple(problems))


def _package(
    name: str, version: str, target: tuple[str, str] | None, item: _Line, origin: Origin
) -> Package:
    direct = "indirect" not in item.comment
    if target is not None and _is_local(target[0]):
        return Package("Go", name, None, target[0], origin, direct=direct, source="path")
    if target is not None:
        name, version = target
    return Package("Go", name, version.removeprefix("v"), version, origin, direct=direct)


def _directives(text: str) -> list[_Line]:
    """Each directive line, with `require ( ... )` blocks opened into single lines."""
    found: list[_Line] = []
    block = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        comment = raw.split("//", 1)[1] if "//" in raw else ""
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        if block:
            if line == ")":
                block = ""
            else:
                found.append(_Line(block, line, number, comment))
            continue
        match = _DIRECTIVE.match(line)
        if match is None:
            continue
        verb, rest = match.groups()
        if rest == "(":
            block = verb
        else:
            found.append(_Line(verb, rest, number, comment))
    return found


def _replace(item: _Line) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """((old module, old version or ''), (new module or folder, new version or ''))."""
    old, arrow, new = item.text.partition("=>")
    if not arrow:
        return None
    left, right = old.split(), new.split()
    if not left or not right:
        return None
    source = (_unquoted(left[0]), left[1] if len(left) > 1 else "")
    return source, (_unquoted(right[0]), right[1] if len(right) > 1 else "")


def _is_local(target: str) -> bool:
    return target.startswith(("./", "../", "/")) or target in (".", "..")


def _unquoted(text: str) -> str:
    return text.strip('"`')
