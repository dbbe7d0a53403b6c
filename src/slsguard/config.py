"""Configuration: `.slsguard.yml` or `[tool.slsguard]` in `pyproject.toml` at the project root.

The project root is found by `slsguard.project` (`--root`, else the nearest folder with a
configuration file, else the git top level, else the first path). Keys: `select`,
`ignore`, `enable`, `severity` (rule -> severity), `exclude` (glob paths), `fail-on`,
`format`, `report-unused-ignores`, `baseline`, and the dependency audit's `audit-dependencies`,
`offline`, `advisory-db` (a path relative to the file). Command-line flags override the file; an
unknown key or a bad value is a `ConfigError`, which the CLI turns into exit code 2.

A configuration file inside the project root (found there, or named by `--config`) is
repository content: see `trusted` for what such a file may not decide.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

from slsguard import files
from slsguard.findings import Severity
from slsguard.loading.yaml import MAX_FILE_BYTES, YMap, load_file
from slsguard.project import find as find_project
from slsguard.rules import all_rules, find_rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

YAML_NAMES = (".slsguard.yml", ".slsguard.yaml")
PYPROJECT = "pyproject.toml"
KEYS = (
    "select",
    "ignore",
    "enable",
    "severity",
    "exclude",
    "fail-on",
    "format",
    "report-unused-ignores",
    "baseline",
    "audit-dependencies",
    "offline",
    "advisory-db",
)


NEVER: Literal["never"] = "never"
FailOn = Severity | Literal["never"]
"""The lowest severity that fails a run, or `never` (only internal errors fail it)."""


def parse_fail_on(text: str) -> FailOn:
    """A severity name or `never`; ValueError otherwise."""
    if text.strip().lower() == NEVER:
        return NEVER
    return Severity.parse(text)


class ConfigError(ValueError):
    """A configuration file that cannot be read, or holds an unknown key or a bad value."""


@dataclass(frozen=True, slots=True)
class Config:
    """Settings from a file or from the command line; None means "not set here"."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    enable: tuple[str, ...] | None = None
    severity: tuple[tuple[str, Severity], ...] | None = None
    exclude: tuple[str, ...] | None = None
    fail_on: FailOn | None = None
    format: str | None = None
    report_unused_ignores: bool | None = None
    baseline: Path | None = None
    audit_dependencies: bool | None = None
    offline: bool | None = None
    advisory_db: Path | None = None

    def over(self, base: Config) -> Config:
        """These settings where they are set, `base`'s elsewhere."""
        chosen = {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if getattr(self, item.name) is not None
        }
        return replace(base, **chosen)


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective settings of a run: flags over the file over the defaults."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    exclude: tuple[str, ...] = ()
    fail_on: FailOn = Severity.LOW
    format: str = "text"
    report_unused_ignores: bool = False
    baseline: Path | None = None
    audit_dependencies: bool = False
    offline: bool = False
    advisory_db: Path | None = None
    source: Path | None = None
    """The configuration file used, if any."""
    ignored: tuple[str, ...] = ()
    """Values of a repository's configuration file not used (see `trusted`), each saying why."""
    unread: tuple[tuple[Path, str], ...] = ()
    """Files that may hold configuration but were never opened (a FIFO `pyproject.toml`),
    each with why: an analysis cut short, reported as SLS001."""


def resolve(
    paths: Sequence[Path], flags: Config, config_file: Path | None = None, root: Path | None = None
) -> Settings:
    """The settings for scanning `paths`: `flags` over the configuration file's values (the
    file at the project root `root`, found from the paths when not given)."""
    root = root if root is not None else scan_root(paths)
    source = config_file if config_file is not None else find_config(root)
    file_config = load_config(source) if source is not None else Config()
    ignored: tuple[str, ...] = ()
    if source is not None and _resolves_inside(source, root):
        file_config, ignored = trusted(file_config, flags, root, source)
    merged = flags.over(file_config)
    chosen = {
        item.name: getattr(merged, item.name)
        for item in fields(merged)
        if getattr(merged, item.name) is not None
    }
    unread = unread_configs(root) if config_file is None else ()
    return Settings(**chosen, source=source, ignored=ignored, unread=unread)


def unread_configs(root: Path) -> tuple[tuple[Path, str], ...]:
    """The `pyproject.toml` at `root` when it is a FIFO, socket or device: it is never opened
    (a FIFO would block the scan), so a `[tool.slsguard]` table in it cannot be used."""
    pyproject = root / PYPROJECT
    kind = files.special_kind(pyproject)
    if kind is None:
        return ()
    why = (
        f"{PYPROJECT} is {kind}, not a regular file, so it is never read: a [tool.slsguard] "
        "configuration in it is not used"
    )
    return ((pyproject, why),)


_ONLY_INSIDE = "is ignored: a configuration file inside the project may only name"
_ROOT = "inside the project root (links followed)"
_NO_NETWORK = (
    "is ignored: a configuration file inside the project cannot turn network access on "
    "(use --audit-dependencies on the command line)"
)


def trusted(
    config: Config, flags: Config, root: Path, source: Path
) -> tuple[Config, tuple[str, ...]]:
    """A repository's configuration without what a repository may not decide.

    A file inside the scanned project is written by whoever writes the project (a pull
    request): its paths are used only when they resolve, links followed, inside the project
    to the expected kind of entry, and it can never turn network access on (that is the
    command line's alone): `offline: false` is ignored, and so is `audit-dependencies: true`
    unless the audit it asks for stays offline. Returns the config to use and why each value
    was dropped.
    """
    dropped: dict[str, str] = {}
    if config.baseline is not None and not _regular_inside(config.baseline, root):
        dropped["baseline"] = f"`baseline: {config.baseline}` {_ONLY_INSIDE} a regular file {_ROOT}"
    if config.advisory_db is not None and not _database_inside(config.advisory_db, root):
        dropped["advisory_db"] = (
            f"`advisory-db: {config.advisory_db}` {_ONLY_INSIDE} a folder, an OSV `.zip` "
            f"export or a JSON file {_ROOT}"
        )
    kept = replace(config, **dict.fromkeys(dropped))
    if config.audit_dependencies and _online(flags.over(kept)):
        dropped["audit_dependencies"] = f"`audit-dependencies: true` {_NO_NETWORK}"
    if config.offline is False:
        dropped["offline"] = f"`offline: false` {_NO_NETWORK}"
    reasons = tuple(f"{source.name}: {text}" for text in dropped.values())
    return replace(config, **dict.fromkeys(dropped)), reasons


def _online(config: Config) -> bool:
    """Whether an audit with these settings would ask the OSV API (see `deps.audit`)."""
    return config.advisory_db is None and not config.offline


def _resolves_inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def _regular_inside(path: Path, root: Path) -> bool:
    return _resolves_inside(path, root) and files.is_regular(path)


def _database_inside(path: Path, root: Path) -> bool:
    if not _resolves_inside(path, root):
        return False
    if path.is_dir():
        return True
    return files.is_regular(path) and path.suffix.lower() in (".zip", ".json")


def scan_root(paths: Sequence[Path]) -> Path:
    """The folder configuration and exclude patterns are relative to: the project root
    (see `slsguard.project`; ProjectError, a ValueError, when a path is outside it)."""
    return find_project(paths).root


def find_config(root: Path) -> Path | None:
    """The configuration file at `root`; two of them is an error (which one would win?)."""
    found = [root / name for name in YAML_NAMES if (root / name).exists()]
    pyproject = root / PYPROJECT
    if pyproject.is_file() and _pyproject_table(pyproject) is not None:
        found.append(pyproject)
    if len(found) > 1:
        names = " and ".join(str(path) for path in found)
        raise ConfigError(f"two configuration files: {names}; keep one")
    return found[0] if found else None


def load_config(path: Path) -> Config:
    """The settings in one configuration file (YAML, or a pyproject.toml)."""
    if path.name == PYPROJECT:
        return parse(_pyproject_table(path) or {}, f"{path} [tool.slsguard]", path.parent)
    if not path.exists():
        raise ConfigError(f"{path}: no such configuration file")
    loaded = load_file(str(path), str(path))
    for problem in loaded.problems:
        origin = problem.origin
        raise ConfigError(f"{path}:{origin.line}:{origin.column}: {problem.message}")
    if loaded.root is None:
        return Config()
    if not isinstance(loaded.root, YMap):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return parse(loaded.root, str(path), path.parent)


def _pyproject_table(path: Path) -> Mapping[str, Any] | None:
    try:
        text = files.read_text(path, MAX_FILE_BYTES)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    if "tool.slsguard" not in text:
        return None  # Someone else's broken pyproject must not stop a scan.
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as error:  # ValueError: 5,000-digit integers
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    table = data.get("tool", {}).get("slsguard")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.slsguard] must be a table")
    return table


def parse(data: Mapping[str, Any], source: str, base: Path) -> Config:
    """Validate raw settings; `base` is the folder relative paths (baseline) start from."""
    unknown = sorted(key for key in data if key not in KEYS)
    if unknown:
        expected = ", ".join(KEYS)
        raise ConfigError(f"{source}: unknown key {unknown[0]!r} (expected one of: {expected})")
    values: dict[str, Any] = {}
    for key in ("select", "ignore", "enable"):
        if key in data:
            values[key] = _rule_keys(_strings(data[key], key, source), key, source)
    if "exclude" in data:
        values["exclude"] = _strings(data["exclude"], "exclude", source)
    if "severity" in data:
        values["severity"] = _severities(data["severity"], source)
    if "fail-on" in data:
        values["fail_on"] = _fail_on(data["fail-on"], source)
    if "format" in data:
        values["format"] = _format(data["format"], source)
    if "baseline" in data:
        values["baseline"] = base / _string(data["baseline"], "baseline", source)
    for key in ("report-unused-ignores", "audit-dependencies", "offline"):
        if key in data:
            values[key.replace("-", "_")] = _bool(data[key], key, source)
    if "advisory-db" in data:
        database = Path(_string(data["advisory-db"], "advisory-db", source)).expanduser()
        values["advisory_db"] = base / database
    return Config(**values)


def _string(value: object, key: str, source: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{source}: `{key}` must be a non-empty string, not {value!r}")
    return value.strip()


def _strings(value: object, key: str, source: str) -> tuple[str, ...]:
    """A list of strings; a single string may also list them separated by commas."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise ConfigError(f"{source}: `{key}` must be a list of strings, not {value!r}")


def _rule_keys(keys: tuple[str, ...], key: str, source: str) -> tuple[str, ...]:
    for name in keys:
        if not known_rule_key(name):
            raise ConfigError(f"{source}: `{key}` names an unknown rule {name!r}")
    return keys


def known_rule_key(key: str) -> bool:
    """Whether `key` is a rule ID, a rule name, or an ID prefix of some rule (`SLS1`)."""
    prefix = key.upper()
    if find_rule(key) is not None:
        return True
    return prefix.startswith("SLS") and any(rule.id.startswith(prefix) for rule in all_rules())


def _severity(value: object, key: str, source: str) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{source}: `{key}` must be a severity name, not {value!r}")
    try:
        return Severity.parse(value)
    except ValueError as error:
        raise ConfigError(f"{source}: `{key}`: {error}") from None


def _fail_on(value: object, source: str) -> FailOn:
    if isinstance(value, str) and value.strip().lower() == NEVER:
        return NEVER
    return _severity(value, "fail-on", source)


def _severities(value: object, source: str) -> tuple[tuple[str, Severity], ...]:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: `severity` must map rules to severities, e.g. SLS104 = low")
    pairs = []
    for rule, severity in value.items():
        if not known_rule_key(str(rule)):
            raise ConfigError(f"{source}: `severity` names an unknown rule {rule!r}")
        pairs.append((str(rule), _severity(severity, f"severity.{rule}", source)))
    return tuple(pairs)


def _format(value: object, source: str) -> str:
    from slsguard.formats import FORMATS

    if not isinstance(value, str) or value not in FORMATS:
        names = ", ".join(FORMATS)
        raise ConfigError(f"{source}: `format` must be one of {names}, not {value!r}")
    return value


def _bool(value: object, key: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{source}: `{key}` must be true or false")
    return value


def excluded(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    """Whether `path` (under `root`) matches an exclude pattern, as .gitignore would read it.

    A pattern without `/` matches any file or folder name (`*.test.yml`, `fixtures`); one with
    `/` matches the path from the root or any of its parent folders (`examples/legacy`,
    `services/*/old`); a leading `**/` also matches at the root.
    """
    if not patterns:
        return False
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in patterns:
        pattern = raw.strip().removeprefix("./").strip("/")
        if not pattern:
            continue
        if "/" not in pattern:
            if any(fnmatchcase(part, pattern) for part in parts):
                return True
            continue
        candidates = {pattern, pattern.removeprefix("**/")}
        if any(fnmatchcase(prefix, p) for prefix in prefixes for p in candidates):
            return True
    return False
