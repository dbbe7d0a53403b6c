"""Inline suppressions: `# slsguard: ignore[rule, ...] reason` and template `Metadata`.

A comment (`#`, or `//` in JavaScript, TypeScript and HCL) at the end of the offending line
covers that line. At the end of a line that opens a block (a function key, a resource logical
ID, a statement list item, any key whose value spans several lines) it covers the whole block.
Alone on its line it applies to the next line, with the same block rule. In a CloudFormation
resource, `Metadata: {slsguard: {ignore: [{rule: ..., reason: ...}]}}` covers the resource:
the only way to suppress in JSON, which has no comments.

Block spans come from the YAML parser's positions in templates, from indentation in Python
and from braces in brace languages. Suppressed findings are kept (with the reason) so reports
can show them and SARIF can mark them; SLS006 and SLS007 report ignores without a reason and
ignores that suppress nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from slsguard import files
from slsguard.findings import Finding, Origin, Suppression, Violation
from slsguard.loading.yaml import MAX_FILE_BYTES
from slsguard.rules import find_rule

try:  # The C parser: composing a large template twice must stay cheap.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

WITHOUT_REASON = "SLS006"
UNUSED = "SLS007"
NEVER_SUPPRESSED = frozenset({"SLS003", WITHOUT_REASON, UNUSED})
"""An internal error must always surface; the two suppression rules judge ignores themselves."""

_DIRECTIVE = re.compile(
    r"(?:^|(?<=\s))(?P<marker>#|//)\s*(?P<text>slsguard:\s*ignore\b"
    r"(?:\[(?P<rules>[^\]]*)\])?(?P<reason>.*))$"
)
_BRACE_SUFFIXES = frozenset({".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx", ".tf", ".hcl"})
_REASON_PUNCTUATION = " \t:-–—"


@dataclass(frozen=True, slots=True)
class Ignore:
    """One suppression: the rules it names, why, where it is written and the lines it covers."""

    file: str
    line: int
    column: int
    rules: tuple[str, ...]
    """Rule IDs or names as written; empty when the brackets are missing or empty."""
    reason: str
    first: int
    last: int
    text: str
    """The directive as written, for messages: `slsguard: ignore[SLS101] why`."""
    metadata: bool = False
    """Written in a resource's `Metadata` rather than in a comment."""

    def covers(self, finding: Finding) -> bool:
        """Whether the finding is in this file, on a covered line, and of a named rule."""
        location = finding.location
        if location.file != self.file or not self.first <= location.line <= self.last:
            return False
        return any(_rule_id(entry) == finding.rule.id for entry in self.rules)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Findings split into kept and suppressed, plus what SLS006/SLS007 report."""

    kept: tuple[Finding, ...]
    suppressed: tuple[Finding, ...]
    problems: tuple[tuple[str, Violation], ...]
    """(rule ID, violation) pairs for ignore-without-reason and unused-ignore."""


def apply(
    findings: Iterable[Finding], files: Mapping[str, Path], active: Collection[str]
) -> Outcome:
    """Suppress the findings that an ignore in `files` (display name -> path) covers.

    `active` is the set of rule IDs that ran: an ignore is only judged unused for those, since
    a rule that did not run cannot have produced the finding it names.
    """
    ignores = [
        ignore for name, path in sorted(files.items()) for ignore in read_ignores(name, path)
    ]
    by_file: dict[str, list[Ignore]] = {}
    for ignore in ignores:
        by_file.setdefault(ignore.file, []).append(ignore)
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    used: set[tuple[int, str]] = set()
    for finding in findings:
        match = _innermost(finding, by_file.get(finding.location.file or "", ()))
        if match is None:
            kept.append(finding)
            continue
        used.add((id(match), finding.rule.id))
        reason = Suppression(match.reason, match.file, match.line)
        suppressed.append(replace(finding, suppression=reason))
    problems = _problems(ignores, used, active)
    return Outcome(tuple(kept), tuple(suppressed), tuple(problems))


def _innermost(finding: Finding, ignores: Iterable[Ignore]) -> Ignore | None:
    if finding.rule.id in NEVER_SUPPRESSED or finding.location.line <= 0:
        return None
    covering = [ignore for ignore in ignores if ignore.covers(finding)]
    # The narrowest ignore is the one written for this finding; an outer one may be for others.
    return min(covering, key=lambda i: (i.last - i.first, i.line), default=None)


def _rule_id(entry: str) -> str | None:
    rule = find_rule(entry.strip())
    return rule.id if rule is not None else None


def read_ignores(name: str, path: Path) -> list[Ignore]:
    """Every suppression written in one file (comments and template `Metadata`)."""
    try:
        data = files.read_bytes(path, MAX_FILE_BYTES)
    except OSError:
        return []
    if b"slsguard" not in data and b"s\x00l\x00s\x00g" not in data:  # UTF-8 or UTF-16
        return []
    return find_ignores(name, files.decode(data, errors="replace"))


def find_ignores(name: str, text: str) -> list[Ignore]:
    """Every suppression in `text`, the content of the file shown as `name`."""
    lines = text.splitlines()
    suffix = Path(name).suffix.lower()
    tree = None if suffix in _BRACE_SUFFIXES or suffix == ".py" else _compose(text)
    blocks = _yaml_blocks(tree) if tree is not None else {}
    found = []
    for number, line in enumerate(lines, start=1):
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        own_line = not line[: match.start()].strip()
        target = _next_code_line(lines, number) if own_line else number
        first, last = _span(lines, target, suffix, blocks) if target else (number, number)
        found.append(_ignore(name, number, match, first, last))
    if tree is not None:
        found.extend(_metadata_ignores(name, tree))
    return found


def _ignore(name: str, number: int, match: re.Match[str], first: int, last: int) -> Ignore:
    rules = tuple(part.strip() for part in (match.group("rules") or "").split(",") if part.strip())
    reason = match.group("reason").strip().lstrip(_REASON_PUNCTUATION).strip()
    text = " ".join(match.group("text").split())
    return Ignore(name, number, match.start("marker") + 1, rules, reason, first, last, text)


def _next_code_line(lines: list[str], number: int) -> int | None:
    """The first line after `number` that is neither blank nor only a comment."""
    for index in range(number, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith(("#", "//")):
            return index + 1
    return None


def _span(lines: list[str], number: int, suffix: str, blocks: dict[int, int]) -> tuple[int, int]:
    """The lines covered by an ignore that applies to line `number`."""
    if suffix == ".py":
        return number, _indented_block_end(lines, number)
    if suffix in _BRACE_SUFFIXES:
        return number, _brace_block_end(lines, number)
    return number, blocks.get(number, number)


def _code_part(line: str) -> str:
    match = _DIRECTIVE.search(line)
    return line[: match.start()] if match else line


def _indented_block_end(lines: list[str], number: int) -> int:
    """Python: a line ending in `:` opens a block of the more indented lines after it."""
    opener = _code_part(lines[number - 1]).rstrip()
    if not opener.endswith(":"):
        return number
    indent = len(opener) - len(opener.lstrip())
    last = number
    for index in range(number, len(lines)):
        text = lines[index]
        if not text.strip() or text.strip().startswith("#"):
            continue
        if len(text) - len(text.lstrip()) <= indent:
            break
        last = index + 1
    return last


def _brace_block_end(lines: list[str], number: int) -> int:
    """Brace languages: a line with more `{` than `}` opens a block up to its closing brace."""
    depth = 0
    for index in range(number - 1, len(lines)):
        code = _code_part(lines[index])
        depth += code.count("{") - code.count("}")
        if depth <= 0:
            return index + 1
    return len(lines)


def _compose(text: str) -> yaml.Node | None:
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=_Loader)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None  # The parse error is reported elsewhere; comments then cover one line.
    return node


def _children(node: yaml.Node) -> list[tuple[yaml.Node, yaml.Node]]:
    """(opening node, value) pairs: each mapping key with its value, each list item itself."""
    if isinstance(node, yaml.MappingNode):
        return [(key, value) for key, value in node.value]
    if isinstance(node, yaml.SequenceNode):
        return [(item, item) for item in node.value]
    return []


def _yaml_blocks(root: yaml.Node) -> dict[int, int]:
    """Line where a key or list item starts -> last line of its value (1-based)."""
    blocks: dict[int, int] = {}
    seen: set[int] = set()
    pending = [root]
    while pending:  # Iterative, and each node once: aliases can share or even nest nodes.
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for opener, value in _children(node):
            start = opener.start_mark.line + 1
            blocks[start] = max(blocks.get(start, start), _last_line(value), start)
            pending.append(value)
    return blocks


def _last_line(node: yaml.Node) -> int:
    """The last line a node's text occupies (1-based)."""
    seen: set[int] = set()
    while True:
        children = _children(node)
        flow = getattr(node, "flow_style", False)
        if not children or flow or id(node) in seen:
            break
        seen.add(id(node))
        node = children[-1][1]
    end = node.end_mark
    # Block scalars and block collections end at column 0 of the line after their text.
    if end.column == 0 and end.line > node.start_mark.line:
        return int(end.line)
    return int(end.line) + 1


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found: yaml.Node = value
            return found
    return None


def _resources(root: yaml.Node) -> yaml.Node | None:
    """CloudFormation `Resources`, or the Serverless Framework's `resources.Resources`."""
    return _get(root, "Resources") or _get(_get(root, "resources"), "Resources")


def _metadata_ignores(name: str, root: yaml.Node) -> list[Ignore]:
    resources = _resources(root)
    if not isinstance(resources, yaml.MappingNode):
        return []
    found: list[Ignore] = []
    for key, resource in resources.value:
        entries = _get(_get(_get(resource, "Metadata"), "slsguard"), "ignore")
        if not isinstance(entries, yaml.SequenceNode):
            continue
        first, last = key.start_mark.line + 1, max(_last_line(resource), key.start_mark.line + 1)
        found.extend(_metadata_ignore(name, entry, first, last) for entry in entries.value)
    return found


def _metadata_ignore(name: str, entry: yaml.Node, first: int, last: int) -> Ignore:
    rule = _get(entry, "rule") or _get(entry, "rules")
    items = rule.value if isinstance(rule, yaml.SequenceNode) else [rule]
    rules = tuple(str(item.value) for item in items if isinstance(item, yaml.ScalarNode))
    reason_node = _get(entry, "reason")
    reason = str(reason_node.value).strip() if isinstance(reason_node, yaml.ScalarNode) else ""
    text = f"Metadata.slsguard.ignore[{', '.join(rules)}]"
    line, column = entry.start_mark.line + 1, entry.start_mark.column + 1
    return Ignore(name, line, column, rules, reason, first, last, text, metadata=True)


def _problems(
    ignores: list[Ignore], used: set[tuple[int, str]], active: Collection[str]
) -> list[tuple[str, Violation]]:
    problems: list[tuple[str, Violation]] = []
    occurrences: Counter[tuple[str, str]] = Counter()
    for ignore in ignores:
        # Identical directives in one file stay distinct without using line numbers.
        occurrences[(ignore.file, ignore.text)] += 1
        subject = f"{ignore.text}#{occurrences[(ignore.file, ignore.text)]}"
        origin = Origin(ignore.file, (), ignore.line, ignore.column)
        if WITHOUT_REASON in active and not ignore.reason:
            problems.append((WITHOUT_REASON, _without_reason(ignore, origin, subject)))
        if UNUSED in active:
            unused = _unused_entries(ignore, used, active)
            if unused is not None:
                problems.append((UNUSED, _unused(ignore, unused, origin, subject)))
    return problems


def _unused_entries(
    ignore: Ignore, used: set[tuple[int, str]], active: Collection[str]
) -> list[str] | None:
    """The entries of an ignore that matched nothing; None when there is nothing to report."""
    if not ignore.rules:
        return []
    unused = []
    for entry in ignore.rules:
        rule_id = _rule_id(entry)
        if rule_id is None or (rule_id in active and (id(ignore), rule_id) not in used):
            unused.append(entry)
    return unused or None


def _without_reason(ignore: Ignore, origin: Origin, subject: str) -> Violation:
    names = ", ".join(ignore.rules) or "a rule"
    if ignore.metadata:
        fix = "add `reason: <why this is acceptable here>` next to `rule:`"
    else:
        fix = f"write why after the brackets: `slsguard: ignore[{names}] <why this is acceptable>`"
    message = (
        f"`{ignore.text}` gives no reason: the next reader cannot tell why {names} is accepted here"
    )
    return Violation(origin, message, fix, subject=subject)


def _unused(ignore: Ignore, unused: list[str], origin: Origin, subject: str) -> Violation:
    if not unused:
        message = f"`{ignore.text}` names no rule, so it suppresses nothing"
        fix = "name the rule in the brackets: `slsguard: ignore[rule-name] reason`"
        return Violation(origin, message, fix, subject=subject)
    unknown = [entry for entry in unused if _rule_id(entry) is None]
    where = f"lines {ignore.first}-{ignore.last}" if ignore.last > ignore.first else "its line"
    parts = []
    if unknown:
        parts.append(f"{', '.join(f'`{e}`' for e in unknown)} is not a slsguard rule")
    quiet = [entry for entry in unused if entry not in unknown]
    if quiet:
        parts.append(f"no {', '.join(quiet)} finding on {where}")
    message = f"`{ignore.text}` suppresses nothing: {'; '.join(parts)}"
    whole = len(unused) == len(ignore.rules)
    fix = "remove the ignore" if whole else f"remove {', '.join(unused)} from the list"
    return Violation(origin, message, fix, subject=subject)
