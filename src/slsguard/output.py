"""Where a command's text goes: a file named by `--output`, or standard output.

Every command writes through `emit`, so that the same promises hold everywhere: `-` means
standard output, a missing folder or an unwritable file is a clear usage error (exit 2) and
not a traceback, and a reader that closes the pipe early (`slsguard scan . | head`) ends the
run quietly instead of printing `BrokenPipeError`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


class OutputError(Exception):
    """The report cannot be written where the user asked (the CLI exits 2 with this text)."""


def to_stdout(output: Path | None) -> bool:
    """True when the text goes to standard output (no `--output`, or `--output -`)."""
    return output is None or str(output) == "-"


def emit(text: str, output: Path | None) -> None:
    """Write `text` to `output`, or to standard output for None and `-`."""
    if to_stdout(output):
        write_stdout(text)
        return
    assert output is not None
    write_file(output, text, what="the report")


def write_file(path: Path, text: str, *, what: str) -> None:
    """Write a text file the user named; OutputError saying why when that is impossible."""
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {what} to {path}: folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"cannot write {what} to {path}: it is a folder")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise OutputError(f"cannot write {what} to {path}: {error.strerror or error}") from None


def write_stdout(text: str) -> None:
    """Write to standard output; a reader that has gone away ends the output quietly."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


def silence_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's final flush of a
    closed pipe does not print an error on the way out."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):  # no real file descriptor (captured output in tests)
        pass
