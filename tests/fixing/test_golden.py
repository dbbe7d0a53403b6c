"""Golden diffs of `slsguard fix --diff --unsafe-fixes --select RULE` per dialect.

Regenerate with `SLSGUARD_UPDATE_GOLDEN=1 pytest tests/fixing/test_golden.py` and review
the diffs like code: each is exactly what `slsguard fix` writes into a user's file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slsguard.cli import main

AS_OF = "2026-12-01"
"""Runtime successors depend on the date: fixed, so the diffs do not drift."""
GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = [
    ("serverless", "orders-api", "SLS402"),
    ("serverless", "orders-api", "SLS404"),
    ("serverless", "orders-api", "SLS109"),
    ("sam", "thumbnails", "SLS402"),
    ("sam", "thumbnails", "SLS404"),
    ("cloudformation", "inventory", "SLS402"),
    ("cloudformation", "inventory", "SLS404"),
    ("cloudformation", "inventory", "SLS501"),
    ("terraform", "terraform-app", "SLS402"),
    ("terraform", "terraform-app", "SLS404"),
    ("terraform", "terraform-app", "SLS501"),
    ("terraform", "terraform-app", "SLS109"),
    # Fixes converted from text: the route's authorizer, the domain's TLS policy and a
    # queue policy's sender condition, each written in its file's own syntax.
    ("serverless", "orders-api", "SLS201"),
    ("sam", "routes-sam", "SLS201"),
    ("sam", "routes-sam", "SLS205"),
    ("terraform", "routes-terraform", "SLS201"),
    ("terraform", "routes-terraform", "SLS205"),
    ("cloudformation", "events-cloudformation", "SLS208"),
]


@pytest.mark.parametrize(("dialect", "app", "rule"), CASES)
def test_golden_diff(
    workspace: Path, dialect: str, app: str, rule: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["fix", app, "--diff", "--unsafe-fixes", "--select", rule, "--as-of", AS_OF])
    diff = capsys.readouterr().out
    path = GOLDEN / f"{dialect}-{rule}.diff"
    if os.environ.get("SLSGUARD_UPDATE_GOLDEN") == "1":
        path.write_text(diff)
    assert path.exists(), f"{path} is missing: run with SLSGUARD_UPDATE_GOLDEN=1"
    assert diff == path.read_text()
    assert code == 1
