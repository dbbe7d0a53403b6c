"""Drift between the account and the templates of a repository (`slsguard audit --compare`).

The templates under a path are loaded as a scan loads them. A deployed function matches a
declared one by the name it deploys under (`FunctionName`, or the Serverless Framework's
`<service>-<stage>-<function>`), else by the `aws:cloudformation:logical-id` tag when
exactly one declared function has that logical id. Matched functions are compared on
runtime, handler, environment variable names (never values) and role, each only when the
template fixes it. Drift is a section of the report, not findings: it says what differs,
not what is risky.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slsguard.audit.collect import LiveFunction
from slsguard.model import Application, Function, Role

LOGICAL_ID_TAG = "aws:cloudformation:logical-id"


@dataclass(frozen=True, slots=True)
class Declared:
    """A function as a template declares it."""

    file: str
    name: str
    """Its name in the template (Serverless key or logical id)."""
    deployed: str | None
    """The name it deploys under, when the template says."""
    logical_id: str | None
    runtime: str | None
    handler: str | None
    environment: frozenset[str]
    role: str | None
    """The role ARN or name the template fixes (None when it is generated)."""

    @property
    def label(self) -> str:
        """`file › name`, as the drift section shows it."""
        return f"{self.file} › {self.deployed or self.name}"


@dataclass(frozen=True, slots=True)
class Difference:
    """One setting of a matched function that differs from its template."""

    function: str
    arn: str
    setting: str
    deployed: str
    declared: str


@dataclass(frozen=True, slots=True)
class Drift:
    """What runs and what the templates under `path` declare, side by side."""

    path: str
    undeclared: tuple[str, ...]
    """ARNs of deployed functions no template declares."""
    undeployed: tuple[str, ...]
    """Declared functions (`file › name`) that no audited function matches."""
    differences: tuple[Difference, ...]

    @property
    def empty(self) -> bool:
        """Whether account and templates agree."""
        return not (self.undeclared or self.undeployed or self.differences)

    def to_json(self) -> dict[str, Any]:
        """The `drift` object of the JSON report."""
        return {
            "path": self.path,
            "undeclared": list(self.undeclared),
            "undeployed": list(self.undeployed),
            "differences": [
                {
                    "function": d.function,
                    "arn": d.arn,
                    "setting": d.setting,
                    "deployed": d.deployed,
                    "declared": d.declared,
                }
                for d in self.differences
            ],
        }

    def to_text(self) -> str:
        """The drift section of the text and Markdown reports."""
        lines = [f"Drift from templates under {self.path}"]
        if self.empty:
            return lines[0] + ": none\n"
        lines += [f"  deployed, in no template: {arn}" for arn in self.undeclared]
        lines += [f"  in a template, not deployed: {label}" for label in self.undeployed]
        lines += [
            f"  {d.function}: {d.setting} is {d.deployed} deployed, {d.declared} in the template"
            f" ({d.arn})"
            for d in self.differences
        ]
        return "\n".join(lines) + "\n"


def declared_functions(path: Path) -> list[Declared]:
    """Every function the templates under `path` declare."""
    from slsguard.discovery import discover
    from slsguard.loading import LoadOptions, load_all
    from slsguard.project import find as find_project

    project = find_project([path])
    loaded = load_all(discover([path], project=project), LoadOptions(), project.root)
    return [_declared(app, fn) for app in loaded.apps for fn in app.functions]


def _declared(app: Application, fn: Function) -> Declared:
    from slsguard.analysis.monitoring import deployed_names

    names = sorted(name for name in deployed_names(app, fn) if _fixed(name))
    return Declared(
        file=app.file,
        name=fn.name,
        deployed=names[0] if names else None,
        logical_id=fn.logical_id,
        runtime=fn.runtime if _fixed(fn.runtime) else None,
        handler=fn.handler if _fixed(fn.handler) else None,
        environment=frozenset(var.name for var in fn.environment),
        role=_role(fn.role),
    )


def _fixed(text: str | None) -> bool:
    """Whether a rendered value is a plain value (no unresolved variable or intrinsic)."""
    return bool(text) and not any(mark in str(text) for mark in ("${", "!", "{"))


def _role(role: Role | None) -> str | None:
    if role is None or role.key == "provider":
        return None
    if role.external:
        return str(role.key) if _fixed(role.key) else None
    return str(role.name) if role.name != role.key and _fixed(role.name) else None


def compare(path: Path, functions: Iterable[LiveFunction]) -> Drift:
    """The drift between the audited functions and the templates under `path`."""
    declared = declared_functions(path)
    by_name = {item.deployed: item for item in declared if item.deployed}
    by_id: dict[str, list[Declared]] = {}
    for item in declared:
        if item.logical_id:
            by_id.setdefault(item.logical_id, []).append(item)
    matched: set[Declared] = set()
    undeclared: list[str] = []
    differences: list[Difference] = []
    for fn in sorted(functions, key=lambda live: live.arn):
        same_id = by_id.get(fn.tags.get(LOGICAL_ID_TAG, ""), [])
        twin = by_name.get(fn.name) or (same_id[0] if len(same_id) == 1 else None)
        if twin is None:
            undeclared.append(fn.arn)
            continue
        matched.add(twin)
        differences.extend(_differences(fn, twin))
    undeployed = sorted(item.label for item in declared if item not in matched)
    return Drift(str(path), tuple(undeclared), tuple(undeployed), tuple(differences))


def _differences(fn: LiveFunction, twin: Declared) -> list[Difference]:
    config = fn.config
    role_arn = str(config.get("Role") or "")
    live_role = role_arn if twin.role and twin.role.startswith("arn:") else role_arn.split("/")[-1]
    live_env = frozenset((config.get("Environment") or {}).get("Variables") or {})
    pairs = [
        ("runtime", str(config.get("Runtime") or "none"), twin.runtime),
        ("handler", str(config.get("Handler") or "none"), twin.handler),
        ("role", live_role or "none", twin.role),
    ]
    found = [
        Difference(fn.name, fn.arn, setting, deployed, declared)
        for setting, deployed, declared in pairs
        if declared is not None and deployed != declared
    ]
    if live_env != twin.environment:
        found.append(
            Difference(fn.name, fn.arn, "environment", _names(live_env), _names(twin.environment))
        )
    return found


def _names(names: frozenset[str]) -> str:
    return "{" + ", ".join(sorted(names)) + "}"
