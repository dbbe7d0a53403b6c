"""Dependency scanning of downloaded packages (`--download-code`).

Each function's extracted package is its code directory in the mirrored template
(`Code: <directory>`), so the per-function attribution of a repository scan applies
unchanged: `requirements.txt` (and the other Python files `sam build` reads) at the root of
the package, `package.json` / `package-lock.json` from the handler's directory up to the
root. Findings point at the function's ARN › `Code` › the file (`engine.cloud_location`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from slsguard.deps.audit import analyse
from slsguard.deps.facts import DependencyFacts
from slsguard.deps.options import DependencyOptions
from slsguard.model import Application

AUDITING_RULES = frozenset({"SLS701", "SLS703"})
"""The rules that need the packages checked against advisories (as in a scan)."""


def package_dependencies(
    apps: Sequence[Application],
    scratch: Path,
    rules: frozenset[str],
    options: DependencyOptions,
) -> DependencyFacts:
    """The dependency facts of the applications whose packages were extracted in `scratch`.

    Paths are shown relative to `scratch` (`<region>/<function>/requirements.txt`), the
    directory the attribution may read under.
    """
    root = scratch.resolve()
    return analyse(apps, [root], options, root, audit=bool(AUDITING_RULES & rules))
