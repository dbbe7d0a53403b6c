"""Terraform module directories into the same function-centric model as every other format.

A root module (a directory of `.tf`/`.tf.json` files) and the local modules it calls are
parsed and evaluated (`module`, `evaluate`), each modelled resource is translated into the
CloudFormation shape the rest of slsguard reads (`translate`), and the CloudFormation loader
then builds the functions, roles and permissions from it, so every rule works unchanged.
Positions are those of the Terraform arguments. Directories that another scanned directory
calls as a local module are loaded through that call only, with its inputs bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from slsguard.findings import Origin, Severity, Violation
from slsguard.loading.cloudformation import (
    build_stack,
    lambda_functions,
    lambda_permissions,
)
from slsguard.loading.terraform import hcl
from slsguard.loading.terraform.api_gateway import merge as merge_properties
from slsguard.loading.terraform.evaluate import MAX_DEPTH, MAX_STRING
from slsguard.loading.terraform.functions import TOO_DEEP_TO_DECODE
from slsguard.loading.terraform.iam import attach_policies, readable_policies
from slsguard.loading.terraform.module import Loader, parse_directory
from slsguard.loading.terraform.stores import merge as merge_stores
from slsguard.loading.terraform.translate import translate
from slsguard.loading.terraform.triggers import add_triggers
from slsguard.loading.yaml import FileMap, YList, YMap
from slsguard.model import Application, Document, Note
from slsguard.tf_address import record_address


def load_terraform(
    directories: list[Path],
    scan_root: Path,
    display: Callable[[Path], str],
    var_files: tuple[Path, ...] = (),
) -> tuple[list[Application], list[Note]]:
    """One application per root module among `directories` (modules called by others skip).

    `var_files` (`--var-file`) bind variables of every root module, after its tfvars.
    """
    called = _called_modules(directories, display)
    apps: list[Application] = []
    for directory in directories:
        if directory.resolve() in called:
            continue
        apps.append(load_root_module(directory, scan_root, display, var_files))
    return apps, []


def _called_modules(directories: list[Path], display: Callable[[Path], str]) -> set[Path]:
    """The directories that another of `directories` calls with a local `source`.

    Modules in a cycle (one that calls itself, `source = "./"`, or two that call each other)
    do not count as calling each other: otherwise one line would make the whole root module
    vanish from the scan. A cycle that no module outside it calls is loaded once, from its
    first directory, as a root module.
    """
    calls = {directory.resolve(): _local_calls(directory, display) for directory in directories}
    order = list(calls)
    called: set[Path] = set()
    for directory in order:
        cycle = [
            other
            for other in order
            if _reaches(calls, directory, other) and _reaches(calls, other, directory)
        ]
        entered = any(
            member in targets and caller not in cycle
            for caller, targets in calls.items()
            for member in cycle
        )
        if entered or (cycle and cycle[0] != directory):
            called.add(directory)
    return called


def _local_calls(directory: Path, display: Callable[[Path], str]) -> set[Path]:
    """The directories that `directory` calls with a literal local `source`."""
    targets: set[Path] = set()
    parsed = parse_directory(directory, display, with_tfvars=False)
    for _file, body in parsed.files:
        for block in body.blocks_of("module"):
            source = block.body.attributes.get("source")
            expr = source.expr if source else None
            if isinstance(expr, hcl.Template) and all(isinstance(p, str) for p in expr.parts):
                text = "".join(str(p) for p in expr.parts)
                if text.startswith(("./", "../")):
                    targets.add((directory / text).resolve())
    return targets


def _reaches(calls: dict[Path, set[Path]], start: Path, goal: Path) -> bool:
    """Whether `start` calls `goal`, directly or through other modules (or is it)."""
    seen: set[Path] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(calls.get(current, ()))
    return False


def load_root_module(
    directory: Path,
    scan_root: Path,
    display: Callable[[Path], str],
    var_files: tuple[Path, ...] = (),
) -> Application:
    """The application a root module defines."""
    loader = Loader(scan_root.resolve(), display, var_files=var_files)
    loader.load(directory.resolve())
    shown = display(directory)
    origin = Origin(_main_file(loader, shown))
    resources = FileMap(origin.file, (1, 1))
    addresses: dict[str, str] = {}
    for prefix, evaluator in loader.evaluators:
        for found in evaluator.scope.resources.values():
            node = translate(evaluator, found)
            if node is None:
                continue
            resources[found.logical_id] = node
            resources.key_positions[found.logical_id] = found.block.pos
            resources.key_files[found.logical_id] = found.file
            addresses[found.logical_id] = ("module." + prefix if prefix else "") + found.address
    from slsguard.loading.terraform.lambda_module import add_lambda_modules

    add_lambda_modules(loader, resources, addresses)
    merge_properties(resources)
    for made, owner in merge_stores(resources).items():
        if owner in addresses:
            addresses[made] = addresses[owner]
    for logical, address in addresses.items():
        node = resources.get(logical)
        if isinstance(node, YMap):
            record_address(node, address)
    template = YMap(origin.file, (1, 1))
    template["Resources"] = resources
    stack = build_stack(template, origin.file, origin)
    attach_policies(loader, stack)
    readable_policies(stack, addresses)
    functions = [
        replace(fn, name=_function_name(addresses.get(fn.logical_id or "", fn.name)))
        for fn in lambda_functions(stack)
    ]
    functions = add_triggers(loader, stack, functions)
    roles = {fn.role.key: fn.role for fn in functions if fn.role is not None}
    for builder in stack.roles.values():
        roles.setdefault(builder.key, builder.freeze())
    return Application(
        name=_app_name(directory, scan_root),
        kind="terraform",
        file=origin.file,
        origin=origin,
        functions=tuple(functions),
        roles=tuple(roles.values()),
        permissions=tuple(lambda_permissions(stack)),
        documents=tuple(
            Document(file, literal_tree(body, file)) for file, body in loader.documents
        ),
        template=template,
        resources=resources,
        resources_origin=origin,
        notes=(*loader.notes, *_cut_short(loader)),
        scan_root=str(scan_root),
    )


def _cut_short(loader: Loader) -> list[Note]:
    """SLS001 where evaluation stopped at its depth limit (a local built on a local built on
    ... that doubles each step would otherwise quietly become "unknown")."""
    notes = []
    for _prefix, evaluator in loader.evaluators:
        for file, (line, column), reason in evaluator.cut_short:
            origin = Origin(file, (), line, column)
            if reason == TOO_DEEP_TO_DECODE:
                notes.append(_not_decoded(origin))
                continue
            limit = (
                f"nests or refers deeper than {MAX_DEPTH} levels (the evaluation depth limit)"
                if reason == "nesting too deep"
                else f"builds a string longer than {MAX_STRING:,} characters (the size limit)"
            )
            message = (
                f"analysis cut short: an expression here {limit}; its value, and what is "
                "built from it, is unknown to the rules"
            )
            fix = "simplify the expression (fewer levels of locals, templates and functions)"
            notes.append(Note("SLS001", Violation(origin, message, fix)))
    return notes


def _not_decoded(origin: Origin) -> Note:
    """SLS001 at low: a `jsondecode()` whose JSON nests deeper than Python's decoder goes
    (thousands of levels). Only that value is unknown, hence low rather than high."""
    message = (
        "value not evaluated: the JSON given to jsondecode() here nests deeper than the "
        "decoder's recursion limit; this value, and what is built from it, is unknown to the rules"
    )
    fix = "keep the JSON shallow (or write the value as HCL) so that it can be checked"
    return Note("SLS001", Violation(origin, message, fix, Severity.LOW))


def _app_name(directory: Path, scan_root: Path) -> str:
    """The module folder relative to the scan root (its own name when it is the root)."""
    folder, root = directory.resolve(), scan_root.resolve()
    relative = folder.relative_to(root).as_posix() if folder.is_relative_to(root) else "."
    return folder.name if relative == "." else relative


def _main_file(loader: Loader, shown: str) -> str:
    files = [file for file, _body in loader.documents]
    for file in files:
        if file.endswith("/main.tf") or file == "main.tf":
            return file
    return files[0] if files else shown


def _function_name(address: str) -> str:
    """`api` for `aws_lambda_function.api`, `module.orders.api` inside a module."""
    parts = address.split(".")
    return ".".join([*parts[:-2], parts[-1]]) if len(parts) >= 2 else address


def literal_tree(body: hcl.Body, file: str) -> YMap:
    """The literal text a file holds, as a located tree (for secrets written anywhere)."""
    node = YMap(file, body.pos)
    for name, attribute in body.attributes.items():
        value = _literal(attribute.expr, file)
        if value is not None:
            node[name] = value
            node.key_positions[name] = attribute.pos
    for index, block in enumerate(body.blocks):
        key = ".".join((block.type, *block.labels)) + ("" if block.labels else f"[{index}]")
        inner = literal_tree(block.body, file)
        if block.type == "variable" and block.labels and "default" in inner:
            # Read like a CloudFormation parameter: the default is named by the variable.
            key = block.labels[0]
            inner["Default"] = inner.pop("default")
            inner.key_positions["Default"] = inner.key_positions["default"]
        node[key] = inner
        node.key_positions[key] = block.pos
    return node


def _literal(expr: object, file: str) -> object:
    if isinstance(expr, hcl.Call) and expr.name == "jsonencode" and len(expr.args) == 1:
        return _literal(expr.args[0], file)  # `secret_string = jsonencode({password = "…"})`
    if isinstance(expr, hcl.Template) and all(isinstance(p, str) for p in expr.parts):
        return "".join(str(p) for p in expr.parts)
    if isinstance(expr, hcl.ObjectExpr):
        node = YMap(file, expr.pos)
        for element in expr.items:
            key = element.key
            name = key.name if isinstance(key, hcl.Name) else _literal(key, file)
            value = _literal(element.value, file)
            if isinstance(name, str) and value is not None:
                node[name] = value
                node.key_positions[name] = element.pos
        return node
    if isinstance(expr, hcl.TupleExpr):
        items = YList(file, expr.pos)
        for item in expr.items:
            value = _literal(item, file)
            if value is not None:
                items.append(value)
                items.item_positions.append(getattr(item, "pos", expr.pos))
        return items
    return None
