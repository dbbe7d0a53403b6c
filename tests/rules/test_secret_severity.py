"""Severities of the secrets rules, and the token families that cannot be committed.

The annotated fixtures in `tests/fixtures/rules/` check lines only. Here each reported line
is checked with its severity: critical for live-format tokens, high for test-format tokens
and secret-named literals, low for placeholders, medium for SLS302 and low for SLS304.

Tokens that GitHub push protection blocks (AWS key pairs, Stripe, GitHub, Slack, Google,
Twilio, SendGrid, private keys) are assembled here from pieces and written into `tmp_path`,
so the repository never holds one verbatim. The bodies are random, not real keys.
"""

from __future__ import annotations

import json
from pathlib import Path

from slsguard.scan import ScanOptions, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"

U16 = "3MJ6LNSW0" + "JPF5P4M"
B24 = "KOd28FA6Lm" + "ypCrDBNbEkwQsR"
B36 = "B0xVZWByajwbBEj5" + "dHcTEyFh5yTJMLZPsZQI"
HEX32 = "f526d5679aff309d" + "896f970518e7fa13"
B35 = "8NtLhgIwHk-t8zxd" + "4bKr3eDf48GAohjNeXC"
B40 = "EyhGP9zQBapaWeKIAexM" + "6GeBBRgnTetFIlXmQJWF"
B22 = "lQHv7xZ5in8" + "QxHJoWfpN8A"
B59 = "iGajgjWRYo8zw93UG7Huj1UZ8f1" + "pPmM9lASiZdSBaHXgnXaZDzClsmNLBQ9"
B43 = "T-Gv6HvybkGxGz3yoNOl" + "EZ0kU-IRJqqkuhscMmwfVU3"
B28 = "bJltNtG2CMh3Q4" + "ln1baFu39_-1yD"
PEM = "l++F/RT4IRyA/5X28bacU/M5kcd+BqWy" + "EmyzEKshoO0HccFmLma3ZKBM3mFihvvp"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"HS256","typ":"JWT"}
    + ".eyJzdWIiOiJhZG1pbiJ9."  # {"sub":"admin"}
    + B43
)
AWS_KEY_ID = "AK" + "IA" + U16
AWS_DOC_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
PRIVATE_KEY = (
    "-----BEGIN RSA "
    + "PRIVATE KEY-----\n"
    + PEM
    + "\n"
    + PEM[::-1]
    + "\n-----END RSA PRIVATE KEY-----"
)

# (variable, value, severity SLS301 reports or None); every token family at least once.
ENVIRONMENT: list[tuple[str, str, str | None]] = [
    ("AWS_ACCESS_KEY_ID", AWS_KEY_ID, "critical"),
    ("AWS_SECRET_ACCESS_KEY", B40, "critical"),
    ("DEPLOY_CREDENTIALS", f"{AWS_KEY_ID}:{B40}", "critical"),
    ("STRIPE_SECRET_KEY", "sk_" + "live_" + B24, "critical"),
    ("STRIPE_RESTRICTED", "rk_" + "live_" + B24, "critical"),
    ("STRIPE_TEST_KEY", "sk_" + "test_" + B24, "high"),
    ("STRIPE_WEBHOOK_SECRET", "whsec_" + B24 + "Qz", "critical"),
    ("CI_TOKEN", "gh" + "p_" + B36, "critical"),
    ("APP_INSTALLATION", "gh" + "s_" + B36, "critical"),
    ("RELEASE_PAT", "github_" + "pat_" + B22 + "_" + B59, "critical"),
    ("SLACK_BOT_TOKEN", "xo" + "xb-" + f"2048392012-4820193847-{B24}", "critical"),
    ("ALERTS", "https://hooks.slack" + ".com/services/" + f"T0A1B2C3D/B9Z8Y7X6W/{B24}", "critical"),
    ("MAPS", "AI" + "za" + B35, "critical"),
    ("GOOGLE_CLIENT_SECRET", "GOCSPX-" + B28, "critical"),
    ("TWILIO", "S" + "K" + HEX32, "critical"),
    ("MAILER", "S" + "G." + B22 + "." + B43, "critical"),
    ("SIGNING_KEY", PRIVATE_KEY, "critical"),
    ("SESSION", JWT, "high"),
    ("DATABASE_URL", "postgres://app:" + "Gx7kQ2vLp9@db.internal:5432/orders", "high"),
    ("DB_PASSWORD", "Tr0ub4dor-3-horse", "high"),
    ("TWILIO_AUTH_TOKEN", HEX32, "high"),
    ("ADMIN_PASSWORD", "changeme", "low"),
    ("STRIPE_SECRET", "sk_" + "live_" + "x" * 24, "low"),
    ("STRIPE_API_KEY", "pk_" + "live_" + B24, None),
    # AWS documentation keys under secret names: low, with that explanation, never dropped.
    ("AWS_ACCESS_KEY", AWS_DOC_KEY_ID, "low"),
    ("AWS_SECRET_KEY", AWS_DOC_SECRET, "low"),
    ("TOKEN_EXPIRATION", "3600", None),
    ("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf", None),
]


def _findings(path: Path, rule: str) -> dict[tuple[str, int], str]:
    """{(file name, line): severity} of what `rule` reports under `path`."""
    report = scan([path], ScanOptions(select=(rule,)))
    return {
        (Path(finding.location.file or "").name, finding.location.line): finding.severity.value
        for finding in report.findings
        if finding.rule.name == rule
    }


def _write_serverless(directory: Path) -> dict[int, str | None]:
    """A service with one function holding ENVIRONMENT; {line: expected severity}."""
    lines = [
        "service: tokens",
        'frameworkVersion: "3"',
        "provider:",
        "  name: aws",
        "  runtime: python3.12",
        "custom:",
        f"  stripeKey: {json.dumps('sk_' + 'live_' + B24)}",
        f"  stripeTestKey: {json.dumps('sk_' + 'test_' + B24)}",
        "functions:",
        "  worker:",
        "    handler: worker.handler",
        "    environment:",
    ]
    expected: dict[int, str | None] = {}
    for name, value, severity in ENVIRONMENT:
        lines.append(f"      {name}: {json.dumps(value)}")
        expected[len(lines)] = severity
    (directory / "serverless.yml").write_text("\n".join(lines) + "\n")
    return expected


def test_every_token_family_in_a_serverless_environment(tmp_path: Path) -> None:
    expected = _write_serverless(tmp_path)
    found = _findings(tmp_path, "plaintext-secret-in-environment")
    want = {("serverless.yml", line): sev for line, sev in expected.items() if sev is not None}
    assert found == want


def test_function_environment_secrets_are_not_reported_twice(tmp_path: Path) -> None:
    _write_serverless(tmp_path)
    found = _findings(tmp_path, "hardcoded-secret-in-template")
    # Only the two custom: values (lines 7 and 8), never the function's environment.
    assert found == {("serverless.yml", 7): "critical", ("serverless.yml", 8): "high"}


def test_tokens_in_cloudformation_environment_and_intrinsics(tmp_path: Path) -> None:
    template = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        "Parameters:",
        "  Suffix:",
        "    Type: String",
        "Resources:",
        "  Fn:",
        "    Type: AWS::Lambda::Function",
        "    Properties:",
        "      Handler: index.handler",
        "      Runtime: python3.12",
        "      Role: arn:aws:iam::123456789012:role/fn",
        "      Environment:",
        "        Variables:",
        f"          STRIPE: {json.dumps('sk_' + 'live_' + B24)}",  # 14
        f"          STRIPE_TEST: {json.dumps('sk_' + 'test_' + B24)}",  # 15
        f"          CI: !Sub {json.dumps('gh' + 'p_' + B36 + '${Suffix}')}",  # 16
        f"          MAPS: !Join ['', [{json.dumps('AI' + 'za' + B35)}]]",  # 17
        "          PASSWORD: !Sub '${Suffix}-literal-part'",  # 18: no token, not reported
        f"          SENDGRID_API_KEY: {json.dumps('S' + 'G.' + B22 + '.' + B43)}",  # 19
    ]
    (tmp_path / "stack.yaml").write_text("\n".join(template) + "\n")
    assert _findings(tmp_path, "plaintext-secret-in-environment") == {
        ("stack.yaml", 14): "critical",
        ("stack.yaml", 15): "high",
        ("stack.yaml", 16): "critical",
        ("stack.yaml", 17): "critical",
        ("stack.yaml", 19): "critical",
    }
    assert _findings(tmp_path, "hardcoded-secret-in-template") == {}


def test_parameter_defaults_are_rated_like_environment_values(tmp_path: Path) -> None:
    parameters = {
        "StripeKey": "sk_" + "live_" + B24,  # line 6 in the JSON below
        "StripeTestKey": "sk_" + "test_" + B24,
        "GithubToken": "gh" + "p_" + B36,
        "DbPassword": "Sup3r-S3cret-Passw0rd",
        "ApiToken": "changeme",
        "DeployKeyId": AWS_DOC_KEY_ID,
        "DeploySecret": AWS_DOC_SECRET,
        "StripePublishableKey": "pk_" + "live_" + B24,
    }
    document = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            name: {"Type": "String", "NoEcho": True, "Default": value}
            for name, value in parameters.items()
        },
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    }
    text = json.dumps(document, indent=2)
    (tmp_path / "params.json").write_text(text)
    line_of = {
        name: next(i for i, line in enumerate(text.splitlines(), 1) if f'"{value}"' in line)
        for name, value in parameters.items()
    }
    assert _findings(tmp_path, "hardcoded-secret-in-template") == {
        ("params.json", line_of["StripeKey"]): "critical",
        ("params.json", line_of["StripeTestKey"]): "high",
        ("params.json", line_of["GithubToken"]): "critical",
        ("params.json", line_of["DbPassword"]): "high",
        ("params.json", line_of["ApiToken"]): "low",
        # An AWS documentation key in a secret-named parameter: low, with that explanation.
        ("params.json", line_of["DeploySecret"]): "low",
    }


def test_committed_fixture_severities() -> None:
    sls301 = _findings(
        FIXTURES / "plaintext-secret-in-environment", "plaintext-secret-in-environment"
    )
    assert sls301[("serverless.yml", 25)] == "high"  # DB_PASSWORD literal
    assert sls301[("serverless.yml", 35)] == "high"  # DSN with a password (not a live token)
    assert sls301[("serverless.yml", 41)] == "high"  # JWT (issued by the app itself)
    assert sls301[("serverless.yml", 46)] == "low"  # changeme
    assert sls301[("serverless.yml", 52)] == "low"  # Slack webhook with XXXX
    assert sls301[("sam.yaml", 40)] == "low"  # your-smtp-password-here
    sls302 = _findings(
        FIXTURES / "secret-materialized-in-environment", "secret-materialized-in-environment"
    )
    assert sls302 and set(sls302.values()) == {"medium"}
    sls304 = _findings(FIXTURES / "environment-without-cmk", "environment-without-cmk")
    assert sls304 and set(sls304.values()) == {"low"}


def test_weak_password_is_real_and_placeholders_are_low() -> None:
    from slsguard.scan import ScanOptions, scan

    path = (
        Path(__file__).resolve().parents[1]
        / "fixtures/rules/hardcoded-secret-in-template/rds-weak-and-placeholder.yaml"
    )
    report = scan([path], ScanOptions(select=("SLS303",)))
    found = {f.location.line: f.severity.value for f in report.findings}
    assert found[20] == "high"
    assert found[29] == "low"
    assert found[38] == "low"
