"""Rules: one module per rule, registered explicitly, discovered without side effects.

A rule module defines one module-level `Rule`, made by the `rule(...)` decorator around its
check function (or by `meta_rule(...)` for findings the engine emits itself, such as parse
errors). The module docstring is the rule's documentation (What it does / Why is this bad? /
Example / Fix / References): `slsguard rules --explain`, SARIF `help` and the docs use it.
`builtin_rules()` imports every module under this package and rejects duplicate IDs or names;
`all_rules()` adds the user rules made active for the current scan (`slsguard.user_rules`).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from slsguard.findings import Confidence, RuleInfo, Severity, Violation
from slsguard.model import Application

if TYPE_CHECKING:
    from slsguard.deps.facts import DependencyFacts

MAPPING_KEYS = ("practice", "owasp-serverless", "cwe", "fsbp", "pci-dss-4.0", "hipaa")


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule may know besides the application: today's date and the user's options."""

    today: date = field(default_factory=date.today)
    """The day dates are judged against (`--as-of`)."""
    runtimes_file: Path | None = None
    """A newer Lambda runtime table than the bundled one (`--runtimes-file`)."""
    trusted_accounts: tuple[str, ...] = ()
    """AWS accounts whose layers are trusted (`--trusted-accounts`)."""
    dependencies: DependencyFacts | None = None
    """Each function's packages and the advisory audit (computed once per scan)."""


Check = Callable[[Application, Context], Iterable[Violation]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: its metadata and its check (None for findings the engine emits itself)."""

    info: RuleInfo
    check: Check | None = None
    origin: str = "built-in"
    """Where the rule comes from: `built-in`, or the user package or file that defines it."""

    @property
    def id(self) -> str:
        """The permanent rule ID, `SLS101`."""
        return self.info.id

    @property
    def name(self) -> str:
        """The permanent rule name, `wildcard-iam-action`."""
        return self.info.name


TEMPLATE_DIALECTS = ("serverless", "sam", "cloudformation", "terraform")
"""The template syntaxes a rule judges unless it says otherwise (CDK output is CloudFormation,
checked by the synthesised fixture app; a live account by the audit tests)."""

NO_TEMPLATES: tuple[str, ...] = ()
"""For rules about handler code, manifests and CI files: no template syntax of their own."""


def _info(
    module: str,
    rule_id: str,
    name: str,
    severity: Severity,
    summary: str,
    practice: str,
    mappings: dict[str, str | tuple[str, ...]],
    default_enabled: bool,
    confidence: Confidence = Confidence.HIGH,
    dialects: tuple[str, ...] = (),
) -> RuleInfo:
    pairs: list[tuple[str, str]] = [("practice", practice)]
    for key, value in mappings.items():
        if key not in MAPPING_KEYS:
            raise ValueError(f"{rule_id}: unknown mapping framework {key!r}")
        values = (value,) if isinstance(value, str) else value
        pairs.extend((key, item) for item in values)
    doc = (sys.modules[module].__doc__ or "").strip()
    return RuleInfo(
        rule_id,
        name,
        severity,
        summary,
        practice,
        tuple(pairs),
        doc,
        default_enabled,
        confidence,
        dialects,
    )


def rule(
    rule_id: str,
    name: str,
    severity: Severity,
    summary: str,
    *,
    practice: str,
    mappings: dict[str, str | tuple[str, ...]],
    default_enabled: bool = True,
    confidence: Confidence = Confidence.HIGH,
    dialects: tuple[str, ...] = TEMPLATE_DIALECTS,
) -> Callable[[Check], Rule]:
    """Make a `Rule` from a check function; the module docstring becomes its documentation.

    `confidence` says how often its findings are right (see `Confidence`). `dialects` are
    the template syntaxes it judges: every one unless what it checks cannot be written in
    some (a test wants a fixture in each), none for rules about code, manifests or CI.
    """

    def wrap(check: Check) -> Rule:
        info = _info(
            check.__module__,
            rule_id,
            name,
            severity,
            summary,
            practice,
            mappings,
            default_enabled,
            confidence,
            dialects,
        )
        return Rule(info, check)

    return wrap


def meta_rule(
    module: str,
    rule_id: str,
    name: str,
    severity: Severity,
    summary: str,
    *,
    practice: str = "meta",
    mappings: dict[str, str | tuple[str, ...]] | None = None,
    default_enabled: bool = True,
) -> Rule:
    """A rule whose findings the engine or the loaders emit (parse errors, not-analysed, ...)."""
    info = _info(
        module, rule_id, name, severity, summary, practice, mappings or {}, default_enabled
    )
    return Rule(info)


_USER_RULES: ContextVar[tuple[Rule, ...]] = ContextVar("user_rules", default=())


def all_rules() -> tuple[Rule, ...]:
    """Every rule of this scan: the built-in ones, then the active user rules, each by ID."""
    return (*builtin_rules(), *_USER_RULES.get())


@contextmanager
def user_rules_active(rules: tuple[Rule, ...]) -> Iterator[None]:
    """Make `rules` part of `all_rules()` inside the `with` block (and only there)."""
    token = _USER_RULES.set(tuple(sorted(rules, key=lambda item: item.id)))
    try:
        yield
    finally:
        _USER_RULES.reset(token)


@cache
def builtin_rules() -> tuple[Rule, ...]:
    """Every built-in rule, sorted by ID; duplicate IDs or names are a programming error."""
    found: dict[str, Rule] = {}
    names: dict[str, str] = {}
    for module_info in pkgutil.walk_packages(__path__, prefix=__name__ + "."):
        if module_info.ispkg or module_info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if not isinstance(value, Rule):
                continue
            if value.id in found and found[value.id] is not value:
                raise RuntimeError(f"duplicate rule id {value.id} in {module_info.name}")
            if value.name in names and names[value.name] != value.id:
                raise RuntimeError(f"duplicate rule name {value.name} in {module_info.name}")
            found[value.id] = value
            names[value.name] = value.id
    return tuple(sorted(found.values(), key=lambda item: item.id))


def find_rule(key: str) -> Rule | None:
    """The rule with this ID or name (case-insensitive for IDs)."""
    for candidate in all_rules():
        if candidate.id == key.upper() or candidate.name == key:
            return candidate
    return None
