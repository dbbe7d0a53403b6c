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
        str(path.relative_to(RULES)) for path in RULES.rglob("_*.py") if path.name != "__init__.py"
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


SYNTAX_BRANCH = re.compile(
    r"terraform_address|local_address|\bapp\.kind\b|syntax_of\(|\.syntax\s*[!=]=|"
    r"\bsyntax\s*[!=]=|key_name\("
)
"""What branching on the syntax looks like in a rule: the dialect, the app's kind, a Terraform
address or a per-syntax key name."""

STILL_BRANCHING = {
    # Fix written as intents; detection still reads per-syntax keys (to move into analysis).
    "monitoring/function_without_alarm.py": "reads the alerts plugin's per-function `alarms:`",
    "monitoring/log_retention_unset.py": "reads Serverless and CloudFormation retention keys",
    "monitoring/tracing_disabled.py": "reads `tracing`, `Tracing` and `TracingConfig.Mode`",
    "runtime/code_signing_disabled.py": "reads `resources.extensions` in Serverless",
    "runtime/deprecated_runtime.py": "reads the runtime key and parameter defaults per syntax",
    "runtime/no_concurrency_limit.py": "reads `reservedConcurrency` or its CloudFormation name",
    "runtime/excessive_timeout.py": "reads `timeout`, `Timeout` and SAM `Globals` per syntax",
    "network/function_outside_vpc.py": "reads `provider.vpc`, which Serverless functions inherit",
    "runtime/untrusted_layer.py": "reads `layers` per syntax (Serverless layer references)",
}
"""Rule modules that still branch on the syntax, with what is left: this list only shrinks."""


def test_rules_do_not_import_the_loaders() -> None:
    """Rules read the model and analyses (`slsguard.located` for positions), never a loader."""
    pattern = re.compile(r"^\s*(?:from|import)\s+slsguard\.loading\b", re.MULTILINE)
    offenders = sorted(
        str(path.relative_to(RULES))
        for path in RULES.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    )
    assert offenders == []


def test_no_rule_branches_on_the_syntax_beyond_the_known_list() -> None:
    """A fix is an intent the dialect writes; a rule never asks which syntax it is in."""
    branching = {
        path.relative_to(RULES).as_posix()
        for path in RULES.rglob("*.py")
        if SYNTAX_BRANCH.search(path.read_text(encoding="utf-8"))
    }
    assert branching - STILL_BRANCHING.keys() == set()
    assert STILL_BRANCHING.keys() - branching == set(), "converted: remove it from the list"
