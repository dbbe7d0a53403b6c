"""Monorepos whose lockfile sits in the workspace root, and Python handlers written as dotted
module paths: both attribute the right dependency files to each function."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from slsguard.deps.attribution import handler_chain, handler_module
from slsguard.deps.manifests import ManifestCache, mentions_path
from slsguard.deps.reading import ReadContext
from slsguard.findings import Report
from slsguard.scan import scan

WORKSPACES = Path(__file__).resolve().parents[1] / "fixtures" / "workspaces"
LOCKFILES = {"npm": "package-lock.json", "yarn": "yarn.lock", "pnpm": "pnpm-lock.yaml"}


def _rules(report: Report) -> list[str]:
    return sorted(f.rule.id for f in report.findings if f.rule.id.startswith("SLS70"))


@pytest.mark.parametrize("tool", sorted(LOCKFILES))
def test_child_package_uses_the_workspace_lockfile(tool: str, tmp_path: Path) -> None:
    root = shutil.copytree(WORKSPACES / tool, tmp_path / tool)
    report = scan([root])
    assert "SLS702" not in _rules(report)
    not_audited = [f for f in report.findings if f.rule.id == "SLS703"]
    assert [Path(f.location.file or "").name for f in not_audited] == [LOCKFILES[tool]]
    cache = ManifestCache(ReadContext(root.resolve(), root.resolve()))
    manifest = cache.npm(root.resolve() / "packages" / "orders")
    assert manifest is not None and manifest.name == LOCKFILES[tool]
    assert [(p.name, p.version) for p in manifest.shipped()] == [("lodash", "4.17.20")]


def test_scanning_the_child_alone_cannot_see_the_parent_lockfile(tmp_path: Path) -> None:
    root = shutil.copytree(WORKSPACES / "npm", tmp_path / "npm")
    assert "SLS702" in _rules(scan([root / "packages" / "orders"]))


def test_a_parent_lockfile_of_another_project_is_not_used(tmp_path: Path) -> None:
    root = shutil.copytree(WORKSPACES / "npm", tmp_path / "npm")
    (root / "package.json").write_text(json.dumps({"name": "shop", "workspaces": ["apps/*"]}))
    lock = json.loads((root / "package-lock.json").read_text())
    del lock["packages"]["packages/orders"], lock["packages"]["node_modules/orders"]
    (root / "package-lock.json").write_text(json.dumps(lock, indent=2))
    assert "SLS702" in _rules(scan([root]))


def test_lockfiles_name_workspace_folders_exactly() -> None:
    assert mentions_path('"packages/orders": {', "packages/orders")
    assert mentions_path("  packages/orders:\n", "packages/orders")
    assert mentions_path('resolution: "orders@workspace:packages/orders"', "packages/orders")
    assert not mentions_path('"packages/orders-legacy": {', "packages/orders")
    assert not mentions_path('"node_modules/packages/orders"', "packages/orders")


def test_python_handlers_as_dotted_module_paths(tmp_path: Path) -> None:
    root = tmp_path
    assert handler_module("src.orders.create.handler", python=True) == "src/orders/create"
    assert handler_module("src/orders.create.handler", python=True) == "src/orders/create"
    assert handler_module("../x.handler", python=True) == "../x"
    assert handler_module("api.v2.handler", python=False) == "api.v2"
    chain = handler_chain(root, "src.orders.create.handler", python=True)
    assert chain == [root / "src" / "orders", root / "src", root]
    assert handler_chain(root, "src.orders.create.handler") == [root]


def test_dotted_handlers_find_their_requirements(tmp_path: Path) -> None:
    files = {
        "serverless.yml": (
            "service: orders\nprovider:\n  name: aws\n  runtime: python3.12\n"
            "functions:\n  create:\n    handler: src.orders.create.handler\n"
        ),
        "src/orders/create.py": "def handler(event, context):\n    return event\n",
        "src/orders/requirements.txt": "requests==2.31.0\n",
        "sam/template.yaml": (
            "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
            "    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n"
            "      Handler: app.main.handler\n      Runtime: python3.12\n"
        ),
        "sam/app/main.py": "def handler(event, context):\n    return event\n",
        "sam/app/requirements.txt": "urllib3==2.2.1\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    report = scan([tmp_path])
    not_audited = sorted(
        (f.location.file or "", f.function or "") for f in report.findings if f.rule.id == "SLS703"
    )
    assert [Path(file).parent.name for file, _ in not_audited] == ["app", "orders"]
