"""Every rule against its annotated fixtures: the reported lines must equal the `ruleid` lines.

Fixtures live in `tests/fixtures/rules/<rule-name>/`: each file, or each folder (for
configurations that include other files), is scanned on its own with only that rule
selected. A `# ruleid: <rule-name>` comment marks the next line as one the rule must report,
`# ok: <rule-name>` one it must not. JSON cannot hold comments: a JSON fixture has a sidecar
`<name>.expect.yml` listing `{line, rule}` pairs (and `ok` pairs). Sets of lines are
compared, not counts. A case folder with an `osv/` folder of advisories is audited against it.
The harness is `slsguard.testing`, which users' own rule packages use too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slsguard.rules import all_rules
from slsguard.testing import expectations, reported

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"


def _cases() -> list[tuple[str, Path]]:
    cases = []
    for rule_dir in sorted(FIXTURES.iterdir()):
        for case in sorted(rule_dir.iterdir()):
            if case.name.endswith(".expect.yml"):
                continue
            cases.append((rule_dir.name, case))
    return cases


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
