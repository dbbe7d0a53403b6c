"""Committed private key files: PEM and PGP private-key blocks, OpenSSH keys and keystores.

A repository file is a committed key when it holds a `-----BEGIN … PRIVATE KEY-----` or
`-----BEGIN PGP PRIVATE KEY BLOCK-----` block, or is a keystore (`.jks`, `.keystore`, `.p12`,
`.pfx`). Certificates and public keys alone are not secrets and are not reported. A key
protected by a passphrase (`ENCRYPTED`, `Proc-Type: 4,ENCRYPTED`, an OpenSSH key with a
cipher) is medium, and so is a keystore, whose protection cannot be told from outside;
a key under a test or fixture folder is low.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

from slsguard.discovery import KEYSTORE_SUFFIXES, Candidate
from slsguard.findings import Origin, Severity, Violation
from slsguard.model import Note

MAX_KEY_FILE_BYTES = 1024 * 1024
TEST_FOLDERS = frozenset(
    {"test", "tests", "__tests__", "fixture", "fixtures", "testdata", "test-data", "spec"}
)

_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
_OPENSSH_BODY = re.compile(r"-----BEGIN OPENSSH PRIVATE KEY-----\s+([A-Za-z0-9+/=\s]{40,})")


@dataclass(frozen=True, slots=True)
class KeyFile:
    """A committed private key: what it is, where its block starts, how serious it is."""

    description: str
    line: int
    severity: Severity
    protected: bool | None
    """True with a passphrase, False without, None when it cannot be told (keystores)."""


def inspect_key_file(path: Path, relative: Path) -> KeyFile | None:
    """The private key `path` holds, or None (a certificate, a public key, unreadable)."""
    suffix = path.suffix.lower()
    try:
        if path.stat().st_size > MAX_KEY_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    found: KeyFile | None = _pem_key(data.decode("utf-8", errors="replace"))
    if suffix in KEYSTORE_SUFFIXES:
        found = KeyFile(f"a keystore ({suffix})", 1, Severity.MEDIUM, None)
    if found is None:
        return None
    if TEST_FOLDERS & {part.lower() for part in relative.parts[:-1]}:
        return KeyFile(found.description, found.line, Severity.LOW, found.protected)
    return found


def _pem_key(text: str) -> KeyFile | None:
    match = _BEGIN.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    label = match.group(1)
    block = text[match.start() : match.start() + 4096]
    protected = (
        label.startswith("ENCRYPTED")
        or "Proc-Type: 4,ENCRYPTED" in block
        or _openssh_encrypted(block)
    )
    kind = "a PGP private key" if label.startswith("PGP") else f"a private key ({label})"
    if protected:
        return KeyFile(f"{kind}, protected by a passphrase", line, Severity.MEDIUM, True)
    return KeyFile(kind, line, Severity.HIGH, False)


def _openssh_encrypted(block: str) -> bool:
    """An OpenSSH key names its cipher after the magic: `none` means no passphrase."""
    match = _OPENSSH_BODY.search(block)
    if match is None:
        return False
    body = "".join(match.group(1).split())[:64]
    try:
        header = base64.b64decode(body[: len(body) - len(body) % 4])
    except ValueError:
        return False
    magic = b"openssh-key-v1\x00"
    if not header.startswith(magic) or len(header) < len(magic) + 4:
        return False
    size = int.from_bytes(header[len(magic) : len(magic) + 4], "big")
    cipher = header[len(magic) + 4 : len(magic) + 4 + size]
    return cipher not in (b"none", b"")


def key_file_notes(candidate: Candidate) -> list[Note]:
    """A committed private key or keystore, as a hardcoded-secret-in-code (SLS305) finding."""
    inside = candidate.path.is_relative_to(candidate.root)
    relative = candidate.path.relative_to(candidate.root) if inside else Path(candidate.path.name)
    found = inspect_key_file(candidate.path, relative)
    if found is None:
        return []
    protection = {True: "", False: " with no passphrase", None: ": its protection is unknown"}
    test_note = " (under a test or fixture folder)" if found.severity == Severity.LOW else ""
    message = (
        f"{candidate.display} is a committed {found.description.removeprefix('a ')}"
        f"{protection[found.protected]}{test_note}: anyone with the repository holds the key"
    )
    fix = (
        "remove the file from the repository and its history, rotate the key, and keep it in "
        "a secrets store (Secrets Manager, SSM SecureString) read at run time; test keys can "
        "be generated when the tests run"
    )
    origin = Origin(candidate.display, (), found.line, 1)
    severity = found.severity if found.severity != Severity.HIGH else None
    violation = Violation(origin, message, fix, severity=severity, subject="private-key")
    return [Note("SLS305", violation)]


__all__ = ["KeyFile", "inspect_key_file", "key_file_notes"]
