"""Pull-request scans: only the findings a change introduces (`scan --diff-base REF`).

The change is everything between the merge base of `HEAD` and `REF` and the files on disk
now (committed or not). The base revision is materialised from git's objects into a
temporary folder (`ls-tree` + `cat-file --batch`, through the hardened `slsguard.git`: never a
checkout in the user's tree, never a filter of the repository's). Files are compared by
content, in Python, so no git command ever looks at the working tree.

Every app touched by a changed file is scanned whole, now and at the base: an app is the
folder of its template (a Serverless service, a SAM or CloudFormation stack, a Terraform
module, a CI file), and a changed handler, lockfile, `${file()}` include or `.tfvars` in that
folder or below counts for it. A changed file outside every app's folder (a shared library, a
root configuration) may matter to any app, so then every app is scanned. Findings are matched
by fingerprint (which never holds a line number); one that the base already had is not new.
Both scans use the base revision's configuration and baseline (`slsguard.cli` reads them from
the base tree), so a pull request cannot widen its own gate.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from slsguard import git
from slsguard.discovery import SKIPPED_DIRECTORIES, discover
from slsguard.findings import Finding, Report
from slsguard.project import Project


class DiffBaseError(ValueError):
    """The base cannot be found: no git, an unknown ref, or a shallow clone (exit code 2)."""


@dataclass(frozen=True, slots=True)
class BaseTree:
    """The merge base materialised in a temporary folder, as a project of its own."""

    commit: str
    folder: Path
    """The materialised git top level."""
    project: Project
    """The same project root as the current scan's, inside `folder`."""

    def path_of(self, current: Project, path: Path) -> Path:
        """Where a path of the current project lies in the base tree."""
        return self.project.root / Path(os.path.abspath(path)).relative_to(current.root)


def merge_base(top: Path, ref: str) -> str:
    """The merge base of `HEAD` and `ref`; DiffBaseError saying how to get it when missing."""
    if ref.startswith("-"):
        raise DiffBaseError(f"--diff-base {ref}: not a git ref")
    try:
        return git.run(top, "merge-base", "HEAD", ref).decode().strip()
    except git.GitError as error:
        shallow = _is_shallow(top)
        advice = (
            "this is a shallow clone without the merge base: fetch the history "
            "(GitHub Actions: `fetch-depth: 0` in actions/checkout; GitLab: `GIT_DEPTH: 0`)"
            if shallow
            else f"is {ref!r} a branch, tag or commit of this repository? (git fetch it first)"
        )
        raise DiffBaseError(f"--diff-base {ref}: no merge base with HEAD: {advice}") from error


def _is_shallow(top: Path) -> bool:
    try:
        shallow = git.run(top, "rev-parse", "--is-shallow-repository")
        return shallow.decode().strip() == "true"
    except git.GitError:
        return False


def materialise(project: Project, ref: str, into: Path) -> BaseTree:
    """The merge base of HEAD and `ref` written under `into` (a temporary folder)."""
    if project.git_top is None or not git.available():
        raise DiffBaseError("--diff-base needs git and a git repository around the project")
    commit = merge_base(project.git_top, ref)
    git.materialise(project.git_top, commit, into)
    root = into / project.root.relative_to(project.git_top)
    root.mkdir(parents=True, exist_ok=True)
    tracked = frozenset(path for path in into.rglob("*") if path.is_file())
    return BaseTree(commit, into, Project(root.resolve(), into.resolve(), tracked))


def changed_files(current: Project, base: BaseTree) -> frozenset[str]:
    """Root-relative names of the files added, removed or changed since the merge base."""
    now = dict(_files(current))
    then = dict(_files(base.project))
    return frozenset(
        name
        for name in now.keys() | then.keys()
        if name not in now or name not in then or not _same(now[name], then[name])
    )


def _files(project: Project) -> Iterator[tuple[str, Path]]:
    """(root-relative name, path) of every file slsguard could read under the root."""
    for folder, folders, files in os.walk(project.root):
        here = Path(folder)
        folders[:] = [
            name
            for name in folders
            if name not in SKIPPED_DIRECTORIES and not project.ignored(here / name, is_folder=True)
        ]
        for name in files:
            path = here / name
            if path.is_file() and not path.is_symlink() and not project.ignored(path, False):
                yield path.relative_to(project.root).as_posix(), path


def _same(left: Path, right: Path) -> bool:
    try:
        if left.stat().st_size != right.stat().st_size:
            return False
        return left.read_bytes() == right.read_bytes()
    except OSError:
        return False


def touched_folders(
    paths: Sequence[Path], current: Project, base: BaseTree, changed: frozenset[str]
) -> tuple[str, ...]:
    """The root-relative app folders to scan: those holding a changed file, or all of them
    when a changed file lies outside every app's folder."""
    if not changed:
        return ()
    base_paths = [base.path_of(current, path) for path in paths]
    existing = [path for path in base_paths if path.exists()]
    folders = app_folders(paths, current) | app_folders(existing, base.project)
    return owners(changed, folders, shared_means_all=True)


def app_folders(paths: Sequence[Path], project: Project) -> set[str]:
    """The root-relative folder of every app (template, module, CI file) under `paths`."""
    return {_app_folder(c.path, project.root) for c in discover(list(paths), project=project)}


def owners(names: Iterable[str], folders: set[str], *, shared_means_all: bool) -> tuple[str, ...]:
    """The app folders that root-relative file `names` belong to: each name's enclosing app
    folders. A name outside all of them (a shared library) means every folder when
    `shared_means_all` (a pull request's new findings: scanning more only costs time), else
    none (a commit hook must not fail on other apps' old findings). Folders inside another
    chosen one are left out (its scan covers them)."""
    names = list(names)
    touched = {folder for folder in folders if any(_under(name, folder) for name in names)}
    outside = any(not any(_under(name, folder) for folder in folders) for name in names)
    if shared_means_all and outside:
        touched = set(folders)
    return _outermost(touched)


def _app_folder(path: Path, root: Path) -> str:
    folder = path if path.is_dir() else path.parent
    return Path(os.path.abspath(folder)).relative_to(root).as_posix()


def _under(name: str, folder: str) -> bool:
    return folder == "." or PurePosixPath(name).is_relative_to(folder)


def _outermost(folders: set[str]) -> tuple[str, ...]:
    """The folders not inside another one of them (a parent's scan covers its children)."""
    chosen: list[str] = []
    for folder in sorted(folders, key=lambda item: (item.count("/"), item)):
        if not any(_under(folder, parent) for parent in chosen):
            chosen.append(folder)
    return tuple(sorted(chosen))


def new_findings(current: Report, base: Report) -> Report:
    """`current` without the findings the base already had (matched by fingerprint, each
    base finding accounting for one current finding)."""
    remaining = Counter(finding.fingerprint for finding in base.findings)
    kept: list[Finding] = []
    for finding in current.findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            continue
        kept.append(finding)
    return replace(current, findings=tuple(kept))


def temporary_folder() -> tempfile.TemporaryDirectory[str]:
    """Where the base revision is materialised (removed when the scan ends)."""
    return tempfile.TemporaryDirectory(prefix="slsguard-base-")


__all__ = [
    "BaseTree",
    "DiffBaseError",
    "app_folders",
    "changed_files",
    "materialise",
    "merge_base",
    "new_findings",
    "owners",
    "temporary_folder",
    "touched_folders",
]
