"""Committed private keys and keystores are hardcoded-secret-in-code (SLS305) findings.

The key files are written when the test runs (only their headers matter), so the repository
holds nothing that a secret scanner would take for a real key.
"""

from __future__ import annotations

import base64
from pathlib import Path

from slsguard.scan import ScanOptions, scan

DASHES = "-" * 5


def _block(
    label: str, body: str = "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu"
) -> str:
    return f"{DASHES}BEGIN {label}{DASHES}\n{body}\n{DASHES}END {label}{DASHES}\n"


def _openssh(cipher: bytes) -> str:
    header = b"openssh-key-v1\x00" + len(cipher).to_bytes(4, "big") + cipher + b"\x00" * 40
    return _block("OPENSSH PRIVATE KEY", base64.b64encode(header).decode())


def _found(root: Path) -> dict[str, tuple[int, str]]:
    report = scan([root], ScanOptions(select=("SLS305",)))
    return {
        Path(finding.location.file or "").name: (finding.location.line, finding.severity.value)
        for finding in report.findings
    }


def test_private_keys_and_keystores_are_reported_with_their_protection(tmp_path: Path) -> None:
    files = {
        "keys/server.key": "# the service key\n" + _block("RSA " + "PRIVATE KEY"),
        "deploy/id_rsa": _openssh(b"none"),
        "deploy/id_ed25519": _openssh(b"aes256-ctr"),
        "certs/pkcs8.pem": _block("ENCRYPTED " + "PRIVATE KEY"),
        "certs/legacy.pem": _block(
            "RSA " + "PRIVATE KEY", "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA"
        ),
        "certs/ca.pem": _block("CERTIFICATE"),
        "certs/public.pem": _block("PUBLIC KEY"),
        "signing/release.asc": _block("PGP " + "PRIVATE KEY BLOCK"),
        "signing/public.asc": _block("PGP PUBLIC KEY BLOCK"),
        "tests/fixtures/test.key": _block("EC " + "PRIVATE KEY"),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "store.p12").write_bytes(b"\x30\x82\x01\x00binary keystore")
    assert _found(tmp_path) == {
        "server.key": (2, "high"),
        "id_rsa": (1, "high"),
        "id_ed25519": (1, "medium"),
        "pkcs8.pem": (1, "medium"),
        "legacy.pem": (1, "medium"),
        "release.asc": (1, "high"),
        "test.key": (1, "low"),
        "store.p12": (1, "medium"),
    }


def test_the_message_says_what_the_key_is_and_how_it_is_protected(tmp_path: Path) -> None:
    (tmp_path / "store.jks").write_bytes(b"\xfe\xed\xfe\xed")
    (tmp_path / "server.key").write_text(_block("RSA " + "PRIVATE KEY"))
    report = scan([tmp_path], ScanOptions(select=("SLS305",)))
    messages = sorted(finding.message for finding in report.findings)
    assert "server.key is a committed private key (RSA PRIVATE KEY) with" in messages[0]
    assert "no passphrase" in messages[0]
    assert "keystore (.jks): its protection is unknown" in messages[1]
