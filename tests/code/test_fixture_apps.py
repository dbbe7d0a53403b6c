"""Every function of every framework and handler-shape fixture app has its code located, and
every annotation in the app holds for every rule it names.

The fixture apps under `tests/fixtures/rules/` are small realistic services, one per framework
or way of writing a handler. Scanning one must follow each function to the code that receives
the event: the only SLS004 notes are the ones a fixture asserts. The per-rule fixture test
checks only the rule of the folder an app sits in; here each `ruleid`/`ok` annotation of an
app is checked, whatever rule it names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slsguard.scan import ScanOptions, scan

RULES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
_ANNOTATION = re.compile(r"(?:#|//)\s*(ruleid|ok):\s*([\w,-]+)")

# app folder → the handler files with an expected SLS004 note (what cannot be followed)
APPS: dict[str, frozenset[str]] = {
    "os-command-injection/node-handler-shapes": frozenset(),
    "os-command-injection/python-handler-shapes": frozenset(),
    "os-command-injection/node-s3": frozenset(),
    "os-command-injection/python-s3": frozenset(),
    "os-command-injection/sam-cross-module": frozenset(),
    "os-command-injection/terraform-packaging": frozenset(),
    "os-command-injection/sam-image": frozenset(),
    "os-command-injection/serverless-image": frozenset(),
    "os-command-injection/cdk-app": frozenset(),
    "os-command-injection/go-sam": frozenset(),
    "os-command-injection/go-serverless": frozenset(),
    "os-command-injection/nested-stacks": frozenset(),
    "os-command-injection/chalice-app": frozenset(),
    "os-command-injection/zappa-flask": frozenset(),
    "os-command-injection/web-apps": frozenset(),
    "os-command-injection/zappa-django": frozenset({"zappa_settings.yml"}),  # external role
    "not-analysed/unfollowable-handlers": frozenset({"factory.js", "web.py"}),
    "cross-site-scripting/go": frozenset(),
    "cross-site-scripting/python-api": frozenset(),
    "cross-site-scripting/node-api": frozenset(),
    "cross-site-scripting/chalice-app": frozenset(),
    "cross-site-scripting/zappa-django": frozenset(),  # class-based views
}


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_function_has_its_code_located(app: str) -> None:
    folder = RULES / app
    result = scan([folder], ScanOptions(select=("SLS004", "SLS601")))
    assert sum(len(summary.functions) for summary in result.apps) > 0
    notes = {
        Path(f.location.file or "").name: f.message
        for f in result.findings
        if f.rule.id == "SLS004" and "may be stale" not in f.message  # mtimes of a checkout
    }
    assert set(notes) == APPS[app], notes


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_annotation_of_the_app_holds(app: str) -> None:
    folder = RULES / app
    expected: dict[str, set[tuple[str, int]]] = {}
    quiet: dict[str, set[tuple[str, int]]] = {}
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        if file.name.endswith(".expect.yml"):
            _sidecar(file, folder, expected, quiet)
            continue
        lines = file.read_text(errors="replace").splitlines()
        for number, text in enumerate(lines, start=1):
            match = _ANNOTATION.search(text)
            for rule in match.group(2).split(",") if match else ():
                target = expected if match and match.group(1) == "ruleid" else quiet
                target.setdefault(rule, set()).add(
                    (file.relative_to(folder).as_posix(), number + 1)
                )
    rules = tuple(sorted({*expected, *quiet}))
    result = scan([folder], ScanOptions(select=rules))
    for rule in rules:
        found = {
            (
                (Path.cwd() / (f.location.file or "")).resolve().relative_to(folder).as_posix(),
                f.location.line,
            )
            for f in result.findings
            if f.rule.name == rule
        }
        assert found == expected.get(rule, set()), rule
        assert not found & quiet.get(rule, set()), rule


def _sidecar(
    file: Path,
    folder: Path,
    expected: dict[str, set[tuple[str, int]]],
    quiet: dict[str, set[tuple[str, int]]],
) -> None:
    """A JSON file's `<name>.expect.yml`: `{line, rule}` pairs under `ruleid` and `ok`."""
    import yaml

    spec = yaml.safe_load(file.read_text()) or {}
    stem = file.name.removesuffix(".expect.yml")
    json_file = next(file.parent.glob(stem + ".json"), file.with_name(stem + ".json"))
    name = json_file.relative_to(folder).as_posix()
    for key, target in (("ruleid", expected), ("ok", quiet)):
        for item in spec.get(key, []):
            target.setdefault(item["rule"], set()).add((name, item["line"]))
