"""An offline advisory database: a directory of OSV JSON files, OSV `all.zip` exports, or both.

`slsguard db update` stores one `all.zip` per ecosystem (`<dir>/PyPI/all.zip`); a user can
also point `--advisory-db` at any directory of OSV JSON files (such as a clone of an
advisory repository) or at one zip. Loading indexes the raw documents by package; an
advisory is parsed only when a scanned package names it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slsguard import archive
from slsguard.deps.matching import PackageVersion
from slsguard.deps.osv import Advisory, AdvisoryFormatError, package_names, parse_advisory
from slsguard.deps.sources import SourceError
from slsguard.findings import ReferenceData

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
KNOWN_ECOSYSTEMS = ("PyPI", "npm", "Go")

RawIndex = dict[tuple[str, str], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class OfflineDatabase:
    """OSV advisories indexed by (ecosystem, normalised package name)."""

    path: Path
    index: Mapping[tuple[str, str], Sequence[dict[str, Any]]]
    ecosystems: frozenset[str]
    count: int
    newest: str
    """The latest `modified` timestamp: how current the database is."""
    skipped: int = 0
    """Files that were not OSV advisories (or not valid JSON)."""
    parsed: dict[int, Advisory] = field(default_factory=dict, compare=False, repr=False)
    """Advisories parsed so far (each at most once, whatever the number of versions asked)."""

    @classmethod
    def load(cls, path: Path) -> OfflineDatabase:
        """Index every advisory under `path` (a directory, a zip, or one JSON file)."""
        if not path.exists():
            raise SourceError(f"advisory database {path} does not exist")
        index: RawIndex = {}
        ecosystems: set[str] = set()
        count = skipped = 0
        newest = ""
        for _name, data in _documents(path, ecosystems):
            names = package_names(data) if isinstance(data, dict) and "id" in data else []
            if not names:
                skipped += 1
                continue
            count += 1
            newest = max(newest, str(data.get("modified", "")))
            for key in dict.fromkeys(names):
                index.setdefault(key, []).append(data)
                ecosystems.add(key[0])
        return cls(path, index, frozenset(ecosystems), count, newest, skipped)

    def describe(self) -> str:
        """The database path and its size."""
        return f"offline advisory database {self.path} ({self.count} advisories)"

    def covers(self, ecosystem: str) -> bool:
        """Whether any advisory (or an export) of the ecosystem was loaded."""
        return ecosystem in self.ecosystems

    def candidates(
        self, packages: Sequence[PackageVersion]
    ) -> Mapping[PackageVersion, tuple[Advisory, ...]]:
        """Every advisory that names each package (matching decides which apply)."""
        out: dict[PackageVersion, tuple[Advisory, ...]] = {}
        for package in packages:
            raw = self.index.get((package.ecosystem, package.name), ())
            out[package] = tuple(self._advisory(data) for data in raw)
        return out

    def _advisory(self, data: dict[str, Any]) -> Advisory:
        advisory = self.parsed.get(id(data))
        if advisory is None:
            advisory = self.parsed[id(data)] = _parsed(data)
        return advisory

    def dataset(self) -> ReferenceData:
        """The database as reference data (its date is the newest advisory's)."""
        return ReferenceData(
            "OSV advisories",
            f"{self.count} advisor{'y' if self.count == 1 else 'ies'}",
            self.newest[:10] or "1970-01-01",
            str(self.path),
        )


def _parsed(data: dict[str, Any]) -> Advisory:
    try:
        return parse_advisory(data)
    except AdvisoryFormatError:
        return Advisory(str(data.get("id", "?")), "", withdrawn="invalid")


def _documents(path: Path, ecosystems: set[str]) -> Iterator[tuple[str, Any]]:
    """(name, decoded JSON) of every document; an export also declares its ecosystem."""
    if path.is_file():
        yield from _file_documents(path, ecosystems)
        return
    for directory, subdirectories, names in os.walk(path):
        subdirectories.sort()
        for name in sorted(names):
            yield from _file_documents(Path(directory) / name, ecosystems)


def _file_documents(path: Path, ecosystems: set[str]) -> Iterator[tuple[str, Any]]:
    if path.suffix == ".zip":
        if path.parent.name in KNOWN_ECOSYSTEMS:
            ecosystems.add(path.parent.name)
        yield from _zip_documents(path)
    elif path.suffix == ".json" and _small(path):
        yield path.name, _decode(path.read_bytes())


def _small(path: Path) -> bool:
    try:
        return path.is_file() and path.stat().st_size <= MAX_DOCUMENT_BYTES
    except OSError:
        return False


EXPORT_LIMITS = archive.Limits(files=2_000_000, unpacked=8 * 1024**3, entry=MAX_DOCUMENT_BYTES)
"""An OSV export of a whole ecosystem holds a few hundred thousand small documents."""


def _zip_documents(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        for name, data in archive.members(path, EXPORT_LIMITS, suffix=".json"):
            yield name, _decode(data)
    except archive.ArchiveRefused as error:
        raise SourceError(f"advisory database {path} is refused: {error}") from None


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None
