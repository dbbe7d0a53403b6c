"""JavaScript and TypeScript handlers (tree-sitter): placeholder until the analyser lands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slsguard.code.model import CodeNote, HandlerSource, Hit, Sources
from slsguard.findings import Origin


@dataclass(frozen=True, slots=True)
class Result:
    """The hits and notes of one JavaScript or TypeScript handler."""

    hits: tuple[Hit, ...] = ()
    notes: tuple[CodeNote, ...] = ()


def analyse(source: HandlerSource, sources: Sources, cwd: Path) -> Result:
    """Analyse one handler."""
    origin = Origin(source.display, (), 1, 1)
    message = f"the {source.language} handler of {source.function} is not analysed yet"
    return Result(notes=(CodeNote("SLS004", origin, message, "", source.function),))
