"""dependencies-not-audited (SLS703): the packages were not checked against any advisory source.

## What it does
Says, per dependency file a function ships, that its packages were not checked for known
vulnerabilities, and why: auditing was not requested (the default: the scan never uses
the network on its own), offline mode without an advisory database, the OSV service or
the database could not be reached or read, the database has no advisories for the
ecosystem, or the file itself could not be read. A scan never reports "no
vulnerabilities" for packages it did not check.

## Why is this bad?
Silence is read as "no known vulnerabilities". An audit that quietly did not happen (no
network in CI, a stale or missing database) leaves vulnerable packages in production while
every report looks clean.

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
requests==2.31.0
```

## Fix
Audit the dependencies: offline with `slsguard db update` then `--offline` (or
`--advisory-db PATH` with OSV JSON files or exports), or online with
`--audit-dependencies`, which sends package names and versions (nothing else) to the
OSV API.
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
# file: osv/PYSEC-2014-13.json
{
  "id": "PYSEC-2014-13",
  "modified": "2021-07-05T00:01:24Z",
  "summary": "Requests 2.3.0 and earlier leak credentials on redirects",
  "affected": [{
    "package": {"ecosystem": "PyPI", "name": "requests"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.3.0"}]}]
  }]
}
```

## References
- https://google.github.io/osv.dev/data/
- https://google.github.io/osv.dev/api/
"""

from collections.abc import Iterator

from slsguard.analysis.dependency_places import name_functions, one_function
from slsguard.deps.facts import AppDependencies, AuditStatus
from slsguard.deps.model import Manifest
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule

HOW_TO_AUDIT = (
    "audit offline with `slsguard db update` then `--offline` (or `--advisory-db PATH`), "
    "or online with `--audit-dependencies` (sends package names and versions only)"
)


@rule(
    "SLS703",
    "dependencies-not-audited",
    Severity.INFO,
    "A function's dependencies were not checked against any advisory source",
    practice="P10",
    mappings={},
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """One finding per shipped dependency file whose packages were not audited."""
    facts = context.dependencies
    if facts is None:
        return
    dependencies = facts.of_app(app)
    for manifest in dependencies.manifests():
        functions = dependencies.users(manifest)
        if not functions or manifest.refused:  # never read: SLS001 says so
            continue
        if manifest.problems:
            yield _unreadable(manifest, functions)
            continue
        reason = _why_not(manifest, dependencies, facts.status)
        if reason is None:
            continue
        count = _auditable(manifest, dependencies)
        yield Violation(
            manifest.origin,
            f"the {count} packages of {manifest.name} (shipped by {name_functions(functions)}) "
            f"were not checked against advisories: {reason}",
            HOW_TO_AUDIT,
            function=one_function(functions),
            subject=manifest.name,
            functions=functions,
        )


def _unreadable(manifest: Manifest, functions: tuple[str, ...]) -> Violation:
    problems = "; ".join(manifest.problems[:3])
    return Violation(
        manifest.origin,
        f"{manifest.name} (shipped by {name_functions(functions)}) could not be fully read, "
        f"so what it lists was not checked against advisories: {problems}",
        "fix the entries named here so the file can be read, then scan again",
        function=one_function(functions),
        subject=manifest.name,
        functions=functions,
    )


def _auditable(manifest: Manifest, dependencies: AppDependencies) -> int:
    shipped = set(dependencies.packages())
    return sum(1 for p in manifest.packages if p.auditable and p in shipped)


def _why_not(manifest: Manifest, dependencies: AppDependencies, status: AuditStatus) -> str | None:
    if not _auditable(manifest, dependencies):
        return None  # nothing with an exact registry version to audit (see SLS702)
    if not status.audited:
        return status.reason
    if not status.covers(manifest.ecosystem):
        return f"{status.source} has no {manifest.ecosystem} advisories"
    return None
