"""vulnerable-dependency (SLS701): a function ships a package version with a published advisory.

## What it does
Matches every package a function ships (from its lockfile or pinned requirements, and
those of its layers) against OSV advisories, as OSV defines matching: `ECOSYSTEM` ranges
in PyPI (PEP 440) or npm (semver) order, `SEMVER` ranges, explicit `versions`, and the
`introduced` / `fixed` / `last_affected` / `limit` events. Withdrawn advisories are
skipped, and the GHSA, PYSEC and CVE records of one vulnerability are reported once.
The severity is the advisory's: its CVSS v4 or v3 vector turned into a score, else the
database's own rating (medium when the advisory gives none). The finding points at the
lockfile line and names the first version that fixes it.

Advisories come from `--advisory-db PATH` (offline: OSV JSON files or the `all.zip`
exports that `slsguard db update` downloads) or, with `--audit-dependencies`, from the
OSV API, which receives package names and versions only.

## Why is this bad?
A published vulnerability comes with a description of how to exploit it, often with a
proof of concept: scanners find functions that ship the vulnerable version long before a
team notices. A function's package is reachable through its triggers just like its own
code.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  createOrder:
    handler: handler.create
```
```text
# file: requirements.txt
requests==2.19.0
```
```json
# file: osv/GHSA-x84v-xcm2-53pg.json
{
  "id": "GHSA-x84v-xcm2-53pg",
  "modified": "2024-02-08T18:30:10Z",
  "aliases": ["CVE-2018-18074", "PYSEC-2018-28"],
  "summary": "Insecure handling of authorization headers in Requests",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}],
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "requests"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]
  }]
}
```

## Fix
Upgrade to the fixed version (the finding says which, in the file's own syntax), then
rebuild and redeploy the function.
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  createOrder:
    handler: handler.create
```
```text
# file: requirements.txt
requests==2.31.0
```
```json
# file: osv/GHSA-x84v-xcm2-53pg.json
{
  "id": "GHSA-x84v-xcm2-53pg",
  "modified": "2024-02-08T18:30:10Z",
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "requests"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}]
  }]
}
```

## References
- https://ossf.github.io/osv-schema/
- https://owasp.org/www-project-serverless-top-10/
- https://cwe.mitre.org/data/definitions/1395.html
"""

from collections.abc import Iterator

from slsguard.analysis.dependency_places import name_functions, one_function, upgrade_instruction
from slsguard.deps.facts import AppDependencies, DependencyFacts
from slsguard.deps.matching import Vulnerability
from slsguard.deps.model import Package
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule


@rule(
    "SLS701",
    "vulnerable-dependency",
    Severity.HIGH,
    "A function ships a package version with a published vulnerability",
    practice="P10",
    mappings={"owasp-serverless": "S9", "cwe": "CWE-1395", "pci-dss-4.0": "6.3.3"},
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """One finding per vulnerable package entry and (alias-merged) advisory."""
    facts = context.dependencies
    if facts is None:
        return
    dependencies = facts.of_app(app)
    for package in dependencies.packages():
        for vulnerability in facts.vulnerabilities_of(package):
            yield _violation(package, vulnerability, dependencies, facts)


def _violation(
    package: Package,
    vulnerability: Vulnerability,
    dependencies: AppDependencies,
    facts: DependencyFacts,
) -> Violation:
    functions = dependencies.shippers(package)
    rating = vulnerability.rating
    aliases = f" ({', '.join(vulnerability.aliases)})" if vulnerability.aliases else ""
    basis = rating.basis or "severity not published, treated as medium"
    summary = f": {vulnerability.summary}" if vulnerability.summary else ""
    message = (
        f"{package.name} {package.version} ({package.ecosystem}) has a known vulnerability "
        f"{vulnerability.id}{aliases}{summary} [{basis}]; shipped by {name_functions(functions)}"
    )
    return Violation(
        package.origin,
        message,
        _fix(package, vulnerability, dependencies),
        severity=rating.severity or Severity.MEDIUM,
        function=one_function(functions),
        subject=f"{package.ecosystem}:{package.key}@{package.version}:{vulnerability.id}",
        functions=functions,
    )


def _fix(package: Package, vulnerability: Vulnerability, dependencies: AppDependencies) -> str:
    if vulnerability.fixed is None:
        last = vulnerability.last_affected
        after = f" (the last affected version is {last}: a later one may be safe)" if last else ""
        return (
            f"no fixed version of {package.name} is published for {vulnerability.id}{after}: "
            f"remove or replace it, or mitigate as the advisory describes ({vulnerability.url})"
        )
    manifest = dependencies.manifest_of(package)
    how = upgrade_instruction(package, manifest, vulnerability.fixed)
    return (
        f"upgrade {package.name} to {vulnerability.fixed} or later: {how}, then rebuild and "
        f"redeploy ({vulnerability.url})"
    )
