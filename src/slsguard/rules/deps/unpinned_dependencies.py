"""unpinned-dependencies (SLS702): a function's dependencies are not locked.

## What it does
Reports the dependencies a function ships whose exact version is decided at build time:
a line of a requirements file that is not an exact pin (`requests>=2`, `boto3`, `flask~=3.0`,
unless a `-c` constraints file pins it), and a package.json, Pipfile or pyproject.toml
with no lockfile beside it (package-lock.json, yarn.lock, pnpm-lock.yaml, Pipfile.lock,
poetry.lock, uv.lock). Development-only dependencies, packages whose environment marker
excludes the Lambda runtime, and files no function ships are left alone.

## Why is this bad?
Every build can ship a different version: a compromised or broken release reaches
production without review, two deploys of the same commit differ, and an audit cannot
say which version runs, so no advisory can be matched to it (they are not audited).

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
requests>=2.20
```

## Fix
Pin exact versions (generated with hashes by `pip-compile --generate-hashes` or
`uv pip compile`), or commit the lockfile of your package manager and install from it
(`npm ci`, `pipenv sync`, `poetry install --sync`).
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
requests==2.32.3
```

## References
- https://pip.pypa.io/en/stable/topics/repeatable-installs/
- https://docs.npmjs.com/cli/commands/npm-ci
- https://cwe.mitre.org/data/definitions/1357.html
"""

from collections.abc import Iterator

from slsguard.analysis.dependency_places import name_functions, one_function
from slsguard.deps.facts import AppDependencies
from slsguard.deps.model import Manifest
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule

_LOCK_COMMANDS = {
    "package-json": "run `npm install` and commit package-lock.json (deploy with `npm ci`)",
    "pipfile": "run `pipenv lock` and commit Pipfile.lock (install with `pipenv sync`)",
    "pyproject": "run `uv lock` (or `poetry lock`) and commit the lockfile",
}
_LOCKFILES = {
    "package-json": "package-lock.json, yarn.lock or pnpm-lock.yaml",
    "pipfile": "Pipfile.lock",
    "pyproject": "poetry.lock or uv.lock",
}


@rule(
    "SLS702",
    "unpinned-dependencies",
    Severity.LOW,
    "A function's dependencies are not locked to exact versions",
    practice="P7",
    mappings={"owasp-serverless": "S9", "cwe": "CWE-1357", "pci-dss-4.0": "6.3.2"},
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Unpinned requirement lines, and declarations that no lockfile locks."""
    facts = context.dependencies
    if facts is None:
        return
    dependencies = facts.of_app(app)
    for manifest in dependencies.manifests():
        if manifest.kind == "requirements":
            yield from _unpinned_lines(manifest, dependencies)
        elif not manifest.is_lockfile:
            yield from _unlocked(manifest, dependencies)


def _unpinned_lines(manifest: Manifest, dependencies: AppDependencies) -> Iterator[Violation]:
    for package in manifest.packages:
        functions = dependencies.shippers(package)
        if package.pinned or package.source != "registry" or not functions:
            continue
        constraint = f" (`{package.name}{package.specifier}`)" if package.specifier else ""
        yield Violation(
            package.origin,
            f"{package.name} is not pinned{constraint}: each build of "
            f"{name_functions(functions)} may ship a different version, and it is not audited",
            f"pin the version you test with (`{package.name}==<version>`), or generate the file "
            "with `pip-compile --generate-hashes` or `uv pip compile`",
            function=one_function(functions),
            subject=package.key,
            functions=functions,
        )


def _unlocked(manifest: Manifest, dependencies: AppDependencies) -> Iterator[Violation]:
    shipped = [p for p in manifest.shipped() if p.source == "registry"]
    functions = dependencies.users(manifest)
    if not shipped or not functions:
        return
    ranges = [p for p in shipped if not p.pinned]
    examples = ", ".join(f"{p.name} {p.specifier}" for p in ranges[:3])
    share = "its" if len(ranges) == len(shipped) else f"{len(ranges)} of its"
    what = (
        f"{share} {len(shipped)} dependencies resolve at install time ({examples})"
        if ranges
        else "the dependencies of its dependencies resolve at install time"
    )
    yield Violation(
        manifest.origin,
        f"{manifest.name} of {name_functions(functions)} has no lockfile "
        f"({_LOCKFILES.get(manifest.kind, 'a lockfile')}): {what}",
        _LOCK_COMMANDS.get(manifest.kind, "commit a lockfile"),
        function=one_function(functions),
        subject=manifest.name,
        functions=functions,
    )
