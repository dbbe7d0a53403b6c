"""Every function of every framework and handler-shape fixture app has its code located.

The fixture apps under `tests/fixtures/rules/` are small realistic services, one per framework
or way of writing a handler. Scanning one must follow each function to the code that receives
the event: the only SLS004 notes are the ones a fixture asserts (`# ruleid: not-analysed`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from slsguard.scan import ScanOptions, scan

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"

# app folder → the handler files with an expected SLS004 note (what cannot be followed)
APPS: dict[str, frozenset[str]] = {
    "os-command-injection/node-handler-shapes": frozenset(),
    "os-command-injection/python-handler-shapes": frozenset(),
    "os-command-injection/node-s3": frozenset(),
    "os-command-injection/python-s3": frozenset(),
    "os-command-injection/sam-cross-module": frozenset(),
    "os-command-injection/terraform-packaging": frozenset(),
    "os-command-injection/sam-image": frozenset(),
    "os-command-injection/serverless-image": frozenset(),
    "os-command-injection/cdk-app": frozenset(),
    "not-analysed/unfollowable-handlers": frozenset({"factory.js", "web.py"}),
}


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_function_has_its_code_located(app: str) -> None:
    folder = RULES / app
    result = scan([folder], ScanOptions(select=("SLS004", "SLS601")))
    stale = [f for f in result.findings if "may be stale" in f.message]  # depends on checkout
    result = replace(result, findings=tuple(f for f in result.findings if f not in stale))
    assert sum(len(app.functions) for app in result.apps) > 0
    notes = {
        Path(f.location.file or "").name: f.message
        for f in result.findings
        if f.rule.id == "SLS004"
    }
    assert set(notes) == APPS[app], notes
