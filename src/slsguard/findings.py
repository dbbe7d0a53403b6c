"""Findings and where they point: severities, locations, violations, findings, the report.

Rules yield `Violation`s that name a place in the model (an `Origin`) or in code; the
engine turns them into `Finding`s with a `Location`, the rule's metadata and a fingerprint.
Every type here is a frozen value, so formats and baselines can share them freely.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable

    from slsguard.fixes import Intent


class Severity(enum.Enum):
    """How bad a finding is; ordered from worst to harmless."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info: larger is worse."""
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """The severity named by `text` (case-insensitive); ValueError when unknown."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


class Confidence(enum.Enum):
    """How sure a finding is to be right: what a rule can know statically, per finding.

    A rule declares its confidence; a finding may lower it (never raise it) with a reason,
    e.g. an unresolved value on the path or a wrapper the analysis does not understand.
    """

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """2 for high down to 0 for low: larger is surer."""
        return {Confidence.HIGH: 2, Confidence.MEDIUM: 1, Confidence.LOW: 0}[self]

    @classmethod
    def parse(cls, text: str) -> Confidence:
        """The confidence named by `text` (case-insensitive); ValueError when unknown."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown confidence {text!r} (expected one of: high, medium, low)"
            ) from None


_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}

KeyPath = tuple["str | int", ...]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a model value was written: a file, its key path and the resolved position."""

    file: str
    path: KeyPath = ()
    line: int = 1
    column: int = 1

    def child(self, key: str | int, line: int | None = None, column: int | None = None) -> Origin:
        """The origin of a value nested under this one."""
        return Origin(
            self.file,
            (*self.path, key),
            self.line if line is None else line,
            self.column if column is None else column,
        )


def name_list(names: Iterable[str], limit: int = 4) -> str:
    """`create, list` or `create, list, get, update and 3 more`: a list of names in a message
    is never cut without saying how many were left out."""
    unique = list(dict.fromkeys(names))
    more = len(unique) - limit
    return ", ".join(unique[:limit]) + (f" and {more} more" if more > 0 else "")


def format_path(path: KeyPath) -> str:
    """`functions.create.events[0].http` from ('functions', 'create', 'events', 0, 'http')."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(("." if out else "") + part)
    return "".join(out)


LocationKind = Literal["template", "source", "cloud"]


@dataclass(frozen=True, slots=True)
class Location:
    """One place a finding points at: a template key, a span of source code, or a cloud ARN."""

    kind: LocationKind
    file: str | None = None
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0
    key_path: KeyPath = ()
    symbol: str | None = None
    """For source locations: the enclosing function or handler."""
    snippet: str = ""
    """For source locations: the normalised text of the line (used by the fingerprint)."""
    arn: str | None = None
    region: str | None = None
    account: str | None = None
    address: str = ""
    """The place as its dialect names it (`aws_lambda_function.charge.runtime`,
    `functions.create.events[0].http`, `MyFunction.Properties.Runtime`): set by the engine."""
    dialect: str = ""
    """The dialect the place is written in (`slsguard.model.Dialect`), when known."""
    legacy_path: KeyPath = ()
    """The key path an internal translation used (Terraform as CloudFormation), kept only for
    `Finding.fingerprint_v1`; never shown."""

    @classmethod
    def of(cls, origin: Origin) -> Location:
        """The template location of a model origin."""
        return cls("template", origin.file, origin.line, origin.column, key_path=origin.path)

    @property
    def display(self) -> str:
        """`file:line:column`, or the ARN for cloud locations."""
        if self.kind == "cloud" and self.arn:
            return self.arn
        if self.line:
            return f"{self.file}:{self.line}:{self.column}"
        return self.file or "?"

    @property
    def place(self) -> str:
        """The native address, else the key path as recorded."""
        return self.address or format_path(self.key_path)

    def identity(self) -> str:
        """The part of a fingerprint that names this place without its line number."""
        if self.kind == "template":
            return f"{self.file}|{self.place}"
        if self.kind == "source":
            return f"{self.file}|{self.symbol or ''}|{' '.join(self.snippet.split())}"
        return f"{self.arn}|{format_path(self.key_path)}"


@dataclass(frozen=True, slots=True)
class FlowStep:
    """One place on a taint path in handler code: the source, a step it passes, the sink."""

    file: str
    line: int
    column: int
    text: str
    """What happens there: `event["body"] (HTTP body of POST /orders)`, `cmd = f"..."`."""


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule reports: a place, a concrete message, and how to fix it."""

    origin: Origin
    message: str
    fix: str = ""
    severity: Severity | None = None
    """Overrides the rule's default severity when the evidence warrants it."""
    function: str | None = None
    """The function the finding concerns, when there is one."""
    subject: str = ""
    """What distinguishes two violations of one rule at one place (an action, a variable)."""
    functions: tuple[str, ...] = ()
    """Every function the finding concerns, when it is about several (a shared role)."""
    location: Location | None = None
    """A source-code place (kind `source`), used instead of `origin` when set."""
    flow: tuple[FlowStep, ...] = ()
    """For taint findings in handler code: source → steps → sink."""
    intents: tuple[Intent, ...] = ()
    """The fix as intents (`slsguard.fixes`): the engine renders them in the dialect of the
    place they change (into `Finding.fix`) unless `fix` is already written."""
    confidence: Confidence | None = None
    """Lowers the rule's confidence for this finding (never raises it); say why in
    `confidence_reason`."""
    confidence_reason: str = ""


@dataclass(frozen=True, slots=True)
class Replacement:
    """One exact text change of a fix: a region of a file (1-based lines, columns in UTF-16
    code units as SARIF counts them; empty for an insertion) and the text that replaces it."""

    file: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    inserted: str


@dataclass(frozen=True, slots=True)
class FixChange:
    """The exact edit of one fix of a finding, as `slsguard fix` would make it alone."""

    title: str
    safe: bool
    replacements: tuple[Replacement, ...]
    diff: str
    """A unified diff of the change, secrets masked."""
    unsafe_reason: str = ""


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """The metadata of a rule that findings and formats need."""

    id: str
    name: str
    severity: Severity
    summary: str
    practice: str
    mappings: tuple[tuple[str, str], ...] = ()
    """(framework key, control) pairs: ("cwe", "CWE-798"), ("pci-dss-4.0", "8.6.2"), ..."""
    doc: str = ""
    default_enabled: bool = True
    confidence: Confidence = Confidence.HIGH
    """How often the rule's findings are right, as far as its analysis can tell."""
    dialects: tuple[str, ...] = ()
    """The template syntaxes the rule judges (`slsguard.model.Dialect` names); empty for
    rules about handler code, manifests and CI files, whatever deploys them."""

    def controls(self, framework: str) -> tuple[str, ...]:
        """The controls this rule maps to in one framework."""
        return tuple(control for key, control in self.mappings if key == framework)


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding is accepted: an inline ignore comment or a template `Metadata` entry."""

    reason: str
    file: str
    line: int
    kind: Literal["inSource"] = "inSource"
    """The SARIF suppression kind: written in the scanned files themselves."""


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation with its rule, severity, location and the app it belongs to."""

    rule: RuleInfo
    severity: Severity
    message: str
    location: Location
    fix: str = ""
    app: str = ""
    function: str | None = None
    subject: str = ""
    functions: tuple[str, ...] = ()
    """Every function the finding concerns (`function` alone when there is one)."""
    suppression: Suppression | None = None
    """Set on the findings in `Report.suppressed`: the ignore that accepted it."""
    flow: tuple[FlowStep, ...] = ()
    """For taint findings in handler code: source → steps → sink."""
    intents: tuple[Intent, ...] = ()
    """The fix as intents, for `slsguard fix` (`fix` is their rendering)."""
    changes: tuple[FixChange, ...] = ()
    """The exact edits of the intents that have one (filled in for SARIF and Markdown)."""
    confidence: Confidence = Confidence.HIGH
    confidence_reason: str = ""
    """Why the confidence is below the rule's, when it is."""

    def concerns(self, function: str) -> bool:
        """Whether the finding is about `function`."""
        return self.function == function or function in self.functions

    occurrence: int = 0
    """Which of the findings with the same fingerprint key this is, in file order (0 first):
    set by the engine so that identical findings at one place keep distinct fingerprints."""

    def fingerprint_key(self) -> str:
        """What fingerprint v2 hashes: rule, path, native address (or sink text), subject."""
        return f"{self.rule.id}|{self.location.identity()}|{self.subject}"

    @property
    def fingerprint(self) -> str:
        """Fingerprint v2: a stable identity that survives edits elsewhere in the file.

        Rule + the file's project-relative path + the place's native address (for code, the
        enclosing function and the normalised sink line) + what distinguishes findings at one
        place, + the occurrence index among identical keys; never a line number.
        """
        text = f"v2|{self.fingerprint_key()}|{self.occurrence}"
        return _digest(text)

    @property
    def fingerprint_v1(self) -> str:
        """The fingerprint of releases before v2 (baselines of `"version": 1` still match)."""
        location = self.location
        path = location.legacy_path or location.key_path
        if location.kind == "template":
            identity = f"{location.file}|{format_path(path)}"
        else:
            identity = location.identity()
        text = f"{self.rule.id}|{identity}|{self.subject}"
        return _digest(text)


def _digest(text: str) -> str:
    # surrogatepass: a file name that is not UTF-8 still has a stable fingerprint
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ReferenceData:
    """A bundled dataset a scan relied on, with its version and date (YYYY-MM-DD)."""

    name: str
    version: str
    date: str
    source: str


MAX_SHARED_NAMES = 20


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    """One function at a glance: what reaches it, what it runs as, how it is watched."""

    name: str
    runtime: str | None = None
    triggers: tuple[str, ...] = ()
    """One line per trigger: `POST /orders (httpApi, public, no auth)`, `sqs orders-queue`."""
    role: str = ""
    role_shared_with: tuple[str, ...] = ()
    """The other functions running as the same role: the first `MAX_SHARED_NAMES` of them
    (listing all 9,999 others on each of 10,000 functions would make reports quadratic)."""
    role_shared_count: int = 0
    """How many other functions run as the same role (all of them, listed or not)."""
    admin: bool = False
    """The role has an admin or full-access policy or a `*` action."""
    secrets: tuple[str, ...] = ()
    """Environment variables that hold or materialize secrets."""
    monitoring: tuple[str, ...] = ()
    """What watches it: `tracing`, `alarm`, `log retention 30 d`, ..."""
    packages: tuple[PackageSummary, ...] = ()
    """The third-party packages it ships (from its dependency files and layers)."""
    address: str = ""
    """The function as its syntax names it: `aws_lambda_function.charge`,
    `module.receipts.aws_lambda_function.worker`, `functions.createOrder`, `ResizeFunction`."""


@dataclass(frozen=True, slots=True)
class PackageSummary:
    """A third-party package a function ships, as the inventory, reports and SBOM show it."""

    ecosystem: str
    name: str
    version: str | None
    """None when only a range is declared (nothing locks it)."""
    purl: str
    file: str
    line: int
    direct: bool = True
    vulnerabilities: tuple[str, ...] = ()
    """The ids of the known vulnerabilities of this version, when the packages were audited."""


@dataclass(frozen=True, slots=True)
class AppSummary:
    """What was scanned: one application and its functions."""

    name: str
    kind: str
    file: str
    functions: tuple[str, ...]
    details: tuple[FunctionSummary, ...] = ()
    """One summary per function, in the order of `functions`."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a format needs to render one scan."""

    findings: tuple[Finding, ...]
    apps: tuple[AppSummary, ...] = ()
    reference_data: tuple[ReferenceData, ...] = ()
    files_scanned: int = 0
    duration_seconds: float = 0.0
    tool_version: str = ""
    rules: tuple[RuleInfo, ...] = field(default=())
    suppressed: tuple[Finding, ...] = ()
    """Findings an inline ignore accepted: not in `findings`, never counted by the exit code."""
    baselined: int = 0
    """How many findings a `--baseline` file accepted (left out of `findings`)."""
    started_at: datetime | None = None
    """When the scan started (timezone-aware, UTC); reports that need a time use it."""
    source_prefix: str = ""
    """The project root relative to the git top level (`services/api`; empty when they are
    the same or outside git): SARIF names files from the top level, as code scanning does."""


def number_occurrences(findings: list[Finding]) -> list[Finding]:
    """The findings with their occurrence index among identical fingerprint keys, counted in
    file order (line, then column), so that identical findings get distinct fingerprints."""
    seen: dict[str, int] = {}
    numbered: dict[int, Finding] = {}
    order = sorted(
        range(len(findings)),
        key=lambda i: (findings[i].location.line, findings[i].location.column, i),
    )
    for index in order:
        finding = findings[index]
        key = finding.fingerprint_key()
        count = seen.get(key, 0)
        seen[key] = count + 1
        numbered[index] = replace(finding, occurrence=count) if count else finding
    return [numbered[i] for i in range(len(findings))]
