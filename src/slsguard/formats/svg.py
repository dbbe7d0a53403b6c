"""Small inline SVG charts for the HTML report: horizontal bars, no script, no external file.

Labels may come from the scanned project, so every text is escaped here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from slsguard.formats.labels import xml_safe

ROW_HEIGHT = 26
LABEL_WIDTH = 240
BAR_WIDTH = 220
COUNT_WIDTH = 50


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label, its value and its fill colour (a CSS colour)."""

    label: str
    value: int
    color: str


def _escape(text: str) -> str:
    return html.escape(xml_safe(text), quote=True)


def _short(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _row(index: int, bar: Bar, top: int) -> str:
    y = index * ROW_HEIGHT
    width = 0 if top == 0 else max(round(BAR_WIDTH * bar.value / top), 2 if bar.value else 0)
    middle = y + ROW_HEIGHT // 2 + 4
    return (
        f"<g><title>{_escape(bar.label)}: {bar.value}</title>"
        f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end">'
        f"{_escape(_short(bar.label))}</text>"
        f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width}" height="{ROW_HEIGHT - 8}" '
        f'rx="3" fill="{_escape(bar.color)}"/>'
        f'<text x="{LABEL_WIDTH + width + 6}" y="{middle}">{bar.value}</text></g>'
    )


def bar_chart(title: str, bars: list[Bar]) -> str:
    """A horizontal bar chart as an `<svg>` element with an accessible title."""
    top = max((bar.value for bar in bars), default=0)
    width = LABEL_WIDTH + BAR_WIDTH + COUNT_WIDTH
    height = max(len(bars), 1) * ROW_HEIGHT
    rows = "".join(_row(i, bar, top) for i, bar in enumerate(bars))
    return (
        f'<svg class="chart" role="img" aria-label="{_escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><title>{_escape(title)}</title>{rows}</svg>'
    )
