"""TypeScript path aliases (`compilerOptions.paths` with `baseUrl`) from `tsconfig.json`.

`import { db } from "@/lib/db"` with `"paths": {"@/*": ["src/*"]}` names `src/lib/db.ts`:
the nearest `tsconfig.json` above the importing file (never above the scan root) says so.
`extends` is not followed; a file that does not parse gives no aliases.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

MAX_TSCONFIG_BYTES = 256 * 1024
_COMMENTS = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMAS = re.compile(r",(\s*[}\]])")

Aliases = tuple[tuple[str, tuple[Path, ...]], ...]
"""(pattern, target patterns) pairs; `*` in both is the matched part."""


def alias_targets(specifier: str, importer: Path, scan_root: Path) -> list[Path]:
    """The paths (without suffix) a non-relative specifier may name through tsconfig aliases."""
    aliases = _aliases_for(importer.parent, scan_root)
    found: list[Path] = []
    for pattern, targets in aliases:
        prefix, star, suffix = pattern.partition("*")
        if star and specifier.startswith(prefix) and specifier.endswith(suffix):
            middle = specifier[len(prefix) : len(specifier) - len(suffix)]
            found += [Path(str(t).replace("*", middle)) for t in targets]
        elif not star and specifier == pattern:
            found += list(targets)
    return [path for path in found if path.resolve().is_relative_to(scan_root)]


@lru_cache(maxsize=256)
def _aliases_for(directory: Path, scan_root: Path) -> Aliases:
    for folder in (directory, *directory.parents):
        if not folder.is_relative_to(scan_root):
            return ()
        config = folder / "tsconfig.json"
        if config.is_file():
            return _read(config)
    return ()


def _read(config: Path) -> Aliases:
    try:
        if config.stat().st_size > MAX_TSCONFIG_BYTES:
            return ()
        text = config.read_text(encoding="utf-8-sig")
        data = json.loads(_TRAILING_COMMAS.sub(r"\1", _COMMENTS.sub(_keep_strings, text)))
    except (OSError, UnicodeDecodeError, ValueError):
        return ()
    options = data.get("compilerOptions") if isinstance(data, dict) else None
    if not isinstance(options, dict) or not isinstance(options.get("paths"), dict):
        return ()
    base = config.parent / str(options.get("baseUrl", "."))
    pairs = []
    for pattern, targets in options["paths"].items():
        if isinstance(targets, list):
            pairs.append((str(pattern), tuple(base / str(t) for t in targets)))
    return tuple(pairs)


def _keep_strings(match: re.Match[str]) -> str:
    return match.group(1) or ""
