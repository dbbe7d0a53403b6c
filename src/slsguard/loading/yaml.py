"""The one YAML/JSON loader: PyYAML's C parser, with positions kept for every key.

`load` turns text into `YMap`/`YList` trees whose containers remember the file and the
`line:column` of themselves and of each key or item, so any key path can be resolved to
a position. CloudFormation short tags (`!Ref`, `!GetAtt a.b`, `!Sub`, ...) become the
long forms (`{"Ref": ...}`, `{"Fn::GetAtt": [...]}`); an unknown tag is kept as plain data.
Merge keys (`<<`) are honoured, duplicate keys are reported (the later value wins, as in
CloudFormation), and everything an input controls is bounded: file size, nesting depth and
the number of values built (so alias "billion laughs" bombs stop early).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from slsguard import files
from slsguard.findings import Origin
from slsguard.located import FileMap, Position, YList, YMap

__all__ = ["FileMap", "LoadError", "Loaded", "Position", "YList", "YMap", "load_file", "load_text"]

try:  # The C parser is what makes a 1000-template scan take seconds, not minutes.
    _Base: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader with a leaner tag resolver: the parser calls it for every scalar.

    Same answers as PyYAML's resolver for safe loading (implicit resolvers keyed by first
    character; there are no path resolvers), without its generic bookkeeping.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nodes = 0

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        """No path resolvers are registered: nothing to track (the parser calls this per node)."""

    def ascend_resolver(self) -> None:
        """See `descend_resolver`."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        # Called once per node while composing: the bound holds before a 4 MB flow mapping
        # of a million nodes is built in memory, not after.
        self.nodes += 1
        if self.nodes > MAX_VALUES:
            raise TooManyNodes(f"more than {MAX_VALUES} values (alias expansion or oversized data)")
        if kind is yaml.ScalarNode:
            if implicit[0]:
                resolvers = self.yaml_implicit_resolvers.get(value[:1] or "", ())
                for tag, regexp in resolvers:
                    if regexp.match(value):
                        return str(tag)
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


class TooManyNodes(yaml.YAMLError):
    """The document holds more nodes than `MAX_VALUES` (stopped while composing)."""


MAX_FILE_BYTES = 4 * 1024 * 1024
"""CloudFormation caps templates at 1 MB; four leaves room for generated JSON."""
MAX_DEPTH = 200
MAX_VALUES = 200_000
"""Values one document may hold (aliases expanded). CloudFormation caps a template at 1 MB,
about 100,000 values; the bound is checked while composing, so a 4 MB flow mapping of a
million tiny values stops early instead of costing a gigabyte."""

_CONSTRUCTOR = yaml.constructor.SafeConstructor()

# Short tags whose long form is not simply "Fn::" + name.
_TAG_NAMES = {"!Ref": "Ref", "!Condition": "Condition"}
_CFN_FUNCTIONS = frozenset(
    {
        *("And", "Base64", "Cidr", "Equals", "FindInMap", "ForEach", "GetAtt", "GetAZs", "If"),
        *("ImportValue", "Join", "Length", "Not", "Or", "Select", "Split", "Sub"),
        *("ToJsonString", "Transform"),
    }
)


def origin_of_node(value: object, file: str, path: tuple[str | int, ...] = ()) -> Origin:
    """The origin of a container at `path`, from the position it recorded itself."""
    if isinstance(value, YMap | YList):
        line, column = value.position
        return Origin(value.file or file, path, line, column)
    return Origin(file, path)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """Something wrong with a file that does not stop the scan."""

    kind: str  # "parse-error" or "duplicate-key"
    message: str
    origin: Origin


@dataclass(slots=True)
class Loaded:
    """The result of loading one file: its tree (None if it could not be read) and problems."""

    file: str
    root: Any
    problems: list[LoadProblem] = field(default_factory=list)


class LoadError(Exception):
    """Raised inside the loader when a bound is exceeded; becomes a parse-error problem."""

    def __init__(self, message: str, position: Position = (1, 1)) -> None:
        super().__init__(message)
        self.position = position


def load_text(text: str, file: str) -> Loaded:
    """Load YAML or JSON `text` (named `file` in positions) into a located tree."""
    if len(text) > MAX_FILE_BYTES:
        return _failed(file, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", (1, 1))
    try:
        node = yaml.compose(text, Loader=_Loader)
    except TooManyNodes as error:
        return _failed(file, str(error), (1, 1))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (error.problem or str(error)).strip()
        return _failed(file, f"invalid YAML/JSON: {problem}", position)
    except (yaml.YAMLError, ValueError) as error:
        return _failed(file, f"invalid YAML/JSON: {error}", (1, 1))
    builder = _Builder(file)
    try:
        root = builder.build(node, 0) if node is not None else None
    except LoadError as error:
        return _failed(file, str(error), error.position)
    except RecursionError:
        return _failed(file, "nesting too deep to analyse", (1, 1))
    return Loaded(file, root, builder.problems)


def compose(text: str) -> yaml.Node | None:
    """The node tree of `text` with character offsets on every node (for `slsguard fix`).

    Raises `yaml.YAMLError` when the text is not valid YAML/JSON.
    """
    node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
    return node


def load_file(path: str, display_name: str) -> Loaded:
    """Read and load a file; unreadable or oversized files become a parse-error problem."""
    try:
        text = files.read_text(path, MAX_FILE_BYTES)
    except OSError as error:
        return _failed(display_name, str(error), (1, 1))
    except UnicodeDecodeError as error:
        message = f"file is not {_encoding(error)} text ({error.reason})"
        return _failed(display_name, message, (1, 1))
    return load_text(text, display_name)


def _encoding(error: UnicodeDecodeError) -> str:
    return "UTF-16" if "16" in error.encoding else "UTF-32" if "32" in error.encoding else "UTF-8"


def _failed(file: str, message: str, position: Position) -> Loaded:
    origin = Origin(file, (), position[0], position[1])
    return Loaded(file, None, [LoadProblem("parse-error", message, origin)])


class _Builder:
    """Turns composed YAML nodes into located Python values, counting what it builds."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.problems: list[LoadProblem] = []

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise LoadError(
                f"more than {MAX_VALUES} values (alias expansion or oversized data)",
                _position(node),
            )
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", _position(node))
        tag = node.tag or ""
        if tag.startswith("!") and not tag.startswith("!!"):
            return self._intrinsic(node, tag, depth)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, depth)
        return _scalar(node)

    def _intrinsic(self, node: yaml.Node, tag: str, depth: int) -> Any:
        name = _TAG_NAMES.get(tag)
        if name is None and tag[1:] in _CFN_FUNCTIONS:
            name = "Fn::" + tag[1:]
        plain = self._untagged(node, depth)
        if name is None:  # An unknown tag is data, not an error: keep the value.
            return plain
        if name == "Fn::GetAtt" and isinstance(plain, str):
            resource, _, attribute = plain.partition(".")
            plain = _located_list(self.file, node, [resource, attribute])
        wrapper = YMap(self.file, _position(node))
        wrapper[name] = plain
        wrapper.key_positions[name] = _position(node)
        return wrapper

    def _untagged(self, node: yaml.Node, depth: int) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, depth)
        return str(node.value)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> YMap:
        result = YMap(self.file, _position(node))
        merged: list[YMap] = []
        positions = result.key_positions
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(self._merge_sources(value_node, depth))
                continue
            key = _key_text(key_node)
            position = _position(key_node)
            if key in positions:
                self._duplicate(key, positions[key], position)
            result[key] = (
                self._plain(value_node)
                if _is_text(value_node)
                else self.build(value_node, depth + 1)
            )
            positions[key] = position
        for source in merged:  # Explicit keys win over merged ones, as YAML specifies.
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    result.key_positions[key] = source.key_positions.get(key, source.position)
        return result

    def _plain(self, node: yaml.Node) -> str:
        """A plain text value: the common case, built without the general dispatch."""
        self.count += 1
        if self.count > MAX_VALUES:
            raise LoadError(
                f"more than {MAX_VALUES} values (alias expansion or oversized data)",
                _position(node),
            )
        return str(node.value)

    def _duplicate(self, key: str, first: Position, position: Position) -> None:
        self.problems.append(
            LoadProblem(
                "duplicate-key",
                f"key {key!r} is repeated (first at line {first[0]}); only the last value is used",
                Origin(self.file, (key,), *position),
            )
        )

    def _merge_sources(self, node: yaml.Node, depth: int) -> list[YMap]:
        value = self.build(node, depth + 1)
        sources = value if isinstance(value, list) else [value]
        return [source for source in sources if isinstance(source, YMap)]

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> YList:
        result = YList(self.file, _position(node))
        for item in node.value:
            result.append(self._plain(item) if _is_text(item) else self.build(item, depth + 1))
            result.item_positions.append(_position(item))
        return result


def _located_list(file: str, node: yaml.Node, items: list[str]) -> YList:
    result = YList(file, _position(node))
    result.extend(items)
    result.item_positions.extend([_position(node)] * len(items))
    return result


def _position(node: yaml.Node) -> Position:
    mark = node.start_mark
    return (mark.line + 1, mark.column + 1)


def _is_text(node: yaml.Node) -> bool:
    """A scalar that resolved to plain text (no tag, no number, no boolean)."""
    return node.tag == _STR and type(node) is yaml.ScalarNode


def _key_text(node: yaml.Node) -> str:
    if _is_text(node):
        return str(node.value)
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(node)
        return value if isinstance(value, str) else str(node.value)
    return f"<{type(node).__name__} key at line {node.start_mark.line + 1}>"


def _scalar(node: yaml.Node) -> Any:
    tag = node.tag
    if tag == "tag:yaml.org,2002:str" or not isinstance(node, yaml.ScalarNode):
        return node.value
    try:
        if tag == "tag:yaml.org,2002:int":
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == "tag:yaml.org,2002:float":
            return _CONSTRUCTOR.construct_yaml_float(node)
        if tag == "tag:yaml.org,2002:bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == "tag:yaml.org,2002:null":
            return None
    except (ValueError, yaml.YAMLError):
        pass
    # Timestamps stay text: `Version: 2012-10-17` is a policy version, not a date.
    return node.value
