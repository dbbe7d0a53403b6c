"""Serverless Framework variables (`${source:address, fallback}`), resolved without running them.

Resolved here: `${self:...}` (nested, into `resources:` too), `${opt:stage}`/`${opt:region}`
from the command line, `${sls:stage}`, `${env:X}` (only when the user passes the scanner's
environment explicitly), `${param:...}` from `params:` for the chosen stage,
`${file(./x.yml):key}` inside the scan root, quoted and numeric fallbacks, and
interpolation inside longer strings. Deploy-time sources (`ssm`, `cf`, `output`, `aws`,
`s3`, ...) become typed `Reference`s; anything that fails becomes a `Reference` with
`resolvable=False` and a reason. Every bound an input controls is enforced: include depth,
recursion depth, and the size of interpolated strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slsguard import files
from slsguard.loading.yaml import YList, YMap, load_file
from slsguard.model import Deferred, Reference

DEPLOY_TIME_SOURCES = frozenset({"ssm", "cf", "output", "aws", "s3", "secretsmanager"})
MAX_DEPTH = 40
MAX_STRING = 1_000_000
MAX_INCLUDE_DEPTH = 10
LIMITS = frozenset(
    {"interpolated string too large", "too many nested includes", "nested too deeply"}
)
"""Reasons that are slsguard's own bounds, not the template's: reported as SLS001, so that a
variable graph built to exhaust them cannot quietly hide what depends on it."""
NOT_A_FILE = "not a regular file, so it is never read"
"""The end of the reason for a `${file()}` of a FIFO, socket or device: SLS001 too (slsguard
refuses to read it), so that such an include cannot quietly blank the values it feeds."""


def is_limit(reason: str) -> bool:
    """Whether an unresolved variable's reason is slsguard's own refusal or bound (SLS001)
    rather than something the template lacks (SLS002)."""
    return reason in LIMITS or reason.endswith(NOT_A_FILE)


_MISSING = object()
_NUMBER = re.compile(r"-?\d+(\.\d+)?$")
# `${AWS::Region}`, `${Table}` and `${Table.Arn}` are Fn::Sub syntax, not Serverless variables.
_SOURCE = re.compile(
    r"^(?P<source>[A-Za-z][\w-]*)"
    r"(?:(?P<args>\([^)]*\))(?::(?P<faddress>.*))?|:(?!:)(?P<address>.*))$",
    re.S,
)


@dataclass(slots=True)
class VariableContext:
    """What variables may read: the config, the command line, and the scan root."""

    root: YMap
    config_path: Path
    scan_root: Path
    display: Callable[[Path], str]
    """Turns a real path into the name used in findings (relative to the scan root)."""
    stage: str | None = None
    region: str | None = None
    environ: Mapping[str, str] | None = None
    included: set[str] = field(default_factory=set)
    """Real paths of the files that `${file()}` read, so discovery does not scan them twice."""
    problems: list[Reference] = field(default_factory=list)
    problem_keys: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """For each unresolved expression's text, the key path of the first value that used it."""


class Resolver:
    """Resolves one Serverless config; results are memoised per key path."""

    def __init__(self, context: VariableContext) -> None:
        self.context = context
        self._memo: dict[tuple[Any, ...], Any] = {}
        self._active: set[tuple[Any, ...]] = set()
        self._depth = 0
        self._keys: list[tuple[Any, ...]] = []

    def resolve_config(self) -> YMap:
        """The whole config with every variable resolved or made explicit."""
        result = self.resolve(self.context.root, ("self",))
        assert isinstance(result, YMap)
        return result

    def stage(self) -> str:
        """The stage in effect: `--stage`, else the config's own default, else `dev`."""
        if self.context.stage:
            return self.context.stage
        provider = self.context.root.get("provider")
        if isinstance(provider, YMap) and "stage" in provider:
            value = self.resolve(provider["stage"], ("self", "provider", "stage"))
            if isinstance(value, str) and value:
                return value
        return "dev"

    def resolve(self, value: Any, key: tuple[Any, ...]) -> Any:
        """`value` (found at `key`) with its variables resolved; containers are copied."""
        if isinstance(value, str):
            if "${" not in value:
                return value
            self._keys.append(key)
            try:
                return self._cached(key, lambda: self._string(value))
            finally:
                self._keys.pop()
        if isinstance(value, YMap | YList):
            return self._cached(key, lambda: self._container(value, key))
        return value

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        if key in self._memo:
            return self._memo[key]
        if key in self._active:
            return self._key_problem(key, "circular reference")
        if self._depth > MAX_DEPTH:
            return self._key_problem(key, "nested too deeply")
        self._active.add(key)
        self._depth += 1
        try:
            result = compute()
        finally:
            self._depth -= 1
            self._active.discard(key)
        self._memo[key] = result
        return result

    def _container(self, value: YMap | YList, key: tuple[Any, ...]) -> YMap | YList:
        if isinstance(value, YMap):
            mapping = YMap(value.file, value.position)
            mapping.key_positions = value.key_positions
            for name, item in value.items():
                mapping[name] = self.resolve(item, (*key, name))
            return mapping
        sequence = YList(value.file, value.position)
        sequence.item_positions = value.item_positions
        sequence.extend(self.resolve(item, (*key, index)) for index, item in enumerate(value))
        return sequence

    # -- strings ---------------------------------------------------------------------------

    def _string(self, text: str) -> Any:
        pieces = split_variables(text)
        if len(pieces) == 1 and isinstance(pieces[0], Expression):
            return self._expression(pieces[0].inner)
        parts: list[str] = []
        references: list[Reference] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(piece)
                continue
            value = self._expression(piece.inner)
            if isinstance(value, Reference):
                references.append(value)
                parts.append(value.text)
            elif isinstance(value, Deferred):
                references.extend(value.references)
                parts.append(value.text)
            elif isinstance(value, YMap | YList):
                reason = "a map or list cannot be interpolated into a string"
                missing = self._unresolved("self", piece.inner, reason)
                references.append(missing)
                parts.append("${" + piece.inner + "}")
            else:
                parts.append(_text(value))
        result = "".join(parts)
        if len(result) > MAX_STRING:
            return self._unresolved("self", text[:80], "interpolated string too large")
        return Deferred(result, tuple(references)) if references else result

    def _expression(self, inner: str) -> Any:
        """Resolve the inside of one `${...}`, trying each fallback in turn."""
        if "${" in inner:
            nested = self._string(inner)
            if not isinstance(nested, str):
                text = nested.text if isinstance(nested, Deferred | Reference) else inner
                return self._unresolved("self", text, "depends on an unresolved variable")
            inner = nested
        candidates = _split_top_level(inner)
        first: Reference | None = None
        for candidate in candidates:
            value = self._candidate(candidate.strip())
            if isinstance(value, Reference) and not value.resolvable:
                first = first or value
                continue
            if value is not _MISSING:
                return value
        if first is not None:
            self._record(first)
            return first
        source = _SOURCE.match(candidates[0].strip())
        name = source.group("source") if source else "unknown"
        return self._unresolved(name, inner, "no value and no fallback", record=True)

    def _candidate(self, text: str) -> Any:
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        if _NUMBER.match(text):
            return float(text) if "." in text else int(text)
        if text in ("true", "false"):
            return text == "true"
        match = _SOURCE.match(text)
        if match is None:
            if "::" in text or re.fullmatch(r"[\w.]+", text):
                return "${" + text + "}"  # Fn::Sub syntax, left for CloudFormation.
            return self._unresolved("unknown", text, "not a variable expression")
        source, args = match.group("source"), match.group("args")
        address = match.group("address") or match.group("faddress") or ""
        return self._source(source, (args or "")[1:-1].strip(), address.strip(), text)

    def _source(self, source: str, args: str, address: str, text: str) -> Any:
        context = self.context
        if source == "self":
            return self._self(address)
        if source == "opt":
            value = {"stage": context.stage, "region": context.region}.get(address)
            return value if value else _MISSING
        if source == "sls":
            return self.stage() if address == "stage" else self._deploy_time(source, address, text)
        if source == "env":
            if context.environ is not None and address in context.environ:
                return context.environ[address]
            return _MISSING
        if source == "param":
            return self._param(address)
        if source == "file":
            return self._file(args, address, text)
        if source in DEPLOY_TIME_SOURCES:
            return self._deploy_time(source, address, text)
        return self._unresolved(source, address, f"variable source {source!r} is not supported")

    def _deploy_time(self, source: str, address: str, text: str) -> Reference:
        return Reference(source, address, "${" + text + "}")

    def _self(self, address: str) -> Any:
        value: Any = self.context.root
        path: tuple[Any, ...] = ("self",)
        for segment in (part for part in address.split(".") if part):
            if isinstance(value, str):  # `custom: ${file(x.yml)}`: resolve to descend into it.
                value = self.resolve(value, path)
            if isinstance(value, YList) and _index_in(segment, len(value)):
                value = value[int(segment)]
                path = (*path, int(segment))
            elif isinstance(value, YMap) and segment in value:
                value = value[segment]
                path = (*path, segment)
            else:
                return _MISSING
        return self.resolve(value, path)

    def _param(self, address: str) -> Any:
        params = self.context.root.get("params")
        if not isinstance(params, YMap):
            return _MISSING
        for stage in (self.stage(), "default"):
            values = params.get(stage)
            if isinstance(values, YMap) and address in values:
                return self.resolve(values[address], ("self", "params", stage, address))
        return _MISSING

    def _file(self, argument: str, address: str, text: str) -> Any:
        context = self.context
        relative = argument.strip("'\" ")
        target = (context.config_path.parent / relative).resolve()
        if not target.is_relative_to(context.scan_root):
            return self._unresolved("file", relative, "the file is outside the scan root")
        if target.suffix in (".js", ".cjs", ".mjs", ".ts"):
            return self._unresolved("file", relative, "JavaScript is never executed by slsguard")
        if not target.exists():
            return self._unresolved("file", relative, "the included file does not exist")
        special = files.special_kind(target)
        if special is not None:
            reason = f"the included file is {special}, {NOT_A_FILE}"
            return self._unresolved("file", relative, reason)
        if len(context.included) > 200 or self._depth > MAX_INCLUDE_DEPTH * 4:
            return self._unresolved("file", relative, "too many nested includes")
        loaded = load_file(str(target), context.display(target))
        if loaded.root is None:
            problem = loaded.problems[0].message if loaded.problems else "unreadable"
            return self._unresolved("file", relative, problem)
        context.included.add(str(target))
        value: Any = loaded.root
        path: tuple[Any, ...] = ("file", str(target))
        for segment in (part for part in address.split(".") if part):
            if isinstance(value, str):
                value = self.resolve(value, path)
            if not isinstance(value, YMap) or segment not in value:
                return _MISSING
            value = value[segment]
            path = (*path, segment)
        return self.resolve(value, path)

    def _key_problem(self, key: tuple[Any, ...], reason: str) -> Reference:
        """An unresolved value at `key`, written as the variable that reads it.

        `("self", "custom", "a")` reads as `${self:custom.a}`, `("file", path, "a")` as
        `${file(<path as displayed>):a}`: never a bare key path or an absolute file name.
        """
        if key[:1] == ("file",) and len(key) >= 2:
            source, address = "file", self.context.display(Path(str(key[1])))
            inner = f"file({address})" + (":" + ".".join(map(str, key[2:])) if key[2:] else "")
        else:
            source, address = "self", ".".join(map(str, key[1:]))
            inner = f"self:{address}"
        return Reference(source, address, "${" + inner + "}", False, reason)

    def _unresolved(
        self, source: str, address: str, reason: str, *, record: bool = False
    ) -> Reference:
        text = "${file(" + address + ")}" if source == "file" else "${" + address + "}"
        reference = Reference(source, address, text, False, reason)
        if record:
            self._record(reference)
        return reference

    def _record(self, reference: Reference) -> None:
        self.context.problems.append(reference)
        if self._keys and reference.text not in self.context.problem_keys:
            self.context.problem_keys[reference.text] = self._keys[0]


@dataclass(frozen=True, slots=True)
class Expression:
    """The inside of one `${...}` in a string."""

    inner: str


def split_variables(text: str) -> list[str | Expression]:
    """Split text into literal pieces and top-level `${...}` expressions (braces balanced)."""
    pieces: list[str | Expression] = []
    position = 0
    while True:
        start = text.find("${", position)
        if start < 0:
            break
        end = _matching_brace(text, start + 2)
        if end < 0:
            break
        if start > position:
            pieces.append(text[position:start])
        pieces.append(Expression(text[start + 2 : end]))
        position = end + 1
    if position < len(text):
        pieces.append(text[position:])
    return pieces


def _matching_brace(text: str, index: int) -> int:
    depth = 1
    while index < len(text):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return -1


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside quotes and parentheses: `a, 'b, c', file(x,y):z`."""
    parts: list[str] = []
    depth = 0
    quote = ""
    current: list[str] = []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _index_in(segment: str, length: int) -> bool:
    """Whether `segment` is a list index below `length` (a 100,000-digit index is not: it
    is never converted, which Python refuses beyond 4,300 digits)."""
    return segment.isdigit() and len(segment) <= 18 and int(segment) < length
