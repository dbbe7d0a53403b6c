"""The interface every dialect implements, and what `slsguard fix` receives from it.

A dialect is one syntax's home (`slsguard.model.Dialect` names them). It knows three things
and nothing outside it knows them:

- `name_of(app, origin)`: the place the way the user writes it, its *native address*
  (`functions.create.events[0].httpApi`, `MyFunction.Properties.Runtime`,
  `aws_lambda_function.charge.runtime`, an ARN). Messages, locations, fingerprints, SARIF
  logical locations and inventory names use it.
- `render(app, intent)`: a fix intent (`slsguard.fixes`) as the text to write, in the
  dialect's own syntax, for people to read (text, Markdown, SARIF `fix` descriptions).
- `edit(app, intent)`: the same intent as an `Edit` for `slsguard fix`, or `NotApplied`
  with the reason when no exact edit exists (a value from a variable defined elsewhere, a
  generated file, free text). The dialect decides *what* and *where* in model/native terms;
  `slsguard.fixing` turns an `Edit` into byte-preserving text changes in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from slsguard import model
from slsguard.findings import KeyPath, Origin
from slsguard.fixes import (
    SAFE,
    AddedKind,
    AddResource,
    Applicability,
    Intent,
    MoveToSecret,
    SetSetting,
)

EditAction = Literal["set", "insert", "append", "replace", "remove"]


@dataclass(frozen=True, slots=True)
class Edit:
    """One exact change `slsguard fix` makes for an intent, located in one file.

    - `set`: set `key` to `text` (a rendered scalar, or a rendered block for a nested key)
      inside the mapping/block opened at `anchor` (replacing the value when `key` exists);
    - `insert`: add `text` (a rendered block, indentation relative to `anchor`'s children)
      inside the mapping/block opened at `anchor`;
    - `append`: add `text` (a whole new resource/entry) at the end of the collection opened at
      `anchor` (CloudFormation `Resources`, a Serverless `resources.Resources`; for HCL, the end
      of `file`, with `anchor` empty);
    - `replace`: replace the value written at `anchor` with `text`;
    - `remove`: remove the entry written at `anchor` (a statement, a policy).

    `anchor` is the key path of the node as the loader recorded it (`Origin.path` for YAML and
    JSON; for HCL the native argument path, with `line`/`column` where its block starts), so a
    text editor can find it without re-deriving anything. `text` is in the file's syntax,
    unindented: the editor indents it to fit.
    """

    file: str
    anchor: KeyPath
    line: int
    column: int
    action: EditAction
    text: str
    key: str = ""
    applicability: Applicability = SAFE
    title: str = ""


@dataclass(frozen=True, slots=True)
class NotApplied:
    """Why an intent has no exact edit: listed by `slsguard fix`, never guessed."""

    reason: str
    title: str = ""


class Dialect(Protocol):
    """One syntax's home: it names places natively, renders and edits fix intents."""

    @property
    def name(self) -> model.Dialect:
        """The dialect's name in the model vocabulary."""
        ...

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """The native address of a place written in this dialect."""
        ...

    def render(self, app: model.Application, intent: Intent) -> str:
        """The intent as text in this dialect's syntax (never empty)."""
        ...

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """The exact edit that applies the intent, or why there is none."""
        ...


def resource_path(app: model.Application, path: KeyPath) -> tuple[str, KeyPath] | None:
    """(logical id, the path under the resource) when `path` is inside one of the app's
    resources, written as `Resources.X...`, `resources.Resources.X...` or `X...`."""
    for prefix in (("Resources",), ("resources", "Resources"), ()):
        if path[: len(prefix)] != prefix or len(path) <= len(prefix):
            continue
        logical = path[len(prefix)]
        resources = app.resources
        if isinstance(logical, str) and isinstance(resources, dict) and logical in resources:
            return logical, path[len(prefix) + 1 :]
    return None


_NEW_RESOURCE_RISK = {
    "log-group": "a new /aws/lambda/ log group fails the deploy if Lambda already created it",
}


def new_resource_for(intent: SetSetting, kind: AddedKind) -> AddResource:
    """A setting a dialect writes as a resource of its own (a function's log retention as a
    log group), with the deploy risk that adds."""
    risk = _NEW_RESOURCE_RISK.get(kind, "")
    reasons = [r for r in (intent.applicability.reason, risk) if r]
    applicability = Applicability(False, "; ".join(reasons)) if reasons else intent.applicability
    return AddResource(
        intent.target,
        kind,
        (("value", intent.value), (intent.setting, intent.value)),
        applicability,
        intent.grants,
        intent.note,
    )


_STORES = {"ssm": "SSM Parameter Store (a SecureString)", "secretsmanager": "Secrets Manager"}


def secret_note(intent: MoveToSecret) -> str:
    """What a moved secret asks of the user, in words every dialect shares."""
    # No `VARIABLE: word` here: masking would take the word for the variable's value.
    stored = "" if intent.parameter else f"store the value in {_STORES[intent.store]}, and "
    return (
        f"{intent.reference_name} replaces {intent.variable}; {stored}the handler reads the "
        "value at run time by that name"
    )


def secret_not_applied(intent: MoveToSecret) -> NotApplied:
    """A moved secret is never applied by `slsguard fix`: the handler's code must change."""
    return NotApplied(
        "the handler must be changed to read the secret at run time (and the secret stored)",
        intent.title,
    )
