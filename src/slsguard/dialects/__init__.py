"""Dialects: one home per syntax (`slsguard.model.Dialect` names them).

`for_place(app, origin)` is the dialect a place is written in: a CloudFormation resource in
a Serverless service's `resources:` or a plain `AWS::Lambda::Function` in a SAM template is
CloudFormation; everything else is the application's own dialect. The engine uses it to name
every finding's place natively (`native_address`) and to render every fix intent in the
syntax of the file it points at (`render_fix`); `slsguard fix` asks it for the `Edit`s.

Adding a dialect: a loader that stamps its applications with the new name, plus one module
here with a `DIALECT` that implements `base.Dialect` (see `docs/dialects.md`).
"""

from __future__ import annotations

from collections.abc import Iterable

from slsguard import model
from slsguard.dialects.base import Dialect, Edit, NotApplied, resource_path
from slsguard.findings import Origin
from slsguard.fixes import FreeText, Intent, SetSetting, Target

__all__ = [
    "Dialect",
    "Edit",
    "NotApplied",
    "edits",
    "for_app",
    "for_place",
    "get",
    "name_value",
    "native_address",
    "render_advice",
    "render_fix",
]


def get(name: str) -> Dialect:
    """The dialect with this name (CloudFormation for the kinds without their own module)."""
    from slsguard.dialects import (
        cdk,
        chalice,
        cloudformation,
        live,
        openapi,
        sam,
        serverless,
        terraform,
        zappa,
    )

    table: dict[str, Dialect] = {
        "serverless": serverless.DIALECT,
        "sam": sam.DIALECT,
        "cloudformation": cloudformation.DIALECT,
        "terraform": terraform.DIALECT,
        "live": live.DIALECT,
        "openapi": openapi.DIALECT,
        "cdk": cdk.DIALECT,
        "chalice": chalice.DIALECT,
        "zappa": zappa.DIALECT,
    }
    return table.get(name, cloudformation.DIALECT)


def for_app(app: model.Application) -> Dialect:
    """The application's own dialect."""
    return get(app.kind)


def for_place(app: model.Application, origin: Origin) -> Dialect:
    """The dialect the place at `origin` is written in."""
    path = origin.path
    if app.kind == "serverless" and path[:1] == ("resources",):
        return get("cloudformation")
    found = resource_path(app, path) if app.kind == "sam" else None
    if found is not None and isinstance(app.resources, dict):
        raw = app.resources.get(found[0])
        kind = raw.get("Type") if isinstance(raw, dict) else None
        if isinstance(kind, str) and not kind.startswith("AWS::Serverless::"):
            return get("cloudformation")
    return for_app(app)


def _target_origin(intent: Intent, fallback: Origin) -> Origin:
    target = getattr(intent, "target", None)
    return target.origin if isinstance(target, Target) else fallback


def native_address(app: model.Application, origin: Origin) -> str:
    """The place as its dialect names it."""
    return for_place(app, origin).name_of(app, origin)


def render_fix(app: model.Application, intents: Iterable[Intent], origin: Origin) -> str:
    """The fix text of a finding: each intent in the syntax of the place it changes."""
    parts: list[str] = []
    bodies: set[str] = set()
    for group in _grouped(app, list(intents), origin):
        dialect = for_place(app, _target_origin(group[0], origin))
        settings = [i for i in group if isinstance(i, SetSetting)]
        if len(group) > 1 and len(settings) == len(group) and hasattr(dialect, "render_settings"):
            text = dialect.render_settings(app, settings).rstrip("\n")
        else:
            text = "\n".join(dialect.render(app, i).rstrip("\n") for i in group)
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        if text and (not body or body not in bodies):  # One block can carry two intents.
            parts.append(text)
            bodies.add(body)
    return "\n".join(parts)


def name_value(app: model.Application, value: object) -> str:
    """A value of the model as the app's dialect writes it: a reference to one of its
    resources by Terraform address (`aws_dynamodb_table.payments.arn`), else as rendered
    (`!GetAtt Table.Arn`, a literal ARN)."""
    naming = getattr(for_app(app), "name_value", None)
    named = naming(app, value) if naming is not None else None
    return named if isinstance(named, str) else model.render(value).strip()


def render_advice(intents: Iterable[Intent]) -> str:
    """The fix of a finding about a file no application was read from (a parse error, a
    settings file): each intent in words, as `#` comments, which YAML, HCL and TOML all read."""
    from slsguard.dialects.template import comment

    texts = [i.text if isinstance(i, FreeText) else i.title for i in intents]
    return comment([line for text in texts for line in text.splitlines()]).rstrip("\n")


def _grouped(app: model.Application, intents: list[Intent], origin: Origin) -> list[list[Intent]]:
    """Consecutive settings of one target together (written as one block), the rest alone."""
    groups: list[list[Intent]] = []
    for intent in intents:
        last = groups[-1][-1] if groups else None
        same = (
            isinstance(intent, SetSetting)
            and isinstance(last, SetSetting)
            and last.target == intent.target
        )
        if same:
            groups[-1].append(intent)
        else:
            groups.append([intent])
    return groups


def edits(
    app: model.Application, intents: Iterable[Intent], origin: Origin
) -> list[Edit | NotApplied]:
    """The exact edits of a finding's intents (for `slsguard fix`), in order."""
    return [for_place(app, _target_origin(intent, origin)).edit(app, intent) for intent in intents]
