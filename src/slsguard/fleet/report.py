"""The fleet store as a report: each repository and account of the latest run, against its
previous run: what is new, what was fixed, what is still open (JSON, Markdown, HTML)."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

from slsguard.audit.history import Seen, evolution
from slsguard.fleet.store import StoredRun
from slsguard.fleet.targets import Target

FORMATS = ("markdown", "json", "html")


@dataclass(frozen=True, slots=True)
class ScopeStatus:
    """One repository or account of the latest run, compared with its previous run."""

    target: Target
    time: str
    counts: dict[str, int]
    error: str
    new: tuple[Seen, ...]
    fixed: tuple[Seen, ...]
    still_open: tuple[Seen, ...]
    previous: str
    """When it was last scanned before (empty: the first time)."""


def latest(runs: Sequence[StoredRun]) -> tuple[StoredRun | None, tuple[ScopeStatus, ...]]:
    """The latest run and the status of each of its repositories and accounts. A scope
    whose task failed keeps no findings: it is compared with nothing and fixes nothing."""
    if not runs:
        return None, ()
    last = runs[-1]
    statuses = []
    for scope in last.scopes:
        earlier = [
            s.entry
            for run in runs[:-1]
            for s in run.scopes
            if s.target == scope.target and s.entry is not None
        ]
        if scope.entry is None:
            statuses.append(ScopeStatus(scope.target, "", {}, scope.error, (), (), (), ""))
            continue
        step = evolution([*earlier[-1:], scope.entry])[-1]
        previous = earlier[-1].time if earlier else ""
        statuses.append(
            ScopeStatus(
                scope.target,
                scope.entry.time,
                scope.entry.counts,
                "",
                step.new,
                step.fixed,
                step.still_open,
                previous,
            )
        )
    return last, tuple(statuses)


def render(runs: Sequence[StoredRun], format_name: str) -> str:
    """The report in `format_name` (one of `FORMATS`)."""
    last, statuses = latest(runs)
    if format_name == "json":
        return render_json(last, statuses)
    if format_name == "html":
        return render_html(last, statuses)
    return render_markdown(last, statuses)


def _seen(items: Sequence[Seen]) -> list[dict[str, str]]:
    return [{"rule": s.rule, "where": s.where, "fingerprint": s.fingerprint} for s in items]


def render_json(last: StoredRun | None, statuses: Sequence[ScopeStatus]) -> str:
    """Every scope of the latest run with its counts and its new, fixed and open findings."""
    data = {
        "run": last.run if last else None,
        "started": last.started if last else None,
        "scopes": [
            {
                "kind": s.target.kind,
                "name": s.target.name,
                "time": s.time,
                "previous": s.previous or None,
                "error": s.error or None,
                "counts": s.counts,
                "new": _seen(s.new),
                "fixed": _seen(s.fixed),
                "still_open": _seen(s.still_open),
            }
            for s in statuses
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _summary_rows(statuses: Sequence[ScopeStatus]) -> list[tuple[str, ...]]:
    return [
        (
            s.target.kind,
            s.target.name,
            "failed: " + s.error if s.error else str(sum(s.counts.values())),
            str(len(s.new)),
            str(len(s.fixed)),
            str(len(s.still_open)),
        )
        for s in statuses
    ]


HEADINGS = ("kind", "name", "findings", "new", "fixed", "still open")


def render_markdown(last: StoredRun | None, statuses: Sequence[ScopeStatus]) -> str:
    """A table of every scope, then the new and fixed findings of each."""
    if last is None:
        return "The fleet store holds no run yet.\n"
    lines = [f"# slsguard fleet: run {last.run} ({last.started})", ""]
    lines.append("| " + " | ".join(HEADINGS) + " |")
    lines.append("|---|---|---:|---:|---:|---:|")
    for row in _summary_rows(statuses):
        lines.append("| " + " | ".join(_cell(value) for value in row) + " |")
    for s in statuses:
        if s.new or s.fixed:
            lines += ["", f"## {s.target.kind} {_cell(s.target.name)}", ""]
            lines += [f"- new: {x.rule} `{_cell(x.where)}` ({x.fingerprint})" for x in s.new]
            lines += [f"- fixed: {x.rule} `{_cell(x.where)}` ({x.fingerprint})" for x in s.fixed]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe in a Markdown table cell or code span."""
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")


def render_html(last: StoredRun | None, statuses: Sequence[ScopeStatus]) -> str:
    """A self-contained page: the summary table, then each scope's new and fixed findings."""
    title = f"slsguard fleet: run {last.run} ({last.started})" if last else "slsguard fleet"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADINGS)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>"
        for row in _summary_rows(statuses)
    )
    details = "".join(_html_changes(s) for s in statuses if s.new or s.fixed)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif}}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{details}"
        "</body></html>\n"
    )


def _html_changes(status: ScopeStatus) -> str:
    items = [("new", s) for s in status.new] + [("fixed", s) for s in status.fixed]
    listed = "".join(
        f"<li>{change}: {html.escape(s.rule)} <code>{html.escape(s.where)}</code> "
        f"({html.escape(s.fingerprint)})</li>"
        for change, s in items
    )
    name = html.escape(f"{status.target.kind} {status.target.name}")
    return f"<h2>{name}</h2><ul>{listed}</ul>"
