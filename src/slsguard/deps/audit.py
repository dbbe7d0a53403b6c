"""The dependency analysis of a scan: attribute packages to functions, then audit them.

By default nothing leaves the machine and no audit happens (the dependency-not-audited
rule says so): `--audit-dependencies` asks the OSV API (package names and versions only),
`--advisory-db PATH` or `--offline` (with the database `slsguard db update` downloads)
audit offline. Every package version is asked about once per scan, whatever the number of
functions and applications that ship it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from slsguard.deps.attribution import application_directory, attribute
from slsguard.deps.facts import AuditStatus, DependencyFacts, app_key, package_version
from slsguard.deps.manifests import ManifestCache
from slsguard.deps.matching import PackageVersion, Vulnerability, match
from slsguard.deps.offline import OfflineDatabase
from slsguard.deps.options import DependencyOptions, cache_home, default_database
from slsguard.deps.reading import ReadContext
from slsguard.deps.sources import AdvisorySource, SourceError
from slsguard.findings import ReferenceData
from slsguard.model import Application

NOT_REQUESTED = (
    "auditing was not requested: pass --audit-dependencies (asks the OSV API, sending "
    "package names and versions only) or --advisory-db PATH (offline)"
)


def open_source(options: DependencyOptions) -> tuple[AdvisorySource | None, str]:
    """The advisory source to use, or None and the reason there is none."""
    database = options.advisory_db
    if database is None and options.offline:
        database = default_database()
        if not database.exists():
            return None, (
                "offline mode and no advisory database: run `slsguard db update` "
                "or pass --advisory-db PATH"
            )
    if database is not None:
        try:
            return OfflineDatabase.load(database), ""
        except SourceError as error:
            return None, str(error)
    if options.audit:
        from slsguard.deps.osv_api import OsvApi  # the network stack only when needed
        from slsguard.deps.transport import Transport

        transport = Transport(options.timeout, options.attempts, options.backoff)
        cache = options.cache_dir or cache_home() / "osv-api"
        return OsvApi(options.api_url.rstrip("/"), cache, transport), ""
    return None, NOT_REQUESTED


def scan_roots(paths: Sequence[Path]) -> list[Path]:
    """The directories a scan may read under: each given folder, or a given file's folder."""
    roots = []
    for path in paths:
        resolved = path.resolve()
        roots.append(resolved if resolved.is_dir() else resolved.parent)
    return roots


def analyse(
    apps: Sequence[Application],
    paths: Sequence[Path],
    options: DependencyOptions,
    cwd: Path,
    *,
    audit: bool,
) -> DependencyFacts:
    """Attribute each application's packages to its functions; audit them when `audit`."""
    cwd = cwd.resolve()
    roots = scan_roots(paths) or [cwd]
    caches: dict[Path, ManifestCache] = {}
    attributed = {}
    for app in apps:
        base = application_directory(app, cwd)
        root = _root_of(base, roots)
        cache = caches.setdefault(root, ManifestCache(ReadContext(root, cwd)))
        attributed[app_key(app)] = attribute(app, cache, base)
    if not audit:
        return DependencyFacts(attributed)
    wanted = list(
        dict.fromkeys(
            key
            for facts in attributed.values()
            for package in facts.packages()
            if (key := package_version(package)) is not None
        )
    )
    status, vulnerabilities, datasets = _audit(wanted, options)
    return DependencyFacts(attributed, status, vulnerabilities, datasets)


def _root_of(base: Path, roots: list[Path]) -> Path:
    containing = [root for root in roots if base.is_relative_to(root)]
    return max(containing, key=lambda root: len(root.parts)) if containing else base


AuditResult = tuple[
    AuditStatus, dict[PackageVersion, tuple[Vulnerability, ...]], tuple[ReferenceData, ...]
]


def _audit(packages: list[PackageVersion], options: DependencyOptions) -> AuditResult:
    source, reason = open_source(options)
    if source is None:
        return AuditStatus(False, reason=reason), {}, ()
    datasets = (source.dataset(),) if isinstance(source, OfflineDatabase) else ()
    ecosystems = source.ecosystems if isinstance(source, OfflineDatabase) else None
    covered = [package for package in packages if source.covers(package.ecosystem)]
    try:
        candidates = source.candidates(covered)
    except SourceError as error:
        return AuditStatus(False, source.describe(), str(error), ecosystems), {}, datasets
    found = {package: match(candidates.get(package, ()), package) for package in covered}
    status = AuditStatus(True, source.describe(), "", ecosystems)
    return status, {package: vulns for package, vulns in found.items() if vulns}, datasets
