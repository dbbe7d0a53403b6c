"""Environment variables once per place they are written, for the secrets rules.

`rules._common.environment_once` groups by the full origin, key path included. A SAM
`Globals.Function.Environment` variable reaches every function through a different key
path (`Resources.<Function>.Properties.Environment...`) but is written once, at one
line and column: it must be reported once, not once per function.
"""

from __future__ import annotations

from collections.abc import Iterator

from slsguard.model import Application, EnvVar, Function
from slsguard.rules._common import environment_once


def environment_by_place(app: Application) -> Iterator[tuple[EnvVar, tuple[Function, ...]]]:
    """Each environment variable once per (file, line, column), with the functions it reaches."""
    seen: dict[tuple[str, int, int], tuple[EnvVar, list[Function]]] = {}
    for variable, functions in environment_once(app):
        origin = variable.origin
        place = (origin.file, origin.line, origin.column)
        entry = seen.setdefault(place, (variable, []))
        entry[1].extend(fn for fn in functions if fn not in entry[1])
    for variable, reached in seen.values():
        yield variable, tuple(reached)
