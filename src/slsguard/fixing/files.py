"""Reading, checking and writing the files `slsguard fix` edits, safely.

A file is edited only when it is a regular file inside the project root (never through a
symbolic link), its edited text still parses, and it can be replaced atomically: the new
bytes go to a temporary file in the same directory with the original's mode, which then
replaces the original. If the written file does not read back as written, the original
bytes are put back.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from slsguard.fixing.text import Edit, EditError, Source, apply_edits

MAX_EDIT_BYTES = 4 * 1024 * 1024
"""No template or `.tf` file slsguard edits is larger (the loaders refuse larger ones)."""


def is_hcl(path: Path) -> bool:
    """Whether the file is Terraform's native syntax (`.tf`, not `.tf.json`)."""
    return path.name.endswith(".tf")


def check_editable(path: Path, root: Path) -> None:
    """EditError unless `path` is a regular file inside `root`, reached without symlinks."""
    if path.is_symlink():
        raise EditError(f"{path.name} is a symbolic link; slsguard does not edit through links")
    resolved_root = root.resolve()
    resolved = path.resolve()
    if resolved_root != resolved and resolved_root not in resolved.parents:
        raise EditError(f"{path} is outside the project root {root}")
    if not path.is_file():
        raise EditError(f"{path} is not a regular file")
    if path.stat().st_size > MAX_EDIT_BYTES:
        raise EditError(f"{path.name} is larger than {MAX_EDIT_BYTES // 1048576} MiB")


def read_source(path: Path) -> Source:
    """The file decoded for editing; EditError when it is not UTF-8 text."""
    try:
        return Source.decode(path.read_bytes())
    except UnicodeDecodeError:
        raise EditError(f"{path.name} is not UTF-8 text") from None
    except OSError as error:
        raise EditError(f"cannot read {path.name}: {error.strerror or error}") from None


def check_parses(path: Path, text: str, before: str = "") -> None:
    """EditError when `text` (the edited content of `path`) no longer loads cleanly.

    A duplicate key the edit introduced counts as not loading; one already in `before` not.
    """
    if is_hcl(path):
        from slsguard.loading.terraform.hcl import HclError, parse_hcl

        try:
            parse_hcl(text)
        except HclError as error:
            raise EditError(f"the edited file would not parse: {error}") from None
        return
    problems = Counter(_load_problems(text, path.name))
    problems.subtract(_load_problems(before, path.name) if before else [])
    new = [problem for problem, count in problems.items() if count > 0]
    if new:
        raise EditError(f"the edited file would not load: {new[0]}")


def _load_problems(text: str, name: str) -> list[str]:
    """What keeps the text from loading cleanly, without line numbers (edits move lines)."""
    from slsguard.loading.yaml import load_text

    loaded = load_text(text, name)
    return [
        re.sub(r"line \d+", "line N", p.message)
        for p in loaded.problems
        if p.kind in ("parse-error", "duplicate-key")
    ]


def edited_text(path: Path, source: Source, edits: Sequence[Edit]) -> str:
    """The text of `path` after `edits`, checked to parse (EditError otherwise)."""
    text = apply_edits(source.text, edits)
    check_parses(path, text, source.text)
    return text


def write_atomically(path: Path, root: Path, original: bytes, data: bytes) -> None:
    """Replace `path` with `data` atomically, keeping its mode; restore `original` on failure."""
    check_editable(path, root)
    mode = stat.S_IMODE(path.stat().st_mode)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".slsguard"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise EditError(f"cannot write {path.name}: {error.strerror or error}") from None
    if path.read_bytes() != data:  # Someone else wrote it meanwhile: put the original back.
        path.write_bytes(original)
        raise EditError(f"{path.name} changed while it was written; the original is restored")
