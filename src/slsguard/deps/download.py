"""`slsguard db update`: download the OSV per-ecosystem exports for offline scans.

Each ecosystem's `all.zip` (every advisory of the ecosystem, in the OSV format) is written
to `<directory>/<ecosystem>/all.zip`, replacing the previous copy only once the new one is
complete and is a valid zip. This is the only command that downloads anything.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from slsguard import archive
from slsguard.deps.offline import EXPORT_LIMITS
from slsguard.deps.options import DEFAULT_ECOSYSTEMS, DEFAULT_EXPORT_URL
from slsguard.deps.sources import SourceError
from slsguard.deps.transport import Transport

MAX_EXPORT_BYTES = 4 * 1024 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Downloaded:
    """One export written to disk."""

    ecosystem: str
    path: Path
    advisories: int
    size: int


def update(
    directory: Path,
    ecosystems: tuple[str, ...] = DEFAULT_ECOSYSTEMS,
    base_url: str = DEFAULT_EXPORT_URL,
    transport: Transport | None = None,
) -> list[Downloaded]:
    """Download each ecosystem's export; SourceError (with the ecosystem) on the first failure."""
    transport = transport or Transport(timeout=60.0)
    return [_one(directory, ecosystem, base_url, transport) for ecosystem in ecosystems]


def _one(directory: Path, ecosystem: str, base_url: str, transport: Transport) -> Downloaded:
    target = directory / ecosystem / "all.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    url = f"{base_url.rstrip('/')}/{quote(ecosystem)}/all.zip"
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "w+b") as out:
            size = transport.download(url, out, MAX_EXPORT_BYTES)
        count = _advisories(Path(temporary), ecosystem)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return Downloaded(ecosystem, target, count, size)


def _advisories(path: Path, ecosystem: str) -> int:
    try:
        return sum(1 for _ in archive.members(path, EXPORT_LIMITS, suffix=".json"))
    except archive.ArchiveRefused as error:
        raise SourceError(f"the {ecosystem} export is refused: {error}") from None
