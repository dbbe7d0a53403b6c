"""Each finding's exact fixes as data for reports: SARIF `fixes`, Markdown ```` ```diff ````.

Every fix intent that has an exact edit is planned on its own (as if it were the only fix,
unsafe ones included, each marked), and its edits become `Replacement`s against the file
as it is now, plus a unified diff with secrets masked. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from slsguard.findings import Finding, FixChange, Replacement
from slsguard.fixing.diffs import mask_secrets
from slsguard.fixing.plan import FilePlan, Proposal, plan
from slsguard.fixing.text import Edit
from slsguard.model import Application
from slsguard.secrets.detect import mask_text


def with_changes(findings: Iterable[Finding], app: Application, root: Path) -> list[Finding]:
    """The findings of `app`, each carrying the exact edits of its fixes (file names are
    relative to `root`). The scan attaches them while the application is at hand, in
    whichever process judged it."""
    from slsguard.fixing.proposals import proposals_of

    def attach(finding: Finding) -> Finding:
        if not finding.intents:
            return finding
        changes = [_change(p, root, root) for p in proposals_of(finding, app)]
        found = tuple(change for change in changes if change is not None)
        return replace(finding, changes=found) if found else finding

    return [attach(finding) for finding in findings]


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
