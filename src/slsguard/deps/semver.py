"""npm's version ordering: Semantic Versioning 2.0.0 precedence, as node-semver applies it.

`parse` accepts what npm writes in lockfiles (`1.2.3`, `1.2.3-beta.1`, `1.2.3+build`, with
a tolerated leading `v` or `=`); `coerce` also accepts partial versions (`1`, `1.2`) for
OSV `SEMVER` ranges written loosely. Build metadata never affects ordering; a pre-release
sorts before its release, and pre-release identifiers compare numerically when numeric,
by ASCII otherwise, numeric before alphanumeric, shorter before longer when equal so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_SEMVER = re.compile(
    r"^\s*[v=]*\s*(\d+)\.(\d+)\.(\d+)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?\s*$"
)
_PARTIAL = re.compile(r"^\s*[v=]*\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?\s*$")

Identifier = tuple[int, int, str]
"""(0, number, "") for numeric identifiers, (1, 0, text) for alphanumeric ones."""
PreKey = tuple[int, tuple[Identifier, ...]]
"""(1, ()) for a release, (0, identifiers) for a pre-release: releases sort last."""


@dataclass(frozen=True, slots=True, order=True)
class SemVer:
    """A semantic version; ordering is SemVer 2.0.0 precedence (build metadata ignored)."""

    major: int
    minor: int
    patch: int
    pre_key: PreKey = field(repr=False)
    prerelease: tuple[str, ...] = field(default=(), compare=False)
    build: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    @property
    def is_prerelease(self) -> bool:
        """True for `1.0.0-rc.1` and the like."""
        return bool(self.prerelease)


def _identifier(text: str) -> Identifier:
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def make(
    major: int,
    minor: int,
    patch: int,
    prerelease: tuple[str, ...] = (),
    build: tuple[str, ...] = (),
) -> SemVer:
    """A `SemVer` from its parts."""
    pre_key: PreKey = (0, tuple(_identifier(p) for p in prerelease)) if prerelease else (1, ())
    return SemVer(major, minor, patch, pre_key, prerelease, build)


@lru_cache(maxsize=65536)
def parse(text: str) -> SemVer | None:
    """The version `text` names, or None when it is not a full semantic version."""
    match = _SEMVER.match(text)
    if match is None:
        return None
    major, minor, patch, pre, build = match.groups()
    return make(
        int(major),
        int(minor),
        int(patch),
        tuple(pre.split(".")) if pre else (),
        tuple(build.split(".")) if build else (),
    )


@lru_cache(maxsize=16384)
def coerce(text: str) -> SemVer | None:
    """Like `parse`, but `1` and `1.2` count as `1.0.0` and `1.2.0`."""
    exact = parse(text)
    if exact is not None:
        return exact
    match = _PARTIAL.match(text)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    prerelease = tuple(part for part in (pre or "").split(".") if part)
    return make(int(major), int(minor or 0), int(patch or 0), prerelease)


def compare(left: str, right: str) -> int:
    """-1, 0 or 1 as `left` sorts before, with or after `right`; ValueError if either is invalid."""
    a, b = parse(left), parse(right)
    if a is None or b is None:
        raise ValueError(f"not a semantic version: {left if a is None else right!r}")
    return (a > b) - (a < b)
