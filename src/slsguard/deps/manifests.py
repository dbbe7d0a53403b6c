"""Which dependency file describes a directory, and reading each file once per scan.

A directory's Python packages come from the first of its files that exists, in the order
the build tool in use reads them (`sam build` reads requirements.txt; the
serverless-python-requirements plugin prefers a Pipfile, then Poetry, then its
requirements file). A lockfile wins over the declaration it locks. npm packages come from
the directory's lockfile; else, in an npm, yarn or pnpm workspace, from the workspace
root's lockfile in a parent folder (within the scan root) that covers the directory; else
from package.json alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from slsguard import files
from slsguard.deps.go_manifests import parse_go_mod
from slsguard.deps.model import Ecosystem, Manifest, ManifestKind
from slsguard.deps.npm_lockfiles import parse_pnpm_lock, parse_yarn_lock
from slsguard.deps.npm_manifests import (
    parse_package_json,
    parse_package_lock,
    read_package_json,
)
from slsguard.deps.python_manifests import (
    parse_pipfile,
    parse_pipfile_lock,
    parse_poetry_lock,
    parse_pyproject,
    parse_uv_lock,
)
from slsguard.deps.reading import ReadContext, UnreadableError, resolved, table
from slsguard.deps.requirements import parse_requirements
from slsguard.deps.vendored import vendored

Parser = Callable[[Path, ReadContext], "Manifest | None"]

PARSERS: dict[str, tuple[ManifestKind, Ecosystem, Parser]] = {
    "Pipfile.lock": ("pipfile-lock", "PyPI", parse_pipfile_lock),
    "Pipfile": ("pipfile", "PyPI", parse_pipfile),
    "poetry.lock": ("poetry-lock", "PyPI", parse_poetry_lock),
    "uv.lock": ("uv-lock", "PyPI", parse_uv_lock),
    "pyproject.toml": ("pyproject", "PyPI", parse_pyproject),
    "package.json": ("package-json", "npm", parse_package_json),
    "package-lock.json": ("package-lock", "npm", parse_package_lock),
    "npm-shrinkwrap.json": ("package-lock", "npm", parse_package_lock),
    "yarn.lock": ("yarn-lock", "npm", parse_yarn_lock),
    "pnpm-lock.yaml": ("pnpm-lock", "npm", parse_pnpm_lock),
    "go.mod": ("go-mod", "Go", parse_go_mod),
}
NPM_LOCKFILES = ("npm-shrinkwrap.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml")

PythonGroup = tuple[str, ...]
"""File names tried in order within one tool's convention: the lock first, then its source."""

SAM_PYTHON: tuple[PythonGroup, ...] = (
    ("requirements.txt",),
    ("Pipfile.lock", "Pipfile"),
    ("poetry.lock", "pyproject.toml"),
    ("uv.lock", "pyproject.toml"),
)


def serverless_python(
    file_name: str, use_pipenv: bool, use_poetry: bool
) -> tuple[PythonGroup, ...]:
    """The serverless-python-requirements order: Pipfile, Poetry, then its requirements file."""
    groups: list[PythonGroup] = []
    if use_pipenv:
        groups.append(("Pipfile.lock", "Pipfile"))
    if use_poetry:
        groups.append(("poetry.lock", "pyproject.toml"))
    groups.extend([(file_name,), ("uv.lock",)])
    return tuple(groups)


def read_manifest(path: Path, context: ReadContext) -> Manifest | None:
    """The parsed file; an unreadable one becomes a Manifest with a problem and no packages."""
    kind, ecosystem, parser = PARSERS.get(path.name, ("requirements", "PyPI", _requirements))
    try:
        return parser(path, context)
    except UnreadableError as error:
        return Manifest(resolved(path), kind, ecosystem, context.origin(path), (), (str(error),))


def _requirements(path: Path, context: ReadContext) -> Manifest:
    return parse_requirements(path, context)


@dataclass(slots=True)
class ManifestCache:
    """Each file read at most once per scan, whichever functions share it."""

    context: ReadContext
    _read: dict[Path, Manifest | None] = field(default_factory=dict)
    _listings: dict[Path, frozenset[str]] = field(default_factory=dict)
    _workspaces: dict[Path, Manifest | None] = field(default_factory=dict)
    _vendored: dict[Path, tuple[Manifest, ...]] = field(default_factory=dict)

    def get(self, path: Path) -> Manifest | None:
        """The manifest at `path`, None when absent, outside the root, or not a manifest."""
        if path not in self._read:
            listed = path.name in self.listing(path.parent)
            if listed and self.context.allowed(path):
                self._read[path] = read_manifest(path, self.context)
            else:
                self._read[path] = self._refused(path) if listed else None
        return self._read[path]

    def _refused(self, path: Path) -> Manifest | None:
        """A FIFO, socket or device named like a dependency file inside the root: never read
        (a FIFO would block), but reported, so that it cannot hide the packages it stands for."""
        special = files.special_kind(path)
        try:
            inside = resolved(path).is_relative_to(self.context.root)
        except (OSError, RuntimeError):
            return None
        if special is None or not inside:
            return None
        kind, ecosystem, _ = PARSERS.get(path.name, ("requirements", "PyPI", _requirements))
        why = f"{path.name} is {special}, not a regular file, so it is never read"
        origin = self.context.origin(path)
        return Manifest(resolved(path), kind, ecosystem, origin, (), (why,), refused=why)

    def listing(self, directory: Path) -> frozenset[str]:
        """The names in a directory (read once; empty when it cannot be listed)."""
        if directory not in self._listings:
            try:
                self._listings[directory] = frozenset(os.listdir(directory))
            except OSError:
                self._listings[directory] = frozenset()
        return self._listings[directory]

    def vendored(self, directory: Path) -> tuple[Manifest, ...]:
        """The packages committed in a code root (read once per directory)."""
        if directory not in self._vendored:
            self._vendored[directory] = vendored(directory, self.context)
        return self._vendored[directory]

    def python(self, directory: Path, groups: tuple[PythonGroup, ...]) -> Manifest | None:
        """The directory's Python dependency file under a tool's convention."""
        for group in groups:
            for name in group:
                manifest = self.get(directory / name)
                if manifest is not None:
                    return manifest
        return None

    def npm(self, directory: Path) -> Manifest | None:
        """The directory's lockfile, its workspace root's, or its package.json alone."""
        local = self.npm_lock(directory)
        if local is not None:
            return local
        declaration = self.get(directory / "package.json")
        if declaration is None:
            return None
        return self.workspace_lock(directory) or declaration

    def npm_lock(self, directory: Path) -> Manifest | None:
        """The npm lockfile in `directory` itself, if any."""
        for name in NPM_LOCKFILES:
            manifest = self.get(directory / name)
            if manifest is not None:
                return manifest
        return None

    def workspace_lock(self, directory: Path) -> Manifest | None:
        """The lockfile of the nearest parent folder (within the scan root) whose workspace
        includes `directory`: npm and yarn `workspaces`, pnpm `importers`."""
        if directory not in self._workspaces:
            self._workspaces[directory] = self._find_workspace_lock(directory)
        return self._workspaces[directory]

    def _find_workspace_lock(self, directory: Path) -> Manifest | None:
        for current in directory.parents:
            if not current.is_relative_to(self.context.root):
                return None
            lock = self.npm_lock(current)
            if lock is not None and self._covers(current, lock, directory):
                return lock
        return None

    def _covers(self, top: Path, lock: Manifest, member: Path) -> bool:
        """Whether the workspace at `top` (locked by `lock`) has `member` as a package."""
        relative = member.relative_to(top).as_posix()
        for pattern in workspace_patterns(top / "package.json", self.context):
            if fnmatchcase(relative, pattern.removeprefix("./").rstrip("/")):
                return True
        try:
            text = self.context.read(lock.path)
        except UnreadableError:
            return False
        return mentions_path(text, relative)


def workspace_patterns(path: Path, context: ReadContext) -> tuple[str, ...]:
    """The `workspaces` globs of a package.json (a list, or yarn's `{packages: [...]}`)."""
    if not context.allowed(path):
        return ()
    try:
        data, _ = read_package_json(path, context)
    except UnreadableError:
        return ()
    value = data.get("workspaces")
    items = table(value).get("packages") if isinstance(value, dict) else value
    return tuple(item for item in items if isinstance(item, str)) if isinstance(items, list) else ()


def mentions_path(text: str, relative: str) -> bool:
    """Whether a lockfile names the workspace folder `relative` (`"packages/orders"`,
    `packages/orders:`, `@workspace:packages/orders`), not merely a longer path."""
    pattern = rf"(?<![\w./-]){re.escape(relative)}(?![\w./-])"
    return re.search(pattern, text) is not None
