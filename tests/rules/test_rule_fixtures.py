"""Every rule against its annotated fixtures: the reported lines must equal the `ruleid` lines.

Fixtures live in `tests/fixtures/rules/<rule-name>/`: each file, or each folder (for
configurations that include other files), is scanned on its own with only that rule
selected. A `# ruleid: <rule-name>` comment marks the next line as one the rule must report,
`# ok: <rule-name>` one it must not. JSON cannot hold comments: a JSON fixture has a sidecar
`<name>.expect.yml` listing `{line, rule}` pairs (and `ok` pairs). Sets of lines are
compared, not counts. A case folder with an `osv/` folder of advisories is audited against it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from slsguard.deps.options import DependencyOptions
from slsguard.rules import all_rules
from slsguard.scan import ScanOptions, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
_ANNOTATION = re.compile(r"(?:#|//)\s*(ruleid|ok):\s*([\w,-]+)")

Expectations = tuple[set[tuple[str, int]], set[tuple[str, int]]]


def _cases() -> list[tuple[str, Path]]:
    cases = []
    for rule_dir in sorted(FIXTURES.iterdir()):
        for case in sorted(rule_dir.iterdir()):
            if case.name.endswith(".expect.yml"):
                continue
            cases.append((rule_dir.name, case))
    return cases


def expectations(case: Path, rule: str) -> Expectations:
    """(must report, must not report) as sets of (relative file, line)."""
    files = [case] if case.is_file() else sorted(p for p in case.rglob("*") if p.is_file())
    report: set[tuple[str, int]] = set()
    keep_quiet: set[tuple[str, int]] = set()
    for file in files:
        if file.name.endswith(".expect.yml"):
            continue
        name = file.name if case.is_file() else file.relative_to(case).as_posix()
        sidecar = file.with_name(file.stem + ".expect.yml")
        if sidecar.exists():
            spec = yaml.safe_load(sidecar.read_text())
            report |= {
                (name, item["line"]) for item in spec.get("ruleid", []) if item["rule"] == rule
            }
            keep_quiet |= {
                (name, item["line"]) for item in spec.get("ok", []) if item["rule"] == rule
            }
            continue
        lines = file.read_text().splitlines()
        for number, text in enumerate(lines, start=1):
            match = _ANNOTATION.search(text)
            if match and rule in match.group(2).split(","):
                target = (name, number + 1)
                (report if match.group(1) == "ruleid" else keep_quiet).add(target)
    return report, keep_quiet


def reported(case: Path, rule: str) -> set[tuple[str, int]]:
    """The (relative file, line) pairs the rule reports when the case is scanned alone."""
    base = case.parent if case.is_file() else case
    database = base / "osv" if case.is_dir() else None  # a case folder's own advisories
    audit = DependencyOptions(advisory_db=database if database and database.is_dir() else None)
    result = scan([case], ScanOptions(select=(rule,), verbose=True, dependencies=audit))
    found = set()
    for finding in result.findings:
        if finding.rule.name != rule or (finding.location.file or "<").startswith("<"):
            continue  # Findings about slsguard itself (stale data) are about no file here.
        path = Path(finding.location.file or "")
        absolute = path if path.is_absolute() else (Path.cwd() / path).resolve()
        found.add((absolute.relative_to(base.resolve()).as_posix(), finding.location.line))
    return found


@pytest.mark.parametrize(
    ("rule", "case"), _cases(), ids=lambda value: str(value).split("rules/")[-1]
)
def test_fixture(rule: str, case: Path) -> None:
    must, must_not = expectations(case, rule)
    assert must or must_not, f"{case} has no annotations for {rule}"
    found = reported(case, rule)
    assert found == must
    assert not (found & must_not)


def test_every_rule_with_a_check_has_fixtures() -> None:
    names = {path.name for path in FIXTURES.iterdir()}
    missing = [
        rule.name for rule in all_rules() if rule.check is not None and rule.name not in names
    ]
    assert missing == []
