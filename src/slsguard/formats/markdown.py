"""The Markdown format, for pull-request and merge-request comments.

A compact summary (findings by severity, then by app) and one collapsible `<details>`
block per finding, worst first. The comment stays within GitHub's limit of 65,536
characters: findings that do not fit are left out and a note says how many.

Text from the scanned project (messages, paths, names) is attacker-controlled: each
finding is one raw HTML block (no blank line inside, so no Markdown is parsed in it) whose
text is HTML-escaped, table cells escape Markdown punctuation too, and `@` is followed by
a zero-width space so a crafted name cannot mention (notify) people.
"""

from __future__ import annotations

import html
import re

from slsguard.findings import Finding, FixChange, Report, Severity
from slsguard.formats.grouping import group, heading
from slsguard.formats.labels import (
    FRAMEWORKS,
    NO_APP,
    count_by_severity,
    grouped,
    practice_label,
    worst_first,
    xml_safe,
)
from slsguard.formats.text import summary_line

COMMENT_LIMIT = 65_536
"""GitHub's maximum comment body, in characters (counted as UTF-16 code units here)."""
MARKER = "<!-- slsguard -->"
"""First line of every comment, so a CI job can find and update its previous comment."""
TEXT_LIMIT = 4_000
"""Longest message or fix shown for one finding, so one finding cannot fill the comment."""
APP_ROWS = 25
"""Most apps listed in the by-app table (those with the worst findings first)."""

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def _size(text: str) -> int:
    """Length in UTF-16 code units, as browsers and GitHub count characters."""
    return len(text.encode("utf-16-le")) // 2


def _no_mentions(text: str) -> str:
    """Control characters shown as escapes; `@` followed by a zero-width space."""
    return xml_safe(text).replace("@", "@\u200b")


def _html(text: str) -> str:
    """Text for inside an HTML element: escaped, one source line, no mentions."""
    escaped = html.escape(_no_mentions(text), quote=True)
    return escaped.replace("\r", "").replace("\n", "<br>")


def _pre(text: str) -> str:
    """Text for inside `<pre>`: escaped, newlines as character references (one source line)."""
    escaped = html.escape(_no_mentions(text), quote=True)
    return escaped.replace("\r", "").replace("\n", "&#10;")


def _cell(text: str) -> str:
    """Text for a Markdown table cell: punctuation escaped, then HTML-escaped."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", _no_mentions(text))
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + " …"


def _severity_table(report: Report) -> list[str]:
    lines = ["| Severity | Findings |", "|---|---:|"]
    counts = count_by_severity(report.findings)
    lines += [f"| {sev.value} | {n} |" for sev, n in counts.items()]
    return lines


def _app_table(report: Report) -> list[str]:
    header = " | ".join(sev.value for sev in Severity)
    lines = [f"| App | Kind | Functions | {header} |", "|---|---|---:|" + "---:|" * len(Severity)]
    groups = grouped(report.findings, lambda f: (f.app or NO_APP,))
    apps = {app.name: (app.kind, str(len(app.functions))) for app in report.apps}
    rows = []
    for name in dict.fromkeys((*apps, *groups)):
        counts = tuple(count_by_severity(groups.get(name, ())).values())
        rows.append((counts, name, *apps.get(name, ("", ""))))
    rows.sort(key=lambda row: row[0], reverse=True)
    for counts, name, kind, functions in rows[:APP_ROWS]:
        numbers = " | ".join(str(n) for n in counts)
        lines.append(f"| {_cell(name)} | {_cell(kind)} | {functions} | {numbers} |")
    if len(rows) > APP_ROWS:
        lines.append(f"| {len(rows) - APP_ROWS} more apps |" + " |" * (2 + len(Severity)))
    return lines


def _where(finding: Finding) -> str:
    """`orders-api › createOrder`, or the functions an app-wide finding covers."""
    parts = [finding.app or NO_APP]
    functions = finding.functions or ((finding.function,) if finding.function else ())
    if functions:
        parts.append(", ".join(functions))
    return " › ".join(parts)


def _mappings(finding: Finding) -> str:
    rule = finding.rule
    parts = [practice_label(rule.practice)] if rule.practice else []
    for framework, label in FRAMEWORKS.items():
        controls = dict.fromkeys(rule.controls(framework))
        if controls and framework != "practice":
            prefix = "" if framework == "cwe" else f"{label} "
            parts.append(prefix + ", ".join(controls))
    return " · ".join(parts)


def finding_block(finding: Finding) -> str:
    """One finding as a single-line-per-element `<details>` HTML block."""
    rule = finding.rule
    summary = (
        f"<summary><b>{finding.severity.value.upper()}</b> {rule.id} {_html(rule.name)}"
        f" — <code>{_html(finding.location.display)}</code></summary>"
    )
    lines = ["<details>", summary]
    lines.append(f"<p>{_html(_where(finding))}<br>{_html(_clip(finding.message))}</p>")
    if finding.fix:
        lines.append(f"<p><b>Fix</b></p><pre>{_pre(_clip(finding.fix))}</pre>")
    mapped = _mappings(finding)
    if mapped:
        lines.append(f"<p><sub>{_html(mapped)}</sub></p>")
    for change in finding.changes:
        lines.extend(_diff_block(change))
    lines.append("</details>")
    return "\n".join(lines) + "\n"


def _diff_block(change: FixChange) -> list[str]:
    """The exact edit of one fix as a fenced ```diff block (`slsguard fix` would apply it).

    A fenced block is not parsed as Markdown; its fence is longer than any run of
    backticks in the diff, so text from the project cannot close it early.
    """
    applicability = "safe" if change.safe else f"unsafe: {change.unsafe_reason}"
    longest = max((len(run) for run in re.findall(r"`+", change.diff)), default=0)
    fence = "`" * max(3, longest + 1)
    return [
        f"<p><b>Exact edit</b>: {_html(change.title)} ({_html(applicability)})</p>",
        "",
        f"{fence}diff",
        _clip(change.diff).rstrip("\n"),
        fence,
        "",
    ]


def _head(report: Report) -> str:
    lines = [MARKER, "## slsguard", "", _html(summary_line(report))]
    if report.findings:
        lines += ["", *_severity_table(report), "", *_app_table(report), "", "### Findings"]
    return "\n".join(lines) + "\n\n"


def _left_out(count: int) -> str:
    return (
        f"<p><i>{count} more {'finding was' if count == 1 else 'findings were'} left out to"
        f" stay within the {COMMENT_LIMIT:,}-character comment limit: see the full report"
        " (`--format html` or `sarif`).</i></p>\n"
    )


def _blocks(report: Report, group_by: str | None) -> list[str]:
    """Every finding's block, worst first; grouped ones start their group with a heading."""
    if group_by is None:
        return [finding_block(f) for f in worst_first(report.findings)]
    blocks = []
    for control, findings in group(report.findings, group_by):
        title = f"#### {_cell(heading(group_by, control))}\n\n"
        blocks += [(title if i == 0 else "") + finding_block(f) for i, f in enumerate(findings)]
    return blocks


def render(
    report: Report,
    *,
    color: bool = False,
    group_by: str | None = None,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The report as a Markdown comment of at most `limit` characters; `color` is ignored.

    With `group_by` (a framework key or `practice`) the details come under one heading per
    control; a finding that maps to two controls appears under both.
    """
    del color
    out = _head(report)
    blocks = _blocks(report, group_by)
    for shown, block in enumerate(blocks):
        rest = len(blocks) - shown
        note = _left_out(rest - 1) if rest > 1 else ""
        if _size(out) + _size(block) + _size(note) > limit:
            return out + _left_out(rest)
        out += block
    return out
