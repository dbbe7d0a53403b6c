"""Reading a file of the scanned project: only regular files, never more than a bound.

A repository can hold a FIFO, a socket or a link to a device under any name: opened the
ordinary way, a FIFO blocks the scan forever and `/dev/zero` fills the memory. Every read of
project content goes through `read_bytes`/`read_text`: the file is opened without blocking,
checked to be a regular file on the open descriptor (no race between the check and the
read), and read up to a limit. Failures are `UnreadableFile` (an `OSError`), whose message
says what the file is, so callers that already report unreadable files keep doing so.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


class UnreadableFile(OSError):
    """A file that is not read: not a regular file, too large, or refused by the system."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(reason)
        self.path = str(path)
        self.reason = reason
        self.strerror = reason

    def __str__(self) -> str:
        return self.reason


class NotRegularFile(UnreadableFile):
    """A FIFO, socket, device or folder where a file was expected."""


class TooLarge(UnreadableFile):
    """A file larger than the bound for its kind."""


def kind_of(mode: int) -> str:
    """What a file is, in words (`a FIFO`), from its `st_mode`."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def special_kind(path: Path | str) -> str | None:
    """`a FIFO`, `a socket` or a device when `path` (links followed) is one; None for
    regular files, folders and paths that do not exist. Never blocks, never raises."""
    mode = _mode(path)
    if mode is None or stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return kind_of(mode)


def is_regular(path: Path) -> bool:
    """True when `path` (links followed) is a regular file; never blocks, never raises."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop
        return False


def read_bytes(path: Path | str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file; UnreadableFile when it is anything else."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        handle = os.open(path, flags)
    except OSError as error:
        mode = _mode(path)  # a socket cannot even be opened: say what it is
        if mode is not None and not stat.S_ISREG(mode):
            raise NotRegularFile(path, f"{kind_of(mode)}, not a regular file: not read") from None
        raise UnreadableFile(path, f"cannot read file: {error.strerror or error}") from None
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, f"{kind_of(mode)}, not a regular file: not read")
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    except NotRegularFile:
        raise
    except OSError as error:
        raise UnreadableFile(path, f"cannot read file: {error.strerror or error}") from None
    finally:
        os.close(handle)
    if len(data) > limit:
        raise TooLarge(path, f"file is larger than {_size(limit)}: not read")
    return data


def read_text(path: Path | str, limit: int, errors: str = "strict") -> str:
    """A regular file's text, decoded by its byte-order mark (UTF-8 without one).

    UnicodeDecodeError when the bytes are not valid in that encoding and `errors` is strict.
    """
    return decode(read_bytes(path, limit), errors)


def decode(data: bytes, errors: str = "strict") -> str:
    """Text from bytes: UTF-16 and UTF-32 by their byte-order mark, else UTF-8 (BOM dropped)."""
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return data[len(mark) :].decode(encoding, errors)
    return data.decode("utf-8-sig", errors)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose mark is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _mode(path: Path | str) -> int | None:
    try:
        return os.stat(path).st_mode
    except (OSError, ValueError):
        return None


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
