"""How dependencies are audited: the user's choices (`--audit-dependencies`, `--offline`,
`--advisory-db`), with defaults that never use the network."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_API_URL = "https://api.osv.dev"
DEFAULT_EXPORT_URL = "https://osv-vulnerabilities.storage.googleapis.com"
"""Where the OSV per-ecosystem exports (`<ecosystem>/all.zip`) are published."""
DEFAULT_ECOSYSTEMS = ("PyPI", "npm", "Go")


def cache_home() -> Path:
    """slsguard's cache directory: `$XDG_CACHE_HOME/slsguard`, else `~/.cache/slsguard`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "slsguard"


def default_database() -> Path:
    """Where `slsguard db update` puts the OSV exports, and `--offline` looks for them."""
    return cache_home() / "osv"


@dataclass(frozen=True, slots=True)
class DependencyOptions:
    """How dependencies are audited (`--audit-dependencies`, `--offline`, `--advisory-db`)."""

    audit: bool = False
    """Audit against the OSV API (unless `offline`)."""
    offline: bool = False
    """Never use the network: audit with the offline database only."""
    advisory_db: Path | None = None
    """An offline database (directory of OSV JSON files or `all.zip` exports)."""
    api_url: str = DEFAULT_API_URL
    cache_dir: Path | None = None
    """The OSV API's disk cache (default: `~/.cache/slsguard/osv-api`)."""
    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 0.5

    @property
    def requested(self) -> bool:
        """Whether the user asked for an audit in any way."""
        return self.audit or self.offline or self.advisory_db is not None
