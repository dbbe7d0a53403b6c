"""Version ordering per ecosystem, as OSV ranges need it.

`ECOSYSTEM` ranges use the ecosystem's own order: PEP 440 for PyPI (`packaging`), npm's
semver for npm and Go (OSV writes Go versions without their `v`). `SEMVER` ranges use SemVer
2.0.0 whatever the ecosystem. A version that does not parse in the relevant order yields
None: the caller then relies on the advisory's explicit `versions` list, never on a guess.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from slsguard.deps import semver


class Ordered(Protocol):
    """A version value that compares with others of the same order."""

    def __lt__(self, other: Any, /) -> bool:
        """Whether this version sorts before `other`."""


@lru_cache(maxsize=65536)
def pep440(text: str) -> Version | None:
    """The PEP 440 version `text` names, or None."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def key(ecosystem: str, range_type: str, text: str) -> Ordered | None:
    """`text` as a comparable version in the order a range of `range_type` uses, or None."""
    if range_type == "SEMVER":
        return semver.coerce(text)
    if range_type != "ECOSYSTEM":
        return None  # GIT ranges need the repository's commit graph.
    if ecosystem == "PyPI":
        return pep440(text)
    if ecosystem in ("npm", "Go"):
        return semver.parse(text)
    return None


def same_version(ecosystem: str, left: str, right: str) -> bool:
    """Whether two version strings name the same version (`1.0` is `1.0.0` on PyPI)."""
    if left == right:
        return True
    if ecosystem == "PyPI":
        a, b = pep440(left), pep440(right)
        return a is not None and a == b
    if ecosystem in ("npm", "Go"):
        x, y = semver.parse(left), semver.parse(right)
        return x is not None and x == y and x.build == y.build
    return False


def canonical_name(ecosystem: str, name: str) -> str:
    """The name OSV and purls use: PEP 503-normalised on PyPI, unchanged on npm."""
    return canonicalize_name(name) if ecosystem == "PyPI" else name
