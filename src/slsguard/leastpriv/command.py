"""`slsguard policy PATH [--function NAME] [--format ...]`: each function's minimal policy.

Every format is one valid document on stdout, ready to paste or deploy:

- `json`: one JSON object keyed by function name, each value an IAM policy document;
- `terraform`: one `data "aws_iam_policy_document"` per function (HCL written by the
  Terraform dialect), with the code lines that need each statement as comments;
- `serverless`, `sam`, `cloudformation`: one YAML document (`---`) per function, holding
  the statements to put under the role (for `sam`, the function's `Policies` items).

Every format is written by the dialects' one statement renderer
(`slsguard.dialects.statements`, `terraform.policy_document`), the one the SLS109/SLS110
fixes use.

What the reader must know (calls not mapped, a role defined outside the scan, a SAM `Role:`
that makes SAM ignore `Policies`, functions whose code was not found) is written as comments
in the YAML and HCL formats, and to stderr for JSON. An unknown `--function` exits 2.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slsguard.leastpriv.needs import FunctionNeeds
    from slsguard.model import Application, Function

FORMATS = ("serverless", "sam", "cloudformation", "terraform", "json")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `slsguard policy` and its flags."""
    policy = commands.add_parser("policy", help="the minimal IAM policy of each function")
    policy.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    policy.add_argument("--function", action="append", default=[], metavar="NAME")
    policy.add_argument("--format", dest="policy_format", choices=FORMATS)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One function to print: its app, and its needs (None when its code was not analysed)."""

    app: Application
    function: Function
    needs: FunctionNeeds | None


def run(args: argparse.Namespace) -> int:
    """Print the minimal policy of every selected function; 2 for a missing path or an
    unknown function name."""
    from slsguard.analysis.stacks import link_stacks
    from slsguard.cli import EXIT_ERROR, paths_exist
    from slsguard.discovery import discover
    from slsguard.loading import LoadOptions, load_all
    from slsguard.project import find as find_project

    if not paths_exist(args.paths):
        return EXIT_ERROR
    try:
        project = find_project(list(args.paths))
    except ValueError as error:  # a path outside the project root
        print(f"slsguard: {error}", file=sys.stderr)
        return EXIT_ERROR
    candidates = discover(list(args.paths), project=project)
    loaded = load_all(candidates, LoadOptions(), project.root)
    loaded.apps = link_stacks(loaded.apps)  # resources of nested stacks and exports
    entries = list(_entries(loaded.apps, set(args.function)))
    known = {e.function.name for e in entries}
    unknown = [name for name in args.function if name not in known]
    if unknown:
        every = sorted({fn.name for app in loaded.apps for fn in app.functions})
        sys.stderr.write(
            f"slsguard policy: no function named {', '.join(unknown)} "
            f"(functions: {', '.join(every) or 'none found'})\n"
        )
        return EXIT_ERROR
    syntax = args.policy_format
    if syntax == "json":
        sys.stdout.write(_json(entries))
    elif syntax == "terraform" or (syntax is None and _all_kind(entries, "terraform")):
        sys.stdout.write(_terraform(entries))
    else:
        sys.stdout.write(_yaml(entries, syntax))
    return 0


def _entries(apps: list[Application], wanted: set[str]) -> Iterator[_Entry]:
    from slsguard.leastpriv.needs import function_needs

    for app in apps:
        analysed = function_needs(app)
        for fn in app.functions:
            if not wanted or fn.name in wanted:
                yield _Entry(app, fn, analysed.get(fn.name))


def _all_kind(entries: list[_Entry], kind: str) -> bool:
    return bool(entries) and all(e.app.kind == kind for e in entries)


def notes(entry: _Entry, syntax: str) -> list[str]:
    """What the reader must know before pasting this function's policy."""
    fn, needs = entry.function, entry.needs
    found: list[str] = []
    if needs is None:
        found.append(f"{fn.name}: not analysed (its handler code was not found or not parsed)")
        return found
    role = fn.role
    if role is not None and role.external:
        found.append(
            f"the role of {fn.name} is defined outside the scan ({role.key}): "
            "add these statements to that role where it is defined"
        )
    if _sam_role(entry):
        where = role.key if role is not None else "its role"
        found.append(
            f"{fn.name} sets `Role:`, so SAM ignores its `Policies`: add these statements "
            f"to {where}"
        )
    found += [f"not mapped: {u.location.display} {u.message}" for u in needs.uncertain]
    if syntax in ("serverless", "sam") and any(n.implied for n in needs.needs):
        found.append("trigger permissions are added by the framework and left out")
    return found


def _sam_role(entry: _Entry) -> bool:
    settings = entry.function.settings
    return entry.app.kind == "sam" and isinstance(settings, dict) and "Role" in settings


def _implied(entry: _Entry, syntax: str) -> bool:
    """Whether trigger permissions belong in the output (the frameworks add them to the
    roles they generate)."""
    role = entry.function.role
    generated = role is None or not role.external
    return not (syntax in ("serverless", "sam") and generated and not _sam_role(entry))


def _json(entries: list[_Entry]) -> str:
    from slsguard.dialects.statements import iam_document
    from slsguard.leastpriv.policy import intents, minimal

    out: dict[str, object] = {}
    shared = _shared_names(entries)
    for entry in entries:
        for note in notes(entry, "json"):
            sys.stderr.write(f"# {note}\n")
        if entry.needs is not None:
            statements = intents(minimal(entry.needs, implied=_implied(entry, "json")))
            out[json_key(entry.app.file, entry.function.name, shared)] = iam_document(statements)
    return json.dumps(out, indent=2) + "\n"


def _shared_names(entries: list[_Entry]) -> set[str]:
    """Function names that more than one application of the run uses."""
    seen: dict[str, set[str]] = {}
    for entry in entries:
        seen.setdefault(entry.function.name, set()).add(entry.app.file)
    return {name for name, files in seen.items() if len(files) > 1}


def json_key(file: str, function: str, shared: set[str]) -> str:
    """A function's key in `--format json`: its name, or `file:name` when applications of
    the run share the name (two templates each with a `TriggeredFunction`)."""
    return f"{file}:{function}" if function in shared else function


def _terraform(entries: list[_Entry]) -> str:
    from slsguard.dialects.terraform import DATA_SOURCES, policy_document
    from slsguard.leastpriv.policy import intents, minimal

    blocks: list[str] = [DATA_SOURCES.rstrip("\n")]
    names: set[str] = set()
    for entry in entries:
        header = [f"# {entry.app.name} > {entry.function.name} ({entry.app.file})"]
        header += [f"# {note}" for note in notes(entry, "terraform")]
        if entry.needs is None:
            blocks.append("\n".join(header))
            continue
        name = _hcl_name(entry.function.name, names)
        statements = intents(minimal(entry.needs, implied=_implied(entry, "terraform")))
        blocks.append("\n".join([*header, policy_document(entry.app, name, statements)]))
    return "\n\n".join(blocks) + "\n"


def _hcl_name(function: str, taken: set[str]) -> str:
    """A Terraform label for the function's document: letters, digits, `_`, `-`."""
    base = re.sub(r"[^A-Za-z0-9_-]", "_", function)
    base = base if base[:1].isalpha() or base[:1] == "_" else f"fn_{base}"
    name, count = base, 1
    while name in taken:
        count += 1
        name = f"{base}_{count}"
    taken.add(name)
    return name


def _yaml(entries: list[_Entry], chosen: str | None) -> str:
    from slsguard.dialects.statements import yaml_statements
    from slsguard.leastpriv.policy import intents, minimal
    from slsguard.leastpriv.samfit import fit, render_sam

    documents: list[str] = []
    for entry in entries:
        syntax = chosen or _syntax(entry.app.kind)
        lines = [f"# {entry.app.name} > {entry.function.name} ({entry.app.file})"]
        lines += [f"# {note}" for note in notes(entry, syntax)]
        if entry.needs is None:
            documents.append("\n".join(["---", *lines, "[]"]) + "\n")
            continue
        implied = _implied(entry, syntax)
        if syntax == "sam" and not _sam_role(entry):
            uses, rest = fit(entry.app, entry.needs)
            rest_text = intents(minimal(rest, implied=implied))
            text = render_sam(uses, yaml_statements(entry.app, rest_text, syntax, indent=4))
        else:
            statements = intents(minimal(entry.needs, implied=implied))
            text = yaml_statements(entry.app, statements, syntax)
        documents.append("\n".join(["---", *lines, text.rstrip("\n") or "[]"]) + "\n")
    return "".join(documents)


def _syntax(kind: str) -> str:
    return kind if kind in ("serverless", "sam") else "cloudformation"
