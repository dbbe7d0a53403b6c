"""Libraries that call the AWS SDK for the code (object mappers, file systems over S3).

Their calls are not followed: a module importing one gets a call *not understood* on the
library's service, so SLS109 never calls that service's grants unused and the policy output
lists it (item 7 of issue 16: a wrapper not followed is an unknown, never an absence).
"""

from __future__ import annotations

from collections.abc import Iterator

from slsguard.code.model import source_location
from slsguard.findings import Location

PYTHON: dict[str, str] = {
    "pynamodb": "dynamodb",
    "smart_open": "s3",
    "s3fs": "s3",
    "awswrangler": "",
    "dynamorm": "dynamodb",
}
"""Top-level Python package → the SDK service it calls (empty: several)."""

JAVASCRIPT: dict[str, str] = {
    "dynamoose": "dynamodb",
    "dynamodb-toolbox": "dynamodb",
    "electrodb": "dynamodb",
    "@aws/dynamodb-data-mapper": "dynamodb",
    "@typedorm/core": "dynamodb",
}
"""npm package → the SDK service it calls."""


EXTENSIONS: dict[str, tuple[str, str]] = {
    ":2772/applications/": ("appconfigdata", "the AppConfig Lambda extension (localhost:2772)"),
}
"""Text of an HTTP request to a Lambda extension that calls AWS with the function's role →
(SDK service, what calls it). The AppConfig agent extension calls
`appconfig:StartConfigurationSession` and `appconfig:GetLatestConfiguration`, older versions
`appconfig:GetConfiguration`
(https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-lambda-extensions.html):
which one depends on the layer version, so it is a call not understood on AppConfig."""


_SECRETS_EXTENSION = "the Parameters and Secrets Lambda extension (localhost:2773)"
JAVASCRIPT_EXTENSIONS: dict[str, tuple[str, str]] = {
    **EXTENSIONS,
    ":2773/secretsmanager/": ("secretsmanager", _SECRETS_EXTENSION),
    ":2773/systemsmanager/": ("ssm", _SECRETS_EXTENSION),
}
"""JavaScript also gets the Parameters and Secrets extension as a call not understood (Python
reads its requests exactly: `powertools`)."""


def extensions(
    display: str, lines: list[str], table: dict[str, tuple[str, str]] = EXTENSIONS
) -> Iterator[tuple[str, str, Location]]:
    """(service, what calls it, where) for each extension a module sends requests to."""
    for marker, (service, via) in table.items():
        if any(marker in line for line in lines):
            yield service, via, where(display, lines, marker)


def imported(
    specifiers: Iterator[str], table: dict[str, str], separator: str
) -> Iterator[tuple[str, str]]:
    """(package, service) of each wrapper among import specifiers."""
    seen: set[str] = set()
    for specifier in specifiers:
        for package, service in table.items():
            if (specifier == package or specifier.startswith(package + separator)) and (
                package not in seen
            ):
                seen.add(package)
                yield package, service


def where(display: str, lines: list[str], package: str, offset: int = 0) -> Location:
    """The first line of a module that names `package` (its import)."""
    number = next((i for i, text in enumerate(lines, 1) if package in text), 1)
    text = lines[number - 1].strip() if lines else ""
    return source_location(display, number + offset, 1, (number + offset, 1), "<module>", text)
