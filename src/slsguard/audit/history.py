"""`--history FILE`: one JSON line per audit, and how findings evolve between audits.

Each audit appends one line per account (an organization audit one per audited account):
when it ran, the account, the regions, the number of findings per severity and each
finding's fingerprint (with its rule and ARN, for people reading the file). Fingerprints are
rule + ARN + attribute path (+ subject), so a finding keeps its fingerprint across audits and
redeploys: comparing a line with the previous line of the same account tells what is new,
what was fixed and what is still open. Lines that are not audit entries are skipped when reading.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from slsguard.findings import Finding, Report, Severity

FORMAT_VERSION = 1


class HistoryError(ValueError):
    """A history file that cannot be read or written."""


@dataclass(frozen=True, slots=True)
class Seen:
    """One finding of an audit, as the history keeps it."""

    fingerprint: str
    rule: str
    where: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One audit in the history."""

    time: str
    account: str
    regions: tuple[str, ...]
    counts: dict[str, int]
    findings: tuple[Seen, ...]

    @property
    def fingerprints(self) -> frozenset[str]:
        """The fingerprints of the audit's findings."""
        return frozenset(seen.fingerprint for seen in self.findings)

    def to_json(self) -> dict[str, Any]:
        """The entry as one JSON object (a line of the history file)."""
        return {
            "tool": "slsguard",
            "version": FORMAT_VERSION,
            "time": self.time,
            "account": self.account,
            "regions": list(self.regions),
            "counts": self.counts,
            "findings": [
                {"fingerprint": s.fingerprint, "rule": s.rule, "where": s.where}
                for s in self.findings
            ],
        }


@dataclass(frozen=True, slots=True)
class Step:
    """How one audit compares with the previous one in the history."""

    entry: Entry
    new: tuple[Seen, ...]
    fixed: tuple[Seen, ...]
    still_open: tuple[Seen, ...]


def entry_of(report: Report, account: str, regions: Sequence[str]) -> Entry:
    """The history entry of an audit's report."""
    counts = {severity.value: 0 for severity in Severity}
    for finding in report.findings:
        counts[finding.severity.value] += 1
    seen = {f.fingerprint: _seen(f) for f in report.findings}
    started = report.started_at or datetime.now().astimezone()
    return Entry(
        time=started.isoformat(timespec="seconds"),
        account=account,
        regions=tuple(regions),
        counts=counts,
        findings=tuple(sorted(seen.values(), key=lambda s: (s.where, s.rule, s.fingerprint))),
    )


def _seen(finding: Finding) -> Seen:
    where = finding.location.arn or finding.location.file or ""
    return Seen(finding.fingerprint, finding.rule.id, where)


def append(path: Path, entry: Entry) -> None:
    """Append the entry to the history file (created when missing) as one JSON line."""
    line = json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":"))
    try:
        with path.open("a", encoding="utf-8") as sink:
            sink.write(line + "\n")
    except OSError as error:
        raise HistoryError(f"cannot write history {path}: {error.strerror or error}") from None


def load(path: Path) -> list[Entry]:
    """The audits recorded in the history file, oldest first."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise HistoryError(f"cannot read history {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise HistoryError(f"history {path} is not UTF-8: {error}") from None
    entries = [_parsed(line) for line in text.splitlines() if line.strip()]
    return [entry for entry in entries if entry is not None]


def _parsed(line: str) -> Entry | None:
    """The entry a line holds, or None when it is not a slsguard audit entry."""
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("tool") != "slsguard":
        return None
    items = data.get("findings")
    findings = tuple(
        Seen(str(item["fingerprint"]), str(item.get("rule", "")), str(item.get("where", "")))
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and "fingerprint" in item
    )
    counts = data.get("counts")
    regions = data.get("regions")
    return Entry(
        time=str(data.get("time", "")),
        account=str(data.get("account", "")),
        regions=tuple(str(r) for r in regions) if isinstance(regions, list) else (),
        counts={str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {},
        findings=findings,
    )


def evolution(entries: Sequence[Entry]) -> list[Step]:
    """Each audit against the previous audit of the same account (the first: everything is
    new); an organization audit records one entry per account."""
    steps = []
    last: dict[str, dict[str, Seen]] = {}
    for entry in entries:
        previous = last.get(entry.account, {})
        current = {seen.fingerprint: seen for seen in entry.findings}
        steps.append(
            Step(
                entry,
                new=tuple(s for f, s in current.items() if f not in previous),
                fixed=tuple(s for f, s in previous.items() if f not in current),
                still_open=tuple(s for f, s in current.items() if f in previous),
            )
        )
        last[entry.account] = current
    return steps


def render_text(steps: Sequence[Step]) -> str:
    """A table of the audits, then what each audit found new and saw fixed."""
    lines = [
        "| time | account | regions | findings | new | fixed | still open |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for step in steps:
        entry = step.entry
        lines.append(
            f"| {entry.time} | {entry.account} | {', '.join(entry.regions)} "
            f"| {len(entry.findings)} | {len(step.new)} | {len(step.fixed)} "
            f"| {len(step.still_open)} |"
        )
    for step in steps[1:]:
        lines.extend(_changes(step))
    return "\n".join(lines) + "\n"


def _changes(step: Step) -> list[str]:
    out = [f"\n{step.entry.time}:"] if step.new or step.fixed else []
    out.extend(f"  + new   {s.rule} {s.where} [{s.fingerprint}]" for s in step.new)
    out.extend(f"  - fixed {s.rule} {s.where} [{s.fingerprint}]" for s in step.fixed)
    return out


def render_json(steps: Sequence[Step]) -> str:
    """The evolution as JSON: per audit, its counts and the fingerprints new, fixed, open."""
    data = [
        {
            "time": step.entry.time,
            "account": step.entry.account,
            "regions": list(step.entry.regions),
            "counts": step.entry.counts,
            "new": [s.fingerprint for s in step.new],
            "fixed": [s.fingerprint for s in step.fixed],
            "still_open": [s.fingerprint for s in step.still_open],
        }
        for step in steps
    ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
