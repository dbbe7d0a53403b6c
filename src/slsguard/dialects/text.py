"""Small writers shared by the dialects: YAML blocks, HCL blocks, scalars in each syntax."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from slsguard.fixes import Placeholder

Nested = dict[str, "object"]

_PLAIN = re.compile(r"^[A-Za-z0-9_./$(][A-Za-z0-9_./:*@${}()\- ]*$")
"""Text YAML reads back as the same plain string (no leading indicator, no `: ` or ` #`)."""
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "~", ""}


def yaml_scalar(value: object) -> str:
    """A value as a YAML scalar: plain when safe, quoted otherwise; `<what>` for placeholders."""
    intrinsic = _intrinsic(value)
    if intrinsic is not None:
        return intrinsic
    if isinstance(value, Placeholder):
        shown = f"<{value.text}>"
        return shown if ": " not in shown and " #" not in shown else json.dumps(shown)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith("*") and "'" not in text:
        return f"'{text}'"
    plain = _PLAIN.match(text) and ": " not in text and not text.endswith(":")
    if plain and text.lower() not in _YAML_WORDS and not text[0].isdigit():
        return text
    return json.dumps(text)


def yaml_block(path: Sequence[str], value: object) -> str:
    """`a:\\n  b: value` for the key path (a, b); nested dicts and lists become blocks."""
    if not path:
        return _yaml_value_lines(value, 0)
    lines: list[str] = []
    for depth, key in enumerate(path[:-1]):
        lines.append("  " * depth + f"{key}:")
    depth = len(path) - 1
    lines.append(_yaml_entry(path[-1], value, depth))
    return "\n".join(lines)


def _intrinsic(value: object) -> str | None:
    """`!Ref X`, `!GetAtt X.Arn`, `!Sub "..."` for a one-key intrinsic mapping."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((name, argument),) = value.items()
    if name in ("Ref", "Fn::GetAtt", "Fn::Sub") and isinstance(argument, str):
        short = name.removeprefix("Fn::")
        return f"!{short} {argument if short != 'Sub' else json.dumps(argument)}"
    return None


def _yaml_entry(key: str, value: object, depth: int) -> str:
    pad = "  " * depth
    intrinsic = _intrinsic(value)
    if intrinsic is not None:
        return f"{pad}{key}: {intrinsic}"
    if isinstance(value, dict | list) and value:
        return f"{pad}{key}:\n" + _yaml_value_lines(value, depth + 1)
    return f"{pad}{key}: {yaml_scalar(value) if not isinstance(value, dict | list) else '{}'}"


def _yaml_value_lines(value: object, depth: int) -> str:
    pad = "  " * depth
    if isinstance(value, dict):
        return "\n".join(_yaml_entry(str(key), item, depth) for key, item in value.items())
    if isinstance(value, list):
        out = []
        for item in value:
            if _intrinsic(item) is not None:
                out.append(f"{pad}- {_intrinsic(item)}")
            elif isinstance(item, dict) and item:
                inner = _yaml_value_lines(item, depth + 1).lstrip()
                out.append(f"{pad}- {inner}")
            else:
                out.append(f"{pad}- {yaml_scalar(item)}")
        return "\n".join(out)
    return pad + yaml_scalar(value)


class HclExpression(str):
    """Text written as an HCL expression as it is (`aws_kms_key.lambda.arn`), not quoted."""

    __slots__ = ()


def hcl_value(value: object) -> str:
    """A value as an HCL expression: strings quoted, references as written."""
    if isinstance(value, HclExpression):
        return str(value)
    if isinstance(value, Placeholder):
        return json.dumps(f"<{value.text}>")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(hcl_value(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_hcl_key(key)} = {hcl_value(item)}" for key, item in value.items())
        return "{ " + inner + " }"
    return json.dumps(str(value))


_HCL_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _hcl_key(key: object) -> str:
    """An object key: bare when it is an identifier, quoted otherwise (`"aws:SourceArn"`)."""
    text = str(key)
    return text if _HCL_IDENTIFIER.match(text) else json.dumps(text)


def hcl_body(entries: Mapping[str, object], depth: int = 0) -> str:
    """Arguments and nested blocks: keys ending in `{}` are blocks (`tracing_config{}`)."""
    pad = "  " * depth
    lines = []
    for key, value in entries.items():
        if key.endswith("{}"):
            inner = value if isinstance(value, dict) else {}
            lines.append(f"{pad}{key[:-2]} {{")
            if inner:
                lines.append(hcl_body(inner, depth + 1))
            lines.append(f"{pad}}}")
        else:
            lines.append(f"{pad}{key} = {hcl_value(value)}")
    return "\n".join(lines)


def hcl_nested(path: Sequence[str], value: object) -> str:
    """`tracing_config {\\n  mode = "Active"\\n}` for the path (`tracing_config{}`, `mode`)."""
    entries: dict[str, object] = {path[-1]: value}
    for key in reversed(path[:-1]):
        entries = {key: entries}
    return hcl_body(entries)


def hcl_resource(kind: str, name: str, entries: dict[str, object]) -> str:
    """`resource "kind" "name" {...}` with its arguments and nested blocks."""
    body = hcl_body(entries, 1)
    return f'resource "{kind}" "{name}" {{\n{body}\n}}'
