"""Output formats: each a pure function `render(report, *, color=False) -> str`.

No format writes files or reads the environment; the CLI decides where output goes and
whether it is coloured. Every output ends with a newline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from slsguard.findings import Report
from slsguard.formats import json_format, sarif, text

FORMATS: Mapping[str, Callable[..., str]] = MappingProxyType(
    {
        "text": text.render,
        "json": json_format.render,
        "sarif": sarif.render,
    }
)
"""Format name -> renderer; each takes a Report and an optional keyword `color`."""


def render(name: str, report: Report, color: bool = False) -> str:
    """The report in the named format; ValueError when the format is unknown."""
    try:
        renderer = FORMATS[name]
    except KeyError:
        names = ", ".join(FORMATS)
        raise ValueError(f"unknown format {name!r} (expected one of: {names})") from None
    return renderer(report, color=color)


__all__ = ["FORMATS", "render"]
