#!/usr/bin/env python3
"""Precision evidence: findings per rule before and after, and hand-judged findings.

Compares two slsguard JSON reports of the same corpus (``slsguard scan CORPUS --format json``)
rule by rule, and summarises ``benchmarks/judged/precision.json``: findings a person read
against the source, each with a verdict (``right`` or ``wrong``) and why.

Standard library only. Usage::

    python benchmarks/precision.py BEFORE.json AFTER.json [--judged JUDGED.json]
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path
from typing import Any

JUDGED = Path(__file__).resolve().parent / "judged" / "precision.json"


def counts(report: Path) -> collections.Counter[str]:
    """Findings per rule ID in one JSON report."""
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return collections.Counter(str(finding["rule_id"]) for finding in data["findings"])


def accuracy(judged: Path) -> dict[str, tuple[int, int]]:
    """Per rule: (findings judged right, findings judged)."""
    right: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    for entry in json.loads(judged.read_text(encoding="utf-8"))["findings"]:
        total[entry["rule"]] += 1
        right[entry["rule"]] += entry["verdict"] == "right"
    return {rule: (right[rule], total[rule]) for rule in sorted(total)}


def main() -> None:
    """Print both tables as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--judged", type=Path, default=JUDGED)
    args = parser.parse_args()
    before, after = counts(args.before), counts(args.after)
    print("| rule | before | after |\n|---|---:|---:|")
    for rule in sorted(set(before) | set(after)):
        if before[rule] != after[rule]:
            print(f"| {rule} | {before[rule]} | {after[rule]} |")
    print(f"| total | {sum(before.values())} | {sum(after.values())} |\n")
    print("| rule | judged | right | share |\n|---|---:|---:|---:|")
    for rule, (right, total) in accuracy(args.judged).items():
        print(f"| {rule} | {total} | {right} | {100 * right / total:.0f} % |")


if __name__ == "__main__":
    main()
