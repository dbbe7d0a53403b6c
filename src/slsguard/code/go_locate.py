"""Find the Go source of a function whose deployed artifact is a compiled binary.

On `provided.al2`/`provided.al2023` the handler setting is ignored (the binary is named
`bootstrap`) and on `go1.x` it names the binary, so the source is found the way the build
makes it, without running anything:

- SAM `Metadata.BuildMethod: go1.x` builds the package in `CodeUri`;
- Serverless `handler: bin/<name>` is built from `<name>/`, `cmd/<name>/`, `src/<name>/` or
  `functions/<name>/` by convention;
- a `Makefile` line `go build -o <output> <package>` says which package makes which output
  (`bin/hello`, `build/hello/bootstrap`);
- Terraform `archive_file` of a build output next to the sources: the folder of the output,
  its parent, and their `cmd/<name>/`.

The package is the folder whose `main` calls `lambda.Start`; otherwise the function is
SLS004, naming what was looked at.
"""

from __future__ import annotations

import re
from pathlib import Path

from slsguard.code.go_modules import has_go_entry

MAX_MAKEFILE_BYTES = 256 * 1024
_GO_BUILD = re.compile(r"\bgo\s+build\b[^\n]*?-o[ =](\S+)([^\n]*)")


def is_go_runtime(runtime: str | None) -> bool:
    """A runtime whose code is a compiled binary slsguard reads as Go sources."""
    return bool(runtime) and str(runtime).startswith(("go1", "provided"))


def go_package(base: Path, names: tuple[str, ...], root: Path) -> tuple[Path | None, list[Path]]:
    """(the file calling lambda.Start, the folders looked at) for a function's names."""
    looked: list[Path] = []
    for folder in _candidates(base, names):
        folder = folder.resolve()
        if folder in looked or not folder.is_relative_to(root) or not folder.is_dir():
            continue
        looked.append(folder)
        entry = has_go_entry(folder)
        if entry is not None:
            return entry, looked
    return None, looked


def _candidates(base: Path, names: tuple[str, ...]) -> list[Path]:
    folders: list[Path] = []
    for name in names:
        folders += _makefile_sources(base, name)
    folders.append(base)
    for name in (n for n in names if n):
        for parent in (base, base.parent):
            folders += [parent / name, parent / "cmd" / name, parent / "src" / name]
            folders += [parent / "functions" / name, parent / "lambda" / name]
    folders += [base.parent, base / "cmd"]
    return folders


def _makefile_sources(base: Path, name: str) -> list[Path]:
    """Packages a Makefile builds into an output that names `name`."""
    found: list[Path] = []
    for folder in (base, base.parent):
        makefile = folder / "Makefile"
        try:
            if not makefile.is_file() or makefile.stat().st_size > MAX_MAKEFILE_BYTES:
                continue
            text = makefile.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for output, rest in _GO_BUILD.findall(text):
            if name and name not in Path(output).parts:
                continue
            package = (rest.split() or ["."])[-1]
            target = folder / package
            found.append(target.parent if target.suffix == ".go" else target)
    return found
