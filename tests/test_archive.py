"""The one archive reader: every hostile or broken zip is a refusal with its reason."""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
from pathlib import Path

import pytest

from slsguard.archive import ArchiveRefused, Limits, extract, members


def _zip(*entries: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _patched(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new)


def _with_flags(data: bytes, flags: int) -> bytes:
    """Set general-purpose flag bits in every local and central header."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := out.find(signature, start)) != -1:
            value = int.from_bytes(out[start + offset : start + offset + 2], "little") | flags
            out[start + offset : start + offset + 2] = value.to_bytes(2, "little")
            start += 4
    return bytes(out)


def _with_method(data: bytes, method: int) -> bytes:
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = out.find(signature)
        out[start + offset : start + offset + 2] = method.to_bytes(2, "little")
    return bytes(out)


def _corrupt_stream(method: int) -> bytes:
    payload = bytes(range(256)) * 64
    data = bytearray(_zip(("a.py", payload), method=method))
    start = data.find(b"PK\x03\x04") + 30 + len("a.py")
    for index in range(start + 4, start + 40):
        data[index] ^= 0x5A
    return bytes(data)


def _symlink() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "../../etc/passwd")
    return buffer.getvalue()


def _duplicates() -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate it writes
        return _zip(("a.py", b"1"), ("a.py", b"2"))


HOSTILE = {
    "not a zip": (b"PK\x03\x04 nothing else", "not a readable zip"),
    "encrypted entry": (_with_flags(_zip(("a.py", b"x = 1")), 0x1), "encrypted"),
    "unsupported compression": (_with_method(_zip(("a.py", b"x" * 100)), 99), "method 99"),
    "corrupt deflate": (_corrupt_stream(zipfile.ZIP_DEFLATED), "corrupt or unsupported"),
    "corrupt LZMA": (_corrupt_stream(zipfile.ZIP_LZMA), "corrupt or unsupported"),
    "undecodable names": (
        _with_flags(_patched(_zip(("name-xx.py", b"x")), b"name-xx", b"name-\xff\xfe"), 0x800),
        "not valid UTF-8",
    ),
    "traversal": (_zip(("../../evil.py", b"x")), "outside the target folder"),
    "absolute path": (_zip(("/etc/cron.d/x", b"x")), "outside the target folder"),
    "symlink": (_symlink(), "symbolic link"),
    "bomb": (_zip(("zeros", bytes(2_000_000))), "zip bomb"),
    "duplicate entries": (_duplicates(), "appears twice"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_extract_refuses_with_the_reason_and_leaves_nothing(tmp_path: Path, name: str) -> None:
    data, reason = HOSTILE[name]
    with pytest.raises(ArchiveRefused, match=reason):
        extract(data, tmp_path / "out", Limits(unpacked=1_000_000))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["not a zip", "encrypted entry", "corrupt deflate", "bomb"])
def test_reading_members_refuses_too(name: str) -> None:
    data, reason = HOSTILE[name]
    with pytest.raises(ArchiveRefused, match=reason):
        list(members(data, Limits(unpacked=1_000_000)))


def test_an_existing_target_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(ArchiveRefused, match="already exists"):
        extract(_zip(("a.py", b"x")), tmp_path / "out")


def test_a_sound_archive_is_extracted(tmp_path: Path) -> None:
    data = _zip(("pkg/a.py", b"x = 1\n"), ("b.json", b"{}"))
    target = extract(data, tmp_path / "out")
    assert (target / "pkg" / "a.py").read_bytes() == b"x = 1\n"
    assert list(members(data, Limits(), suffix=".json")) == [("b.json", b"{}")]

