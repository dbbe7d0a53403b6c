"""Matching package versions to OSV advisories, as the OSV specification defines it.

A version is affected when an `affected` entry for its package lists it in `versions`, or
when it falls in one of the entry's `ECOSYSTEM` or `SEMVER` ranges: events sorted in the
range's order, `introduced` opens (`"0"` is before everything), `fixed` closes at and
`last_affected` closes after its version, and `limit` events bound the whole range.
Withdrawn advisories are skipped; advisories that are aliases of each other (the same
CVE as a GHSA and a PYSEC entry) become one `Vulnerability`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from slsguard.deps import cvss
from slsguard.deps.osv import Advisory, Affected, Range
from slsguard.deps.versions import Ordered, key, same_version
from slsguard.findings import Severity

CVSS_PREFERENCE = ("CVSS_V4", "CVSS_V3", "CVSS_V2")
_WORDS = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "NEGLIGIBLE": Severity.LOW,
}
_ID_RANK = {"GHSA": 0, "PYSEC": 1, "CVE": 3}


@dataclass(frozen=True, slots=True)
class PackageVersion:
    """What is sent to an advisory source: an ecosystem, a normalised name and a version."""

    ecosystem: str
    name: str
    version: str


@dataclass(frozen=True, slots=True)
class Rating:
    """How bad an advisory says it is, and on what basis."""

    severity: Severity | None
    score: float | None = None
    basis: str = ""
    """`CVSS 3.1 7.5`, `database severity MODERATE`, or empty when the advisory gives none."""

    @property
    def rank(self) -> tuple[int, float]:
        """Sort key: worse ratings are larger."""
        return (self.severity.rank if self.severity else -1, self.score or 0.0)


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """One known vulnerability of one package version (aliases merged)."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    rating: Rating
    fixed: str | None
    """The first version that fixes every merged advisory, when all of them are fixed."""
    last_affected: str | None = None

    @property
    def url(self) -> str:
        """The advisory's page on osv.dev."""
        return f"https://osv.dev/vulnerability/{self.id}"

    @property
    def ids(self) -> tuple[str, ...]:
        """The id and every alias."""
        return (self.id, *self.aliases)


def severity_of_score(score: float) -> Severity:
    """The CVSS qualitative rating of a score."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    return Severity.LOW if score > 0 else Severity.INFO


def affects(entry: Affected, version: str) -> bool:
    """Whether `version` of the entry's package is affected."""
    if any(same_version(entry.ecosystem, version, listed) for listed in entry.versions):
        return True
    return any(in_range(entry.ecosystem, item, version) for item in entry.ranges)


def _event_key(ecosystem: str, item: Range, kind: str, text: str) -> tuple[int, Ordered | None]:
    if kind == "introduced" and text == "0":
        return (0, None)
    if kind == "limit" and "*" in text:
        return (2, None)
    return (1, key(ecosystem, item.type, text))


def in_range(ecosystem: str, item: Range, version: str) -> bool:
    """Whether `version` falls in one OSV range (GIT ranges and unparsable ones never match)."""
    current = key(ecosystem, item.type, version)
    if current is None:
        return False
    events = []
    for event in item.events:
        rank, bound = _event_key(ecosystem, item, event.kind, event.version)
        if rank == 1 and bound is None:
            return False  # a bound that does not parse: rely on the `versions` list instead
        events.append((rank, bound, event.kind))
    if not _before_limits(current, events):
        return False
    vulnerable = False
    for rank, bound, kind in sorted(events, key=lambda e: (e[0], e[1]) if e[0] == 1 else (e[0],)):
        if kind == "introduced" and (rank == 0 or not current < bound):
            vulnerable = True
        elif _closes(kind, bound, current):
            vulnerable = False
    return vulnerable


def _closes(kind: str, bound: Ordered | None, current: Ordered) -> bool:
    """A `fixed` at or below the version, or a `last_affected` below it."""
    if bound is None:
        return False
    if kind == "fixed":
        return not current < bound
    return kind == "last_affected" and bound < current


def _before_limits(current: Ordered, events: Sequence[tuple[int, Ordered | None, str]]) -> bool:
    limits = [(rank, bound) for rank, bound, kind in events if kind == "limit"]
    if not limits:
        return True
    return any(rank == 2 or (bound is not None and current < bound) for rank, bound in limits)


def next_bound(entry: Affected, version: str, kind: str) -> str | None:
    """The smallest `fixed` (or `last_affected`) version of the entry above `version`."""
    best: tuple[Ordered, str] | None = None
    for item in entry.ranges:
        current = key(entry.ecosystem, item.type, version)
        if current is None:
            continue
        for event in item.events:
            if event.kind != kind:
                continue
            bound = key(entry.ecosystem, item.type, event.version)
            if bound is None or (kind == "fixed" and not current < bound):
                continue
            if best is None or bound < best[0]:
                best = (bound, event.version)
    return best[1] if best else None


def rate(advisory: Advisory, entries: Iterable[Affected] = ()) -> Rating:
    """The advisory's severity: its newest CVSS vector, else its database's word."""
    entries = tuple(entries)
    scores = [*advisory.severity, *(score for entry in entries for score in entry.severity)]
    for kind in CVSS_PREFERENCE:
        for item in scores:
            scored = cvss.score(item.score) if item.type == kind else None
            if scored is not None:
                version, value = scored
                return Rating(severity_of_score(value), value, f"CVSS {version} {value:.1f}")
    words = [item.score for item in scores if item.type == "Ubuntu"]
    words += [advisory.database_severity, *(entry.database_severity for entry in entries)]
    for word in words:
        if word.upper() in _WORDS:
            return Rating(_WORDS[word.upper()], None, f"database severity {word.upper()}")
    return Rating(None)


def match(advisories: Iterable[Advisory], package: PackageVersion) -> tuple[Vulnerability, ...]:
    """The vulnerabilities of one package version, worst first."""
    hits: dict[str, tuple[Advisory, tuple[Affected, ...]]] = {}
    for advisory in advisories:
        if advisory.withdrawn:
            continue
        entries = advisory.affected_entries(package.ecosystem, package.name)
        matched = tuple(entry for entry in entries if affects(entry, package.version))
        known = hits.get(advisory.id)
        if matched and (known is None or known[0].modified < advisory.modified):
            hits[advisory.id] = (advisory, matched)
    groups = _alias_groups(list(hits.values()))
    found = [_vulnerability(group, package.version) for group in groups]
    return tuple(sorted(found, key=lambda v: (-v.rating.rank[0], -v.rating.rank[1], v.id)))


Hit = tuple[Advisory, tuple[Affected, ...]]


def _alias_groups(hits: list[Hit]) -> list[list[Hit]]:
    groups: list[tuple[set[str], list[Hit]]] = []
    for hit in hits:
        names = {hit[0].id, *hit[0].aliases}
        joined = [group for group in groups if group[0] & names]
        merged_names, merged_hits = set(names), [hit]
        for group in joined:
            merged_names |= group[0]
            merged_hits.extend(group[1])
            groups.remove(group)
        groups.append((merged_names, merged_hits))
    return [group[1] for group in groups]


def id_order(identifier: str) -> tuple[int, str]:
    """Sort key for advisory ids: GHSA first, then PYSEC, others, and CVE last."""
    return (_ID_RANK.get(identifier.split("-", 1)[0], 2), identifier)


def _vulnerability(group: list[Hit], version: str) -> Vulnerability:
    names = sorted({name for advisory, _ in group for name in (advisory.id, *advisory.aliases)})
    ids = sorted((advisory.id for advisory, _ in group), key=id_order)
    primary = next(advisory for advisory, _ in group if advisory.id == ids[0])
    ratings = [rate(advisory, entries) for advisory, entries in group]
    fixes = [_first(entries, version, "fixed") for _, entries in group]
    last = [_first(entries, version, "last_affected") for _, entries in group]
    summary = primary.summary or next((a.summary for a, _ in group if a.summary), "")
    return Vulnerability(
        id=primary.id,
        aliases=tuple(sorted((n for n in names if n != primary.id), key=id_order)),
        summary=summary,
        rating=max(ratings, key=lambda rating: rating.rank),
        fixed=_highest(fixes, primary) if all(fixes) else None,
        last_affected=next((item for item in last if item), None),
    )


def _first(entries: tuple[Affected, ...], version: str, kind: str) -> str | None:
    found = [next_bound(entry, version, kind) for entry in entries]
    candidates = [item for item in found if item]
    if not candidates:
        return None
    ecosystem = entries[0].ecosystem
    keyed = [(key(ecosystem, "ECOSYSTEM", c) or key(ecosystem, "SEMVER", c), c) for c in candidates]
    comparable = [(k, c) for k, c in keyed if k is not None]
    return min(comparable, key=lambda kc: kc[0])[1] if comparable else candidates[0]


def _highest(fixes: list[str | None], primary: Advisory) -> str | None:
    ecosystem = primary.affected[0].ecosystem if primary.affected else ""
    keyed = [(key(ecosystem, "ECOSYSTEM", f) or key(ecosystem, "SEMVER", f), f) for f in fixes if f]
    comparable = [(k, f) for k, f in keyed if k is not None]
    if comparable:
        return max(comparable, key=lambda kf: kf[0])[1]
    return next((f for f in fixes if f), None)
