"""What a manifest or lockfile says: packages with versions, where each was written.

A `Package` is one dependency as one file declares it: its ecosystem and name, the exact
version shipped when that is known (a lockfile entry or an exact pin), the constraint as
written, whether it is a development-only dependency, and the `Origin` (file and line) it
came from. A `Manifest` is one parsed file with its packages and whether it locks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from slsguard.deps.versions import canonical_name
from slsguard.findings import Origin

Ecosystem = Literal["PyPI", "npm", "Go"]
PackageSource = Literal["registry", "git", "url", "path"]
"""Where a package comes from: only registry packages have advisories by name and version."""
ManifestKind = Literal[
    "requirements",
    "pipfile",
    "pipfile-lock",
    "poetry-lock",
    "uv-lock",
    "pyproject",
    "package-json",
    "package-lock",
    "yarn-lock",
    "pnpm-lock",
    "vendored",
    "go-mod",
]

LOCKFILE_KINDS: frozenset[ManifestKind] = frozenset(
    {
        "pipfile-lock",
        "poetry-lock",
        "uv-lock",
        "package-lock",
        "yarn-lock",
        "pnpm-lock",
        "vendored",
        "go-mod",
    }
)


@dataclass(frozen=True, slots=True)
class Package:
    """One dependency as one file declares it."""

    ecosystem: Ecosystem
    name: str
    version: str | None
    """The exact version shipped, when the file fixes it; None for an open range."""
    specifier: str
    """The constraint as written (`==2.31.0`, `>=2`, `^4.18.2`, `*`); the version in lockfiles."""
    origin: Origin
    direct: bool = True
    """Declared by the project itself (not only pulled in by another package)."""
    dev: bool = False
    """Only needed to develop or test: not shipped with the function."""
    marker: str = ""
    """A PEP 508 environment marker (`python_version < "3.9"`), when the file gives one."""
    source: PackageSource = "registry"

    @property
    def key(self) -> str:
        """The name OSV uses (PEP 503-normalised on PyPI)."""
        return canonical_name(self.ecosystem, self.name)

    @property
    def pinned(self) -> bool:
        """Whether the exact version is known."""
        return self.version is not None

    @property
    def auditable(self) -> bool:
        """A registry package with a known version: advisories can be matched to it."""
        return self.source == "registry" and self.version is not None

    @property
    def purl(self) -> str:
        """The package URL: `pkg:pypi/requests@2.31.0`, `pkg:npm/%40scope/name@1.0.0`."""
        return purl(self.ecosystem, self.name, self.version)

    @property
    def label(self) -> str:
        """`requests 2.31.0`, or `requests >=2` when only a range is known."""
        return f"{self.name} {self.version or self.specifier or '(any version)'}"


def purl(ecosystem: Ecosystem, name: str, version: str | None) -> str:
    """The package URL of a PyPI, npm or Go package (version omitted when unknown)."""
    suffix = f"@{quote(version, safe='.+-_~!')}" if version else ""
    if ecosystem == "Go":  # Go versions keep their `v`: pkg:golang/github.com/x/y@v1.2.3
        suffix = f"@v{quote(version, safe='.+-_~!')}" if version else ""
        return f"pkg:golang/{quote(name, safe='/-._~')}{suffix}"
    if ecosystem == "PyPI":
        return f"pkg:pypi/{quote(canonical_name('PyPI', name), safe='-._')}{suffix}"
    if name.startswith("@") and "/" in name:
        scope, bare = name.split("/", 1)
        return f"pkg:npm/{quote(scope, safe='')}/{quote(bare, safe='-._')}{suffix}"
    return f"pkg:npm/{quote(name, safe='-._')}{suffix}"


@dataclass(frozen=True, slots=True)
class Manifest:
    """One parsed dependency file."""

    path: Path
    """The absolute path (resolved)."""
    kind: ManifestKind
    ecosystem: Ecosystem
    origin: Origin
    """Where a finding about the whole file points (its dependencies key, or line 1)."""
    packages: tuple[Package, ...] = ()
    problems: tuple[str, ...] = ()
    """What could not be read (the file, or some of its lines)."""
    refused: str = ""
    """Why slsguard never read the file at all (a FIFO, socket or device): SLS001."""

    @property
    def is_lockfile(self) -> bool:
        """A lockfile: every package's version is fixed by the file itself."""
        return self.kind in LOCKFILE_KINDS

    @property
    def display(self) -> str:
        """The file name shown in findings."""
        return self.origin.file

    @property
    def name(self) -> str:
        """The file's base name (`requirements.txt`)."""
        return self.path.name

    def shipped(self) -> tuple[Package, ...]:
        """The packages that are not development-only."""
        return tuple(package for package in self.packages if not package.dev)
