"""The OSV web API as an advisory source: `querybatch`, then each advisory by id.

Only package names, ecosystems and versions are sent (never file contents or paths).
Batches hold at most 1,000 queries; results are paged with `next_page_token`; advisories
are fetched in parallel and kept in a disk cache keyed by id, refreshed when the service
reports a newer `modified`.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slsguard.deps.matching import PackageVersion
from slsguard.deps.options import DEFAULT_API_URL
from slsguard.deps.osv import Advisory, AdvisoryFormatError, parse_advisory
from slsguard.deps.sources import NotFoundError, SourceError
from slsguard.deps.transport import Transport

MAX_BATCH = 1000
MAX_PAGES = 100
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")

Hits = dict[int, dict[str, str]]
"""Per query index: {advisory id: modified}."""


@dataclass(frozen=True, slots=True)
class OsvApi:
    """The OSV service (or a mirror speaking its API)."""

    base_url: str = DEFAULT_API_URL
    cache_dir: Path | None = None
    transport: Transport = field(default_factory=Transport)
    batch_size: int = MAX_BATCH
    workers: int = 8

    def describe(self) -> str:
        """The service's address."""
        return f"OSV API {self.base_url}"

    def covers(self, ecosystem: str) -> bool:
        """The service covers every ecosystem."""
        return bool(ecosystem)

    def candidates(
        self, packages: Sequence[PackageVersion]
    ) -> Mapping[PackageVersion, tuple[Advisory, ...]]:
        """The advisories the service lists for each package version."""
        hits: Hits = {}
        size = max(1, min(self.batch_size, MAX_BATCH))
        for start in range(0, len(packages), size):
            chunk = packages[start : start + size]
            for index, found in self._query_chunk(chunk).items():
                hits[start + index] = found
        wanted: dict[str, str] = {}
        for found in hits.values():
            for identifier, modified in found.items():
                wanted[identifier] = max(wanted.get(identifier, ""), modified)
        advisories = self._fetch(wanted)
        return {
            package: tuple(advisories[i] for i in hits.get(index, {}) if i in advisories)
            for index, package in enumerate(packages)
        }

    def _query_chunk(self, chunk: Sequence[PackageVersion]) -> Hits:
        """Every page of one batch: queries with a `next_page_token` are asked again."""
        hits: Hits = {index: {} for index in range(len(chunk))}
        pending: dict[int, str | None] = dict.fromkeys(range(len(chunk)))
        for _ in range(MAX_PAGES):
            if not pending:
                return hits
            order = list(pending)
            queries = [_query(chunk[index], pending[index]) for index in order]
            answer = self.transport.json(f"{self.base_url}/v1/querybatch", {"queries": queries})
            results = answer.get("results") if isinstance(answer, dict) else None
            if not isinstance(results, list) or len(results) != len(order):
                raise SourceError(f"{self.base_url} answered querybatch with a malformed result")
            pending = {}
            for index, result in zip(order, results, strict=True):
                token = _collect(result, hits[index])
                if token:
                    pending[index] = token
        raise SourceError(f"{self.base_url} kept paging after {MAX_PAGES} pages")

    def _fetch(self, wanted: dict[str, str]) -> dict[str, Advisory]:
        if not wanted:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(wanted)))) as pool:
            fetched = list(pool.map(lambda item: self._advisory(*item), wanted.items()))
        return {advisory.id: advisory for advisory in fetched if advisory is not None}

    def _advisory(self, identifier: str, modified: str) -> Advisory | None:
        """One advisory, from the cache when current; None when the service no longer has it."""
        cached = self._cached(identifier, modified)
        if cached is not None:
            return cached
        try:
            data = self.transport.json(f"{self.base_url}/v1/vulns/{identifier}")
        except NotFoundError:
            return None  # listed by querybatch, then removed: nothing to match
        try:
            advisory = parse_advisory(data)
        except AdvisoryFormatError as error:
            raise SourceError(f"{self.base_url} sent an invalid advisory: {error}") from None
        if advisory.id != identifier:
            raise SourceError(f"{self.base_url} sent {advisory.id} when asked for {identifier}")
        self._store(identifier, data)
        return advisory

    def _cache_file(self, identifier: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / "vulns" / f"{identifier}.json"

    def _cached(self, identifier: str, modified: str) -> Advisory | None:
        path = self._cache_file(identifier)
        if path is None or not path.is_file():
            return None
        try:
            advisory = parse_advisory(json.loads(path.read_bytes()))
        except (OSError, ValueError):
            return None
        return advisory if advisory.modified >= modified else None

    def _store(self, identifier: str, data: Any) -> None:
        path = self._cache_file(identifier)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(temporary, path)
        except OSError:
            pass  # a cache that cannot be written only costs a refetch next time


def _query(package: PackageVersion, token: str | None) -> dict[str, Any]:
    """One querybatch entry: the package's name and ecosystem and its version, nothing else."""
    query: dict[str, Any] = {
        "package": {"name": package.name, "ecosystem": package.ecosystem},
        "version": package.version,
    }
    if token:
        query["page_token"] = token
    return query


def _collect(result: Any, into: dict[str, str]) -> str | None:
    """Add one result's advisory ids; the page token when there are more."""
    if not isinstance(result, dict):
        raise SourceError("querybatch result is not an object")
    for vuln in result.get("vulns") or ():
        identifier = vuln.get("id") if isinstance(vuln, dict) else None
        if not isinstance(identifier, str) or not _ID.match(identifier):
            raise SourceError(f"querybatch returned an invalid advisory id {identifier!r}")
        into[identifier] = max(into.get(identifier, ""), str(vuln.get("modified", "")))
    token = result.get("next_page_token")
    return token if isinstance(token, str) and token else None
