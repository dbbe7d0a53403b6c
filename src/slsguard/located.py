"""Located values: the mappings and sequences every loader builds, knowing their positions.

A `YMap`/`YList` remembers its file and the `line:column` of itself and of each key or
item, so any key path resolves to a position. They sit with the model (below the loaders),
so rules and analyses read settings without importing a loader.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slsguard.findings import Origin

Position = tuple[int, int]


class YMap(dict[str, Any]):
    """A mapping that knows its file, where it starts and where each of its keys is."""

    __slots__ = ("file", "key_positions", "position")

    def __init__(self, file: str = "", position: Position = (1, 1)) -> None:
        super().__init__()
        self.file = file
        self.position = position
        self.key_positions: dict[str, Position] = {}

    def origin_of(self, key: str, parent: Origin) -> Origin:
        """The origin of the value under `key`, given this map's own origin."""
        line, column = self.key_positions.get(key, self.position)
        return Origin(self.file or parent.file, (*parent.path, key), line, column)


class FileMap(YMap):
    """A YMap whose keys may be written in different files (a module's resources)."""

    __slots__ = ("key_files",)

    def __init__(self, file: str = "", position: Position = (1, 1)) -> None:
        super().__init__(file, position)
        self.key_files: dict[str, str] = {}

    def origin_of(self, key: str, parent: Origin) -> Origin:
        """The origin of `key`, in the file where it is written."""
        origin = super().origin_of(key, parent)
        where = self.key_files.get(key)
        return replace(origin, file=where) if where else origin


class YList(list[Any]):
    """A sequence that knows its file, where it starts and where each item is."""

    __slots__ = ("file", "item_positions", "position")

    def __init__(self, file: str = "", position: Position = (1, 1)) -> None:
        super().__init__()
        self.file = file
        self.position = position
        self.item_positions: list[Position] = []

    def origin_of(self, index: int, parent: Origin) -> Origin:
        """The origin of item `index`, given this list's own origin."""
        positions = self.item_positions
        line, column = positions[index] if index < len(positions) else self.position
        return Origin(self.file or parent.file, (*parent.path, index), line, column)
