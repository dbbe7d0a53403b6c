"""Helpers the dependency rules share: naming functions, upgrade commands per file kind."""

from __future__ import annotations

from slsguard.deps.model import Manifest, Package
from slsguard.findings import name_list

MAX_NAMED = 4


def name_functions(names: tuple[str, ...]) -> str:
    """`createOrder, listOrders` or `a, b, c, d and 3 more`."""
    return name_list(names, MAX_NAMED)


def one_function(names: tuple[str, ...]) -> str | None:
    """The function a finding concerns when there is exactly one."""
    return names[0] if len(names) == 1 else None


def upgrade_instruction(package: Package, manifest: Manifest | None, version: str) -> str:
    """How to move `package` to `version` in the project's own tooling."""
    name, kind = package.name, manifest.kind if manifest else "requirements"
    file = manifest.name if manifest else package.origin.file
    direct = package.direct
    if kind == "requirements":
        return f"write `{name}=={version}` in {file}"
    if kind in ("pipfile", "pipfile-lock"):
        return (
            f'run `pipenv install "{name}>={version}"`' if direct else f"run `pipenv update {name}`"
        )
    if kind in ("poetry-lock",):
        return f'run `poetry add "{name}>={version}"`' if direct else f"run `poetry update {name}`"
    if kind in ("uv-lock", "pyproject"):
        return f"require `{name}>={version}` and run `uv lock --upgrade-package {name}`"
    if kind == "package-json":
        return f'write `"{name}": "^{version}"` in {file}'
    return _npm_lock_instruction(kind, name, version, direct)


def _npm_lock_instruction(kind: str, name: str, version: str, direct: bool) -> str:
    tool = {"package-lock": "npm install", "yarn-lock": "yarn up", "pnpm-lock": "pnpm update"}
    if direct:
        return f"run `{tool.get(kind, 'npm install')} {name}@^{version}`"
    overrides = {"yarn-lock": "resolutions", "pnpm-lock": "pnpm.overrides"}.get(kind, "overrides")
    return (
        f"it is pulled in by another package: upgrade that package, or force the version "
        f'with `"{overrides}": {{"{name}": "^{version}"}}` in package.json and reinstall'
    )
