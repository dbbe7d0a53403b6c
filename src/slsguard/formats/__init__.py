"""Output formats: each a pure function `render(report, *, color=False) -> str`.

No format writes files or reads the environment; the CLI decides where output goes and
whether it is coloured. Every output ends with a newline.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from types import MappingProxyType

from slsguard.findings import Report
from slsguard.formats import (
    asff,
    cyclonedx,
    gitlab_sast,
    html_format,
    json_format,
    junit,
    markdown,
    sarif,
    text,
)

FORMATS: Mapping[str, Callable[..., str]] = MappingProxyType(
    {
        "text": text.render,
        "json": json_format.render,
        "sarif": sarif.render,
        "junit": junit.render,
        "gitlab-sast": gitlab_sast.render,
        "markdown": markdown.render,
        "html": html_format.render,
        "cyclonedx": cyclonedx.render,
        "asff": asff.render,
    }
)
"""Format name -> renderer; each takes a Report and an optional keyword `color`."""


def render(name: str, report: Report, color: bool = False, **options: object) -> str:
    """The report in the named format; ValueError when the format is unknown.

    `options` (`group_by`, `show_suppressed`) reach the renderers that take them; the others
    ignore them (JSON and SARIF, for example, always carry suppressed findings).
    """
    try:
        renderer = FORMATS[name]
    except KeyError:
        names = ", ".join(FORMATS)
        raise ValueError(f"unknown format {name!r} (expected one of: {names})") from None
    taken = {key: value for key, value in options.items() if accepts(name, key)}
    return renderer(report, color=color, **taken)


def accepts(name: str, option: str) -> bool:
    """Whether the named format's renderer takes the keyword `option` (e.g. `group_by`)."""
    return option in inspect.signature(FORMATS[name]).parameters


__all__ = ["FORMATS", "accepts", "render"]
