"""The HTML format: one self-contained page for audits and for sharing a scan.

No script, font, image or stylesheet is loaded from anywhere: the CSS is inline, the charts
are inline SVG, and a Content-Security-Policy forbids everything else, so the file opens
offline and cannot leak. Sections: a summary by severity, charts and tables by severity and
by practice, the findings under each compliance framework, one card per function (its
triggers, exposure, role and findings, from the scan's function summaries when present),
and every finding with its fix. All text is escaped: messages carry attacker-controlled text.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import timezone

from slsguard.findings import AppSummary, Finding, FunctionSummary, Report, Severity
from slsguard.formats.grouping import group, heading
from slsguard.formats.html_style import STYLE
from slsguard.formats.labels import (
    FRAMEWORKS,
    NO_APP,
    by_framework,
    count_by_severity,
    grouped,
    natural,
    practice_label,
    practice_of,
    worst_first,
    xml_safe,
)
from slsguard.formats.svg import Bar, bar_chart
from slsguard.formats.text import reference_line, summary_line

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
COLORS = {
    Severity.CRITICAL: "#8b0000",
    Severity.HIGH: "#d9480f",
    Severity.MEDIUM: "#e0a800",
    Severity.LOW: "#1c7ed6",
    Severity.INFO: "#868e96",
}
APP_WIDE = "(app-wide)"
NONE = '<p class="none">No findings.</p>'

Anchors = dict[int, str]
"""id(finding) -> the id of its article in the Findings section."""


def esc(text: str) -> str:
    """Text escaped for HTML content and attribute values."""
    return html.escape(xml_safe(text), quote=True)


def _badge(severity: Severity) -> str:
    return f'<span class="sev sev-{severity.value}">{severity.value}</span>'


def _functions_of(finding: Finding) -> tuple[str, ...]:
    return finding.functions or ((finding.function,) if finding.function else ())


def _summary(report: Report) -> str:
    counts = count_by_severity(report.findings)
    tiles = "".join(
        f'<div class="tile sev-{sev.value}"><span class="n">{n}</span>'
        f'<span class="l">{sev.value}</span></div>'
        for sev, n in counts.items()
    )
    lead = f'<p class="lead">{esc(summary_line(report))}</p>'
    return _section("summary", "Summary", f'{lead}\n<div class="tiles">{tiles}</div>')


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}">\n<h2>{title}</h2>\n{body}\n</section>'


def _table(head: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table; cells are HTML already (the caller escapes text)."""
    top = "".join(f"<th>{cell}</th>" for cell in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>"


def _by_severity(report: Report) -> str:
    counts = count_by_severity(report.findings)
    bars = [Bar(sev.value, n, COLORS[sev]) for sev, n in counts.items()]
    rows = [(_badge(sev), str(n)) for sev, n in counts.items()]
    chart = bar_chart("Findings by severity", bars)
    table = _table(("Severity", "Findings"), rows)
    return _section("by-severity", "By severity", f'<div class="split">{chart}{table}</div>')


def _worst(findings: Iterable[Finding]) -> Severity:
    return max((f.severity for f in findings), key=lambda s: s.rank)


def _rule_list(findings: Iterable[Finding]) -> str:
    rules = {f.rule.id: f.rule.name for f in findings}
    return ", ".join(f"{esc(key)} {esc(rules[key])}" for key in sorted(rules, key=natural))


def _group_row(label: str, findings: list[Finding]) -> tuple[str, str, str, str]:
    """A table row: the group's label, its count, its worst severity and its rules."""
    return (esc(label), str(len(findings)), _badge(_worst(findings)), _rule_list(findings))


def _by_practice(report: Report) -> str:
    groups = grouped(report.findings, lambda f: (practice_of(f),))
    keys = sorted(groups, key=natural)
    bars = [Bar(practice_label(k), len(groups[k]), COLORS[_worst(groups[k])]) for k in keys]
    rows = [_group_row(practice_label(k), groups[k]) for k in keys]
    chart = bar_chart("Findings by practice", bars) if bars else NONE
    table = _table(("Practice", "Findings", "Worst", "Rules"), rows) if rows else ""
    return _section("by-practice", "By practice", f'<div class="split">{chart}{table}</div>')


def _by_framework(report: Report) -> str:
    parts = []
    for framework, controls in by_framework(report).items():
        if framework != "practice":
            rows = [_group_row(control, fs) for control, fs in controls.items()]
            parts.append(f"<h3>{esc(FRAMEWORKS[framework])}</h3>")
            parts.append(_table(("Control", "Findings", "Worst", "Rules"), rows))
    body = "\n".join(parts) or '<p class="none">No finding maps to a compliance framework.</p>'
    return _section("by-framework", "By compliance framework", body)


def _finding_links(findings: list[Finding], anchors: Anchors) -> str:
    if not findings:
        return NONE
    items = "".join(
        f'<li>{_badge(f.severity)} <a href="#{anchors[id(f)]}">{esc(f.rule.id)} '
        f"{esc(f.rule.name)}</a></li>"
        for f in worst_first(findings)
    )
    return f'<ul class="links">{items}</ul>'


def _facts(detail: FunctionSummary) -> str:
    rows: list[tuple[str, str]] = []
    if detail.runtime:
        rows.append(("Runtime", esc(detail.runtime)))
    triggers = "".join(f"<li>{esc(t)}</li>" for t in detail.triggers)
    rows.append(("Triggers", f"<ul>{triggers}</ul>" if triggers else "none"))
    role = esc(detail.role or "(none)")
    if detail.admin:
        role += ' <span class="flag">admin</span>'
    if detail.role_shared_with:
        unlisted = detail.role_shared_count - len(detail.role_shared_with)
        more = f" and {unlisted} more" if unlisted > 0 else ""
        role += f"<br>shared with {esc(', '.join(detail.role_shared_with))}{more}"
    rows.append(("Role", role))
    if detail.secrets:
        rows.append(("Secrets", esc(", ".join(detail.secrets))))
    rows.append(("Monitoring", esc(", ".join(detail.monitoring)) or "none"))
    if detail.packages:
        rows.append(("Packages", _packages(detail)))
    return "<dl>" + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _packages(detail: FunctionSummary, limit: int = 30) -> str:
    """The packages a function ships (vulnerable ones first), capped to keep cards short."""
    ordered = sorted(detail.packages, key=lambda p: (not p.vulnerabilities, p.name))
    items = []
    for package in ordered[:limit]:
        text = esc(f"{package.name} {package.version or '(unpinned)'}")
        if package.vulnerabilities:
            text += f' <span class="flag">{esc(", ".join(package.vulnerabilities))}</span>'
        items.append(f"<li>{text}</li>")
    more = len(ordered) - limit
    if more > 0:
        items.append(f"<li>and {more} more</li>")
    return f"<ul>{''.join(items)}</ul>"


def _card(
    name: str, detail: FunctionSummary | None, findings: list[Finding], anchors: Anchors
) -> str:
    worst = f" worst-{_worst(findings).value}" if findings else ""
    facts = _facts(detail) if detail is not None else ""
    return (
        f'<article class="card{worst}"><h4>{esc(name)}</h4>{facts}'
        f"{_finding_links(findings, anchors)}</article>"
    )


def _app_cards(app: AppSummary, findings: list[Finding], anchors: Anchors) -> str:
    details = {d.name: d for d in app.details}
    cards = []
    for name in app.functions:
        mine = [f for f in findings if name in _functions_of(f)]
        cards.append(_card(name, details.get(name), mine, anchors))
    wide = [f for f in findings if not _functions_of(f)]
    if wide:
        cards.append(_card(APP_WIDE, None, wide, anchors))
    head = f"<h3>{esc(app.name)} <small>{esc(app.kind)} · {esc(app.file)}</small></h3>"
    return head + '\n<div class="cards">\n' + "\n".join(cards) + "\n</div>"


def _functions(report: Report, anchors: Anchors) -> str:
    by_app = grouped(report.findings, lambda f: (f.app or NO_APP,))
    parts = [_app_cards(app, by_app.get(app.name, []), anchors) for app in report.apps]
    known = {app.name for app in report.apps}
    for name, findings in by_app.items():
        if name not in known:
            parts.append(f"<h3>{esc(name)}</h3>\n{_finding_links(findings, anchors)}")
    body = "\n".join(parts) or '<p class="none">No functions were found.</p>'
    return _section("functions", "Functions", body)


def _mappings(finding: Finding) -> str:
    rule = finding.rule
    items = []
    for framework, label in FRAMEWORKS.items():
        controls = dict.fromkeys(rule.controls(framework))
        if framework == "practice":
            controls = dict.fromkeys(practice_label(c) for c in controls)
        if controls:
            items.append(f"<dt>{esc(label)}</dt><dd>{esc(', '.join(controls))}</dd>")
    return f'<dl class="maps">{"".join(items)}</dl>' if items else ""


def _finding(finding: Finding, anchor: str | None) -> str:
    rule = finding.rule
    where = " › ".join((finding.app or NO_APP, *_functions_of(finding)[:1]))
    others = _functions_of(finding)[1:]
    if others:
        where += f" (and {', '.join(others)})"
    fix = f'<h4>Fix</h4><pre class="fix">{esc(finding.fix)}</pre>' if finding.fix else ""
    return (
        f'<article class="finding sev-border-{finding.severity.value}"{_id(anchor)}>'
        f"<h3>{_badge(finding.severity)} {esc(rule.id)} {esc(rule.name)}</h3>"
        f'<p class="where"><code>{esc(finding.location.display)}</code> · {esc(where)}</p>'
        f'<p class="message">{esc(finding.message)}</p>{fix}{_mappings(finding)}</article>'
    )


def _id(anchor: str | None) -> str:
    return f' id="{anchor}"' if anchor else ""


def _findings(ordered: list[Finding], anchors: Anchors, group_by: str | None) -> str:
    accounts = _accounts(ordered) if group_by is None else []
    if len([a for a in accounts if a]) > 1:  # An organization audit: a heading per account.
        return _section("findings", "Findings", _by_account(ordered, anchors, accounts))
    if group_by is None:
        body = "\n".join(_finding(f, anchors[id(f)]) for f in ordered)
        return _section("findings", "Findings", body or NONE)
    parts, placed = [], set()
    for control, findings in group(ordered, group_by):
        parts.append(f'<h3 class="group">{esc(heading(group_by, control))}</h3>')
        for finding in findings:
            # A finding under two controls is shown twice; only the first is the link target.
            first = id(finding) not in placed
            placed.add(id(finding))
            parts.append(_finding(finding, anchors[id(finding)] if first else None))
    return _section("findings", "Findings", "\n".join(parts) or NONE)


def _by_account(ordered: list[Finding], anchors: Anchors, accounts: list[str | None]) -> str:
    parts = []
    for account in accounts:
        title = f"AWS account {account}" if account else "no account"
        parts.append(f'<h3 class="group">{esc(title)}</h3>')
        parts.extend(_finding(f, anchors[id(f)]) for f in ordered if f.location.account == account)
    return "\n".join(parts)


def _accounts(findings: list[Finding]) -> list[str | None]:
    """The AWS accounts the findings are about, in order (findings of none last)."""
    found = {f.location.account for f in findings}
    return [*sorted(a for a in found if a), *([None] if None in found else [])]


def _header(report: Report) -> str:
    started = ""
    if report.started_at is not None:
        moment = report.started_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        started = f" · started {moment}"
    version = f"slsguard {esc(report.tool_version)}" if report.tool_version else "slsguard"
    meta = f"{version} · {report.files_scanned} files scanned{started}"
    return f'<header><h1>slsguard report</h1><p class="meta">{meta}</p></header>'


def _footer(report: Report) -> str:
    reference = reference_line(report)
    return f"<footer><p>{esc(reference)}</p></footer>" if reference else ""


def render(report: Report, *, color: bool = False, group_by: str | None = None) -> str:
    """The report as one self-contained HTML page ending with a newline; `color` is ignored.

    With `group_by` (a framework key or `practice`) the Findings section has one heading per
    control; a finding that maps to two controls appears under both.
    """
    del color
    ordered = worst_first(report.findings)
    anchors = {id(f): f"finding-{i + 1}" for i, f in enumerate(ordered)}
    body = "\n".join(
        (
            _header(report),
            "<main>",
            _summary(report),
            _by_severity(report),
            _by_practice(report),
            _by_framework(report),
            _functions(report, anchors),
            _findings(ordered, anchors, group_by),
            "</main>",
            _footer(report),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        f"<title>slsguard report</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
