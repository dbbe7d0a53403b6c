"""`slsguard policy PATH [--function NAME] [--format ...]`: each function's minimal policy."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("serverless", "sam", "cloudformation", "terraform", "json")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `slsguard policy` and its flags."""
    policy = commands.add_parser("policy", help="the minimal IAM policy of each function")
    policy.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    policy.add_argument("--function", action="append", default=[], metavar="NAME")
    policy.add_argument("--format", dest="policy_format", choices=FORMATS)


def run(args: argparse.Namespace) -> int:
    """Print the minimal policy of every analysed function; 2 when a path is missing."""
    from slsguard.cli import EXIT_ERROR, paths_exist
    from slsguard.discovery import discover
    from slsguard.leastpriv.needs import function_needs
    from slsguard.leastpriv.policy import minimal, render
    from slsguard.leastpriv.samfit import fit, render_sam
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
    for app in loaded.apps:
        syntax = args.policy_format or _syntax(app.kind)
        for name, needs in function_needs(app).items():
            if args.function and name not in args.function:
                continue
            implied = syntax not in ("serverless", "sam")  # the framework adds those
            header = f"# {app.name} › {name} ({app.file})\n"
            if syntax == "sam":
                uses, rest = fit(app, needs)
                text = render_sam(uses, minimal(rest, implied=False))
            else:
                text = render(minimal(needs, implied=implied), syntax)
            sys.stdout.write(header + text)
            for item in needs.uncertain:
                sys.stdout.write(f"# not mapped: {item.location.display} {item.message}\n")
    return 0


def _syntax(kind: str) -> str:
    return kind if kind in ("serverless", "sam", "terraform") else "cloudformation"
