"""The Lambda runtime table and the well-known layer publishers, read from reference data.

The bundled `data/lambda_runtimes.json` holds every Lambda managed runtime with its
deprecation, block-function-create and block-function-update dates, and the AWS accounts of
well-known public layers. `--runtimes-file` replaces it with a newer copy of the same format
(a copy without `layer_publishers` keeps the bundled list of publishers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from slsguard import files

BUNDLED = "lambda_runtimes.json"
WARN_DAYS = 90
"""How long before a runtime's deprecation date deprecated-runtime starts warning."""

# An OS-only runtime is the successor of Go 1.x: AWS retired the Go managed runtime.
_SUCCESSOR_FAMILY = {"go": "provided"}


@dataclass(frozen=True, slots=True)
class RuntimeInfo:
    """One Lambda runtime and the dates AWS deprecates it and blocks creates and updates."""

    identifier: str
    name: str
    family: str
    os: str
    deprecation: date
    block_create: date | None
    block_update: date | None
    container_only: bool = False


@dataclass(frozen=True, slots=True)
class Publisher:
    """An AWS account that publishes well-known public layers."""

    account: str
    name: str
    aws: bool
    """Published by AWS itself (trusted by default)."""


@dataclass(frozen=True, slots=True)
class RuntimeTable:
    """The runtime dataset: its source, its date, the runtimes and the layer publishers."""

    source: str
    as_of: str
    """The day the table was read from its source (YYYY-MM-DD)."""
    runtimes: tuple[RuntimeInfo, ...]
    publishers: tuple[Publisher, ...]

    def find(self, identifier: str) -> RuntimeInfo | None:
        """The runtime with this identifier (as AWS spells it), or None when unknown."""
        wanted = identifier.strip().lower()
        return next((info for info in self.runtimes if info.identifier == wanted), None)

    def successor(self, info: RuntimeInfo, today: date) -> RuntimeInfo | None:
        """The supported runtime of the same family that stays supported the longest."""
        family = _SUCCESSOR_FAMILY.get(info.family, info.family)
        candidates = [
            other
            for other in self.runtimes
            if other.family == family
            and not other.container_only
            and (other.deprecation - today).days > WARN_DAYS
        ]
        # Newest first in the file, so `max` keeps the newest of equally long-lived runtimes.
        return max(candidates, key=lambda other: other.deprecation, default=None)

    def publisher(self, account: str) -> Publisher | None:
        """The well-known publisher of layers in this account, if any."""
        return next((item for item in self.publishers if item.account == account), None)


class RuntimeTableError(ValueError):
    """A runtime table that cannot be read or does not have the expected format."""


def load_table(path: Path | None = None) -> RuntimeTable:
    """The bundled table, or the one at `path` (`--runtimes-file`)."""
    return _load(str(path) if path is not None else None)


MAX_TABLE_BYTES = 4 * 1024 * 1024
"""A runtime table is a few KiB; `--runtimes-file /dev/zero` must not fill the memory."""


@cache
def _load(path: str | None) -> RuntimeTable:
    bundled = _parse(_read_bundled(), BUNDLED)
    if path is None:
        return bundled
    try:
        document = json.loads(files.read_text(path, MAX_TABLE_BYTES))
    except (OSError, ValueError) as error:
        raise RuntimeTableError(f"cannot read runtime table {path}: {error}") from None
    table = _parse(document, path)
    if not table.publishers:
        return RuntimeTable(table.source, table.as_of, table.runtimes, bundled.publishers)
    return table


def _read_bundled() -> Any:
    data = resources.files("slsguard").joinpath("data").joinpath(BUNDLED)
    return json.loads(data.read_text(encoding="utf-8"))


def _parse(document: Any, where: str) -> RuntimeTable:
    try:
        runtimes = tuple(_runtime(item) for item in document["runtimes"])
        publishers = tuple(
            Publisher(str(item["account"]), str(item["publisher"]), bool(item.get("aws")))
            for item in document.get("layer_publishers", ())
        )
        date.fromisoformat(document["date"])
        return RuntimeTable(str(document["source"]), document["date"], runtimes, publishers)
    except (KeyError, TypeError, ValueError) as error:
        raise RuntimeTableError(
            f"runtime table {where} is not in the expected format ({type(error).__name__}: "
            f"{error}); see the bundled {BUNDLED}"
        ) from None


def _runtime(item: dict[str, Any]) -> RuntimeInfo:
    return RuntimeInfo(
        identifier=str(item["identifier"]).lower(),
        name=str(item.get("name") or item["identifier"]),
        family=str(item.get("family") or ""),
        os=str(item.get("os") or ""),
        deprecation=date.fromisoformat(item["deprecation"]),
        block_create=_optional_date(item.get("block_create")),
        block_update=_optional_date(item.get("block_update")),
        container_only=bool(item.get("container_only")),
    )


def _optional_date(value: Any) -> date | None:
    return None if value in (None, "") else date.fromisoformat(str(value))
