"""Where advisories come from: one small interface, two implementations.

`OsvApi` (`osv_api`) asks the OSV web service, sending package names and versions only;
`OfflineDatabase` (`offline`) reads OSV JSON files or the per-ecosystem `all.zip` exports.
Both return *candidate* advisories; `matching` decides locally which really apply, so the
two sources give the same findings for the same data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from slsguard.deps.matching import PackageVersion
from slsguard.deps.options import cache_home, default_database
from slsguard.deps.osv import Advisory

__all__ = ["AdvisorySource", "NotFoundError", "SourceError", "cache_home", "default_database"]


class SourceError(Exception):
    """The advisory source could not be reached or read; the message says why."""


class NotFoundError(SourceError):
    """The source answered that what was asked for does not exist (HTTP 404)."""


class AdvisorySource(Protocol):
    """Advisories for package versions."""

    def describe(self) -> str:
        """What the source is, for messages: `OSV API https://api.osv.dev`, a database path."""

    def covers(self, ecosystem: str) -> bool:
        """Whether the source has advisories for an ecosystem at all."""

    def candidates(
        self, packages: Sequence[PackageVersion]
    ) -> Mapping[PackageVersion, tuple[Advisory, ...]]:
        """Advisories that may affect each package version; SourceError when unavailable."""
