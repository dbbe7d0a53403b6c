"""CI files in, one `Application` of kind `pipeline` out (its `Pipeline` holds the jobs).

The YAML goes through the one located loader (same bounds, same parse-error and duplicate-key
problems as templates); the text is kept to place each line of a multi-line script.
"""

from __future__ import annotations

from pathlib import Path

from slsguard import files
from slsguard.delivery import CiJob, CiSystem, Pipeline
from slsguard.findings import Origin
from slsguard.loading.ci.bitbucket import bitbucket_jobs
from slsguard.loading.ci.commands import SourceLines
from slsguard.loading.ci.github import github_jobs
from slsguard.loading.ci.gitlab import gitlab_jobs
from slsguard.loading.ci.jobs import CiContext
from slsguard.loading.yaml import MAX_FILE_BYTES, Loaded, YMap, load_file, load_text
from slsguard.model import Application

_LOADERS = {
    "github-actions": github_jobs,
    "gitlab-ci": gitlab_jobs,
    "bitbucket-pipelines": bitbucket_jobs,
}


def load_pipeline(
    path: Path, display: str, scan_root: Path, system: CiSystem
) -> tuple[Loaded, Application | None]:
    """The loaded file (for its problems) and the pipeline application, when it is a mapping."""
    text = _read(path)
    loaded = load_text(text, display) if text is not None else load_file(str(path), display)
    if text is None or not isinstance(loaded.root, YMap):
        return loaded, None
    repo_root = path.parent.parent.parent if system == "github-actions" else path.parent
    context = CiContext(system, display, SourceLines(text), repo_root, scan_root)
    jobs: tuple[CiJob, ...] = _LOADERS[system](loaded.root, context)
    origin = Origin(display)
    pipeline = Pipeline(system, display, origin, jobs)
    return loaded, Application(display, "pipeline", display, origin, pipeline=pipeline)


def _read(path: Path) -> str | None:
    """The file's text, or None when it is unreadable, oversized or not UTF-8 (the loader
    then reports why)."""
    try:
        return files.read_text(path, MAX_FILE_BYTES)
    except (OSError, UnicodeDecodeError):
        return None
