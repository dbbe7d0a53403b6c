#!/usr/bin/env python3
"""Time slsguard on each Terraform root module of the Terraform smoke corpus.

In one process (after one warm-up scan that builds the HCL grammar), each root module of
``tests/fixtures/terraform-corpus`` and ``examples/terraform-app`` is scanned ``--runs``
times with every default rule; the median wall time per module is printed with its file,
function and finding counts.

Usage::

    python benchmarks/terraform.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from slsguard.scan import scan

ROOT = Path(__file__).resolve().parents[1]
MODULES = [
    *sorted(p for p in (ROOT / "tests" / "fixtures" / "terraform-corpus").iterdir() if p.is_dir()),
    ROOT / "examples" / "terraform-app",
]


def main() -> None:
    """Print one line per module: median seconds, files, functions, findings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    scan([MODULES[0]])  # Warm-up: imports and the HCL grammar cache.
    for module in MODULES:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            report = scan([module])
            times.append(time.perf_counter() - started)
        functions = sum(len(app.functions) for app in report.apps)
        print(
            f"{module.relative_to(ROOT)}: {statistics.median(times) * 1000:.0f} ms "
            f"({report.files_scanned} files, {functions} functions, "
            f"{len(report.findings)} findings)"
        )


if __name__ == "__main__":
    main()
