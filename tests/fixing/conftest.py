"""Shared fixtures of the `slsguard fix` tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the examples as the current folder (fixes name files relative to it)."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    monkeypatch.chdir(target)
    return target
