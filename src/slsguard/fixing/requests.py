"""From a dialect's located fix request to text edits in one file.

A dialect (`slsguard.dialects`) says *what* to change and *where*, in native terms: set
`tracing` under `provider`, append a resource under `Resources`, remove the statement at
`Resources.Role.Properties.Policies[0].PolicyDocument.Statement[1]`, set `tracing_config`
in `aws_lambda_function.charge`. Its text is in the file's syntax but not in the file's
style; here it becomes `Edit`s written like the surrounding lines: YAML text is read back
into values and written with the file's indentation and quotes (as JSON in a JSON file),
HCL text is re-indented into its block.
"""

from __future__ import annotations

import re
from typing import Protocol

import yaml

from slsguard.findings import KeyPath, format_path
from slsguard.fixing.hcl_edit import BlockRef, HclDocument
from slsguard.fixing.text import Edit, EditError, Raw
from slsguard.fixing.yaml_edit import YamlDocument, is_intrinsic
from slsguard.loading.terraform.hcl import Block, HclError, parse_hcl
from slsguard.loading.yaml import load_text


class Request(Protocol):
    """What `slsguard fix` needs of a dialect's edit (see `slsguard.dialects.base.Edit`)."""

    @property
    def file(self) -> str: ...
    @property
    def anchor(self) -> KeyPath: ...
    @property
    def action(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def key(self) -> str: ...


Document = YamlDocument | HclDocument


_PLACEHOLDER = re.compile(r"(?<![\w<])<[A-Za-z][\w .,'/-]*>(?![\w>])")
"""How the dialects write a value the user must choose (`<SNS topic ARN>`)."""


def text_edits(document: Document, request: Request) -> list[Edit]:
    """The edits that make `request` in `document`; EditError when it cannot be exact."""
    placeholder = _PLACEHOLDER.search(request.text)
    if placeholder is not None:
        raise EditError(f"a value must be chosen by you: {placeholder.group(0)}")
    if isinstance(document, HclDocument):
        return _hcl_edits(document, request)
    return _yaml_edits(document, request)


# ---- YAML and JSON ------------------------------------------------------------------------


def _yaml_edits(document: YamlDocument, request: Request) -> list[Edit]:
    anchor = tuple(request.anchor)
    if request.action == "remove":
        if anchor and isinstance(anchor[-1], int):
            return [document.remove_item(anchor)]
        return [document.remove_key(anchor)]
    value = _yaml_value(request.text)
    _check_references(document, value, request.key)
    if request.action == "set":
        return merge(document, (*anchor, request.key) if request.key else anchor, value)
    if request.action == "insert":  # Framework settings at the root: `plugins:` grows.
        return merge(document, anchor, value, extend_lists=True)
    if request.action == "replace":
        if anchor and isinstance(anchor[-1], int) and isinstance(value, list):
            return [document.replace_item(anchor, value)]  # One statement by several.
        return [document.set_value(anchor, value)]
    if request.action == "append-item":
        return [document.append_item(anchor, value)]
    if request.action == "append":
        if isinstance(value, dict) and list(value) == [request.key]:
            return [document.add_resource(request.key, value[request.key], anchor)]
        return merge(document, anchor, value)
    raise EditError(f"unknown edit action {request.action!r}")


def merge(
    document: YamlDocument, path: KeyPath, value: object, extend_lists: bool = False
) -> list[Edit]:
    """Set `value` at `path`, merging mappings into existing ones key by key.

    A list of entries already written there (`MethodSettings` with a logging entry) is never
    replaced: that would drop settings the fix knows nothing of. With `extend_lists`, the
    new items of a list of names join the existing list (`plugins:`)."""
    node = document.find(path)
    if isinstance(node, yaml.MappingNode) and isinstance(value, dict) and not is_intrinsic(value):
        return [
            edit
            for key, item in value.items()
            for edit in merge(document, (*path, key), item, extend_lists)
        ]
    if isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        if any(isinstance(item, yaml.MappingNode) for item in node.value):
            raise EditError(f"{format_path(path)} already holds entries: add this one by hand")
        if extend_lists:
            written = {str(item.value) for item in node.value}
            return [document.append_item(path, item) for item in value if str(item) not in written]
    short = isinstance(node, yaml.ScalarNode) and _short_form(node)
    if short and node is not None and isinstance(value, dict) and not is_intrinsic(value):
        # `- http: GET hello`: the text says what a mapping would; replacing it loses that.
        raise EditError(
            f"{format_path(path)} is written in its short form ({node.value}): write it as a "
            "mapping first"
        )
    return [document.set_value(path, value)]


_FLAGS = frozenset({"tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"})


def _short_form(node: yaml.ScalarNode) -> bool:
    """A scalar that stands for settings (`GET hello`, `'*'`), not a flag (`url: true`)."""
    return node.tag not in _FLAGS and node.value != ""


def _yaml_value(text: str) -> object:
    """The value a fix text (YAML, short tags allowed) stands for."""
    loaded = load_text(text, "<fix>")
    if loaded.problems:
        raise EditError(f"the fix text does not parse: {loaded.problems[0].message}")
    return loaded.root


_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def _check_references(document: YamlDocument, value: object, key: str) -> None:
    """EditError when the fix refers to a resource the CloudFormation/SAM template lacks.

    A fix that names `!GetAtt AccessLogs.Arn` without the `AccessLogs` resource would fail
    the deploy. Serverless templates are not checked: the framework generates resources
    (`IamRoleLambdaExecution`, `HttpApi`) that the file does not show.
    """
    if document.find(("service",)) is not None or document.find(("Resources",)) is None:
        return
    known = {*_keys(document, ("Resources",)), *_keys(document, ("Parameters",)), key}
    for name in sorted(_references(value) - known):
        if not name.startswith("Serverless") and not (name.endswith("Role") and name[:-4] in known):
            raise EditError(f"the fix refers to {name}, which the template does not define")


def _keys(document: YamlDocument, path: KeyPath) -> set[str]:
    node = document.find(path)
    if not isinstance(node, yaml.MappingNode):
        return set()
    return {str(key.value) for key, _ in node.value}


def _references(value: object) -> set[str]:
    """The logical ids `Ref`, `Fn::GetAtt` and `Fn::Sub` name in a value (pseudo ids left out)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item)
    elif isinstance(value, dict):
        for name, argument in value.items():
            if name == "Ref" and isinstance(argument, str):
                found.add(argument)
            elif name == "Fn::GetAtt":
                target = argument[0] if isinstance(argument, list) and argument else argument
                found.add(str(target).split(".")[0])
            elif name == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) and argument else argument
                local = argument[1] if isinstance(argument, list) and len(argument) > 1 else {}
                names = set(_SUB_NAME.findall(str(text)))
                found |= names - set(local if isinstance(local, dict) else {})
            found |= _references(argument)
    return {name for name in found if "::" not in name}


# ---- HCL ----------------------------------------------------------------------------------

_INDEX = re.compile(r"\[[^\]]*\]$")


def block_path(address: str) -> list[BlockRef]:
    """The block of a Terraform address (`module.m.aws_sqs_queue.q[0]` → the `q` resource
    in the module's own file: the request names that file)."""
    parts = [_INDEX.sub("", part) for part in address.split(".")]
    while parts[:1] == ["module"] and len(parts) > 2:
        parts = parts[2:]
    if parts[:1] == ["data"] and len(parts) >= 3:
        return [BlockRef("data", (parts[1], parts[2]))]
    if len(parts) < 2:
        raise EditError(f"{address!r} is not a resource address")
    return [BlockRef("resource", (parts[0], parts[1]))]


def _hcl_edits(document: HclDocument, request: Request) -> list[Edit]:
    if request.action == "append":
        return [document.append_text(request.text, request.key)]
    if request.action == "ensure":  # Blocks the fix needs, added unless already there.
        present = [b for b in parse_hcl(request.text).blocks if document.find(_ref(b)) is None]
        return [document.append_text(request.text, request.key)] if present else []
    if not request.anchor:
        raise EditError("the fix names no block")
    path = block_path(str(request.anchor[0]))
    target = f"{request.anchor[0]}.{request.key}"
    if request.action == "remove":
        if request.key and request.text:  # One item of a list attribute, by its literal.
            return [document.remove_list_item(path, request.key, request.text)]
        if request.key:
            return [document.remove_attribute(path, request.key)]
        return [document.remove_block(path)]
    if request.action in ("set", "replace"):
        nested = _nested_block(request.text, request.key, document.unit)
        if nested is None:
            return [document.set_attribute(path, request.key, Raw(request.text.strip()))]
        return _merge_block(document, path, *nested)
    if request.action == "insert":
        return [document.insert_text(path, request.text, target)]
    raise EditError(f"unknown edit action {request.action!r}")


def _nested_block(text: str, key: str, unit: int) -> tuple[Block, str] | None:
    """The nested block `key { ... }` (and its text) when the fix text is one: the whole
    block, or only its body (`mode = "Active"` for `tracing_config`); None for an expression.
    """
    stripped = text.strip()
    if not stripped.startswith((key + " {", key + "{")):
        pad = " " * unit
        inner = "\n".join(pad + line if line.strip() else "" for line in stripped.split("\n"))
        stripped = f"{key} {{\n{inner}\n}}"
    try:
        body = parse_hcl(stripped)
    except HclError:
        return None  # Not a block: an expression (`"Active"`, `{ a = 1 }`).
    block = body.block(key)
    if block is None or body.attributes or not (block.body.attributes or block.body.blocks):
        return None
    return block, stripped


def _merge_block(document: HclDocument, path: list[BlockRef], new: Block, text: str) -> list[Edit]:
    """Set the arguments of `new` inside the existing block of its type, or add it whole."""
    nested = [*path, BlockRef(new.type)]
    if document.find(nested) is None:
        start, end = new.span
        return [document.insert_text(path, _dedent(text[start:end]), _name(nested))]
    edits = []
    for name, attribute in new.body.attributes.items():
        start, end = attribute.value_span
        edits.append(document.set_attribute(nested, name, Raw(text[start:end])))
    for block in new.body.blocks:
        edits.extend(_merge_block(document, nested, block, text))
    return edits


def _dedent(text: str) -> str:
    """Block text whose first line starts at column 0 and the rest keep their relative indent."""
    lines = text.split("\n")
    last = lines[-1]
    cut = len(last) - len(last.lstrip())  # The closing brace sits at the block's own indent.
    return "\n".join([lines[0], *(line[cut:] for line in lines[1:])])


def _ref(block: Block) -> list[BlockRef]:
    return [BlockRef(block.type, block.labels)]


def _name(path: list[BlockRef]) -> str:
    return format_path(tuple(str(step) for step in path))
