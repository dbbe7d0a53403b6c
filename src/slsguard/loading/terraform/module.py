"""A Terraform module directory: its files parsed, its scope built, local modules followed.

Every `.tf` and `.tf.json` file of the directory is parsed; the root module also reads
`terraform.tfvars`, `*.auto.tfvars` (and their `.json` forms). Local modules
(`source = "./modules/x"`) are loaded with their inputs bound, up to a bounded depth and
count, and only inside the scan root. Remote modules are never fetched: they are noted as
not analysed (SLS004), except `terraform-aws-modules/lambda/aws`, which `lambda_module`
models from its inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from slsguard import files
from slsguard.findings import Origin, Severity, Violation
from slsguard.loading.terraform import hcl
from slsguard.loading.terraform.evaluate import Evaluator, Resource, Scope
from slsguard.loading.terraform.tfjson import json_body
from slsguard.loading.yaml import load_text
from slsguard.model import Note, render

MAX_FILES = 200
MAX_MODULE_DEPTH = 5
MAX_MODULES = 50
LAMBDA_MODULE = re.compile(
    r"^(?:registry\.terraform\.io/)?terraform-aws-modules/lambda/aws(?://.*)?$"
)


@dataclass(slots=True)
class Parsed:
    """The parsed files of one directory."""

    directory: Path
    files: list[tuple[str, hcl.Body]] = field(default_factory=list)
    tfvars: list[tuple[str, hcl.Body]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


@dataclass(slots=True)
class Loader:
    """Loads a root module and the local modules it calls."""

    scan_root: Path
    display: Callable[[Path], str]
    notes: list[Note] = field(default_factory=list)
    evaluators: list[tuple[str, Evaluator]] = field(default_factory=list)
    """(address prefix, evaluator) of every module loaded, the root first."""
    documents: list[tuple[str, hcl.Body]] = field(default_factory=list)
    lambda_modules: list[tuple[str, hcl.Block, str, Evaluator]] = field(default_factory=list)
    """(prefix, module block, file, calling evaluator) of `terraform-aws-modules/lambda/aws`."""
    var_files: tuple[Path, ...] = ()
    """`--var-file`s: the user's own files, read even outside the scan root."""
    calling: list[Path] = field(default_factory=list)
    """The module directories on the current chain of calls, the root first (for cycles)."""

    def load(self, directory: Path) -> Evaluator:
        """The root module's evaluator (children loaded too)."""
        return self._module(directory, directory, {}, "", 0)

    def _module(
        self, directory: Path, root: Path, bound: dict[str, object], prefix: str, depth: int
    ) -> Evaluator:
        parsed = parse_directory(directory, self.display, with_tfvars=depth == 0)
        if depth == 0:
            self._var_files(parsed)
        self.notes.extend(parsed.notes)
        self.documents.extend(parsed.files + parsed.tfvars)
        scope = Scope(directory, root, self.scan_root, self.display)
        evaluator = Evaluator(scope)
        _register(scope, parsed, prefix)
        for file, body in parsed.tfvars:
            for name, attribute in body.attributes.items():
                scope.bound[name] = evaluator.value(attribute.expr, file)
        scope.bound.update(bound)
        self.evaluators.append((prefix, evaluator))
        self.calling.append(directory.resolve())
        for file, body in parsed.files:
            for block in body.blocks_of("module"):
                self._call(evaluator, block, file, root, prefix, depth)
        self.calling.pop()
        return evaluator

    def _var_files(self, parsed: Parsed) -> None:
        """Append each `--var-file` to the tfvars, after the automatic ones (it wins)."""
        for given in self.var_files:
            path = given.resolve()
            shown = self.display(path)
            body, notes = parse_file(path, shown)
            parsed.notes.extend(notes)
            if body is not None:
                parsed.tfvars.append((shown, body))

    def _call(
        self, parent: Evaluator, block: hcl.Block, file: str, root: Path, prefix: str, depth: int
    ) -> None:
        name = block.labels[0] if block.labels else "?"
        source_attribute = block.body.attributes.get("source")
        source = render(parent.value(source_attribute.expr, file)) if source_attribute else ""
        where = Origin(file, ("module", name), *(source_attribute or block).pos)
        if LAMBDA_MODULE.match(source):
            self.lambda_modules.append((f"{prefix}{name}.", block, file, parent))
            return
        if not source.startswith(("./", "../")):
            self.notes.append(_not_analysed(where, name, source))
            return
        target = (parent.scope.directory / source).resolve()
        if not target.is_relative_to(self.scan_root) or not target.is_dir():
            self.notes.append(_not_analysed(where, name, f"{source} (not under the scan root)"))
            return
        if target in self.calling:
            self.notes.append(_cycle(where, name, source, self.calling, target, self.display))
            return
        if depth >= MAX_MODULE_DEPTH or len(self.evaluators) >= MAX_MODULES:
            self.notes.append(_not_analysed(where, name, f"{source} (too many nested modules)"))
            return
        inputs = {
            key: parent.value(attribute.expr, file)
            for key, attribute in block.body.attributes.items()
            if key not in ("source", "version", "count", "for_each", "providers", "depends_on")
        }
        child = self._module(target, root, inputs, f"{prefix}{name}.", depth + 1)
        parent.scope.modules[name] = child


def _register(scope: Scope, parsed: Parsed, prefix: str) -> None:
    """Variables, locals, resources, data sources and outputs of a module."""
    for file, body in parsed.files:
        for block in body.blocks:
            if block.type == "variable" and block.labels:
                default = block.body.attributes.get("default")
                scope.variables[block.labels[0]] = (default.expr if default else None, file)
            elif block.type == "locals":
                for name, attribute in block.body.attributes.items():
                    scope.locals[name] = (attribute.expr, file)
            elif block.type in ("resource", "data") and len(block.labels) == 2:
                data = block.type == "data"
                kind, name = block.labels
                logical = logical_id(prefix, kind, name, data)
                found = Resource(kind, name, block, file, logical, data)
                scope.resources[found.address] = found
            elif block.type == "output" and block.labels:
                value = block.body.attributes.get("value")
                if value is not None:
                    scope.outputs[block.labels[0]] = (value.expr, file)


def logical_id(prefix: str, kind: str, name: str, data: bool = False) -> str:
    """A CloudFormation-style logical id for a Terraform address: `IamRoleApp`."""
    words = [*prefix.split("."), "data" if data else "", kind.removeprefix("aws_"), name]
    return "".join(
        part[:1].upper() + part[1:] for word in words for part in re.split(r"[_\-]", word)
    )


def parse_directory(directory: Path, display: Callable[[Path], str], with_tfvars: bool) -> Parsed:
    """Parse the `.tf`/`.tf.json` files (and tfvars of a root module) of one directory."""
    parsed = Parsed(directory)
    try:
        names = sorted(entry.name for entry in directory.iterdir() if entry.is_file())
    except OSError:
        return parsed
    for name in names[: MAX_FILES * 4]:
        path = directory / name
        if path.is_symlink() and not path.resolve().is_relative_to(directory.resolve()):
            continue  # Never read outside the module through a link.
        is_config = name.endswith((".tf", ".tf.json"))
        is_vars = with_tfvars and (
            name in ("terraform.tfvars", "terraform.tfvars.json")
            or name.endswith((".auto.tfvars", ".auto.tfvars.json"))
        )
        if not (is_config or is_vars) or len(parsed.files) >= MAX_FILES:
            continue
        body = _parse_file(path, display(path), parsed.notes)
        if body is not None:
            (parsed.files if is_config else parsed.tfvars).append((display(path), body))
    return parsed


def parse_file(path: Path, shown: str) -> tuple[hcl.Body | None, list[Note]]:
    """One `.tf`, `.tf.json` or tfvars file (used for `--var-file` too)."""
    notes: list[Note] = []
    return _parse_file(path, shown, notes), notes


def _parse_file(path: Path, shown: str, notes: list[Note]) -> hcl.Body | None:
    try:
        text = files.read_text(path, hcl.MAX_TF_BYTES)
    except OSError as error:
        notes.append(_parse_error(shown, str(error), (1, 1)))
        return None
    except UnicodeDecodeError as error:
        notes.append(_parse_error(shown, f"file is not UTF-8 text ({error.reason})", (1, 1)))
        return None
    if path.name.endswith(".json"):
        loaded = load_text(text, shown)
        for problem in loaded.problems:
            notes.append(Note("SLS001", Violation(problem.origin, problem.message, "")))
        return json_body(loaded.root) if loaded.root is not None else None
    try:
        return hcl.parse_hcl(text)
    except hcl.HclError as error:
        notes.append(_parse_error(shown, str(error), error.position))
        return None


def _parse_error(file: str, message: str, position: tuple[int, int]) -> Note:
    origin = Origin(file, (), position[0], position[1])
    fix = "fix the syntax at this position; the rest of the scan went on without it"
    return Note("SLS001", Violation(origin, message, fix))


def _cycle(
    where: Origin,
    name: str,
    source: str,
    calling: list[Path],
    target: Path,
    display: Callable[[Path], str],
) -> Note:
    """SLS001: a module call that closes a cycle (Terraform itself rejects it)."""
    chain = [*calling[calling.index(target) :], target]
    shown = " → ".join(display(folder) or "." for folder in chain)
    message = (
        f"module {name} (source {source}) closes a module cycle ({shown}): the cycle is not "
        "followed (a module cycle limit); the modules in it are still scanned once each"
    )
    fix = "remove the call: Terraform rejects a module that calls itself, directly or not"
    return Note("SLS001", Violation(where, message, fix))


def _not_analysed(where: Origin, name: str, source: str) -> Note:
    message = (
        f"module {name} comes from {source or '?'}, which slsguard does not fetch: "
        "its resources are not analysed"
    )
    fix = "vendor the module into the repository (or scan its source) to have it analysed"
    return Note("SLS004", Violation(where, message, fix, Severity.INFO))
