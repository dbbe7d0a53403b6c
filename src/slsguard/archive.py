"""The one place slsguard opens zip archives: hostile archives are refused, never a traceback.

A zip comes from somewhere slsguard does not control (a deployed function's package, an
advisory export, a zip committed to the repository), so every way a zip can go wrong is an
`ArchiveRefused` whose message says what and which entry, for the report: not a zip or a
corrupt directory, entry names that are not valid UTF-8, encrypted entries, compression
methods Python cannot read, corrupt deflate/bzip2/LZMA streams (CRC included), entries that
would land outside the target (absolute paths, `..`, drive letters), symbolic links, too many
entries, and bombs (the real bytes are counted while reading: headers can lie). Extraction
never writes into an existing folder and leaves nothing behind when it refuses.
"""

from __future__ import annotations

import io
import lzma
import shutil
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_CHUNK = 64 * 1024
_READABLE = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
_ENCRYPTED = 0x1
_BROKEN = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,  # bz2 "invalid data stream", and zipfile's own checks
    RuntimeError,  # zipfile: "File ... is encrypted, password required"
    NotImplementedError,  # zipfile: "That compression method is not supported"
)


class ArchiveRefused(Exception):
    """The archive (or an entry of it) is not read; the message says why."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much an archive may hold: entries, bytes in all, bytes per entry."""

    files: int = 20_000
    unpacked: int = 262_144_000
    """Lambda's limit for a function and its layers: 250 MB."""
    entry: int = 262_144_000


def open_zip(source: bytes | Path) -> zipfile.ZipFile:
    """The archive, opened; ArchiveRefused when it is not a readable zip."""
    try:
        stream = io.BytesIO(source) if isinstance(source, bytes) else source
        return zipfile.ZipFile(stream)
    except UnicodeDecodeError:
        raise ArchiveRefused("entry names are marked UTF-8 but are not valid UTF-8") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ArchiveRefused(f"not a readable zip archive ({error})") from None


def check(entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse before reading anything: entry count, escapes, links, encryption, methods, sizes."""
    if len(entries) > limits.files:
        raise ArchiveRefused(f"the archive holds {len(entries)} entries (limit {limits.files})")
    declared = 0
    for info in entries:
        name = info.filename
        if escapes(name):
            raise ArchiveRefused(f"entry `{name}` would be written outside the target folder")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ArchiveRefused(f"entry `{name}` is a symbolic link")
        if info.flag_bits & _ENCRYPTED:
            raise ArchiveRefused(f"entry `{name}` is encrypted")
        if info.compress_type not in _READABLE:
            raise ArchiveRefused(
                f"entry `{name}` uses compression method {info.compress_type}, which slsguard "
                "cannot read"
            )
        declared += info.file_size
    if declared > limits.unpacked:
        raise ArchiveRefused(
            f"the archive would unpack to {declared} bytes (limit {limits.unpacked}): "
            "a zip bomb or an oversized archive"
        )


def escapes(name: str) -> bool:
    """Whether an entry name points outside the folder it is extracted into."""
    normal = name.replace("\\", "/")
    path = PurePosixPath(normal)
    return path.is_absolute() or ".." in path.parts or (len(normal) > 1 and normal[1] == ":")


def members(source: bytes | Path, limits: Limits, suffix: str = "") -> Iterator[tuple[str, bytes]]:
    """(name, content) of each file entry whose name ends with `suffix`, read in memory.

    Entries declared larger than `limits.entry` are skipped; the real bytes are counted.
    """
    archive = open_zip(source)
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        check(entries, limits)
        total = 0
        for info in entries:
            if not info.filename.endswith(suffix) or info.file_size > limits.entry:
                continue
            data = _read(archive, info, min(limits.entry, limits.unpacked - total))
            total += len(data)
            yield info.filename, data


def extract(source: bytes | Path, target: Path, limits: Limits = Limits()) -> Path:
    """Extract into `target`, a folder that must not exist yet (it is created).

    ArchiveRefused when the archive is hostile or broken; nothing is left behind then.
    """
    if target.exists() or target.is_symlink():
        raise ArchiveRefused(f"the target folder {target.name} already exists: not extracted")
    archive = open_zip(source)
    with archive:
        entries = archive.infolist()
        check(entries, limits)
        try:
            target.mkdir(parents=True)
        except OSError as error:
            raise ArchiveRefused(f"the target folder cannot be made ({error})") from None
        try:
            _write(archive, entries, target.resolve(), limits)
        except ArchiveRefused:
            shutil.rmtree(target, ignore_errors=True)
            raise
    return target


def _write(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], root: Path, limits: Limits
) -> None:
    """Write each entry, counting the real bytes (headers can lie about sizes)."""
    written = 0
    for info in entries:
        destination = (root / info.filename).resolve()
        if not destination.is_relative_to(root):
            raise ArchiveRefused(f"entry `{info.filename}` escapes the target folder")
        try:
            if info.is_dir():
                destination.mkdir(parents=True, exist_ok=True)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as stream, destination.open("xb") as sink:
                while chunk := stream.read(_CHUNK):
                    written += len(chunk)
                    if written > limits.unpacked:
                        raise ArchiveRefused(
                            f"the archive unpacks to more than {limits.unpacked} bytes: a zip bomb"
                        )
                    sink.write(chunk)
        except _BROKEN as error:
            raise ArchiveRefused(_broken(info, error)) from None


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """An entry's bytes, at most `limit` of them (more is a bomb)."""
    try:
        with archive.open(info) as stream:
            data = stream.read(limit + 1)
    except _BROKEN as error:
        raise ArchiveRefused(_broken(info, error)) from None
    if len(data) > limit:
        raise ArchiveRefused(f"entry `{info.filename}` unpacks to more than {limit} bytes")
    return data


def _broken(info: zipfile.ZipInfo, error: BaseException) -> str:
    if isinstance(error, FileExistsError):
        return f"entry `{info.filename}` appears twice or collides with another entry"
    return f"entry `{info.filename}` cannot be read: corrupt or unsupported data ({error})"
