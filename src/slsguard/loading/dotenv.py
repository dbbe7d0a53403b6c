"""Dotenv files a Serverless config loads: `.env`, `.env.<stage>` next to it, parsed here.

The framework reads them with `useDotenv: true` (v2.26+); the serverless-dotenv-plugin reads
them too and copies every entry into the functions' environment. Dotenv is not YAML: a
small, bounded parser in the dotenv package's syntax (`KEY=value`, `export KEY=value`,
`KEY: value`, quotes, inline `#` comments, multi-line double-quoted values). Whether a file
is committed is the project's answer: git tracks it when git can tell, otherwise no
`.gitignore` ignores it (git's own semantics, `slsguard.gitignore`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from slsguard import files
from slsguard.delivery import DotenvEntry, DotenvFile
from slsguard.findings import Origin
from slsguard.gitignore import IgnoreRules
from slsguard.loading.yaml import YMap
from slsguard.model import render
from slsguard.project import Project

MAX_DOTENV_BYTES = 256 * 1024
MAX_DOTENV_FILES = 32
MAX_ENTRIES = 2000
MAX_VALUE_LINES = 200
DOTENV_PLUGINS = frozenset({"serverless-dotenv-plugin", "serverless-dotenv"})
EXAMPLE_SUFFIXES = frozenset(
    {"example", "sample", "template", "dist", "defaults", "default", "tpl", "schema", "skel"}
)

_ENTRY = re.compile(r"^\s*(?:export\s+)?(?P<name>[\w.-]+)\s*(?:=|:\s)\s*(?P<rest>.*)$")


def loaded_by(config: YMap) -> str | None:
    """What makes the framework read `.env` files for this config, or None."""
    if render(config.get("useDotenv")) == "true":
        return "useDotenv: true"
    plugins = config.get("plugins")
    if isinstance(plugins, YMap):
        plugins = plugins.get("modules")
    if isinstance(plugins, list):
        for plugin in plugins:
            if render(plugin).strip() in DOTENV_PLUGINS:
                return render(plugin).strip()
    return None


def dotenv_files(
    config: YMap,
    config_path: Path,
    scan_root: Path,
    display: Callable[[Path], str],
    project: Project | None = None,
) -> tuple[DotenvFile, ...]:
    """The `.env*` files next to the config when the config loads them; () otherwise
    (`project` says which are committed; without it, the `.gitignore`s under `scan_root`)."""
    reason = loaded_by(config)
    if reason is None:
        return ()
    folder = config_path.parent
    try:
        names = sorted(entry.name for entry in folder.iterdir() if _is_dotenv(entry.name))
    except OSError:
        return ()
    found = []
    for name in names[:MAX_DOTENV_FILES]:
        path = folder / name
        text = _read(path, scan_root)
        if text is None:
            continue
        shown = display(path)
        found.append(
            DotenvFile(
                shown,
                parse_dotenv(text, shown),
                reason,
                git_ignored=_ignored(path, scan_root, project),
                example=name.rsplit(".", 1)[-1].lower() in EXAMPLE_SUFFIXES,
            )
        )
    return tuple(found)


def _is_dotenv(name: str) -> bool:
    return name == ".env" or (name.startswith(".env.") and len(name) > 5)


def _read(path: Path, scan_root: Path, limit: int = MAX_DOTENV_BYTES) -> str | None:
    try:
        resolved = path.resolve()
        if not resolved.is_relative_to(scan_root) or not resolved.is_file():
            return None  # never read outside the scan root
        return files.read_text(resolved, limit, errors="replace")
    except OSError:
        return None


def parse_dotenv(text: str, file: str) -> tuple[DotenvEntry, ...]:
    """The entries of a dotenv file, each at the line and column of its name."""
    lines = text.splitlines()
    entries: list[DotenvEntry] = []
    index = 0
    while index < len(lines) and len(entries) < MAX_ENTRIES:
        match = _ENTRY.match(lines[index])
        start = index
        index += 1
        if match is None:
            continue
        value, index = _value(match.group("rest"), lines, index)
        origin = Origin(file, (match.group("name"),), start + 1, match.start("name") + 1)
        entries.append(DotenvEntry(match.group("name"), value, origin))
    return tuple(entries)


def _value(rest: str, lines: list[str], index: int) -> tuple[str, int]:
    """The value that starts with `rest`, and the index of the line after it."""
    rest = rest.strip()
    quote = rest[:1]
    if quote in ("'", '"', "`"):
        closing = rest.find(quote, 1)
        if closing > 0:
            return _unescape(rest[1:closing], quote), index
        parts = [rest[1:]]
        while index < len(lines) and len(parts) < MAX_VALUE_LINES:
            line = lines[index]
            index += 1
            if quote in line:
                parts.append(line[: line.find(quote)])
                return _unescape("\n".join(parts), quote), index
            parts.append(line)
        return _unescape("\n".join(parts), quote), index
    return re.split(r"\s+#", rest, maxsplit=1)[0].strip(), index


def _unescape(value: str, quote: str) -> str:
    return value.replace("\\n", "\n") if quote == '"' else value


def _ignored(path: Path, scan_root: Path, project: Project | None) -> bool:
    """Whether the file is left out of the repository (a local file, not committed)."""
    if project is not None:
        return not project.committed(path)
    return IgnoreRules(scan_root).ignored(path, is_folder=False)
