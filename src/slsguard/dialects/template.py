"""What the YAML/JSON template dialects share: settings written as key paths, fixes as YAML.

Serverless, SAM and CloudFormation differ in their key names (`tracing`, `Tracing`,
`TracingConfig.Mode`) and in where a resource's settings live (`Properties`), not in how a
fix is written down; each of them is a `TemplateDialect` with its own table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from slsguard import model
from slsguard.dialects.base import (
    Edit,
    NotApplied,
    new_resource_for,
    resource_path,
    secret_not_applied,
    secret_note,
)
from slsguard.dialects.statements import yaml_statements
from slsguard.dialects.text import yaml_block, yaml_scalar
from slsguard.findings import KeyPath, Origin, format_path
from slsguard.fixes import (
    AddedKind,
    AddResource,
    FreeText,
    Grant,
    Intent,
    MoveToSecret,
    PolicyStatement,
    RemoveGrant,
    ReplaceStatements,
    SetSetting,
    Target,
    has_placeholder,
)

Transform = Callable[[object], object]

_RESOURCE_KEYS = frozenset(
    {
        "Type",
        "Properties",
        "Metadata",
        "DependsOn",
        "Condition",
        "DeletionPolicy",
        "UpdateReplacePolicy",
        "UpdatePolicy",
        "CreationPolicy",
    }
)
"""The keys of a CloudFormation resource itself (anything else is one of its properties)."""


@dataclass(frozen=True, slots=True)
class Key:
    """Where a setting is written, relative to the target's settings, and how its value reads."""

    path: tuple[str, ...]
    transform: Transform | None = None
    from_root: bool = False
    """The path starts at the document root (`provider.tracing.lambda`), not at the target."""
    plugin: str = ""
    """A Serverless plugin the setting needs, listed in `plugins:` with it."""

    def value(self, value: object) -> object:
        """The value as this dialect writes it."""
        return self.transform(value) if self.transform is not None else value

    def path_for(self, target: Target) -> tuple[str, ...]:
        """The path with `{logical_id}` filled in (Serverless `resources.extensions.<id>`)."""
        return tuple(part.replace("{logical_id}", target.logical_id) for part in self.path)

    def root_block(self, target: Target, value: object) -> dict[str, object]:
        """The setting as a document-root mapping, with the plugin it needs (if any)."""
        block: dict[str, object] = {"plugins": [self.plugin]} if self.plugin else {}
        _deep_set(block, self.path_for(target), self.value(value))
        return block


SettingTable = Mapping[tuple[str, str], Key]
"""(resource type or target kind, setting) → where it is written."""

ResourceWriter = Callable[[AddResource], tuple[str, dict[str, object]]]
"""An added resource as (logical id, its definition)."""


def key_for(table: SettingTable, intent: SetSetting) -> Key | None:
    """The key of a setting for the intent's target (see `Target.lookup_keys`)."""
    for key in intent.target.lookup_keys():
        found = table.get((key, intent.setting))
        if found is not None:
            return found
    return None


def grant_comments(grants: tuple[Grant, ...]) -> list[str]:
    """`# and allow xray:PutTraceSegments on * to the role (AWSXRayDaemonWriteAccess)`."""
    out = []
    for grant in grants:
        policy = f" ({grant.managed_policy})" if grant.managed_policy else ""
        out.append(f"and allow {', '.join(grant.actions)} on {grant.resource} to its role{policy}")
    return out


def comment(lines: list[str], marker: str = "#") -> str:
    """Comment lines (empty when there are none), each starting with `marker`."""
    return "".join(f"{marker} {line}\n" for line in lines if line)


@dataclass(frozen=True, slots=True)
class TemplateDialect:
    """A YAML/JSON template syntax: its name, where settings go, how resources are added."""

    name: model.Dialect
    settings: SettingTable
    properties_key: str | None
    """`Properties` for CloudFormation-style resources; None for Serverless `functions:`."""
    add_resource: ResourceWriter
    resources_path: KeyPath = ("Resources",)
    statement_keys: tuple[str, str, str] = ("Effect", "Action", "Resource")
    as_resource: Mapping[tuple[str, str], AddedKind] = field(default_factory=dict)
    """Settings written as a resource of their own (a function's log retention: a log group)."""
    framework_grants: frozenset[str] = frozenset()
    """Settings whose permissions the framework grants itself (no grant note needed)."""

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """The key path as written: `MyFunction.Properties.Runtime` (no `Resources.` prefix)."""
        path = origin.path
        if path[:1] == ("Resources",) and self.properties_key is not None:
            path = path[1:]
        return format_path(path)

    def render(self, app: model.Application, intent: Intent) -> str:
        """The intent as YAML with a comment saying where it goes."""
        if isinstance(intent, SetSetting):
            return self._render_setting(app, intent)
        if isinstance(intent, AddResource):
            logical_id, definition = self.add_resource(intent)
            if not logical_id:  # Framework settings at the document root, not a resource.
                notes = [intent.note, *grant_comments(intent.grants)]
                return comment(notes) + yaml_block((), definition)
            where = format_path(self._resources_path(app))
            text = yaml_block((logical_id,), definition)
            return (
                comment([f"add under {where}", intent.note, *grant_comments(intent.grants)]) + text
            )
        if isinstance(intent, ReplaceStatements):
            return self._render_statements(app, intent)
        if isinstance(intent, RemoveGrant):
            return comment(
                [f"remove the {intent.what} at {self._where(app, intent.target)}", intent.note]
            )
        if isinstance(intent, MoveToSecret):
            where = self._where(app, intent.target)
            text = yaml_block((intent.reference_name,), intent.reference_value)
            notes = [f"under {where}", secret_note(intent), *grant_comments(intent.grants)]
            return comment(notes) + text
        return _free_text(intent)

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """The exact edit, or why there is none."""
        if isinstance(intent, SetSetting):
            return self._edit_setting(app, intent)
        if isinstance(intent, AddResource):
            logical_id, definition = self.add_resource(intent)
            path = self._resources_path(app) if logical_id else ()
            origin = intent.target.origin
            if not logical_id:
                text = yaml_block((), definition)
                return Edit(
                    origin.file, (), 1, 1, "insert", text, "", intent.applicability, intent.title
                )
            text = yaml_block((logical_id,), definition)
            return Edit(
                origin.file,
                path,
                0,
                0,
                "append",
                text,
                logical_id,
                intent.applicability,
                intent.title,
            )
        if isinstance(intent, RemoveGrant):
            origin = intent.target.origin
            return Edit(
                origin.file,
                self._written_path(app, origin),
                origin.line,
                origin.column,
                "remove",
                "",
                applicability=intent.applicability,
                title=intent.title,
            )
        if isinstance(intent, ReplaceStatements):
            origin = intent.target.origin
            text = self.render_statements(app, intent.statements)
            return Edit(
                origin.file,
                self._written_path(app, origin),
                origin.line,
                origin.column,
                "append" if intent.add else "replace",
                text,
                applicability=intent.applicability,
                title=intent.title,
            )
        if isinstance(intent, FreeText):
            return NotApplied("free-text advice has no exact edit", intent.title)
        return secret_not_applied(intent)

    def _written_path(self, app: model.Application, origin: Origin) -> KeyPath:
        """The key path as the file writes it. The model records some places by a shorter
        path than the file's (a resource's policies without `Properties`, a Serverless
        resource as `resources.X`); the first candidate the file really has is the one."""
        root = next((d.root for d in app.documents if d.file == origin.file), None)
        path = origin.path
        if root is None:
            return path
        return next((c for c in _candidates(path) if _exists(root, c)), path)

    def _settings_anchor(self, app: model.Application, target: Target) -> KeyPath:
        """Where the target's settings are written: a resource's `Properties`.

        The SAM loader records a function's settings without the `Properties` step
        (`Resources.Fn.FunctionUrlConfig`, as SAM users name them): when the file does not
        have them yet, `Properties` is put back here."""
        path = self._written_path(app, target.origin)
        found = resource_path(app, path)
        if self.properties_key is None or found is None:
            return path
        rest = found[1]
        if not rest:
            return (*path, self.properties_key)
        if str(rest[0]) not in _RESOURCE_KEYS:
            at = len(path) - len(rest)
            return (*path[:at], self.properties_key, *path[at:])
        return path

    def render_settings(self, app: model.Application, intents: list[SetSetting]) -> str:
        """Several settings of one target as one block (two keys under one parent merge)."""
        merged: dict[str, object] = {}
        notes: list[str] = []
        separate: list[str] = []
        for intent in intents:
            key = key_for(self.settings, intent)
            if key is None or self._as_resource(intent) is not None:
                separate.append(self.render(app, intent))
                continue
            _deep_set(merged, key.path_for(intent.target), key.value(intent.value))
            grants = () if intent.setting in self.framework_grants else intent.grants
            header = [] if key.from_root else [f"under {self._anchor_name(app, intent.target)}"]
            notes += [n for n in (*header, intent.note, *grant_comments(grants)) if n not in notes]
        block = comment(notes) + yaml_block((), merged) if merged else ""
        return "\n".join(part.rstrip("\n") for part in (block, *separate) if part)

    def _anchor_name(self, app: model.Application, target: Target) -> str:
        anchor = self._settings_anchor(app, target)
        return self.name_of(app, replace(target.origin, path=anchor)) or target.name

    def _as_resource(self, intent: SetSetting) -> AddResource | None:
        kind = self.as_resource.get((intent.target.kind, intent.setting))
        return new_resource_for(intent, kind) if kind is not None else None

    def _render_setting(self, app: model.Application, intent: SetSetting) -> str:
        as_resource = self._as_resource(intent)
        if as_resource is not None:
            return self.render(app, as_resource)
        key = key_for(self.settings, intent)
        if key is None:
            return comment(
                [
                    f"set {intent.setting} to {inline_value(intent.value)} "
                    f"on {self._where(app, intent.target)}",
                    intent.note,
                ]
            )
        if key.plugin:
            text = yaml_block((), key.root_block(intent.target, intent.value))
        else:
            text = yaml_block(key.path_for(intent.target), key.value(intent.value))
        grants = () if intent.setting in self.framework_grants else intent.grants
        anchor = self._settings_anchor(app, intent.target)
        where = self.name_of(app, replace(intent.target.origin, path=anchor))
        notes = [] if key.from_root else [f"under {where or intent.target.name}"]
        if intent.target.functions and key.from_root:
            notes.append("for " + ", ".join(intent.target.functions))
        notes += [intent.note, *grant_comments(grants)]
        return comment(notes) + text

    def _edit_setting(self, app: model.Application, intent: SetSetting) -> Edit | NotApplied:
        as_resource = self._as_resource(intent)
        if as_resource is not None:
            return self.edit(app, as_resource)
        key = key_for(self.settings, intent)
        if key is None:
            return NotApplied(f"{self.name} has no key for {intent.setting} here", intent.title)
        value = key.value(intent.value)
        if has_placeholder(value):
            return NotApplied("the value must be chosen by you", intent.title)
        origin = intent.target.origin
        if key.plugin:  # The plugin joins `plugins:`, its settings `custom:`: both at the root.
            text = yaml_block((), key.root_block(intent.target, intent.value))
            return Edit(
                origin.file, (), 1, 1, "insert", text, "", intent.applicability, intent.title
            )
        anchor: KeyPath = () if key.from_root else self._settings_anchor(app, intent.target)
        path = key.path_for(intent.target)
        rest = path[1:]
        if rest or isinstance(value, dict | list):
            text = yaml_block(rest, value)
        else:
            text = yaml_scalar(value)
        line, column = (1, 1) if key.from_root else (origin.line, origin.column)
        return Edit(
            origin.file,
            anchor,
            line,
            column,
            "set",
            text,
            path[0],
            intent.applicability,
            intent.title,
        )

    def _where(self, app: model.Application, target: Target) -> str:
        return self.name_of(app, target.origin) or target.name

    def _resources_path(self, app: model.Application) -> KeyPath:
        return ("resources", "Resources") if self.name == "serverless" else self.resources_path

    def _render_statements(self, app: model.Application, intent: ReplaceStatements) -> str:
        where = self._where(app, intent.target)
        return comment([_statements_verb(intent, where), intent.note]) + (
            self.render_statements(app, intent.statements)
        )

    def render_statements(
        self, app: model.Application, statements: tuple[PolicyStatement, ...], indent: int = 0
    ) -> str:
        """Minimal statements as this dialect's YAML items (`slsguard policy` writes them too)."""
        return yaml_statements(app, statements, self.name, indent).rstrip("\n")


def _candidates(path: KeyPath) -> list[KeyPath]:
    """The paths a place recorded at `path` may be written at, the recorded one first."""
    bases = [path]
    if path[:1] == ("resources",) and path[1:2] != ("Resources",) and len(path) > 1:
        bases += [("resources", "Resources", *path[1:]), ("Resources", *path[1:])]
    found = []
    for base in bases:
        found.append(base)
        for at, part in enumerate(base[:-1]):
            if part == "Resources" and len(base) > at + 2 and base[at + 2] != "Properties":
                found.append((*base[: at + 2], "Properties", *base[at + 2 :]))
    return found


def _exists(root: object, path: KeyPath) -> bool:
    node = root
    for part in path:
        listed = isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node)
        mapped = isinstance(part, str) and isinstance(node, dict) and part in node
        if not (listed or mapped):
            return False
        node = node[part]  # type: ignore[index]
    return True


def _deep_set(tree: dict[str, object], path: tuple[str, ...], value: object) -> None:
    """Put `value` at `path`, merging mappings that meet on the way."""
    node = tree
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    last = path[-1]
    existing = node.get(last)
    if isinstance(existing, dict) and isinstance(value, dict):
        existing.update(value)
    else:
        node[last] = value


def inline_value(value: object) -> str:
    """A value in words for a comment (`burst 50, rate 100` for a mapping)."""
    if isinstance(value, dict):
        return ", ".join(f"{key} {inline_value(item)}" for key, item in value.items())
    return yaml_scalar(value)


def _free_text(intent: Intent) -> str:
    """Advice as YAML comments: the fix text of a template always parses in its syntax."""
    text = intent.text if isinstance(intent, FreeText) else intent.title
    return comment(text.splitlines()).rstrip("\n")


def _statements_verb(intent: ReplaceStatements, where: str) -> str:
    return f"add to {where}" if intent.add else f"replace the statements of {where} with"
