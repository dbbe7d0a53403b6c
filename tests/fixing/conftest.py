"""Shared fixtures of the `slsguard fix` tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APPS = Path(__file__).resolve().parent / "apps"
"""Apps in dialects the examples do not cover (a CloudFormation JSON template), and small
apps for the golden diffs of rules the examples do not trigger."""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the examples (and `apps/`) as the current folder (fixes name files relative
    to it)."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    shutil.copytree(APPS, target, dirs_exist_ok=True)
    monkeypatch.chdir(target)
    return target
