"""Discovery: templates recognised by content, noise left alone, skipped folders, no escapes."""

from __future__ import annotations

import os
from pathlib import Path

from slsguard.discovery import discover

SLS = "service: orders\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.a\n"
SAM = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"
)
CFN_JSON = '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}'


def _kinds(root: Path) -> dict[str, str]:
    return {c.path.relative_to(root).as_posix(): c.kind for c in discover([root], root)}


def test_recognises_templates_by_content(tmp_path: Path) -> None:
    (tmp_path / "serverless-prod.yml").write_text(SLS)
    (tmp_path / "infra.yaml").write_text(SLS)  # any name: recognised by content
    (tmp_path / "template.yaml").write_text(SAM)
    (tmp_path / "stack.template.json").write_text(CFN_JSON)
    (tmp_path / "serverless.json").write_text('{"service": "x", "provider": {"name": "aws"}}')
    (tmp_path / "serverless.ts").write_text("export default {}")
    (tmp_path / "openapi.yaml").write_text("openapi: 3.0.0\npaths: {}\n")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")
    (tmp_path / "package.json").write_text('{"name": "x", "dependencies": {}}')
    assert _kinds(tmp_path) == {
        "infra.yaml": "serverless",
        "serverless-prod.yml": "serverless",
        "serverless.json": "serverless",
        "serverless.ts": "code-config",
        "stack.template.json": "template",
        "template.yaml": "template",
    }


def test_skips_build_and_dependency_folders(tmp_path: Path) -> None:
    for folder in ("node_modules/pkg", ".serverless", ".aws-sam/build", ".git", "cdk.out"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "template.yaml").write_text(SAM)
    (tmp_path / "template.yaml").write_text(SAM)
    assert _kinds(tmp_path) == {"template.yaml": "template"}


def test_cdk_out_is_scanned_when_pointed_at(tmp_path: Path) -> None:
    cdk = tmp_path / "cdk.out"
    cdk.mkdir()
    (cdk / "App.template.json").write_text(CFN_JSON)
    (cdk / "manifest.json").write_text('{"version": "36.0.0", "artifacts": {}}')
    assert [c.path.name for c in discover([cdk], tmp_path)] == ["App.template.json"]


def test_symlinks_out_of_the_root_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "template.yaml").write_text(SAM)
    root = tmp_path / "root"
    root.mkdir()
    os.symlink(outside / "template.yaml", root / "linked.yaml")
    os.symlink(outside, root / "linked-dir")
    assert _kinds(root) == {}
