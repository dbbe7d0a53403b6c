"""Advisories in the OSV format (https://ossf.github.io/osv-schema/), as frozen values.

Only what matching and reporting need is kept: ids and aliases, summary, severities,
withdrawal, and per affected package its ranges (with their events) and versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from slsguard.deps.reading import table
from slsguard.deps.versions import canonical_name

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")
_KINDS: frozenset[str] = frozenset(EVENT_KINDS)
MAX_SUMMARY = 200


class AdvisoryFormatError(ValueError):
    """A document that is not an OSV advisory."""


@dataclass(frozen=True, slots=True)
class Event:
    """One point of a range's timeline."""

    kind: EventKind
    version: str


@dataclass(frozen=True, slots=True)
class Range:
    """`ECOSYSTEM`, `SEMVER` or `GIT` range with its events in the order written."""

    type: str
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class SeverityScore:
    """`CVSS_V3` with a vector, `Ubuntu` with a word, ..."""

    type: str
    score: str


@dataclass(frozen=True, slots=True)
class Affected:
    """One affected package of an advisory."""

    ecosystem: str
    name: str
    """PEP 503-normalised for PyPI."""
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    severity: tuple[SeverityScore, ...] = ()
    database_severity: str = ""
    """`database_specific.severity` or `ecosystem_specific.severity` (`HIGH`, `MODERATE`)."""


@dataclass(frozen=True, slots=True)
class Advisory:
    """One OSV advisory."""

    id: str
    modified: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    severity: tuple[SeverityScore, ...] = ()
    affected: tuple[Affected, ...] = ()
    withdrawn: str | None = None
    database_severity: str = ""
    published: str = ""

    def affected_entries(self, ecosystem: str, name: str) -> tuple[Affected, ...]:
        """The entries about one package (name normalised as OSV does)."""
        return tuple(
            entry for entry in self.affected if entry.ecosystem == ecosystem and entry.name == name
        )

    @property
    def url(self) -> str:
        """The advisory's page on osv.dev."""
        return f"https://osv.dev/vulnerability/{self.id}"


def parse_advisory(data: Any) -> Advisory:
    """An `Advisory` from decoded OSV JSON; AdvisoryFormatError when `id` or `modified` lack."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise AdvisoryFormatError("not an OSV advisory (no id)")
    if not isinstance(data.get("modified"), str):
        raise AdvisoryFormatError(f"{data['id']}: no modified timestamp")
    return Advisory(
        id=data["id"],
        modified=data["modified"],
        aliases=_strings(data.get("aliases")),
        summary=_summary(data),
        severity=_severities(data.get("severity")),
        affected=tuple(_affected(item) for item in _list(data.get("affected"))),
        withdrawn=data.get("withdrawn") if isinstance(data.get("withdrawn"), str) else None,
        database_severity=_database_severity(data.get("database_specific")),
        published=str(data.get("published", "")),
    )


def package_names(data: Any) -> list[tuple[str, str]]:
    """(ecosystem, normalised name) of each affected package, without parsing the rest."""
    out = []
    if isinstance(data, dict):
        for item in _list(data.get("affected")):
            package = item.get("package") if isinstance(item, dict) else None
            if isinstance(package, dict) and isinstance(package.get("name"), str):
                ecosystem = base_ecosystem(str(package.get("ecosystem", "")))
                out.append((ecosystem, canonical_name(ecosystem, package["name"])))
    return out


def base_ecosystem(ecosystem: str) -> str:
    """`Debian` from `Debian:11`; PyPI and npm have no suffix."""
    return ecosystem.split(":", 1)[0]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in _list(value) if isinstance(item, str))


def _summary(data: dict[str, Any]) -> str:
    text = data.get("summary") or data.get("details") or ""
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_SUMMARY else line[: MAX_SUMMARY - 1].rstrip() + "…"


def _severities(value: Any) -> tuple[SeverityScore, ...]:
    return tuple(
        SeverityScore(str(item["type"]), str(item["score"]))
        for item in _list(value)
        if isinstance(item, dict) and "type" in item and "score" in item
    )


def _database_severity(value: Any) -> str:
    if isinstance(value, dict) and isinstance(value.get("severity"), str):
        return str(value["severity"])
    return ""


def _affected(item: Any) -> Affected:
    if not isinstance(item, dict):
        return Affected("", "")
    package = table(item.get("package"))
    ecosystem = base_ecosystem(str(package.get("ecosystem", "")))
    return Affected(
        ecosystem=ecosystem,
        name=canonical_name(ecosystem, str(package.get("name", ""))),
        ranges=tuple(_range(entry) for entry in _list(item.get("ranges"))),
        versions=_strings(item.get("versions")),
        severity=_severities(item.get("severity")),
        database_severity=_database_severity(item.get("database_specific"))
        or _database_severity(item.get("ecosystem_specific")),
    )


def _range(item: Any) -> Range:
    if not isinstance(item, dict):
        return Range("", ())
    events = [
        Event(kind, value)
        for event in _list(item.get("events"))
        if isinstance(event, dict)
        for kind, value in event.items()
        if kind in _KINDS and isinstance(value, str)
    ]
    return Range(str(item.get("type", "")), tuple(events))
