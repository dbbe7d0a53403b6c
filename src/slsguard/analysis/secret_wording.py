"""What the secrets rules share: how bad a secret is, and how to name it in a message."""

from __future__ import annotations

from slsguard.findings import Severity
from slsguard.secrets.detect import SecretMatch, is_aws_documentation_key, is_secret_name


def severity_of(match: SecretMatch) -> Severity:
    """Critical for live tokens, high for other secrets, low for placeholders."""
    if match.kind == "placeholder":
        return Severity.LOW
    if match.kind == "token" and match.live:
        return Severity.CRITICAL
    return Severity.HIGH


DOCUMENTATION_KEY = SecretMatch(
    "placeholder",
    "an AWS documentation example key (published by AWS, so not a working credential, but "
    "still a plaintext key pair written in the configuration: use a role or a secrets store)",
    False,
)


def documentation_key(name: str | None, value: str) -> SecretMatch | None:
    """AWS documentation example keys in a secret-named variable: low, never dropped."""
    if name is None or not is_secret_name(name) or not is_aws_documentation_key(value):
        return None
    return DOCUMENTATION_KEY


def describe(match: SecretMatch) -> str:
    """`an AWS access key ID`, `a secret literal`, `a placeholder for a secret`."""
    if match is DOCUMENTATION_KEY:
        return match.description
    if match.kind == "placeholder":
        return "a placeholder for a secret"
    return with_article(match.description) if match.kind == "token" else "a secret literal"


def with_article(description: str) -> str:
    """`description` after "a" or "an": "an AWS access key ID", "a private key"."""
    return ("an " if description[:1].lower() in "aeiou" else "a ") + description
