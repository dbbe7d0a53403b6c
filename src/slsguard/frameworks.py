"""Compliance frameworks as data: each framework's controls with their titles and source.

The controls come from `data/controls-<framework>.json`: the controls RULES.md maps rules
to, plus the other controls of that framework that a serverless application bears on, each
with a title and the framework's source. `slsguard report --framework` lists them with what
the rules found, so a coverage statement can say honestly what no rule checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

REPORTABLE = ("pci-dss-4.0", "hipaa", "owasp-serverless", "fsbp")
"""Frameworks with a controls list (CWE and the practices have no closed list to cover)."""


@dataclass(frozen=True, slots=True)
class Control:
    """One control or requirement of a framework: `7.2.5`, `IAM.1`, `164.312(b)`, `S5`."""

    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Framework:
    """A framework's controls, with where the list and its titles come from."""

    key: str
    name: str
    source: str
    date: str
    """The day the list was read from its source (YYYY-MM-DD)."""
    note: str
    controls: tuple[Control, ...]

    def title(self, control: str) -> str | None:
        """The title of a control, or None when the list does not hold it."""
        return next((item.title for item in self.controls if item.id == control), None)


@cache
def load(key: str) -> Framework:
    """The bundled controls of a framework; ValueError for one without a list."""
    if key not in REPORTABLE:
        raise ValueError(f"no control list for {key!r} (expected one of: {', '.join(REPORTABLE)})")
    text = resources.files("slsguard").joinpath(f"data/controls-{key}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    controls = tuple(Control(str(item["id"]), str(item["title"])) for item in data["controls"])
    return Framework(
        key, str(data["name"]), str(data["source"]), str(data["date"]), str(data["note"]), controls
    )


def control_title(key: str, control: str) -> str | None:
    """The title of a control in a framework with a list; None otherwise."""
    return load(key).title(control) if key in REPORTABLE else None
