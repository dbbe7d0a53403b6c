"""A CDK app (`cdk.json`): its synthesised output, or why there is nothing to analyse.

slsguard never runs `cdk synth` (that would execute the project). The templates in the
`cdk.out` next to `cdk.json` are the app as deployed: discovery hands them to the
CloudFormation loader. This module only says what a reader must know about them: that there
is no `cdk.out` (nothing of the app was analysed: a LOW finding, so the default gate fails),
or that `cdk.out/manifest.json` is older than the newest source file (the output may be stale).
"""

from __future__ import annotations

import os
from pathlib import Path

from slsguard.discovery import SKIPPED_DIRECTORIES, Candidate
from slsguard.findings import Origin, Severity, Violation
from slsguard.model import Note

SOURCE_SUFFIXES = frozenset({".ts", ".js", ".mjs", ".py", ".java", ".cs", ".fs", ".go", ".json"})
MAX_SOURCE_FILES = 5000
"""A bound on the files compared with the manifest (a big monorepo stops the comparison)."""


def cdk_notes(candidate: Candidate) -> list[Note]:
    """SLS004 notes about one CDK app: no `cdk.out`, or output older than the sources."""
    app = candidate.path.parent
    manifest = app / "cdk.out" / "manifest.json"
    origin = Origin(candidate.display)
    if not manifest.is_file():
        message = (
            f"{candidate.display} is a CDK app without a synthesised cdk.out next to it: "
            "none of its stacks, functions or roles were analysed"
        )
        fix = "run `cdk synth` and scan again (slsguard never executes the project)"
        return [Note("SLS004", Violation(origin, message, fix, Severity.LOW))]
    newest = _newest_source(app)
    if newest is not None and newest[0] > manifest.stat().st_mtime:
        shown = newest[1].relative_to(app).as_posix()
        message = (
            f"cdk.out/manifest.json is older than {shown}: the synthesised output may be "
            "stale, and findings may not match the current code"
        )
        fix = "run `cdk synth` and scan again"
        return [Note("SLS004", Violation(origin, message, fix, Severity.INFO))]
    return []


def _newest_source(app: Path) -> tuple[float, Path] | None:
    newest: tuple[float, Path] | None = None
    seen = 0
    for directory, subdirectories, names in os.walk(app):
        subdirectories[:] = [
            name for name in subdirectories if name not in SKIPPED_DIRECTORIES and name != "cdk.out"
        ]
        for name in names:
            path = Path(directory) / name
            if path.suffix not in SOURCE_SUFFIXES or path.is_symlink():
                continue
            seen += 1
            if seen > MAX_SOURCE_FILES:
                return newest
            modified = path.stat().st_mtime
            if newest is None or modified > newest[0]:
                newest = (modified, path)
    return newest
