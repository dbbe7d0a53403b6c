"""ACME001 tested with slsguard's own harness: annotated fixture lines, compared as sets."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The package's source, importable without installing it (an installed copy works too).
sys.path.insert(0, str(HERE.parent / "src"))

from acme_slsguard_rules import RULE  # noqa: E402

from slsguard.testing import assert_fixture, check_fixture  # noqa: E402


def test_debug_mode_fixture() -> None:
    assert_fixture(HERE / "fixtures" / "debug-mode.yml", "debug-mode-in-environment", [RULE])


def test_reports_exactly_the_debug_switches() -> None:
    fixture = HERE / "fixtures" / "debug-mode.yml"
    result = check_fixture(fixture, "debug-mode-in-environment", [RULE])
    assert result.found == {("debug-mode.yml", 13), ("debug-mode.yml", 20)}
