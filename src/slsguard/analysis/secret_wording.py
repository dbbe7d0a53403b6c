"""What the secrets rules share: how bad a secret is, and how to name it in a message."""

from __future__ import annotations

from slsguard.findings import Severity
from slsguard.secrets.detect import SecretMatch


def severity_of(match: SecretMatch) -> Severity:
    """Critical for live tokens, high for other secrets, low for placeholders."""
    if match.kind == "placeholder":
        return Severity.LOW
    if match.kind == "token" and match.live:
        return Severity.CRITICAL
    return Severity.HIGH


def describe(match: SecretMatch) -> str:
    """`an AWS access key ID`, `a secret literal`, `a placeholder for a secret`."""
    if match.kind == "placeholder":
        return "a placeholder for a secret"
    return with_article(match.description) if match.kind == "token" else "a secret literal"


def with_article(description: str) -> str:
    """`description` after "a" or "an": "an AWS access key ID", "a private key"."""
    return ("an " if description[:1].lower() in "aeiou" else "a ") + description
