"""Test a rule the way slsguard tests its own: annotated fixtures compared as sets of lines.

A fixture is a file (or a folder, for configurations that include other files) written for
the rule. A `# ruleid: <rule-name>` comment (`// ruleid:` in JavaScript, TypeScript, HCL and
Go) marks the next line as one the rule must report, `# ok: <rule-name>` one it must not.
JSON cannot hold comments: a JSON fixture has a sidecar `<name>.expect.yml` listing
`ruleid:` and `ok:` entries of `{line, rule}`. The fixture is scanned with only that rule
selected, and the reported lines must equal the `ruleid` lines exactly (no count can hide a
wrong line).

For a rule package of your own::

    from slsguard.testing import assert_fixture
    from acme_rules import function_without_owner

    def test_owner_tag():
        assert_fixture(FIXTURES / "owner.yml", "function-without-owner",
                       rules=[function_without_owner.RULE])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from slsguard.deps.options import DependencyOptions
from slsguard.project import find as find_project
from slsguard.rules import Rule, builtin_rules, user_rules_active
from slsguard.scan import ScanOptions, scan

Lines = frozenset[tuple[str, int]]
"""(file relative to the fixture, line) pairs."""

_ANNOTATION = re.compile(r"(?:#|//)\s*(ruleid|ok):\s*([\w,-]+)")


@dataclass(frozen=True, slots=True)
class FixtureResult:
    """What a fixture asks of a rule and what the rule reported."""

    expected: Lines
    forbidden: Lines
    found: Lines

    @property
    def missing(self) -> Lines:
        """Lines the rule must report and did not."""
        return self.expected - self.found

    @property
    def unexpected(self) -> Lines:
        """Lines the rule reported that no `ruleid` annotation asks for."""
        return self.found - self.expected

    @property
    def passed(self) -> bool:
        """The reported lines are exactly the `ruleid` lines."""
        return self.found == self.expected and not (self.found & self.forbidden)


def expectations(case: Path, rule: str) -> tuple[Lines, Lines]:
    """(must report, must not report) for `rule` in a fixture file or folder."""
    files = [case] if case.is_file() else sorted(p for p in case.rglob("*") if p.is_file())
    report: set[tuple[str, int]] = set()
    keep_quiet: set[tuple[str, int]] = set()
    for file in files:
        if file.name.endswith(".expect.yml"):
            continue
        name = file.name if case.is_file() else file.relative_to(case).as_posix()
        sidecar = file.with_name(file.stem + ".expect.yml")
        if sidecar.exists():
            spec = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
            report |= {
                (name, item["line"]) for item in spec.get("ruleid", []) if item["rule"] == rule
            }
            keep_quiet |= {
                (name, item["line"]) for item in spec.get("ok", []) if item["rule"] == rule
            }
            continue
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, text in enumerate(lines, start=1):
            match = _ANNOTATION.search(text)
            if match and rule in match.group(2).split(","):
                target = (name, number + 1)
                (report if match.group(1) == "ruleid" else keep_quiet).add(target)
    return frozenset(report), frozenset(keep_quiet)


def reported(case: Path, rule: str, rules: Iterable[Rule] = ()) -> Lines:
    """The (relative file, line) pairs `rule` reports when the fixture is scanned alone.

    `rules` are user rules to make active for the scan (built-in rules always are).
    """
    base = case.parent if case.is_file() else case
    database = base / "osv" if case.is_dir() else None  # a case folder's own advisories
    audit = DependencyOptions(advisory_db=database if database and database.is_dir() else None)
    with user_rules_active(_user_only(rules)):
        result = scan([case], ScanOptions(select=(rule,), verbose=True, dependencies=audit))
    names = find_project([case]).root  # file names in the report are relative to it
    found = set()
    for finding in result.findings:
        if finding.rule.name != rule and finding.rule.id != rule:
            continue
        if (finding.location.file or "<").startswith("<"):
            continue  # Findings about slsguard itself (stale data) are about no file here.
        path = Path(finding.location.file or "")
        absolute = path if path.is_absolute() else (names / path).resolve()
        found.add((absolute.relative_to(base.resolve()).as_posix(), finding.location.line))
    return frozenset(found)


def check_fixture(case: Path, rule: str, rules: Iterable[Rule] = ()) -> FixtureResult:
    """Scan a fixture with only `rule` and compare the reported lines with its annotations."""
    expected, forbidden = expectations(case, rule)
    if not expected and not forbidden:
        raise ValueError(f"{case} has no `ruleid:` or `ok:` annotation for {rule}")
    return FixtureResult(expected, forbidden, reported(case, rule, rules))


def assert_fixture(case: Path, rule: str, rules: Iterable[Rule] = ()) -> None:
    """`check_fixture`, raising AssertionError that lists the missing and unexpected lines."""
    result = check_fixture(case, rule, rules)
    if not result.passed:
        raise AssertionError(
            f"{case} for {rule}: missing {sorted(result.missing)}, "
            f"unexpected {sorted(result.unexpected | (result.found & result.forbidden))}"
        )


def _user_only(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    builtin = {rule.id for rule in builtin_rules()}
    return tuple(rule for rule in rules if rule.id not in builtin)


__all__ = ["FixtureResult", "assert_fixture", "check_fixture", "expectations", "reported"]
