"""Which fixes `slsguard fix` applies, in which files, and why the others are not applied.

Each finding's intents arrive as `Proposal`s: a title, whether the fix is safe (and if not,
why), and its located requests, the fix and the grants it needs (or the reason there are
none). `plan` decides, proposal by proposal in the findings' order: unsafe ones wait for
`--unsafe-fixes`; generated files, links and paths outside the project are refused; a
request that cannot be made exactly, or that would leave the file unparsable, is not
applied, with that reason; one whose edits touch a place an earlier fix changed is tried
again on the edited text in the next round. Nothing is guessed. The plan holds the edited
text of every file; the command writes or diffs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from slsguard.findings import Finding
from slsguard.fixing.files import check_editable, edited_text, is_hcl, read_source
from slsguard.fixing.hcl_edit import HclDocument
from slsguard.fixing.requests import Document, Request, text_edits
from slsguard.fixing.text import Edit, EditError, Source, apply_edits, first_conflict
from slsguard.fixing.yaml_edit import YamlDocument

GENERATED = frozenset({"cdk.out", ".serverless", ".aws-sam", ".terraform", "node_modules"})
"""Folders whose files a tool writes: a fix there would be overwritten (fix the source)."""


@dataclass(frozen=True, slots=True)
class Proposal:
    """One intent of one finding, as its dialect proposes to apply it."""

    finding: Finding
    title: str
    safe: bool
    unsafe_reason: str = ""
    requests: tuple[Request, ...] = ()
    """The fix, then the grants it needs: applied together or not at all."""
    no_edit: str = ""
    """Why there is no exact edit (when `requests` is empty)."""


CONFLICT = "another fix changes the same place first"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a proposal: applied or not, and why not."""

    proposal: Proposal
    applied: bool
    reason: str = ""
    file: str = ""


@dataclass(slots=True)
class FilePlan:
    """One file to change: its original, the text so far, and this round's accepted edits.

    Fixes are decided in rounds, as ruff does: edits of one round are spans of the text the
    round started from; a fix that touched a place an earlier fix of the same round changed
    is tried again on the text after that round (its request names key paths, not offsets).
    """

    path: Path
    display: str
    original: bytes
    source: Source
    document: Document
    edits: list[Edit] = field(default_factory=list)
    base: str = ""
    claimed: set[str] = field(default_factory=set)
    """What earlier rounds set (edit targets): a later fix may not set it differently."""
    rounds: list[list[Edit]] = field(default_factory=list)
    """The edits of each finished round, against the text that round started from."""

    def __post_init__(self) -> None:
        self.base = self.base or self.source.text

    def new_text(self) -> str:
        """The text with every accepted edit applied."""
        return apply_edits(self.base, self.edits)

    def commit(self) -> None:
        """End a round: its edits become the text the next round edits."""
        if not self.edits:
            return
        self.base = self.new_text()
        self.claimed.update(edit.target for edit in self.edits if edit.target)
        self.rounds.append(self.edits)
        self.edits = []
        current = Source(self.base, self.source.bom, self.source.newline)
        self.document = HclDocument(current) if is_hcl(self.path) else YamlDocument(current)

    def new_bytes(self) -> bytes:
        """The bytes to write (BOM and line endings as the file had them)."""
        return self.source.encode(self.new_text())

    def diff(self) -> str:
        """A unified diff of the change (`a/` and `b/` paths, as `git diff` writes them)."""
        from slsguard.fixing.diffs import unified_diff

        return unified_diff(self.display, self.source.text, self.new_text())


@dataclass(slots=True)
class Plan:
    """Every outcome, and the files that change."""

    outcomes: list[Outcome] = field(default_factory=list)
    files: dict[str, FilePlan] = field(default_factory=dict)

    @property
    def changed(self) -> list[FilePlan]:
        """The files with at least one accepted edit, in path order."""
        return [plan for _, plan in sorted(self.files.items()) if plan.rounds or plan.edits]

    @property
    def applied(self) -> list[Outcome]:
        """The outcomes that change a file."""
        return [outcome for outcome in self.outcomes if outcome.applied]

    @property
    def not_applied(self) -> list[Outcome]:
        """The outcomes left as they were, each with its reason."""
        return [outcome for outcome in self.outcomes if not outcome.applied]


MAX_ROUNDS = 20
"""Rounds of fixes that met at one place (each round applies at least one more)."""


def plan(proposals: list[Proposal], root: Path, cwd: Path, unsafe: bool) -> Plan:
    """Decide every proposal in order; the first fix to claim a place wins it."""
    result = Plan()
    failed: dict[str, str] = {}  # Files that cannot be edited at all, and why.
    pending = list(proposals)
    for _ in range(MAX_ROUNDS):
        deferred: list[Outcome] = []
        for proposal in pending:
            outcome = _decide(proposal, result, failed, root, cwd, unsafe)
            (deferred if outcome.reason == CONFLICT else result.outcomes).append(outcome)
        progressed = any(file_plan.edits for file_plan in result.files.values())
        for file_plan in result.files.values():
            file_plan.commit()
        if not deferred or not progressed:
            result.outcomes.extend(deferred)
            break
        pending = [outcome.proposal for outcome in deferred]
    else:
        result.outcomes.extend(deferred)
    return result


def _decide(
    proposal: Proposal,
    result: Plan,
    failed: dict[str, str],
    root: Path,
    cwd: Path,
    unsafe: bool,
) -> Outcome:
    """Accept every request of the proposal (the fix and the grants it needs) or none."""
    if not proposal.requests:
        return Outcome(proposal, False, proposal.no_edit or "no exact edit for this fix")
    first = proposal.requests[0].file
    if not proposal.safe and not unsafe:
        reason = f"unsafe ({proposal.unsafe_reason}); use --unsafe-fixes to apply it"
        return Outcome(proposal, False, reason, first)
    staged: list[tuple[FilePlan, list[Edit]]] = []
    for request in proposal.requests:
        file_plan = _file_plan(request.file, result, failed, root, cwd)
        if isinstance(file_plan, str):
            return Outcome(proposal, False, file_plan, request.file)
        earlier = [edit for plan_, edits in staged if plan_ is file_plan for edit in edits]
        edits = _edits(request, file_plan, earlier)
        if isinstance(edits, str):
            return Outcome(proposal, False, edits, request.file)
        staged.append((file_plan, edits))
    for file_plan, edits in staged:
        file_plan.edits.extend(edit for edit in edits if edit not in file_plan.edits)
    return Outcome(proposal, True, "", first)


def _file_plan(
    name: str, result: Plan, failed: dict[str, str], root: Path, cwd: Path
) -> FilePlan | str:
    """The plan of one file (opened once), or why it cannot be edited."""
    if name in failed:
        return failed[name]
    file_plan = result.files.get(name)
    if file_plan is None:
        try:
            file_plan = _open(cwd / name, name, root)
        except EditError as error:
            failed[name] = str(error)
            return str(error)
        result.files[name] = file_plan
    return file_plan


def _edits(request: Request, file_plan: FilePlan, staged: list[Edit]) -> list[Edit] | str:
    """The request's new edits in the file, or why they cannot be made."""
    try:
        edits = text_edits(file_plan.document, request)
    except EditError as error:
        return str(error)
    base = file_plan.base
    accepted = [*file_plan.edits, *staged]
    edits = [e for e in edits if e not in accepted and base[e.start : e.end] != e.new]
    if any(edit.target in file_plan.claimed for edit in edits):
        return "an earlier fix already sets this differently"
    if first_conflict(accepted, edits) is not None:
        return CONFLICT
    current = Source(base, file_plan.source.bom, file_plan.source.newline)
    try:
        edited_text(file_plan.path, current, [*accepted, *edits])
    except EditError as error:
        return str(error)
    return edits


def _open(path: Path, display: str, root: Path) -> FilePlan:
    generated = GENERATED.intersection(Path(display).parts)
    if generated:
        folder = sorted(generated)[0]
        raise EditError(f"{display} is generated (under {folder}/): fix the source it comes from")
    if display.endswith(".tf.json"):
        raise EditError(f"{display} is Terraform JSON: slsguard writes Terraform fixes in HCL only")
    check_editable(path, root)
    original = path.read_bytes()
    source = read_source(path)
    document: Document = HclDocument(source) if is_hcl(path) else YamlDocument(source)
    return FilePlan(path, display, original, source, document)
