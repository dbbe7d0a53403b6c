"""Dialects of frameworks configured by one settings file (Chalice, Zappa).

Their loaders write the project into CloudFormation-shaped resources, each recording its
native address in `Metadata` (`stages.prod`, `dev`, `@app.route('/x') view`) and, for a
function, the settings path its own keys go under (`stages.prod.lambda_functions.api_handler`,
`dev`); a property path under it maps to the settings key the user writes
(`Environment.Variables.X` is `environment_variables.X`).

A fix is the key to write at that path (`"xray": true` under `stages.prod`), and
`slsguard fix` writes it into the JSON or YAML settings file. What the file cannot express is
said with the framework's own way out (Chalice: a template merged with
`chalice package --merge-template`) and listed by `slsguard fix` as not applied, with the
reason; so are keys of a TOML file (slsguard edits JSON and YAML only).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from slsguard import model
from slsguard.dialects.base import Edit, NotApplied
from slsguard.findings import KeyPath, Origin, format_path
from slsguard.fixes import FreeText, Intent, MoveToSecret, Placeholder, SetSetting

ADDRESS = "slsguard:address"
"""The Metadata key under which a translated resource keeps its native address."""
SETTINGS_PATH = "slsguard:settings"
"""The Metadata key with the settings path of a function's own keys (the loaders write it)."""
GENERATED_POLICY = "slsguard:generated-policy"
"""The role Metadata key saying the framework writes the role's policy."""

Scope = Literal["stage", "function"]
_Located = tuple[KeyPath, str, object]
"""(settings path, key, value): where a fix is written."""


def _same(value: object) -> object:
    return value


@dataclass(frozen=True, slots=True)
class SettingKey:
    """Where one fix setting is written in the settings file, and how its value reads."""

    key: str
    """The settings key (`lambda_timeout`)."""
    scope: Scope = "function"
    """`function`: under the function's own settings path; `stage`: under its stage."""
    value: Callable[[object], object] = _same
    """The intent's value as the settings file writes it (tracing `Active` → `true`)."""
    under: tuple[str, ...] = ()
    """Keys between the scope and `key` (`function_url_config`)."""


def enabled(_value: object) -> object:
    """A switch the fix turns on (`"xray": true`)."""
    return True


@dataclass(frozen=True, slots=True)
class SettingsFileDialect:
    """Settings keys for places and fixes, from tables a framework module gives."""

    name: model.Dialect
    file: str
    """How the user names the settings file (`.chalice/config.json`)."""
    stage_depth: int
    """How many keys of a function's settings path name its stage (`stages.dev`: 2)."""
    properties: dict[str, str] = field(default_factory=dict)
    """CloudFormation property → settings key (`Timeout` → `lambda_timeout`)."""
    keys: dict[str, SettingKey] = field(default_factory=dict)
    """Fix setting (`tracing`, or `AWS::Lambda::Url:auth` for one resource type) → its key."""
    advice: dict[str, str] = field(default_factory=dict)
    """Fix setting → what to write where no key of the file says it (a decorator argument)."""
    otherwise: str = ""
    """What to do for a fix the settings file cannot express."""
    framework_grants: frozenset[str] = frozenset()
    """Settings whose permissions the framework grants itself (X-Ray for tracing)."""

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """`stages.prod.environment_variables.DB_PASSWORD`, `dev.timeout_seconds`."""
        found = _resource(app, origin.path)
        if found is None:
            return format_path(origin.path)
        logical, rest = found
        base = _metadata(app, logical).get(ADDRESS)
        if not isinstance(base, str):
            return format_path((logical, *rest))
        properties = rest[1:] if rest[:1] == ("Properties",) else rest
        key = self.properties.get(str(properties[0])) if properties else None
        if key is None:
            return base
        if key.endswith("="):
            return f"{base} {key}"
        tail = [str(p) for p in properties[2:]] if properties[0] == "Environment" else []
        return ".".join([base, key, *tail])

    def render(self, app: model.Application, intent: Intent) -> str:
        """The settings key to write and where, else what to write instead, else the
        framework's way out."""
        if isinstance(intent, FreeText):
            return intent.text
        if isinstance(intent, SetSetting):
            located = self._located(app, intent)
            if located is not None:
                path, key, value = located
                where = ".".join(str(part) for part in path) or "the top"
                return f'"{key}": {_json(value)} under {where} in {self.file}'
            if intent.setting in self.advice:
                return self.advice[intent.setting]
        if isinstance(intent, MoveToSecret):
            return (
                f"remove {intent.variable} from the environment variables in {self.file} and "
                f"read it at run time from {intent.store} ({intent.parameter or 'a parameter'})"
            )
        return f"{intent.title}: {self.otherwise}"

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """The key to set in the settings file, or why `slsguard fix` cannot write it."""
        located = self._located(app, intent) if isinstance(intent, SetSetting) else None
        if located is None:
            return NotApplied(self._why_not(app, intent), intent.title)
        if not app.file.endswith((".json", ".yml", ".yaml")):
            return NotApplied(
                f"slsguard fix edits {self.file} written in JSON or YAML, not {app.file}",
                intent.title,
            )
        assert isinstance(intent, SetSetting)
        path, key, value = located
        if intent.grants and not self._granted(app, intent):
            return NotApplied(
                f"the role's policy is yours, not {self.name}'s: allow "
                f"{', '.join(a for g in intent.grants for a in g.actions)} in it, then write "
                f"{self.render(app, intent)}",
                intent.title,
            )
        origin = intent.target.origin
        return Edit(
            app.file,
            path,
            origin.line,
            origin.column,
            "set",
            _json(value),
            key,
            intent.applicability,
            intent.title,
        )

    def _granted(self, app: model.Application, intent: SetSetting) -> bool:
        """Whether the role of the target's function gets what the fix needs from the
        framework (its own generated policy grants X-Ray when tracing is on)."""
        if intent.setting not in self.framework_grants:
            return False
        found = _resource(app, intent.target.origin.path)
        resources = app.resources if isinstance(app.resources, dict) else {}
        resource = resources.get(found[0]) if found is not None else None
        properties = resource.get("Properties") if isinstance(resource, dict) else None
        role = properties.get("Role") if isinstance(properties, dict) else None
        attribute = role.get("Fn::GetAtt") if isinstance(role, dict) else None
        logical = attribute[0] if isinstance(attribute, list) and attribute else None
        return isinstance(logical, str) and _metadata(app, logical).get(GENERATED_POLICY) is True

    def _why_not(self, app: model.Application, intent: Intent) -> str:
        """Why a fix has no key in the settings file, and what to do instead."""
        if isinstance(intent, SetSetting) and intent.setting in self.advice:
            return f"{self.advice[intent.setting]} (slsguard fix edits {self.file} only)"
        if isinstance(intent, MoveToSecret):
            return f"by hand: {self.render(app, intent)}"
        return self.otherwise

    def _located(self, app: model.Application, intent: Intent) -> _Located | None:
        """(settings path, key, value) of a setting the file can express, else None."""
        if not isinstance(intent, SetSetting):
            return None
        found = _resource(app, intent.target.origin.path)
        if found is None:
            return None
        metadata = _metadata(app, found[0])
        resource_type = _resource_type(app, found[0])
        spec = self.keys.get(f"{resource_type}:{intent.setting}") or self.keys.get(intent.setting)
        own = metadata.get(SETTINGS_PATH)
        if spec is None or not isinstance(own, list) or not own:
            return None
        path = tuple(own) if spec.scope == "function" else tuple(own[: self.stage_depth])
        value = _value(spec.value(intent.value))
        return (*path, *spec.under), spec.key, value


def _json(value: object) -> str:
    return json.dumps(value)


def _value(value: object) -> object:
    """A value the author must choose stays a `<placeholder>` (`slsguard fix` refuses it)."""
    if isinstance(value, Placeholder):
        return f"<{value.text}>"
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def _resource(app: model.Application, path: KeyPath) -> tuple[str, KeyPath] | None:
    """(logical id, the path under it) of the translated resource a place is in.

    The loaders prefix their resources' paths with the stage (`dev.Resources.X`) or write
    them bare (`Resources.X`): the first key that names a resource is the one."""
    resources = app.resources if isinstance(app.resources, dict) else {}
    for index, part in enumerate(path):
        if isinstance(part, str) and part in resources and part != "Resources":
            return part, path[index + 1 :]
    return None


def _metadata(app: model.Application, logical: str) -> dict[str, object]:
    resources = app.resources if isinstance(app.resources, dict) else {}
    resource = resources.get(logical)
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def _resource_type(app: model.Application, logical: str) -> str:
    resources = app.resources if isinstance(app.resources, dict) else {}
    resource = resources.get(logical)
    kind = resource.get("Type") if isinstance(resource, dict) else None
    return kind if isinstance(kind, str) else ""
