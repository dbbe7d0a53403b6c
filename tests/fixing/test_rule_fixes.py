"""`slsguard fix --unsafe-fixes --select RULE` on copies of a rule's fixtures, per rule.

Each case names the fixture folders of one rule, how many of its findings `fix` must make
go away, and which must stay (with the reason `fix` gives): after the fix every template
still parses, every comment line survives, and nothing new is reported.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.fixing.files import check_parses, is_hcl
from slsguard.scan import scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
SUFFIXES = (".yml", ".yaml", ".json", ".tf")

CASES = [
    # rule, fixture folders, findings left after the fix (each with its reason below), or
    # None when no fix of the rule can be applied without a value the author chooses
    ("SLS209", ("missing-throttling", "api-access-logging-disabled"), 3),
    # Left: two stages whose `MethodSettings` already hold an entry (never overwritten), an
    # HTTP API quick-create stage (only an `ApiGatewayManagedOverrides` could throttle it).
    ("SLS503", ("excessive-timeout",), 2),
    # Left: 900 s timeouts, whose right value only the author knows.
    ("SLS202", ("public-function-url",), 3),
    # Left: an auth type from a parameter (changed where it is defined), a URL made by a
    # registry module (its `authorization_type` input, not a block slsguard can edit), a
    # permission for `*` (the principal to name is the author's choice).
    ("SLS213", ("data-store-unencrypted", "hardcoded-secret-in-template"), 0),
    ("SLS214", ("weak-user-pool",), 0),
    ("SLS201", ("unauthenticated-endpoint",), 14),
    # Left: two events in their short form (`- http: GET orders/{id}`: written as a mapping
    # first), routes whose authorizer only the author can choose (a `$connect` route, OpenAPI
    # operations, a SAM HTTP API, methods and routes whose API uses a Cognito/JWT authorizer:
    # its id goes with the type), a WebSocket API without `$connect`, a load balancer listener
    # and an HTTP API quick create (advice, no setting).
    ("SLS203", ("unvalidated-request-body",), 12),
    # Left: every route but the SAM one whose `RequestModel` only lacks `ValidateBody`: a
    # model or validator is the author's to write; HTTP APIs cannot validate (advice).
    ("SLS208", ("public-event-source",), 1),
    # Left: a Terraform queue policy, whose statement is inside `jsonencode(...)`.
    ("SLS205", ("outdated-tls-policy",), 1),
    # Left: a policy from a template parameter (changed where it is defined).
    ("SLS210", ("function-outside-vpc",), None),
    # Not applied: the subnets and security groups are the author's to choose.
]


def _copy(folders: tuple[str, ...], root: Path) -> None:
    for folder in folders:
        shutil.copytree(FIXTURES / folder, root / folder)


def _comments(path: Path) -> list[str]:
    marker = ("#", "//") if is_hcl(path) else ("#",)
    return [line for line in path.read_text().splitlines() if line.strip().startswith(marker)]


def _templates(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def _count(root: Path) -> Counter[str]:
    return Counter(finding.rule.id for finding in scan([root]).findings)


@pytest.mark.parametrize(("rule", "folders", "left"), CASES)
def test_fix_removes_the_findings_it_fixes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rule: str,
    folders: tuple[str, ...],
    left: int | None,
) -> None:
    _copy(folders, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = _count(tmp_path)
    comments = {path: _comments(path) for path in _templates(tmp_path)}
    main(["fix", ".", "--unsafe-fixes", "--select", rule])
    out = capsys.readouterr().out
    if left is None:
        assert "fixed: " not in out and "must be chosen by you" in out
        assert _count(tmp_path) == before
        return
    assert "fixed: " in out
    for path in _templates(tmp_path):
        check_parses(path, path.read_text(encoding="utf-8-sig"))
        assert set(comments[path]) <= set(_comments(path)), path
    after = _count(tmp_path)
    assert before[rule] > left
    assert after[rule] == left
    assert {r for r, n in after.items() if n > before[r]} == set()
