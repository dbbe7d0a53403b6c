"""Findings judged by hand on the corpus are data: each names its place, rule and verdict."""

from __future__ import annotations

import json
from pathlib import Path

JUDGED = Path(__file__).resolve().parents[1] / "benchmarks" / "judged"


def test_issue_17_findings_are_judged_and_mostly_right() -> None:
    data = json.loads((JUDGED / "touch.json").read_text(encoding="utf-8"))
    findings = data["findings"]
    for item in findings:
        assert set(item) >= {"file", "line", "rule", "verdict", "why"}, item
        assert item["verdict"] in ("correct", "wrong", "debatable"), item
        assert item["why"].strip(), item
    correct = sum(item["verdict"] == "correct" for item in findings)
    assert data["summary"] == {"judged": len(findings), "correct": correct}
    assert len(findings) >= 30 and correct / len(findings) >= 0.9
