"""Least privilege on public apps judged by hand (`benchmarks/judged/leastpriv.json`).

Runs only when `SLSGUARD_JUDGED_APPS` names a folder holding local copies of the judged
repositories as `<owner>/<name>` at the judged commits (third-party code is never committed):
the findings are exactly the judged ones, at least 90 % of each rule's are right, and the
policy `slsguard policy` prints for every analysed function allows every call its code makes.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.discovery import discover
from slsguard.findings import Origin
from slsguard.iam.evaluate import Policies, evaluate
from slsguard.leastpriv.command import json_key
from slsguard.leastpriv.needs import function_needs
from slsguard.loading import LoadOptions, load_all
from slsguard.loading.policies import parse_statements
from slsguard.scan import ScanOptions, scan

JUDGED = Path(__file__).resolve().parents[2] / "benchmarks" / "judged" / "leastpriv.json"
ROOT = os.environ.get("SLSGUARD_JUDGED_APPS")
pytestmark = pytest.mark.skipif(not ROOT, reason="SLSGUARD_JUDGED_APPS is not set")


def _judged() -> dict[str, object]:
    data: dict[str, object] = json.loads(JUDGED.read_text())
    return data


def _apps() -> list[tuple[str, str]]:
    """(repository, app folder) of every judged app."""
    data = _judged()
    scanned = data["apps_scanned"]
    assert isinstance(scanned, dict)
    apps: list[tuple[str, str]] = []
    for repo in scanned:
        base = Path(str(ROOT)) / repo
        if repo == "serverless/examples":
            names = sorted(
                p.name for p in base.iterdir() if p.name.startswith(("aws-node", "aws-python"))
            )
        else:
            names = [n.strip() for n in str(scanned[repo]).split(",")]
        apps += [(repo, name) for name in names if (base / name).is_dir()]
    return apps


def test_findings_are_the_judged_ones_and_mostly_right(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _judged()["findings"]
    assert isinstance(findings, list)
    expected = {(f["repo"], f["rule"], f["file"], f["line"]) for f in findings}
    found: set[tuple[str, str, str, int]] = set()
    for repo, app in _apps():
        monkeypatch.chdir(Path(str(ROOT)) / repo)
        for finding in scan([Path(app)], ScanOptions(select=("SLS109", "SLS110"))).findings:
            where = finding.location or finding.origin
            found.add((repo, finding.rule.id, str(where.file), where.line))
    assert found == expected
    verdicts: dict[str, list[bool]] = defaultdict(list)
    for finding in findings:
        verdicts[finding["rule"]].append(finding["verdict"] == "right")
    for rule, right in verdicts.items():
        assert sum(right) / len(right) >= 0.9, rule


def test_printed_policies_allow_every_call(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for repo, app in _apps():
        monkeypatch.chdir(Path(str(ROOT)) / repo)
        loaded = load_all(list(discover([Path(app)], Path.cwd())), LoadOptions(), Path.cwd())
        if not loaded.apps:
            continue
        assert main(["policy", app, "--format", "json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        every = [(a, fn.name) for a in loaded.apps for fn in a.functions]
        shared = {n for _, n in every if sum(1 for _, m in every if m == n) > 1}
        for owner, name, found in (
            (a, n, f) for a in loaded.apps for n, f in function_needs(a).items()
        ):
            key = json_key(owner.file, name, shared)
            statements = parse_statements(printed[key]["Statement"], Origin("printed"), name)
            policies = Policies(tuple(statements))
            for need in found.needs:
                arn = (
                    need.target.arn
                    if need.target.arn == "*"
                    else need.target.arn.replace("*", "x1")
                )
                assert evaluate(policies, need.action, arn).allowed, (app, name, need.action)
