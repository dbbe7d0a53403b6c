"""Dialects of frameworks configured by one settings file (Chalice, Zappa).

Their loaders write the project into CloudFormation-shaped resources, each recording its
native address in `Metadata` (`stages.prod`, `dev`, `@app.route('/x') view`); a property
path under it maps to the settings key the user writes (`Environment.Variables.X` is
`environment_variables.X`). Fixes are the keys to write; what the file cannot express is
said with the framework's own way out. `slsguard fix` edits none of them yet: each intent is
listed as not applied, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slsguard import model
from slsguard.dialects.base import Edit, NotApplied, resource_path
from slsguard.findings import Origin, format_path
from slsguard.fixes import FreeText, Intent, MoveToSecret, Placeholder, SetSetting

ADDRESS = "slsguard:address"
"""The Metadata key under which a translated resource keeps its native address."""


def _value(value: object) -> str:
    return f"<{value.text}>" if isinstance(value, Placeholder) else str(value)


@dataclass(frozen=True, slots=True)
class SettingsFileDialect:
    """Settings keys for places and fixes, from tables a framework module gives."""

    name: model.Dialect
    file: str
    """How the user names the settings file (`.chalice/config.json`)."""
    properties: dict[str, str] = field(default_factory=dict)
    """CloudFormation property → settings key (`Timeout` → `lambda_timeout`)."""
    settings: dict[str, str] = field(default_factory=dict)
    """Fix setting → the text to write (`tracing` → `"xray": true`)."""
    otherwise: str = ""
    """What to do for a fix the settings file cannot express."""

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """`stages.prod.environment_variables.DB_PASSWORD`, `dev.timeout_seconds`."""
        found = resource_path(app, origin.path)
        if found is None:
            return format_path(origin.path)
        logical, rest = found
        resources = app.resources if isinstance(app.resources, dict) else {}
        resource = resources.get(logical)
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        base = metadata.get(ADDRESS) if isinstance(metadata, dict) else None
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
        """The settings key to write, else the framework's way out."""
        if isinstance(intent, FreeText):
            return intent.text
        if isinstance(intent, SetSetting) and intent.setting in self.settings:
            text = self.settings[intent.setting].format(_value(intent.value))
            return text if "(" in text else f"{text} (in the stage of {self.file})"
        if isinstance(intent, MoveToSecret):
            return (
                f"remove {intent.variable} from the environment variables in {self.file} and "
                f"read it at run time from {intent.store} ({intent.parameter or 'a parameter'})"
            )
        return f"{intent.title}: {self.otherwise}"

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """Not yet: listed as not applied, with the reason."""
        return NotApplied(f"slsguard fix does not edit {self.file} yet", intent.title)
