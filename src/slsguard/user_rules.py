"""Rules of the user's own: installed rule packages and rule folders named on the command line.

A user rule is written exactly like a built-in one: a module whose docstring documents it and
which defines a `Rule` with the same `@rule` decorator (`from slsguard.rules import rule`).
Two ways bring such modules in:

* an installed package that declares the entry point group `slsguard.rules`
  (`[project.entry-points."slsguard.rules"] acme = "acme_rules"`): the entry point names a
  module (every `Rule` in it counts), a `Rule`, or a sequence of `Rule`s;
* `--rules-dir DIR` on the command line: every `*.py` module directly in DIR.

Loading a rule runs Python. So rules never come from the scanned repository's configuration,
and a rules folder inside the project root is refused unless `--trust-project-rules` says the
user has read it: a pull request must not be able to run code in the scanner by adding a file.

A rule that cannot be used is reported, never silently dropped, and never stops the scan: a
module that fails to import, a rule whose ID starts with `SLS` (reserved for slsguard), and an
ID or name another rule already has each become an SLS003 finding naming the rule and why.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType

from slsguard.findings import Origin, Violation
from slsguard.rules import Rule, builtin_rules

ENTRY_POINT_GROUP = "slsguard.rules"
RESERVED_PREFIX = "SLS"


@dataclass(frozen=True, slots=True)
class UserRules:
    """The user rules that can run, and an SLS003 violation for each one that cannot."""

    rules: tuple[Rule, ...] = ()
    problems: tuple[Violation, ...] = ()


class UntrustedRulesError(ValueError):
    """A rules folder inside the project root, without `--trust-project-rules`."""


def load(
    rules_dirs: Iterable[Path] = (),
    *,
    project_root: Path | None = None,
    trust_project_rules: bool = False,
    entry_points: bool = True,
) -> UserRules:
    """The installed rule packages (unless `entry_points` is off) and the given folders' rules.

    Raises `UntrustedRulesError` for a folder inside `project_root` unless trusted.
    """
    folders = [Path(folder) for folder in rules_dirs]
    for folder in folders:
        _check_trusted(folder, project_root, trust_project_rules)
    found: list[tuple[Rule | None, str, str]] = []
    if entry_points:
        found.extend(_from_entry_points())
    for folder in folders:
        found.extend(_from_folder(folder))
    return _validated(found)


def _check_trusted(folder: Path, project_root: Path | None, trusted: bool) -> None:
    if not folder.is_dir():
        raise UntrustedRulesError(f"--rules-dir {folder}: not a folder")
    if trusted or project_root is None:
        return
    if folder.resolve().is_relative_to(project_root.resolve()):
        raise UntrustedRulesError(
            f"--rules-dir {folder} is inside the scanned project ({project_root}): its code "
            "would run as part of the scan; pass --trust-project-rules if you have reviewed it"
        )


def _from_entry_points() -> Iterator[tuple[Rule | None, str, str]]:
    """(rule or None, origin, problem) for each installed `slsguard.rules` entry point."""
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        origin = f"entry point {entry_point.name} ({entry_point.value})"
        try:
            loaded = entry_point.load()
        except Exception as error:  # A broken plugin is a finding, not a crash.
            yield None, origin, f"cannot be loaded: {type(error).__name__}: {error}"
            continue
        rules = list(_rules_in(loaded))
        if not rules:
            yield None, origin, "defines no rule (expected a module, a Rule or Rules)"
        for rule in rules:
            yield rule, origin, ""


def _from_folder(folder: Path) -> Iterator[tuple[Rule | None, str, str]]:
    """(rule or None, origin, problem) for each `*.py` module directly in `folder`."""
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_") or not path.is_file():
            continue
        try:
            module = _import_file(path)
        except Exception as error:  # A broken rule file is a finding, not a crash.
            yield None, str(path), f"cannot be loaded: {type(error).__name__}: {error}"
            continue
        rules = list(_rules_in(module))
        if not rules:
            yield None, str(path), "defines no rule"
        for rule in rules:
            yield rule, str(path), ""


def _import_file(path: Path) -> ModuleType:
    """Import one rule file under a private, unique module name (no `sys.path` change)."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"slsguard_user_rules_{digest}.{path.stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"not a Python module: {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # The @rule decorator reads the module docstring from here.
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _rules_in(value: object) -> Iterator[Rule]:
    if isinstance(value, Rule):
        yield value
    elif isinstance(value, ModuleType):
        yield from (item for item in vars(value).values() if isinstance(item, Rule))
    elif isinstance(value, list | tuple):
        yield from (item for item in value if isinstance(item, Rule))


def _validated(found: Iterable[tuple[Rule | None, str, str]]) -> UserRules:
    ids = {rule.id for rule in builtin_rules()}
    names = {rule.name for rule in builtin_rules()}
    accepted: list[Rule] = []
    problems: list[Violation] = []
    for rule, origin, problem in found:
        if rule is not None:
            problem = _problem_with(rule, ids, names)
        if problem:
            what = f"user rule {rule.id} ({rule.name})" if rule else "user rules"
            problems.append(_violation(origin, f"{what} from {origin} {problem}"))
            continue
        assert rule is not None
        ids.add(rule.id)
        names.add(rule.name)
        accepted.append(Rule(rule.info, rule.check, origin))
    return UserRules(tuple(accepted), tuple(problems))


def _problem_with(rule: Rule, ids: set[str], names: set[str]) -> str:
    if rule.id.upper().startswith(RESERVED_PREFIX):
        return f"is not loaded: IDs starting with {RESERVED_PREFIX} are reserved for slsguard"
    if rule.check is None:
        return "is not loaded: it has no check function"
    if rule.id in ids:
        return f"is not loaded: another rule already has the ID {rule.id}"
    if rule.name in names:
        return f"is not loaded: another rule already has the name {rule.name}"
    return ""


def _violation(origin: str, message: str) -> Violation:
    return Violation(
        Origin(origin),
        message,
        "fix the rule (see docs/custom-rules.md), or remove it from --rules-dir or the "
        "environment it is installed in",
        subject=origin,
    )


__all__ = ["ENTRY_POINT_GROUP", "UntrustedRulesError", "UserRules", "load"]
