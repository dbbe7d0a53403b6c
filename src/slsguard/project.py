"""The project root: the one folder every file name in a report, fingerprint and baseline is
relative to, so that results never depend on the folder a scan is started from.

The root is `--root` when given; else the nearest folder at or above the first path that
holds `.slsguard.yml` (or `.slsguard.yaml`, or a `pyproject.toml` with `[tool.slsguard]`);
else the git top level (a `.git` folder, or a `.git` file in work trees and submodules);
else the first path (its folder, for a file). The search never climbs above the git top
level, `$HOME` or `/`. Every path scanned must be under the root.

The root also decides what is skipped and what is committed: the `.gitignore` files from the
git top level down (git's own semantics, `slsguard.gitignore`), and, when git is available,
the files git tracks (`slsguard.git`). SARIF names files relative to the git top level, which
is what code scanning maps to the repository.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from slsguard import git

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from slsguard.gitignore import IgnoreRules

CONFIG_NAMES = (".slsguard.yml", ".slsguard.yaml")


class ProjectError(ValueError):
    """A path outside the project root, or a root that is not a folder (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Project:
    """Where a scan's files live: the root, the git work tree around it, what git tracks."""

    root: Path
    """Absolute and resolved: file names in every output are relative to it."""
    git_top: Path | None = None
    """The top level of the git work tree holding the root, if any."""
    tracked: frozenset[Path] | None = None
    """The files git tracks under the root (absolute); None when git cannot tell."""
    ignore: IgnoreRules = field(init=False, compare=False, repr=False)
    tracked_folders: frozenset[Path] = field(init=False, compare=False, repr=False)
    """Every folder holding a tracked file (walked even when a `.gitignore` ignores it)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ignore", IgnoreRules(self.git_top or self.root))
        folders = {parent for file in self.tracked or () for parent in file.parents}
        object.__setattr__(self, "tracked_folders", frozenset(folders))

    def name_of(self, path: Path) -> str:
        """`path` as reports name it: relative to the root with forward slashes."""
        absolute = Path(os.path.abspath(path))
        if absolute.is_relative_to(self.root):
            return absolute.relative_to(self.root).as_posix() or "."
        return absolute.as_posix()  # outside the root (never scanned, only mentioned)

    def uri_of(self, name: str) -> str:
        """A root-relative file name relative to the git top level (SARIF `%SRCROOT%`)."""
        if self.git_top is None or name.startswith("/"):
            return name
        return (self.root / name).relative_to(self.git_top).as_posix()

    def committed(self, path: Path) -> bool:
        """Whether `path` is (or would be) in the repository: git tracks it when git can
        tell, otherwise no `.gitignore` ignores it."""
        if self.tracked is not None:
            return Path(os.path.abspath(path)) in self.tracked
        return not self.ignored(path, is_folder=False)

    def ignored(self, path: Path, is_folder: bool) -> bool:
        """Whether the `.gitignore` files ignore `path` (tracked files never are)."""
        absolute = Path(os.path.abspath(path))
        if absolute in self.tracked_folders or (self.tracked and absolute in self.tracked):
            return False
        if is_folder and absolute.name == "cdk.out" and (absolute.parent / "cdk.json").is_file():
            return False  # CDK output is scanned even though every CDK app ignores it
        return self.ignore.ignored(absolute, is_folder)


def find(paths: Sequence[Path], root: Path | None = None, home: Path | None = None) -> Project:
    """The project of a scan of `paths` (`root`: the user's `--root`); ProjectError when a
    path is outside the root."""
    if not paths and root is None:
        paths = [Path.cwd()]
    start = _folder(paths[0]) if paths else _folder(root or Path.cwd())
    home = _folder(home) if home is not None else _home()
    chosen = _folder(root) if root is not None else detect_root(start, home)
    if not chosen.is_dir():
        raise ProjectError(f"the project root {chosen} is not a folder")
    outside = [str(path) for path in paths if not _absolute(path).is_relative_to(chosen)]
    if outside:
        raise ProjectError(
            f"{', '.join(outside)} is outside the project root {chosen} (see --root)"
        )
    top = work_tree(chosen, home)
    return Project(chosen, top, _tracked(chosen, top))


def detect_root(start: Path, home: Path | None = None) -> Path:
    """The root for a scan starting at the folder `start` (see the module docstring)."""
    home = _folder(home) if home is not None else _home()
    top = work_tree(start, home)
    for folder in (start, *start.parents):
        if has_config(folder):
            return folder
        if folder in (top, home):
            break  # never climb above the work tree or the home folder
    return top or start


def work_tree(folder: Path, home: Path | None) -> Path | None:
    """The git top level holding `folder`; None outside git, and for a work tree above
    `$HOME` when `folder` is under it (a dotfiles repository is not the project)."""
    top = git.top_level(folder)
    if top and home and folder.is_relative_to(home) and not top.is_relative_to(home):
        return None
    return top


def has_config(folder: Path) -> bool:
    """Whether `folder` holds a slsguard configuration file."""
    if any((folder / name).is_file() for name in CONFIG_NAMES):
        return True
    pyproject = folder / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
        if "tool.slsguard" not in text:
            return False  # the common case, without parsing TOML
        table = tomllib.loads(text).get("tool", {}).get("slsguard")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return table is not None


def _tracked(root: Path, top: Path | None) -> frozenset[Path] | None:
    if top is None:
        return None
    names = git.tracked_files(root)
    return None if names is None else frozenset(top / name for name in names)


def _absolute(path: Path) -> Path:
    return path.resolve()


def _folder(path: Path) -> Path:
    absolute = path.resolve()
    return absolute if absolute.is_dir() or not absolute.exists() else absolute.parent


def _home() -> Path | None:
    try:
        return Path.home().resolve()
    except (RuntimeError, KeyError):
        return None
