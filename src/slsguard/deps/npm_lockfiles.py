"""yarn.lock (classic and berry) and pnpm-lock.yaml (lockfile versions 5 to 9).

Lockfiles that do not mark development-only packages (yarn, pnpm 9) are walked from the
project's production dependencies in the neighbouring package.json: what is not reachable
from them is development-only. Without a package.json every package counts as shipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from slsguard.deps import semver
from slsguard.deps.model import Manifest, Package, PackageSource
from slsguard.deps.npm_manifests import ALL_SECTIONS, PROD_SECTIONS, sibling_declared
from slsguard.deps.reading import ReadContext, UnreadableError, resolved, table


@dataclass(slots=True)
class _YarnEntry:
    """One block of a yarn.lock: the specifiers it resolves, and what they resolve to."""

    specs: list[str]
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    dependencies: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The package installed: `@scope/name` from `@scope/name@^1.0.0`, `string-width` from
        the alias `string-width-cjs@npm:string-width@^4.2.0`."""
        spec = self.specs[0]
        at = spec.find("@", 1)
        if at <= 0:
            return spec
        target = spec[at + 1 :]
        if target.startswith("npm:") and target.rfind("@") > 4:
            return target[4 : target.rfind("@")]
        return spec[:at]


_YARN_CLASSIC_KV = re.compile(r'^("(?:[^"\\]|\\.)*"|\S+)\s+(.*)$')
_YARN_BERRY_KV = re.compile(r'^("(?:[^"\\]|\\.)*"|[^:]+?):(?:\s+(.*))?$')


def _unquote(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _yarn_entries(text: str) -> tuple[list[_YarnEntry], bool]:
    berry = "__metadata:" in text
    entries: list[_YarnEntry] = []
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if indent == 0:
            specs = [part.strip().strip('"') for part in stripped.rstrip(":").split(",")]
            entries.append(_YarnEntry([spec for spec in specs if spec], number))
            section = ""
            continue
        if not entries:
            continue
        pair = _yarn_pair(stripped, berry)
        if pair is None:
            continue
        key, value = pair
        if indent <= 2:
            section = key if not value else ""
            if value:
                entries[-1].fields[key] = value
        elif section in PROD_SECTIONS:
            entries[-1].dependencies[key] = value
    return [entry for entry in entries if entry.specs != ["__metadata"]], berry


def _yarn_pair(line: str, berry: bool) -> tuple[str, str] | None:
    if line.endswith(":") and " " not in line.rstrip(":").strip('"'):
        return _unquote(line[:-1]), ""
    match = (_YARN_BERRY_KV if berry else _YARN_CLASSIC_KV).match(line)
    if match is None:
        return None
    return _unquote(match.group(1)), _unquote(match.group(2) or "")


def parse_yarn_lock(path: Path, context: ReadContext) -> Manifest:
    """yarn.lock, classic (v1) or berry (v2+)."""
    text = context.read(path)
    entries, berry = _yarn_entries(text)
    production, everything = sibling_declared(path, context)
    index = {spec: entry for entry in entries for spec in entry.specs}
    shipped = _yarn_reachable(production, index, berry) if everything else None
    packages = []
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        resolution = entry.fields.get("resolution", entry.fields.get("resolved", ""))
        if "@workspace:" in resolution or (entry.name, entry.fields.get("version", "")) in seen:
            continue
        seen.add((entry.name, entry.fields.get("version", "")))
        packages.append(_yarn_package(entry, resolution, everything, shipped, path, context))
    return Manifest(resolved(path), "yarn-lock", "npm", context.origin(path), tuple(packages))


def _yarn_package(
    entry: _YarnEntry,
    resolution: str,
    everything: dict[str, str],
    shipped: set[int] | None,
    path: Path,
    context: ReadContext,
) -> Package:
    version = entry.fields.get("version", "")
    source = _yarn_source(entry, resolution)
    return Package(
        "npm",
        entry.name,
        version if source == "registry" and version else None,
        version,
        context.origin(path, entry.line),
        direct=entry.name in everything,
        dev=shipped is not None and id(entry) not in shipped,
        source=source,
    )


def _yarn_source(entry: _YarnEntry, resolution: str) -> PackageSource:
    ranges = [spec[spec.find("@", 1) + 1 :] for spec in entry.specs]
    protocol = resolution[resolution.find("@", 1) + 1 :] if "@" in resolution[1:] else resolution
    for text in (protocol, *ranges):
        if text.startswith(("git", "github:", "https://codeload")) or "#commit=" in text:
            return "git"
        if text.startswith(("file:", "link:", "portal:", "exec:")):
            return "path"
        if text.startswith(("http://", "https://")) and "registry" not in text:
            return "url"
    return "registry"


def _yarn_reachable(
    production: dict[str, str], index: dict[str, _YarnEntry], berry: bool
) -> set[int]:
    """The ids of the entries production dependencies pull in."""
    reached: set[int] = set()
    pending = list(production.items())
    while pending:
        name, spec = pending.pop()
        entry = index.get(f"{name}@{spec}")
        if entry is None and berry:
            entry = index.get(f"{name}@npm:{spec}")
        if entry is None or id(entry) in reached:
            continue
        reached.add(id(entry))
        pending.extend(entry.dependencies.items())
    return reached


def parse_pnpm_lock(path: Path, context: ReadContext) -> Manifest:
    """pnpm-lock.yaml, lockfile versions 5 to 9."""
    text = context.read(path)
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise UnreadableError(f"{path.name} is not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise UnreadableError(f"{path.name} is not a YAML mapping")
    version = _pnpm_version(data.get("lockfileVersion"))
    lines = _pnpm_key_lines(text, "packages")
    importers = _pnpm_importers(data)
    production = _pnpm_roots(importers, PROD_SECTIONS)
    direct = set(_pnpm_roots(importers, ALL_SECTIONS))
    shipped = _pnpm_reachable(data, production, version)
    packages = []
    for key, entry in table(data.get("packages")).items():
        parsed = _pnpm_key(str(key), version)
        if parsed is None:
            continue
        name, exact = parsed
        dev_flag = table(entry).get("dev")
        if isinstance(dev_flag, bool):
            dev = dev_flag
        else:
            dev = shipped is not None and _pnpm_plain(str(key)) not in shipped
        packages.append(
            Package(
                "npm",
                name,
                exact,
                exact or str(key),
                context.origin(path, lines.get(str(key), 1)),
                direct=name in direct,
                dev=dev,
                source="registry" if exact else "url",
            )
        )
    return Manifest(resolved(path), "pnpm-lock", "npm", context.origin(path), tuple(packages))


def _pnpm_version(value: Any) -> float:
    try:
        return float(str(value))
    except ValueError:
        return 9.0


def _pnpm_importers(data: dict[str, Any]) -> list[dict[str, Any]]:
    importers = data.get("importers")
    if isinstance(importers, dict):
        return [table(item) for item in importers.values()]
    return [data]


def _pnpm_roots(importers: list[dict[str, Any]], sections: tuple[str, ...]) -> dict[str, str]:
    """{name: resolved version} the importers depend on in the given sections."""
    roots: dict[str, str] = {}
    for importer in importers:
        for section in sections:
            for name, value in table(importer.get(section)).items():
                resolved = value.get("version") if isinstance(value, dict) else value
                roots.setdefault(str(name), str(resolved))
    return roots


def _pnpm_key(key: str, version: float) -> tuple[str, str | None] | None:
    """(name, exact version) of a `packages:` key; version None for tarballs and git."""
    plain = _pnpm_plain(key)
    if version < 6:
        head, _, tail = plain.rpartition("/")
        name, exact = head, tail.split("_", 1)[0]
    else:
        at = plain.rfind("@")
        if at <= 0:
            return None
        name, exact = plain[:at], plain[at + 1 :]
    if not name:
        return None
    return name, exact if semver.parse(exact) else None


def _pnpm_plain(key: str) -> str:
    """A key without the leading `/` and the peer-dependency suffix `(react@18.2.0)`."""
    key = key.lstrip("/")
    cut = key.find("(")
    return key[:cut] if cut > 0 else key


def _pnpm_reachable(
    data: dict[str, Any], production: dict[str, str], version: float
) -> set[str] | None:
    """Plain `name@version` keys reachable from production roots (pnpm 9 `snapshots`)."""
    snapshots = data.get("snapshots")
    if not isinstance(snapshots, dict) or version < 9:
        return None
    graph = {_pnpm_plain(str(key)): table(value) for key, value in snapshots.items()}
    seen: set[str] = set()
    pending = [f"{name}@{_pnpm_plain(ref)}" for name, ref in production.items()]
    while pending:
        key = pending.pop()
        if key in seen:
            continue
        seen.add(key)
        node = graph.get(key, {})
        for section in PROD_SECTIONS:
            for name, ref in table(node.get(section)).items():
                pending.append(f"{name}@{_pnpm_plain(str(ref))}")
    return seen


_PNPM_KEY = re.compile(r"""^  (['"]?)(.+?)\1:\s*(?:\{\}\s*)?$""")


def _pnpm_key_lines(text: str, section: str) -> dict[str, int]:
    """Line of each two-space-indented key under a top-level `section:`."""
    lines: dict[str, int] = {}
    inside = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw and not raw.startswith(" "):
            inside = raw.rstrip() == f"{section}:"
            continue
        match = _PNPM_KEY.match(raw) if inside else None
        if match:
            lines[match.group(2)] = number
    return lines
