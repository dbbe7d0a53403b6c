"""requirements files, as pip reads them.

Line continuations, comments, per-requirement options (`--hash`), environment markers,
extras, `-r` includes and `-c` constraints (bounded in depth, kept under the scan root,
cycles ignored), editable, VCS, URL and path requirements (not from the registry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from slsguard.deps.model import Manifest, Package, PackageSource
from slsguard.deps.reading import ReadContext, UnreadableError, resolved

MAX_INCLUDE_DEPTH = 8
_COMMENT = re.compile(r"(^|\s)#.*$")
_OPTION_TAIL = re.compile(r"\s+--?[A-Za-z]")
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+)(\S+)")
_EDITABLE = re.compile(r"^(-e|--editable)(?:\s*=\s*|\s+)")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_EXACT = re.compile(r"^(===?)\s*([^*\s,;]+)$")


def exact_version(specifier: str) -> str | None:
    """The version of an exact pin (`==2.31.0`, `===1.0`), None for ranges and wildcards."""
    match = _EXACT.match(specifier.strip())
    return match.group(2) if match else None


@dataclass(slots=True)
class _RequirementsState:
    """What one top-level requirements file accumulates across its includes."""

    context: ReadContext
    packages: list[Package] = field(default_factory=list)
    constraints: dict[str, Package] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    visited: set[Path] = field(default_factory=set)


def parse_requirements(path: Path, context: ReadContext) -> Manifest:
    """A requirements file with its includes; constraints pin what they name."""
    state = _RequirementsState(context)
    _read_requirements(path, state, depth=0, constraint=False)
    packages = tuple(_constrained(package, state.constraints) for package in state.packages)
    own = context.display(path)
    first = next((p.origin for p in packages if p.origin.file == own), context.origin(path))
    return Manifest(resolved(path), "requirements", "PyPI", first, packages, tuple(state.problems))


def _constrained(package: Package, constraints: dict[str, Package]) -> Package:
    pin = constraints.get(package.key)
    if package.version is not None or pin is None or pin.version is None:
        return package
    return replace(package, version=pin.version)


def _read_requirements(path: Path, state: _RequirementsState, depth: int, constraint: bool) -> None:
    resolved_path = resolved(path)
    if resolved_path in state.visited:
        return
    state.visited.add(resolved_path)
    try:
        text = state.context.read(path)
    except UnreadableError as error:
        state.problems.append(str(error))
        return
    for number, line in logical_lines(text):
        include = _INCLUDE.match(line)
        if include:
            _include(path, include, number, state, depth)
        elif line.startswith("-") and not _EDITABLE.match(line):
            continue  # --index-url, --find-links, --pre, ...: options, not packages
        else:
            package = requirement_package(line, state.context.origin(path, number))
            if isinstance(package, str):
                state.problems.append(f"{state.context.display(path)}:{number}: {package}")
            elif constraint:
                state.constraints[package.key] = package
            else:
                state.packages.append(package)


def _include(
    path: Path, match: re.Match[str], number: int, state: _RequirementsState, depth: int
) -> None:
    target = path.parent / match.group(2)
    where = f"{state.context.display(path)}:{number}"
    if "://" in match.group(2):
        state.problems.append(f"{where}: remote include {match.group(2)} is not read")
    elif depth >= MAX_INCLUDE_DEPTH:
        state.problems.append(f"{where}: includes nested deeper than {MAX_INCLUDE_DEPTH}")
    elif not state.context.allowed(target):
        state.problems.append(f"{where}: {match.group(2)} is missing or outside the scan root")
    else:
        is_constraint = match.group(1) in ("-c", "--constraint")
        _read_requirements(target, state, depth + 1, is_constraint)


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, text) of each requirement line, comments removed."""
    out: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        line = _COMMENT.sub("", raw)
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            out.append((start, buffer.strip()))
        buffer = ""
    if buffer.strip():
        out.append((start, buffer.strip()))
    return out


def requirement_package(line: str, origin: Any) -> Package | str:
    """A package from one requirement line, or the reason it could not be read."""
    editable = _EDITABLE.match(line)
    text = line[editable.end() :] if editable else line
    option = _OPTION_TAIL.search(text)
    if option:
        text = text[: option.start()]
    text = text.strip()
    if editable or text.startswith((*_VCS, "http://", "https://", "file:", ".", "/")):
        return _non_registry(text, origin)
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        return f"cannot parse requirement {text!r} ({error})"
    if requirement.url:
        source: PackageSource = "git" if requirement.url.startswith(_VCS) else "url"
        return Package("PyPI", requirement.name, None, requirement.url, origin, source=source)
    specifier = str(requirement.specifier)
    return Package(
        "PyPI",
        requirement.name,
        exact_version(specifier),
        specifier,
        origin,
        marker=str(requirement.marker) if requirement.marker else "",
    )


def _non_registry(text: str, origin: Any) -> Package:
    egg = re.search(r"#egg=([A-Za-z0-9_.-]+)", text)
    name = egg.group(1) if egg else text.rstrip("/").rsplit("/", 1)[-1]
    source: PackageSource = "git" if text.startswith(_VCS) else "url" if "://" in text else "path"
    return Package("PyPI", name, None, text, origin, source=source)
