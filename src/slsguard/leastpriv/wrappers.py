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
