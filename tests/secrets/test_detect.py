"""Tests for slsguard.secrets.detect: token formats, secret names, placeholders, masking."""

from __future__ import annotations

import pytest

from slsguard.secrets.detect import (
    SecretMatch,
    classify,
    find_token,
    is_aws_documentation_key,
    is_reference_like,
    is_secret_name,
    mask,
)

# Token-shaped fixtures are assembled from pieces so that the repository itself never holds
# a string that push protection or slsguard would flag. The bodies are random, not real keys.
B16 = "UJZDEGXDNCF32EPF"
B24 = "JBd0Kh8oOOL8dKLzdocJ2isA"
B36 = "jIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7Dxtp"
HEX32 = "5729fae923d5a4fd12aabfe228f219e9"
B35 = "XSc7Tvo-hBKqFYY-kv5ZJr3J1TWDtkwtDDb"
B40 = "r" + "/xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtG"
B22 = "MxEhh2FDEEtfjgVvVqE1Sk"
B59 = "Hbn88HxjSI6bWHtP3fS2qHx6kwXoIIXGvOoNZYW2mZp0zVZomHFwUbbYrEq"
B43 = "yS5SUkCnD8zRA9a9SkpXz9w3QlY7Zkuvqdt7s8Stqcb"
B28 = "ZUPgHV7iB3m03nbqnsGpWLuqIA1i"
JWT_HEAD = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"HS256","typ":"JWT"}
JWT_BODY = "eyJzdWIiOiJhZG1pbiJ9"  # {"sub":"admin"}
PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
AWS_EXAMPLE_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"


def token(description: str, live: bool = True) -> SecretMatch:
    return SecretMatch("token", description, live)


NAMED = SecretMatch("named", "literal in secret-named variable", False)
PLACEHOLDER = SecretMatch("placeholder", "placeholder in secret-named variable", False)
WEBHOOK = SecretMatch("named", "token in a webhook URL", False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("AKIA" + B16, token("AWS access key ID")),
        ("ASIA" + B16, token("AWS temporary access key ID")),
        (f"AKIA{B16}:{B40}", token("AWS secret access key")),
        ("sk_live_" + B24, token("Stripe live secret key")),
        ("rk_live_" + B24, token("Stripe live restricted key")),
        ("sk_test_" + B24, token("Stripe test secret key", live=False)),
        ("rk_test_" + B24, token("Stripe test restricted key", live=False)),
        ("whsec_" + B24 + "abc", token("Stripe webhook signing secret")),
        ("ghp_" + B36, token("GitHub personal access token")),
        ("gho_" + B36, token("GitHub OAuth access token")),
        ("ghu_" + B36, token("GitHub user-to-server token")),
        ("ghs_" + B36, token("GitHub server-to-server token")),
        ("ghr_" + B36, token("GitHub refresh token")),
        (f"github_pat_{B22}_{B59}", token("GitHub fine-grained personal access token")),
        ("xoxb-" + f"2048392012-4820193847-{B24}", token("Slack bot token")),
        ("xoxp-" + f"2048392012-4820193847-9182736455-{HEX32}", token("Slack user token")),
        ("xoxa-" + f"2-2048392012-{B24}", token("Slack workspace access token")),
        ("xoxr-" + f"2048392012-{B24}", token("Slack refresh token")),
        ("xoxs-" + f"2048392012-{B24}", token("Slack session token")),
        (
            "https://hooks.slack.com/services/" + f"T0A1B2C3D/B9Z8Y7X6W/{B24}",
            token("Slack incoming webhook URL"),
        ),
        ("AIza" + B35, token("Google API key")),
        ("GOCSPX-" + B28, token("Google OAuth client secret")),
        ("SK" + HEX32, token("Twilio API key")),
        (f"SG.{B22}.{B43}", token("SendGrid API key")),
        (f"{JWT_HEAD}.{JWT_BODY}.{B43}", token("JSON Web Token", live=False)),
        (f"Bearer {JWT_HEAD}.{JWT_BODY}.{B43}", token("JSON Web Token", live=False)),
        (
            f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----",
            token("private key"),
        ),
        (
            f"-----BEGIN OPENSSH PRIVATE KEY-----\\n{PEM_BODY}\\n-----END OPENSSH PRIVATE KEY-----",
            token("private key"),
        ),
        (
            "postgres://app:" + "Tr0ub4dor&3@db.internal:5432/orders",
            token("password in a database URL", live=False),
        ),
        (
            "mongodb+srv://app:" + "Tr0ub4dor3@cluster0.x.mongodb.net/db",
            token("password in a database URL", live=False),
        ),
        (
            "mysql://root:" + "p@ss:w0rd@db:3306/app",
            token("password in a database URL", live=False),
        ),
        ("redis://:" + "Tr0ub4dor3@cache:6379/0", token("password in a database URL", live=False)),
        (
            "amqp://app:" + "Tr0ub4dor3@mq:5672/vhost",
            token("password in a message broker URL", live=False),
        ),
        (
            "https://deploy:" + "Tr0ub4dor3@git.internal/repo.git",
            token("password in a URL", live=False),
        ),
        (
            "Server=db;Database=app;User Id=sa;" + "Password=Tr0ub4dor3;",
            token("password in a connection string", live=False),
        ),
        (
            "host=db user=app " + "password=Tr0ub4dor3 dbname=app",
            token("password in a connection string", live=False),
        ),
        # Priority: live beats test, whatever the order in the value.
        (f"sk_test_{B24} sk_live_{B24}", token("Stripe live secret key")),
    ],
)
def test_find_token_recognises_formats(value: str, expected: SecretMatch) -> None:
    assert find_token(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "AKIA" + B16[:15],  # one character short
        "AKIA" + B16.lower(),  # key IDs are upper case
        "AIDA" + B16,  # an IAM user ID, not a key
        "XAKIA" + B16,  # inside a longer word
        "sk_live_" + "short",
        "sk_live_" + "x" * 24,
        "sk_test_" + "1234567890abcdefghij",
        "pk_live_" + B24,  # publishable: public by design
        "pk_test_" + B24,
        "ghp_" + B36[:30],
        "ghx_" + B36,
        "xoxb-" + "short-1",
        "xoxz-" + f"2048392012-{B24}",
        "https://hooks.slack.com/services/" + "TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX",
        "AIza" + B35[:30],
        "GOCSPX-" + "short",
        "AC" + HEX32,  # a Twilio account SID identifies, it does not authenticate
        "SK" + HEX32[:31],
        "SG." + "abc.def",
        f"{JWT_HEAD}.{JWT_BODY}",  # two segments
        f"eyJmb28iOiJiYXIifQ.{JWT_BODY}.{B43}",  # header {"foo":"bar"}: no "alg"
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
        "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",  # jwt.io sample
        "-----BEGIN PRIVATE KEY-----",
        "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----",
        "-----BEGIN PUBLIC KEY-----\n" + PEM_BODY + "\n-----END PUBLIC KEY-----",
        B40,  # 40 characters, but nothing says it is an AWS secret key
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # a SHA-1
        "postgres://db.internal:5432/orders",
        "postgres://app@db.internal/orders",
        "postgres://app:${DB_PASSWORD}@db/orders",
        "postgres://app:{{resolve:secretsmanager:db:SecretString:password}}@db/orders",
        "postgres://app:$DB_PASSWORD@db/orders",
        "postgres://app:%s@db/orders",
        "postgres://app:password@db/orders",
        "postgres://app:changeme@db/orders",
        "mysql://root:<password>@db/app",
        "https://example.com:8443/path",
        "the password=hunter22 is not a connection string",
        "Server=db;Password=${DB_PASSWORD};",
        "",
    ],
)
def test_find_token_rejects_look_alikes(value: str) -> None:
    assert find_token(value) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AWS_ACCESS_KEY_ID", AWS_EXAMPLE_ID),
        ("KEY", AWS_EXAMPLE_ID),
        ("MY_VAR", AWS_EXAMPLE_SECRET),
        ("CREDENTIALS", f"{AWS_EXAMPLE_ID}:{AWS_EXAMPLE_SECRET}"),
        ("AWS_ACCESS_KEY_ID", "AKIA" + "ABCDEXAMPLE12345"),
    ],
)
def test_aws_documentation_keys_are_never_tokens(name: str, value: str) -> None:
    assert find_token(value) is None
    assert classify(name, value) in (None, PLACEHOLDER)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        # Known formats win whatever the name.
        ("STRIPE_KEY", "sk_live_" + B24, token("Stripe live secret key")),
        ("STRIPE_KEY", "sk_test_" + B24, token("Stripe test secret key", live=False)),
        ("TABLE_NAME", "ghp_" + B36, token("GitHub personal access token")),
        (
            "DATABASE_URL",
            "postgres://app:" + "Tr0ub4dor3@db/orders",
            token("password in a database URL", live=False),
        ),
        # AWS secret key: only by name, or next to a key ID.
        ("AWS_SECRET_ACCESS_KEY", B40, token("AWS secret access key")),
        ("awsSecretKey", B40, token("AWS secret access key")),
        ("SecretAccessKey", B40, token("AWS secret access key")),
        ("AWS_SECRET_ACCESS_KEY", AWS_EXAMPLE_SECRET, PLACEHOLDER),
        ("JWT_SECRET", B40, NAMED),
        ("CACHE_BUSTER", B40, None),
        # Literals in secret-named variables.
        ("JWT_SECRET", "s3cr3t-value", NAMED),
        ("DB_PASSWORD", "hunter22", NAMED),
        ("dbPassword", "Tr0ub4dor&3", NAMED),
        ("DB_PASS", "Tr0ub4dor3", NAMED),
        ("TWILIO_AUTH_TOKEN", HEX32, NAMED),
        ("API_KEY", "https://api.internal/v1?api_key=a8Fk29dLq0Zp", NAMED),
        ("AUTH", "Basic dXNlcjpwYXNzd29yZA==", NAMED),
        ("CLIENT_SECRET", "qW8-zR2_kT5", NAMED),
        ("PASSWORD_PROD", "Tr0ub4dor3", NAMED),
        # Publishable keys are public, even in a secret-named variable.
        ("STRIPE_SECRET_KEY", "pk_live_" + B24, None),
        # Placeholders.
        ("DB_PASSWORD", "changeme", PLACEHOLDER),
        ("DB_PASSWORD", "change-me", PLACEHOLDER),
        # A weak password is still the password: reported at its real severity.
        ("DB_PASSWORD", "password", NAMED),
        ("MasterUserPassword", "Password123", NAMED),
        # Placeholders, whatever the field: left-literal templates, angle brackets, markers.
        ("DB_PASSWORD", "${DB_PASSWORD}", PLACEHOLDER),
        ("API_KEY", "{{api_key}}", PLACEHOLDER),
        ("API_KEY", "<your-key>", PLACEHOLDER),
        ("API_KEY", "<>", PLACEHOLDER),
        ("API_KEY", "TODO", PLACEHOLDER),
        ("API_KEY", "xxxx", PLACEHOLDER),
        ("JWT_SECRET", "secret", NAMED),  # the signing key really is "secret"
        ("API_KEY", "xxxxxxxx", PLACEHOLDER),
        ("API_KEY", "XXXX-XXXX-XXXX", PLACEHOLDER),
        ("API_KEY", "<your-key>", PLACEHOLDER),
        ("GITHUB_TOKEN", "<token>", PLACEHOLDER),
        ("API_KEY", "your_api_key_here", PLACEHOLDER),
        ("API_KEY", "***", PLACEHOLDER),
        ("API_KEY", "TODO", PLACEHOLDER),
        ("API_KEY", "replace-me", PLACEHOLDER),
        ("API_KEY", "dummy-key-123", PLACEHOLDER),
        ("API_KEY", "example", PLACEHOLDER),
        ("API_KEY", "placeholder", PLACEHOLDER),
        ("PASSWORD", "test", PLACEHOLDER),
        ("STRIPE_SECRET_KEY", "sk_live_" + "x" * 24, PLACEHOLDER),
        ("GITHUB_TOKEN", "ghp_" + "1234567890abcdefghijklmnopqrstuvwxyz", PLACEHOLDER),
        ("PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----", PLACEHOLDER),
        ("DB_CONNECTION_STRING", "postgres://app:changeme@db/orders", PLACEHOLDER),
        # References, flags, numbers, short values: not secrets.
        ("DB_PASSWORD", "${ssm:/myapp/prod/db-password}", None),
        ("DB_PASSWORD", "${env:DB_PASSWORD}", None),
        ("DB_PASSWORD", "{{resolve:secretsmanager:prod/db:SecretString:password}}", None),
        ("DB_PASSWORD", "/myapp/prod/dbPassword", None),
        ("DB_PASSWORD", "$DB_PASSWORD", None),
        ("DB_PASSWORD", "DB_PASSWORD_FROM_VAULT", None),
        ("DB_SECRET", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf", None),
        ("DB_SECRET", "prod-db-credentials", None),
        ("DB_SECRET", "myapp/prod/db", None),
        ("GOOGLE_APPLICATION_CREDENTIALS", "./creds/service-account.json", None),
        ("PRIVATE_KEY", "keys/private.pem", None),
        ("SENTRY_DSN", "https://abc123@o42.ingest.sentry.io/7", None),
        ("DB_CONNECTION_STRING", "postgres://app:${DB_PASSWORD}@db/orders", None),
        ("API_KEY", "", None),
        ("API_KEY", "abc", None),
        ("PASSWORD", "12345678", None),
        ("AUTH", "true", None),
        ("AUTH", "cognito", None),
        ("AUTH", "NONE", None),
        ("USE_AUTH", "false", None),
        ("TOKEN", "null", None),
        # Names that describe a secret instead of holding one.
        ("TOKEN_EXPIRATION", "3600", None),
        ("TOKEN_TABLE", "tokens-prod", None),
        ("AUTH_ENABLED", "true", None),
        ("AUTH_TYPE", "COGNITO_USER_POOLS", None),
        ("SECRET_NAME", "prod/db/password", None),
        ("PASSWORD_POLICY", "strong-Passw0rd-policy", None),
        ("DATABASE_URL", "postgres://db.internal:5432/orders", None),
        ("DATABASE_URL", "postgres://app:changeme@db/orders", None),
        ("KMS_KEY", "alias/app-key", None),
        ("ACCESS_KEY_ID", AWS_EXAMPLE_ID, None),
        # Webhooks: secret only when the URL carries a token.
        (
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/" + f"T0A1B2C3D/B9Z8Y7X6W/{B24}",
            token("Slack incoming webhook URL"),
        ),
        (
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/" + "TXXXXXXXX/BXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX",
            PLACEHOLDER,
        ),
        ("WEBHOOK_URL", "https://ci.internal/hooks/a8Fk29dLq0Zp3XvB7m", WEBHOOK),
        ("WEBHOOK", "https://ci.internal/hook?token=a8Fk29dLq0Zp", WEBHOOK),
        ("WEBHOOK_URL", "https://ci.internal/hooks/deploy", None),
        ("WEBHOOK_URL", "https://ci.internal/hook?token=changeme", None),
        ("WEBHOOK_ENABLED", "true", None),
    ],
)
def test_classify(name: str, value: str, expected: SecretMatch | None) -> None:
    assert classify(name, value) == expected


@pytest.mark.parametrize(
    "name",
    [
        "PASSWORD",
        "DB_PASSWORD",
        "dbPassword",
        "db-password",
        "DB_PASS",
        "MYSQL_PWD",
        "PASSWD",
        "PASSPHRASE",
        "JWT_SECRET",
        "CLIENT_SECRET",
        "clientSecret",
        "GITHUB_TOKEN",
        "githubToken",
        "ACCESS_TOKEN",
        "REFRESH_TOKEN",
        "TOKEN_V2",
        "API_KEY",
        "apiKey",
        "APIKEY",
        "x-api-key",
        "PRIVATE_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "SECRET_KEY",
        "SECRET_KEY_BASE",
        "ACCESS_KEY",
        "AUTH",
        "BASIC_AUTH",
        "AUTH_KEY",
        "CREDENTIALS",
        "GOOGLE_CREDENTIALS",
        "SENTRY_DSN",
        "DB_CONNECTION_STRING",
        "ConnectionString",
        "SIGNING_KEY",
        "ENCRYPTION_KEY",
        "PASSWORD_SALT",
        "SLACK_WEBHOOK",
        "SLACK_WEBHOOK_URL",
        "DB_PASSWORD_PROD",
        "PASSWORD2",
        "ADMINPASSWORD",
        "spring.datasource.password",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "SECRET_ARN",
        "SECRET_NAME",
        "SECRET_ID",
        "CLIENT_SECRET_ID",
        "DB_SECRET_NAME",
        "DB_PASSWORD_ARN",
        "DB_PASSWORD_PARAM",
        "DB_PASSWORD_PARAMETER",
        "TOKEN_TABLE",
        "TOKEN_TABLE_NAME",
        "TOKEN_EXPIRY",
        "TOKEN_EXPIRATION",
        "tokenExpiration",
        "TOKEN_TTL",
        "TOKEN_LENGTH",
        "TOKEN_TIMEOUT",
        "TOKEN_HEADER",
        "TOKEN_ENDPOINT",
        "TOKEN_URL",
        "TOKEN_QUEUE",
        "TOKEN_TOPIC",
        "PASSWORD_POLICY",
        "passwordPolicy",
        "PASSWORD_LENGTH",
        "PASSWORD_MIN_LENGTH",
        "MIN_PASSWORD_LENGTH",
        "PASSWORD_RESET_URL",
        "AUTH_TYPE",
        "AUTH_MODE",
        "AUTH_ENABLED",
        "AUTH_URL",
        "AUTH_REGION",
        "AUTH0_DOMAIN",
        "AUTHORIZER",
        "AUTHORIZER_ARN",
        "AuthorizationType",
        "API_KEY_REQUIRED",
        "apiKeyRequired",
        "API_KEY_ID",
        "API_KEY_NAME",
        "API_KEY_SOURCE_TYPE",
        "ACCESS_KEY_ID",
        "AWS_ACCESS_KEY_ID",
        "KMS_KEY",
        "KMS_KEY_ID",
        "KMS_KEY_ARN",
        "KMS_ENCRYPTION_KEY",
        "PRIVATE_KEY_PATH",
        "SECRET_BUCKET",
        "SECRETS_MANAGER_ENDPOINT",
        "SALT_ROUNDS",
        "WEBHOOK_ENABLED",
        "DATABASE_URL",
        "PUBLIC_KEY",
        "PARTITION_KEY",
        "TABLE_NAME",
        "USER_POOL_ID",
        "SECRETARY_EMAIL",
        "TOKENIZER_MODEL",
        "PASSPORT_STRATEGY",
        "BYPASS_CACHE",
        "COMPASS_URL",
        "",
    ],
)
def test_names_that_only_look_secret(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("arn:aws:ssm:us-east-1:123456789012:parameter/app/db", True),
        ("/myapp/prod/DB_PASSWORD", True),
        ("${ssm:/myapp/prod/db}", True),
        ("${self:custom.secrets.jwt}", True),
        ("${self:custom.db.${opt:stage}.password}", True),
        ("{{resolve:ssm-secure:/myapp/db:1}}", True),
        ("$DB_PASSWORD", True),
        ("DB_PASSWORD", True),
        ("!Ref DbPassword", True),
        ("alias/app-key", True),
        ("./certs/key.pem", True),
        ("prod/myapp/DbPassword", True),
        ("https://api.internal/v1/items", True),
        ("postgres://app:${DB_PASSWORD}@db/orders", True),
        ("postgres://app:Tr0ub4dor3@db/orders", False),
        ("https://api.internal/v1?api_key=a8Fk29dLq0Zp", False),
        ("hunter22", False),
        ("s3cr3t-value", False),
        (AWS_EXAMPLE_SECRET, False),  # base64 with slashes is not a path
        (B40, False),
        ("sk_live_" + B24, False),
        ("", False),
    ],
)
def test_is_reference_like(value: str, expected: bool) -> None:
    assert is_reference_like(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sk_live_" + B24, "sk_l****"),
        ("ghp_" + B36, "ghp_****"),
        ("hunter22", "hu****"),  # 8 characters: a quarter is 2
        ("Tr0ub4dor3", "Tr****"),
        ("abcdefghijkl", "abc****"),
        ("abcdefg", "a****"),
        ("abcdef", "****"),
        ("abc", "****"),
        ("", "****"),
        ("postgres://user:Tr0ub4dor3@host/db", "postgres://user:****@host/db"),
        ("mongodb+srv://app:p@ss@cluster0.x.net/db", "mongodb+srv://app:****@cluster0.x.net/db"),
        ("redis://:Tr0ub4dor3@cache:6379", "redis://:****@cache:6379"),
        ("Server=db;User Id=sa;Password=Tr0ub4dor3;", "Server=db;User Id=sa;Password=****;"),
    ],
)
def test_mask(value: str, expected: str) -> None:
    assert mask(value) == expected


@pytest.mark.parametrize(
    "value",
    ["sk_live_" + B24, "AKIA" + B16, B40, "hunter22", "abcdefg", "x" * 200, PEM_BODY],
)
def test_mask_never_reveals_more_than_four_characters(value: str) -> None:
    masked = mask(value)
    assert masked.endswith("****")
    kept = masked[: -len("****")]
    assert len(kept) <= 4
    assert value.startswith(kept)
    assert value[len(kept) :] not in masked


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (AWS_EXAMPLE_ID, True),
        (AWS_EXAMPLE_SECRET, True),
        ("AKIA" + "I44QH8DHBEXAMPLE", True),
        ("je7MtGbClwBF/2Zp9Utk/" + "h3yCo8nvbEXAMPLEKEY", True),
        (f" {AWS_EXAMPLE_ID}:{AWS_EXAMPLE_SECRET} ", True),
        ("AKIA" + B16, False),
        (B40, False),
        (f"{AWS_EXAMPLE_ID}:{B40}", False),  # a real-looking secret next to the example ID
        ("prefix-" + AWS_EXAMPLE_ID, False),
        ("X" + AWS_EXAMPLE_ID, False),
        ("", False),
    ],
)
def test_aws_documentation_keys(value: str, expected: bool) -> None:
    assert is_aws_documentation_key(value) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("use `ManageMasterUserPassword: true`, or", "use `ManageMasterUserPassword: true`, or"),
        ("set `DB_PASSWORD: hunter2hunter2` now", "set `DB_PASSWORD: hun****` now"),
        ("DB_PASSWORD=hunter2hunter2", "DB_PASSWORD=hun****"),
        ("permissions:\n  id-token: write\n", "permissions:\n  id-token: write\n"),
        ('authorization = "<COGNITO_AUTHORIZER_ID>"', 'authorization = "<COGNITO_AUTHORIZER_ID>"'),
        ('api_key = "<a3F9kQ2mZ7pL4xW8>x"', 'api_key = "<a3F****"'),
    ],
)
def test_mask_text_masks_secret_values_not_quoted_settings(text: str, expected: str) -> None:
    """A fix text quoting a setting in backticks is not a secret assignment."""
    from slsguard.secrets.detect import mask_text

    assert mask_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fn" + "ghp_" + "Zq8Xw2Lm4Np6Rt9Vb1Cd3Fg5Hj7Kk0Ms2Qx4", "fngh****"),
        ("route /hook/a" + "xoxb-" + "302913847562-4729105836472-QmR8sT2v", "route /hoo****"),
        ("role" + "AKIA" + "Q4GLUEDR0LE7XYZW" + "x runs", "role**** runs"),
        ("key" + "sk_live_" + "51Gl8UeDc0D3vW3yK9mN2pL7xQ4" + "z", "keys****"),
        (
            "a JWT xx" + "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
            "a JWT xxey****",
        ),
        (
            "the role orders-service-dev-eu-west-1-lambdaRole",
            "the role orders-service-dev-eu-west-1-lambdaRole",
        ),
        ("SKIPPING 0123456789abcdef0123456789abcde", "SKIPPING 0123456789abcdef0123456789abcde"),
    ],
)
def test_mask_text_masks_tokens_glued_to_other_characters(text: str, expected: str) -> None:
    """Detection wants a token to stand alone; an output masks it glued to anything."""
    from slsguard.secrets.detect import mask_text

    assert mask_text(text) == expected
