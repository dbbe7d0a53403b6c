"""The import contract of the architecture: `rules/` holds rule modules only.

Shared analyses live under public names in `analysis/` (or in model facts), so that work on
one rule never edits a private helper that other rules depend on.
"""

from __future__ import annotations

import re
from pathlib import Path

RULES = Path(__file__).resolve().parents[1] / "src" / "slsguard" / "rules"


def test_rules_package_holds_no_private_helper_modules() -> None:
    private = sorted(
        str(path.relative_to(RULES))
        for path in RULES.rglob("_*.py")
        if path.name != "__init__.py"
    )
    assert private == []


def test_rule_modules_import_only_the_registry_from_rules() -> None:
    """A rule never imports another rule module: what two rules share is an analysis."""
    pattern = re.compile(r"^\s*(?:from|import)\s+(slsguard\.rules\.[\w.]+)", re.MULTILINE)
    offenders = sorted(
        f"{path.relative_to(RULES)}: {match}"
        for path in RULES.rglob("*.py")
        for match in pattern.findall(path.read_text(encoding="utf-8"))
    )
    assert offenders == []
