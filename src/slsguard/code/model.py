"""Values shared by the code analysers: handler sources, taint, event references, hits."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from slsguard.findings import FlowStep, Location, Origin, Severity

Language = Literal["python", "javascript", "typescript", "go"]
Shape = Literal["text", "object", "json"]
"""`object`: a mapping of strings (query string); `json`: parsed JSON, any type."""
Exposure = Literal["public", "internal", "scheduled", "direct"]
"""How reachable the attacker-controlled input is: `public` (an HTTP endpoint without
authentication), `internal` (authenticated or another AWS service), `scheduled` (only
schedules: the event is the template's, only a direct invocation could change it), `direct`."""


DEBUG_LEVEL_DOUBT = (
    "logged at debug level: written only when the function's log level is DEBUG "
    "(`LOG_LEVEL`, `POWERTOOLS_LOG_LEVEL`, the logger's own level)"
)
"""Why a sensitive value logged by a `debug` call is low severity and low confidence."""

JWT_BY_HAND = "a JWT payload decoded by hand"
"""The subject of a JWT payload base64-decoded by hand (SLS610): reported only on routes
without an authorizer, since behind one that verifies the token, reading its claims by
hand is safe."""


@dataclass(frozen=True, slots=True)
class HandlerSource:
    """The code of one function: the file, the handler symbol, where it came from."""

    function: str
    language: Language
    path: Path
    """The file on disk (the template itself for inline code)."""
    display: str
    """The path shown in findings."""
    symbol: str
    root: Path
    """The code root (service directory, `CodeUri`): local imports resolve from here."""
    scan_root: Path
    text: str | None = None
    """Inline code (CloudFormation `ZipFile`, SAM `InlineCode`); None for files."""
    line_map: tuple[int, ...] = ()
    """For inline code: the template line of each code line."""
    column_offset: int = 0


@dataclass(frozen=True, slots=True)
class SourceField:
    """An event field an attacker controls for one trigger."""

    path: tuple[str, ...]
    """Keys into the event; `[]` is any element of a list: ("Records", "[]", "body")."""
    label: str
    """`the SQS message body`, `the query string`."""
    trigger: str
    """`POST /orders (httpApi, public, no auth)`, `sqs orders-queue`."""
    shape: Shape = "text"


@dataclass(frozen=True, slots=True)
class Sources:
    """What is attacker-controlled in a function's event, and how exposed it is."""

    fields: tuple[SourceField, ...] = ()
    whole_event: str | None = None
    """The trigger description when the whole event is input (direct invocation, unknown)."""
    exposure: Exposure = "internal"
    validated: bool = False
    """The gateway validates the request body against a schema (lowers severity)."""
    fixed_hosts: frozenset[str] = frozenset()
    """Environment variables whose configured value fixes a URL's scheme and host (a `/`
    follows the host, as in `${OrdersApiUrl}/backend/`): `BASE + order_id` only adds a path."""


@dataclass(frozen=True, slots=True)
class Taint:
    """Attacker-controlled data and the path it took so far."""

    field: str
    trigger: str
    steps: tuple[FlowStep, ...]
    sanitized: frozenset[str] = frozenset()
    """Sink kinds this value is safe for (`command` after `shlex.quote`, `path` after
    `os.path.basename`, `ssrf` when the URL's host is fixed)."""
    shape: Shape = "text"
    exact: bool = False
    """The whole source field itself (all the headers), not a part of it."""
    doubt: str = ""
    """Why the path may not carry the data as shown (it passed through a method whose effect
    is not known): lowers the confidence of the finding it leads to."""

    def step(self, item: FlowStep) -> Taint:
        """This taint with one more step (consecutive duplicates are dropped)."""
        if (self.steps and self.steps[-1] == item) or len(self.steps) >= 12:
            return self
        return replace(self, steps=(*self.steps, item))

    def doubted(self, reason: str) -> Taint:
        """This taint, with a reason to doubt the path (the first reason is kept)."""
        return self if self.doubt else replace(self, doubt=reason)

    def safe_for(self, kinds: frozenset[str]) -> Taint:
        """This taint, marked safe for more sink kinds."""
        return replace(self, sanitized=self.sanitized | kinds, exact=False)

    def shaped(self, shape: Shape) -> Taint:
        """A part or transformation of the data, with its shape (`json` once parsed)."""
        return replace(self, shape=shape, exact=False)


@dataclass(frozen=True, slots=True)
class EventRef:
    """A part of the event that is not attacker-controlled itself but may contain such data."""

    path: tuple[str, ...] = ()


Value = Taint | EventRef | None


@dataclass(frozen=True, slots=True)
class Hit:
    """A finding in code before it becomes a violation: what, where, and the flow if any."""

    kind: str
    """The rule name it belongs to: `os-command-injection`, `hardcoded-secret-in-code`."""
    location: Location
    message: str
    fix: str
    taint: Taint | None = None
    subject: str = ""
    functions: tuple[str, ...] = ()
    severity: Severity | None = None
    """A severity the evidence itself sets (a live token, a placeholder)."""


@dataclass(frozen=True, slots=True)
class CodeNote:
    """A not-analysed (SLS004) or parse-error (SLS001) note about handler code."""

    rule_id: str
    origin: Origin
    message: str
    fix: str
    function: str | None = None
    functions: tuple[str, ...] = ()
    """Every function the note is about, when several share the missing handler file."""


@dataclass(frozen=True, slots=True)
class FunctionCode:
    """The analysis of one function's handler: its hits and its exposure."""

    function: str
    sources: Sources
    hits: tuple[Hit, ...] = field(default=())


def source_location(
    display: str, line: int, column: int, end: tuple[int, int], symbol: str, snippet: str
) -> Location:
    """A `source` Location with the normalised sink line as its fingerprint snippet."""
    return Location(
        "source",
        display,
        line,
        column,
        end[0],
        end[1],
        symbol=symbol,
        snippet=" ".join(snippet.split()),
    )
