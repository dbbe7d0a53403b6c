"""Decide whether a (name, value) pair holds a secret: known token formats and secret-like names.

Pure functions over strings (no I/O) so every front-end shares one decision. The bias is
towards precision: a value is reported when its format is unmistakable, or when a literal
sits in a variable whose *head noun* is a secret (``DB_PASSWORD``, not ``PASSWORD_POLICY``)
and the value is not a reference, a flag, a number or an obvious placeholder.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

SecretKind = Literal["token", "named", "placeholder"]
_Verdict = Literal["real", "fake", "no"]


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """What was found: the kind of evidence, a human description, and whether it is live."""

    kind: SecretKind
    description: str
    live: bool


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NAMED = SecretMatch("named", "literal in secret-named variable", False)
_PLACEHOLDER = SecretMatch("placeholder", "placeholder in secret-named variable", False)
_WEBHOOK = SecretMatch("named", "token in a webhook URL", False)
_AWS_SECRET = SecretMatch("token", "AWS secret access key", True)

# ---------------------------------------------------------------- values: shapes and placeholders

# ${...}, {{...}}, $(...), #{...}, %(x)s, %s, {x}. No nested braces inside, so a value made of
# thousands of "{{" is scanned in linear time.
_TEMPLATE = re.compile(r"[$#]\{[^{}]*\}|\{\{[^{}]*\}\}|\$\([^()]*\)|%\(\w+\)s|%s|^\{\w+\}$")
_REFERENCE = re.compile(
    r"arn:[a-z-]+:\S+|~/\S*|\.\.?/\S*|\$[A-Za-z_]\w*|alias/[\w/-]+|(?:![A-Z]|Fn::)\S.*"
    r"|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"  # the name of another environment variable
    r"|[\w./-]+\.(?:pem|key|crt|cer|p12|pfx|jks|json|ya?ml|txt|env|der|ppk|asc|gpg)",
    re.DOTALL,
)
_URL = re.compile(r"(?i)[a-z][a-z0-9+.-]*://[^\s/?#]+(?P<path>/[^\s?#]*)?(?:\?(?P<query>\S*))?")
# Segments of an SSM / Secrets Manager path: kebab, snake, camelCase or UPPER_SNAKE words.
# Random base64 fails: it puts digits inside words and runs of capitals inside lowercase.
# (Each word is unambiguous, [a-z]* then Capitalised parts, so matching cannot backtrack.)
_W = r"(?=[A-Za-z0-9])[a-z]*(?:[A-Z][a-z]+)*[0-9]*"
_RANDOM_SEGMENT = re.compile(r"(?=[\w-]*[0-9])(?=[\w-]*[A-Za-z])[\w-]{16,}")
_NAME_SEGMENT = re.compile(rf"{_W}(?:[-_.]{_W})*|[A-Z]+(?:_(?:[A-Z]+|[0-9]+))*")
_RESOURCE_NAME = re.compile(r"(?:[a-z]+[0-9]*)(?:[-_.](?:[a-z]+[0-9]*|[0-9]+))+")
_TRIVIAL = re.compile(
    r"(?i)true|false|yes|no|on|off|y|n|enabled?|disabled?|none|null|nil|undefined|n/a|~|"
    r"read|write|"  # access levels: GitHub Actions `permissions: id-token: write`
    r"[-+]?\d+(?:\.\d+)?(?:ms|s|m|h|d|w|secs?|mins?|hours?|days?)?"
)
_PLACEHOLDER_RE = re.compile(
    r"(?i)^<[^<>]*>$|^\[[^\[\]]*\]$|^your[-_ ]|(?:^|[-_ ])here$|x{4,}|\*{3,}|\.{3,}|…"
    r"|change[-_ ]?(?:me|it|this)|replace[-_ ]?(?:me|this|with)|^(?:insert|enter|put)[-_ ]"
)
# Whole values that only name what belongs there ("password", "api_key", "test").
_PLACEHOLDER_VALUES = _wordset(
    "password passwd pass pwd pw secret token apikey key test testing placeholder changeme "
    "changeit dummy example sample redacted fake todo tbd fixme xxx secretkey accesskey"
)
# Whole values that are weak passwords people really deploy, not stand-ins: a database whose
# master password is `password` has that password (reported at the real severity, as the
# value of a secret-named setting; in a URL `user:password@` stays a look-alike).
_WEAK_PASSWORDS = _wordset(
    "password passwd pass pwd secret admin root letmein welcome qwerty123 password1 "
    "password123 admin123 12345678 123456789 mypassword p4ssw0rd passw0rd"
)
# A template placeholder left literal (`${DB_PASSWORD}`, `{{password}}`): nothing resolves it,
# so the text itself is deployed. `{{resolve:...}}` dynamic references are resolved by
# CloudFormation and are not placeholders.
_LITERAL_TEMPLATE = re.compile(r"\$\{[^{}:]*\}|\{\{(?!resolve:)[^{}]*\}\}")
# Words that mark a value as a stand-in wherever they appear in it ("dummy-token").
_PLACEHOLDER_PARTS = _wordset(
    "changeme changeit replaceme placeholder dummy example sample redacted fake todo fixme"
)


# Words a stand-in is made of when it only names the thing ("MyAPIKey", "KeyValue").
_GENERIC_WORDS = _wordset(
    "my your the a an api key value token secret password pass here goes access client auth "
    "app service some demo"
)
_GENERIC_ONLY = re.compile("(?:" + "|".join(sorted(_GENERIC_WORDS, key=len, reverse=True)) + ")+")
_GENERIC_VALUES = _wordset("abc123 abcd1234 123abc qwerty foobar foo bar baz 1234abcd")


def _is_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    compact = re.sub(r"[^a-z0-9]", "", lowered)
    if compact in _PLACEHOLDER_VALUES or compact in _GENERIC_VALUES:
        return True
    if _PLACEHOLDER_RE.search(value) or re.search(r"<[^<>]+>", value):
        return True
    # Stand-in words glued into one token: "KEYEXAMPLE1234", "DUMMYEXAMPLEKEY".
    if any(part in compact for part in _PLACEHOLDER_PARTS):
        return True
    return _GENERIC_ONLY.fullmatch(compact) is not None


def _looks_fake(body: str) -> bool:
    """A token-shaped string that is a documentation example or typed by hand, not generated."""
    if "EXAMPLE" in body.upper() or len(set(body)) < 6 or _PLACEHOLDER_RE.search(body):
        return True
    # Six ascending characters in a row ("123456", "abcdef") essentially never occur at random.
    run = 1
    for left, right in itertools.pairwise(body):
        run = run + 1 if ord(right) == ord(left) + 1 else 1
        if run >= 6:
            return True
    return False


def _url_has_token(value: str) -> bool:
    """A URL carrying a credential in its query string or a random-looking path segment."""
    match = _URL.fullmatch(value.strip())
    if match is None:
        return False
    for key, val in re.findall(r"(?:^|&)([^=&]+)=([^&]*)", match.group("query") or ""):
        if (is_secret_name(key) or key.lower() in {"key", "sig", "signature", "code"}) and (
            len(val) >= 8 and not _is_placeholder(val) and not _TEMPLATE.search(val)
        ):
            return True
    # Webhook services put the credential in the path: /services/T0/B0/<random>.
    segments = (match.group("path") or "").split("/")
    return any(_RANDOM_SEGMENT.fullmatch(seg) and not _looks_fake(seg) for seg in segments)


# ---------------------------------------------------------------- known token formats

_L = r"(?<![A-Za-z0-9_])"  # a token never starts in the middle of a word
_R = r"(?![A-Za-z0-9_])"
_DB_SCHEMES = _wordset(
    "postgres postgresql mysql mariadb mongodb mongodb+srv redis rediss mssql sqlserver "
    "oracle cockroachdb couchdb neo4j cassandra clickhouse"
)
_BROKER_SCHEMES = _wordset("amqp amqps kafka nats mqtt mqtts stomp")


def _plausible(match: re.Match[str]) -> _Verdict:
    return "fake" if _looks_fake(match.group("body")) else "real"


def _password_verdict(password: str) -> _Verdict:
    if _TEMPLATE.search(password) or re.fullmatch(r"\$[A-Za-z_]\w*|:\w+", password):
        return "no"  # filled in at deploy time: a reference, not a credential
    return "fake" if _is_placeholder(password) else "real"


def _conn_password(match: re.Match[str]) -> _Verdict:
    # Only inside a real connection string ("Server=..;Password=.."), not prose.
    if len(re.findall(r"\w\s*=", match.string)) < 2:
        return "no"
    return _password_verdict(match.group("body").strip("'\""))


def _private_key(match: re.Match[str]) -> _Verdict:
    # A header alone (docs, truncated values) is not key material; require a base64 body.
    body = re.sub(r"\\[nr]|\s", "", match.group("body"))
    if "..." in body or "…" in body:
        return "fake"
    return "real" if re.search(r"[A-Za-z0-9+/=]{40,}", body) else "no"


def _jwt(match: re.Match[str]) -> _Verdict:
    head = match.group("head")
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except ValueError:  # binascii.Error, UnicodeDecodeError and JSONDecodeError all are
        return "no"
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        return "no"
    # The signature of the jwt.io sample token, pasted into countless READMEs.
    if match.group("body") == "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c":
        return "fake"
    return _plausible(match)


def _aws_pair(match: re.Match[str]) -> _Verdict:
    if not _AWS_KEY_ID.search(match.string) or not _AWS_SECRET_SHAPE.match(match.group("body")):
        return "no"
    return _plausible(match)


# Generated keys mix upper, lower and digits; a 40-char hex SHA-1 never has upper case.
_AWS_SECRET_SHAPE = re.compile(r"(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])")
_AWS_KEY_ID = re.compile(_L + r"(?:AKIA|ASIA)[A-Z0-9]{16}" + _R)
_AWS_SECRET_RE = re.compile(r"(?<![A-Za-z0-9/+=])(?P<body>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])")
# Greedy password, backtracking to the last "@" before the host: passwords may contain "@".
_URL_PASSWORD = re.compile(
    r"(?<![A-Za-z0-9+.-])(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    r"[^\s:/?#@]*:(?P<body>[^\s/?#]+)@[\w.%\[\]-]+"
)
_CONN_PASSWORD = re.compile(
    r"(?i)(?<![\w-])(?:password|pwd)\s*=\s*(?P<body>\"[^\"]*\"|'[^']*'|[^;\s'\"]+)"
)
_Check = Callable[[re.Match[str]], _Verdict]
_B62 = "[A-Za-z0-9]"
_SLACK = rf"(?=[A-Za-z0-9-]{{20}}){_B62}+(?:-{_B62}+)+"
# prefix, body, description: the token is prefix + body, not inside a longer word.
_SIMPLE = (
    ("AKIA", "[A-Z0-9]{16}", "AWS access key ID"),
    ("ASIA", "[A-Z0-9]{16}", "AWS temporary access key ID"),
    ("sk_live_", _B62 + "{16,}", "Stripe live secret key"),
    ("rk_live_", _B62 + "{16,}", "Stripe live restricted key"),
    ("sk_test_", _B62 + "{16,}", "Stripe test secret key"),
    ("rk_test_", _B62 + "{16,}", "Stripe test restricted key"),
    ("whsec_", _B62 + "{24,}", "Stripe webhook signing secret"),
    ("ghp_", _B62 + "{36,}", "GitHub personal access token"),
    ("gho_", _B62 + "{36,}", "GitHub OAuth access token"),
    ("ghu_", _B62 + "{36,}", "GitHub user-to-server token"),
    ("ghs_", _B62 + "{36,}", "GitHub server-to-server token"),
    ("ghr_", _B62 + "{36,}", "GitHub refresh token"),
    ("github_pat_", f"{_B62}{{22,}}_{_B62}{{30,}}", "GitHub fine-grained personal access token"),
    ("xoxb-", _SLACK, "Slack bot token"),
    ("xoxp-", _SLACK, "Slack user token"),
    ("xoxa-", _SLACK, "Slack workspace access token"),
    ("xoxr-", _SLACK, "Slack refresh token"),
    ("xoxs-", _SLACK, "Slack session token"),
    ("AIza", r"[\w-]{35}", "Google API key"),
    ("GOCSPX-", r"[\w-]{24,}", "Google OAuth client secret"),
    ("SK", "[0-9a-fA-F]{32}", "Twilio API key"),
    (r"SG\.", r"[\w-]{16,}\.[\w-]{16,}", "SendGrid API key"),
)
_PRIVATE_KEY = (
    r"(?s)-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?P<body>.*?)(?:-----END|$)"
)
_SLACK_HOOK = r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/(?P<body>\w{16,})"
_JWT = r"(?<![\w-])(?P<head>eyJ[\w-]{8,})\.[\w-]{8,}\.(?P<body>[\w-]{16,})(?![\w-])"
_SPECIAL: tuple[tuple[str | re.Pattern[str], str, _Check], ...] = (
    (_PRIVATE_KEY, "private key", _private_key),
    (_AWS_SECRET_RE, "AWS secret access key", _aws_pair),
    (_SLACK_HOOK, "Slack incoming webhook URL", _plausible),
    (_JWT, "JSON Web Token", _jwt),
    (_URL_PASSWORD, "password in a URL", lambda match: _password_verdict(match["body"])),
    (_CONN_PASSWORD, "password in a connection string", _conn_password),
)
_FORMATS = (
    *_SPECIAL[:2],
    *((f"{_L}{prefix}(?P<body>{body}){_R}", desc, _plausible) for prefix, body, desc in _SIMPLE),
    *_SPECIAL[2:],
)


def _is_live(description: str) -> bool:
    """Provider-issued credentials in their production format are live; test-format tokens,
    passwords in URLs and JWTs (issued by the application itself, often short-lived) are not.
    """
    return " test " not in description and not description.startswith(("password", "JSON Web"))


# find_token reports the first format that matches, so order by seriousness: a pair of key ID
# and secret before the ID alone, live formats (sk_live_) before test formats (sk_test_).
_TOKENS: tuple[tuple[re.Pattern[str], str, bool, _Check], ...] = tuple(
    sorted(
        ((re.compile(rx), desc, _is_live(desc), check) for rx, desc, check in _FORMATS),
        key=lambda entry: not entry[2],  # a stable sort keeps the order within live and test
    )
)
_PUBLISHABLE = re.compile(r"pk_(?:live|test)_[A-Za-z0-9]{16,}")


# One pass that rejects the great majority of strings (names, ARNs, prose) before trying each
# format in turn: the union of every format, named groups made anonymous.
# A literal every format contains (a URL password needs `@`, a connection string `pwd` or
# `password`): substring tests are far cheaper than the union of all the formats.
_HINTS = (
    "AKIA",
    "ASIA",
    "sk_",
    "rk_",
    "whsec_",
    "gh",
    "xox",
    "AIza",
    "GOCSPX-",
    "SK",
    "SG.",
    "PRIVATE KEY",
    "hooks.slack.com",
    "github_pat_",
    "eyJ",
    "@",
)


def _has_hint(value: str) -> bool:
    if any(hint in value for hint in _HINTS):
        return True
    lowered = value.lower()
    return "pwd" in lowered or "password" in lowered


def _anonymous(pattern: str) -> str:
    """`pattern` with named groups made plain and leading flags scoped: `(?i:...)`."""
    pattern = re.sub(r"[(][?]P<[a-z_]+>", "(?:", pattern)
    flags = re.match(r"[(][?]([aiLmsux]+)[)]", pattern)
    if flags:
        return f"(?{flags.group(1)}:{pattern[flags.end() :]})"
    return f"(?:{pattern})"


_ANY_TOKEN = re.compile("|".join(_anonymous(pattern.pattern) for pattern, *_ in _TOKENS))


def _scan(value: str) -> tuple[SecretMatch | None, bool]:
    """The first known token in `value`, and whether a faked one (placeholder) was seen."""
    if len(value) < 20 and "@" not in value and "=" not in value:
        return None, False  # Every format is longer; short ones need `user:pw@` or `pw=`.
    if not _has_hint(value) or _ANY_TOKEN.search(value) is None:
        return None, False
    fake = False
    for pattern, description, live, check in _TOKENS:
        for match in pattern.finditer(value):
            verdict = check(match)
            if verdict == "real":
                if pattern is _URL_PASSWORD:
                    description = _url_description(match.group("scheme"))
                return SecretMatch("token", description, live), fake
            fake = fake or verdict == "fake"
    return None, fake


def _url_description(scheme: str) -> str:
    scheme = scheme.lower()
    if scheme in _DB_SCHEMES:
        return "password in a database URL"
    return "password in a message broker URL" if scheme in _BROKER_SCHEMES else "password in a URL"


# AWS's documentation keys (`AKIAIOSFODNN7EXAMPLE`, `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`,
# `AKIAI44QH8DHBEXAMPLE`, ...): key IDs end in EXAMPLE, secret keys in EXAMPLEKEY.
_AWS_DOC_KEY = re.compile(
    r"(?<![A-Za-z0-9/+=])(?:(?:AKIA|ASIA)[A-Z0-9]{9}EXAMPLE|[A-Za-z0-9/+]{30}EXAMPLEKEY)"
    r"(?![A-Za-z0-9/+=])"
)


def is_aws_documentation_key(value: str) -> bool:
    """Whether `value` is only AWS documentation example keys (and separators).

    These keys are published by AWS and copied into countless READMEs and tests; they are
    never reported, not even as placeholders.
    """
    rest, count = _AWS_DOC_KEY.subn("", value)
    return count > 0 and re.fullmatch(r"[\s:;,=]*", rest) is not None


def find_token(value: str) -> SecretMatch | None:
    """The most serious known token format found anywhere in `value`, ignoring fakes."""
    return _scan(value)[0]


# ---------------------------------------------------------------- names

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_TERMS = _wordset(
    "password passwords passwd pwd pass passphrase passcode secret secrets token tokens "
    "credential credentials creds cred dsn salt auth authorization apikey apikeys privatekey "
    "accesskey secretkey signingkey encryptionkey connectionstring connstr pat webhook"
)
# "dbpassword", "githubtoken": one word whose tail is a secret noun.
_SUFFIXES = ("password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey")
_BIGRAMS = frozenset(
    [(m, "key") for m in ("api", "private", "access", "signing", "encryption", "hmac", "master")]
    + [("connection", "string"), ("conn", "string"), ("conn", "str")]
)
# Words that may follow the secret noun without changing what the value is. Anything else
# (ARN, NAME, TABLE, TTL, POLICY, TYPE, ENABLED, ...) makes the variable describe the secret
# rather than hold it: English compounds put the head noun last.
_TRANSPARENT = _wordset(
    "value val string str text data key keys base b64 base64 encoded hex pem raw plain plaintext "
    "cleartext prod production prd dev development staging stage stg test testing qa uat local "
    "live sandbox sbx preprod demo primary secondary main default old new current prev previous "
    "next backup alt override admin root master v"
)
_WEBHOOK_TAIL = frozenset({"url", "uri", "endpoint", "link", "address"})
_WEAK = frozenset({"auth", "authorization"})  # also used for modes: AUTH=cognito
_SECRET_OBJECT = frozenset({"secret", "secrets", "credential", "credentials", "creds", "cred"})


def _words(name: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(name)]


@functools.lru_cache(maxsize=4096)
def _name_terms(name: str) -> frozenset[str]:
    """The secret nouns of `name` when one of them is its head; empty when it is not."""
    words = _words(name)
    if "kms" in words:  # KMS key IDs, aliases and ARNs are never secret material
        return frozenset()
    found: list[tuple[str, int]] = []  # (term, index just after it)
    for i, word in enumerate(words):
        if word in _TERMS or word.endswith(_SUFFIXES):
            found.append((word, i + 1))
        if (word, words[i + 1] if i + 1 < len(words) else "") in _BIGRAMS:
            found.append((f"{word} {words[i + 1]}", i + 2))
    if not found:
        return frozenset()
    last, end = max(found, key=lambda item: item[1])
    allowed = _TRANSPARENT | _WEBHOOK_TAIL if last == "webhook" else _TRANSPARENT
    tail = words[end:]
    if all(word in allowed or word.isdigit() or re.fullmatch(r"v\d+", word) for word in tail):
        return frozenset(term for term, _ in found)
    return frozenset()


def is_secret_name(name: str) -> bool:
    """Whether a variable or key called `name` holds a secret (``JWT_SECRET``, ``dbPassword``).

    Names that merely describe a secret are not: ``TOKEN_EXPIRATION``, ``SECRET_ARN``,
    ``PASSWORD_MIN_LENGTH``, ``ACCESS_KEY_ID``, ``KMS_KEY``, ``AUTH_TYPE``.
    """
    return bool(_name_terms(name))


# ---------------------------------------------------------------- decisions


def is_weak_password(value: str) -> bool:
    """A common weak password (`password`, `admin123`): a real secret, not a stand-in."""
    return re.sub(r"[^a-z0-9]", "", value.strip().lower()) in _WEAK_PASSWORDS


def is_reference_like(value: str) -> bool:
    """Whether `value` points at a secret instead of being one: an ARN, an SSM path, a
    ``${...}`` / ``{{resolve:...}}`` reference, a file path, an environment variable name,
    a Secrets Manager style path, or a URL without credentials.
    """
    text = value.strip()
    if not text or find_token(text) is not None:
        return False
    if _TEMPLATE.search(text) or _REFERENCE.fullmatch(text):
        return True
    if _URL.fullmatch(text):
        return not _URL_PASSWORD.search(text) and not _url_has_token(text)
    parts = text.split("/")
    return len(parts) > 1 and all(_NAME_SEGMENT.fullmatch(part) for part in parts if part)


def classify(name: str, value: str) -> SecretMatch | None:
    """The secret held by variable `name` with literal `value`, or None.

    Known token formats win; otherwise the name must be secret-like and the value a literal
    that is neither a reference, a flag or number, nor too short. Obvious stand-ins are
    reported as placeholders so callers can rate them apart from real literals.
    """
    text = value.strip()
    token, fake = _scan(text)
    if token is not None:
        return token
    terms = _name_terms(name)
    if not terms or _PUBLISHABLE.fullmatch(text):
        return None  # publishable keys are public by design
    if fake:
        return _PLACEHOLDER
    words = _words(name)
    joined = "".join(words)
    aws_named = ("aws" in words or "secretaccesskey" in joined) and "secret" in joined
    if aws_named and _AWS_SECRET_RE.fullmatch(text) and _AWS_SECRET_SHAPE.match(text):
        return _PLACEHOLDER if _looks_fake(text) else _AWS_SECRET
    if terms == {"webhook"}:  # a webhook URL is only secret when it carries a token
        if not _url_has_token(text):
            return None
        return _PLACEHOLDER if _is_placeholder(text) else _WEBHOOK
    if _LITERAL_TEMPLATE.fullmatch(text):
        return _PLACEHOLDER
    if _TRIVIAL.fullmatch(text) or is_reference_like(text):
        return None
    # SECRET / CREDENTIALS may name a Secrets Manager entry ("prod-db-credentials").
    if terms <= _SECRET_OBJECT and _RESOURCE_NAME.fullmatch(text):
        return None
    if _is_placeholder(text) and not is_weak_password(text):
        return _PLACEHOLDER
    if len(text) < 4 or (terms <= _WEAK and re.fullmatch(r"[A-Za-z][A-Za-z_-]*", text)):
        return None  # AUTH=cognito is a mode, not a credential
    return _NAMED


def mask(value: str) -> str:
    """`value` safe to print: at most a quarter of it, never more than 4 characters, kept.

    URLs and DSNs with a password keep everything but the password:
    ``postgres://user:****@host/db``.
    """
    masked = _CONN_PASSWORD.sub(_mask_password, _URL_PASSWORD.sub(_mask_password, value))
    if masked != value:
        return masked
    keep = 0 if len(value) <= 6 else min(4, len(value) // 4)
    return value[:keep] + "****"


def _mask_password(match: re.Match[str]) -> str:
    start, end = match.span("body")
    return match.string[match.start() : start] + "****" + match.string[end : match.end()]


# A value stops at quotes and backticks: fix texts quote settings as `Key: value` in Markdown.
_TEXT_ASSIGNMENT = re.compile(r"""(?P<name>[\w.-]+)["'`]?\s*[:=]\s*["'`]?(?P<value>[^\s"'`,#}]+)""")
_TEXT_WORD = re.compile(r"""[^\s"'`,;(){}\[\]<>=]{8,}""")
# A value that only names what to write (`authorization = "<COGNITO_AUTHORIZER_ID>"` in a fix):
# a stand-in, shown as it is.
_ANGLE_PLACEHOLDER = re.compile(r"<[A-Za-z][\w .-]*>")
# The token formats without their word boundaries: `find_token` does not call `xAKIA...y` a
# key (it may be part of a longer identifier), but an output masks it all the same.
_GLUED_TOKEN = re.compile(
    "|".join(f"{prefix}{body}" for prefix, body, _ in _SIMPLE)
    + r"|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{16,}"
)


@functools.lru_cache(maxsize=16_384)
def mask_text(text: str) -> str:
    """`text` with every secret it shows masked through `mask`: tokens of a known format
    anywhere, and the values of secret-named assignments (`DB_PASSWORD=...`, `token: ...`).

    The one way a string taken from the scanned files reaches an output: the engine passes
    every finding's message, fix and code-flow step through it, and `slsguard fix --diff`
    every line it shows.
    """
    if len(text) < 8:
        return text

    def named(match: re.Match[str]) -> str:
        value = match.group("value")
        if "****" in value or _ANGLE_PLACEHOLDER.fullmatch(value):
            return match.group(0)
        if classify(match.group("name"), value) is None:
            return match.group(0)
        start = match.start("value") - match.start()
        return match.group(0)[:start] + mask(value) + match.group(0)[start + len(value) :]

    def token(match: re.Match[str]) -> str:
        word = match.group(0)
        return mask(word) if "****" not in word and _shows_token(word) else word

    lines = text.split("\n")
    return "\n".join(_TEXT_WORD.sub(token, _TEXT_ASSIGNMENT.sub(named, line)) for line in lines)


@functools.lru_cache(maxsize=65_536)  # words repeat across paths, names and messages
def _shows_token(word: str) -> bool:
    """Whether `word` shows a token of a known format, alone or glued to other characters."""
    if find_token(word) is not None:
        return True
    return _has_hint(word) and _GLUED_TOKEN.search(word) is not None
