"""Baselines: accept today's findings once, then report only new ones.

`render` records each finding's fingerprint with its rule, file and message (the last three
for the people who review the file), sorted, as stable JSON: the same findings always give
the same bytes, so a baseline diffs cleanly in review. `load` reads the fingerprints back and
`apply` drops the findings they account for. Fingerprints hold no line numbers, so edits
elsewhere in a file keep them. Internal errors are never baselined: a crash must surface.

Baselines are written as `"version": 2` (fingerprint v2: native addresses and occurrence
indexes); a `"version": 1` baseline still matches, through `Finding.fingerprint_v1`, for one
release.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from slsguard import files
from slsguard.findings import Finding, Report

FORMAT_VERSION = 2
READ_VERSIONS = (1, 2)
NEVER_BASELINED = frozenset({"SLS003"})


class BaselineError(ValueError):
    """A baseline file that cannot be read or is not a slsguard baseline."""


def _entry(finding: Finding) -> dict[str, str]:
    return {
        "fingerprint": finding.fingerprint,
        "rule": finding.rule.id,
        "name": finding.rule.name,
        "file": finding.location.file or finding.location.arn or "",
        "message": finding.message,
    }


def render(findings: Iterable[Finding]) -> str:
    """The baseline document for `findings`, as sorted, indented JSON ending with a newline."""
    entries = [_entry(f) for f in findings if f.rule.id not in NEVER_BASELINED]
    entries.sort(key=lambda e: (e["file"], e["rule"], e["fingerprint"], e["message"]))
    document = {"tool": "slsguard", "version": FORMAT_VERSION, "findings": entries}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


MAX_BASELINE_BYTES = 64 * 1024 * 1024
"""Far more than any real baseline; `--baseline /dev/zero` must not fill the memory."""


@dataclass(frozen=True, slots=True)
class Baseline:
    """The fingerprints a baseline accepts (with how many findings each accounts for), and
    the fingerprint version they were written with."""

    fingerprints: Counter[str]
    version: int = FORMAT_VERSION


def load(path: Path) -> Baseline:
    """The fingerprints a baseline accepts, each with how many findings it accounts for."""
    try:
        document: Any = json.loads(files.read_text(path, MAX_BASELINE_BYTES))
    except OSError as error:
        raise BaselineError(f"cannot read baseline {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BaselineError(f"baseline {path} is not JSON: {error}") from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or document.get("tool") != "slsguard":
        raise BaselineError(f"{path} is not a slsguard baseline (see --write-baseline)")
    version = document.get("version", 1)
    if version not in READ_VERSIONS:
        raise BaselineError(f"baseline {path} has version {version!r}: this slsguard reads 1 and 2")
    fingerprints = [e.get("fingerprint") for e in entries if isinstance(e, dict)]
    return Baseline(Counter(f for f in fingerprints if isinstance(f, str)), int(version))


def apply(report: Report, accepted: Baseline) -> Report:
    """The report without the findings the baseline accepts (each entry accepts one)."""
    remaining = Counter(accepted.fingerprints)
    kept: list[Finding] = []
    for finding in report.findings:
        fingerprint = finding.fingerprint if accepted.version >= 2 else finding.fingerprint_v1
        if finding.rule.id not in NEVER_BASELINED and remaining[fingerprint] > 0:
            remaining[fingerprint] -= 1
            continue
        kept.append(finding)
    return replace(report, findings=tuple(kept), baselined=len(report.findings) - len(kept))
