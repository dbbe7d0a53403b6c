"""Dependency facts of a scan: what each function ships, and what the audit found.

Computed once per scan (`audit.analyse`) and shared by the SLS7xx rules, the inventory and
the reports, so they never disagree about a function's packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from slsguard.deps.matching import PackageVersion, Vulnerability
from slsguard.deps.model import Manifest, Package
from slsguard.findings import ReferenceData, Violation
from slsguard.model import Application, Note


@dataclass(frozen=True, slots=True)
class ManifestUse:
    """A dependency file a function ships the packages of, and why (`CodeUri src/`, a layer)."""

    manifest: Manifest
    via: str


@dataclass(frozen=True, slots=True)
class FunctionDependencies:
    """One function's dependency files and the packages it ships (dev-only ones left out)."""

    function: str
    uses: tuple[ManifestUse, ...] = ()
    packages: tuple[Package, ...] = ()


@dataclass(frozen=True, slots=True)
class AppDependencies:
    """The dependency facts of one application (with indexes built once, at creation)."""

    functions: tuple[FunctionDependencies, ...] = ()
    _shippers: dict[Package, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _manifests: dict[Path, Manifest] = field(init=False, repr=False, compare=False)
    _users: dict[Path, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _listed_in: dict[Package, Manifest] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, FunctionDependencies] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        shippers: dict[Package, list[str]] = {}
        manifests: dict[Path, Manifest] = {}
        users: dict[Path, list[str]] = {}
        for function in self.functions:
            for package in function.packages:
                shippers.setdefault(package, []).append(function.function)
            for use in function.uses:
                manifests.setdefault(use.manifest.path, use.manifest)
                users.setdefault(use.manifest.path, []).append(function.function)
        listed_in: dict[Package, Manifest] = {}
        for manifest in manifests.values():
            for package in manifest.packages:
                listed_in.setdefault(package, manifest)
        object.__setattr__(self, "_shippers", {k: tuple(v) for k, v in shippers.items()})
        object.__setattr__(self, "_manifests", manifests)
        object.__setattr__(self, "_users", {k: tuple(dict.fromkeys(v)) for k, v in users.items()})
        object.__setattr__(self, "_listed_in", listed_in)
        by_name: dict[str, FunctionDependencies] = {}
        for function in self.functions:
            by_name.setdefault(function.function, function)
        object.__setattr__(self, "_by_name", by_name)

    def manifests(self) -> tuple[Manifest, ...]:
        """Every dependency file any function uses, each once, in order of first use."""
        return tuple(self._manifests.values())

    def users(self, manifest: Manifest) -> tuple[str, ...]:
        """The functions that ship the packages of `manifest`."""
        return self._users.get(manifest.path, ())

    def shippers(self, package: Package) -> tuple[str, ...]:
        """The functions that ship `package` (this very entry of this very file)."""
        return self._shippers.get(package, ())

    def packages(self) -> tuple[Package, ...]:
        """Every shipped package of the application, each entry once."""
        return tuple(self._shippers)

    def manifest_of(self, package: Package) -> Manifest | None:
        """The dependency file (as a function uses it) that lists `package`."""
        return self._listed_in.get(package)

    def of(self, name: str) -> FunctionDependencies | None:
        """One function's facts."""
        return self._by_name.get(name)


@dataclass(frozen=True, slots=True)
class AuditStatus:
    """Whether the packages were checked against advisories, from which source, or why not."""

    audited: bool
    source: str = ""
    reason: str = ""
    """Why no audit happened (not requested, offline without a database, unreachable)."""
    ecosystems: frozenset[str] | None = None
    """The ecosystems the source has advisories for (None: all of them)."""

    def covers(self, ecosystem: str) -> bool:
        """Whether packages of `ecosystem` were audited."""
        return self.audited and (self.ecosystems is None or ecosystem in self.ecosystems)


NOT_RUN = AuditStatus(False, reason="the dependency rules did not run")


@dataclass(frozen=True, slots=True)
class DependencyFacts:
    """Everything the dependency rules and reports need about a scan."""

    apps: Mapping[str, AppDependencies] = field(default_factory=dict)
    status: AuditStatus = NOT_RUN
    vulnerabilities: Mapping[PackageVersion, tuple[Vulnerability, ...]] = field(
        default_factory=dict
    )
    datasets: tuple[ReferenceData, ...] = ()

    def of_app(self, app: Application) -> AppDependencies:
        """The facts of one application (empty when it was not analysed)."""
        return self.of_key(app_key(app))

    def of_key(self, key: str) -> AppDependencies:
        """The facts of the application with this `app_key` (empty when not analysed)."""
        return self.apps.get(key, AppDependencies())

    def vulnerabilities_of(self, package: Package) -> tuple[Vulnerability, ...]:
        """The known vulnerabilities of a package entry (none when it was not audited)."""
        key = package_version(package)
        return self.vulnerabilities.get(key, ()) if key is not None else ()


def app_key(app: Application) -> str:
    """How applications are told apart in the facts."""
    return f"{app.file}#{app.name}"


def package_version(package: Package) -> PackageVersion | None:
    """What an advisory source is asked about a package; None when it cannot be audited."""
    if not package.auditable or package.version is None:
        return None
    return PackageVersion(package.ecosystem, package.key, package.version)


def refused_notes(dependencies: AppDependencies) -> list[Note]:
    """SLS001 for each dependency file a function uses that slsguard refused to read (a FIFO,
    socket or device): its packages are unknown, and a pull request must not hide them so."""
    notes = []
    for manifest in dependencies.manifests():
        if manifest.refused:
            users = ", ".join(dependencies.users(manifest)[:3])
            message = f"dependencies not analysed for {users}: {manifest.refused}"
            fix = f"replace {manifest.display} with the dependency file it stands for"
            notes.append(Note("SLS001", Violation(manifest.origin, message, fix)))
    return notes
