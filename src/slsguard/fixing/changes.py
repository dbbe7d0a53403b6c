"""Each finding's exact fixes as data for reports: SARIF `fixes`, Markdown ```` ```diff ````.

Every fix intent that has an exact edit is planned on its own (as if it were the only fix,
unsafe ones included, each marked), and its edits become `Replacement`s against the file
as it is now, plus a unified diff with secrets masked. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from slsguard.findings import Finding, FixChange, Replacement, Report
from slsguard.fixing.diffs import mask_secrets
from slsguard.fixing.plan import FilePlan, Proposal, plan
from slsguard.fixing.text import Edit
from slsguard.model import Application
from slsguard.secrets.detect import mask_text


def with_changes(report: Report, apps: Sequence[Application], root: Path, cwd: Path) -> Report:
    """`report` whose findings carry the exact edits of their fixes."""
    from slsguard.fixing.proposals import proposals_of

    by_name = {app.name: app for app in apps}

    def attach(finding: Finding) -> Finding:
        app = by_name.get(finding.app)
        if app is None or not finding.intents:
            return finding
        changes = [_change(p, root, cwd) for p in proposals_of(finding, app)]
        found = tuple(change for change in changes if change is not None)
        return replace(finding, changes=found) if found else finding

    return replace(report, findings=tuple(attach(finding) for finding in report.findings))


def _change(proposal: Proposal, root: Path, cwd: Path) -> FixChange | None:
    result = plan([proposal], root, cwd, unsafe=True)
    if not result.outcomes[0].applied or not result.changed:
        return None
    if any(len(file_plan.rounds) != 1 for file_plan in result.changed):
        return None  # One fix alone is decided in one round; anything else is not exact here.
    replacements = tuple(
        _replacement(file_plan, edit)
        for file_plan in result.changed
        for edit in sorted(file_plan.rounds[0], key=lambda edit: (edit.start, edit.end))
    )
    diff = "".join(mask_secrets(file_plan.diff()) for file_plan in result.changed)
    # The title names the place (`route GET /hook/...`): text from the project, masked too.
    title, reason = mask_text(proposal.title), mask_text(proposal.unsafe_reason)
    return FixChange(title, proposal.safe, replacements, diff, reason)


def _replacement(file_plan: FilePlan, edit: Edit) -> Replacement:
    text = file_plan.source.text
    start_line, start_column = _utf16_position(text, edit.start)
    end_line, end_column = _utf16_position(text, edit.end)
    inserted = mask_secrets(edit.new)
    return Replacement(file_plan.display, start_line, start_column, end_line, end_column, inserted)


def _utf16_position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and UTF-16 column of a character offset (SARIF's default column kind)."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, len(text[start:offset].encode("utf-16-le")) // 2 + 1
