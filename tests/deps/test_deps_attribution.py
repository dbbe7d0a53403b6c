"""Which packages each function ships: Serverless, SAM and CloudFormation conventions."""

from __future__ import annotations

import json
from pathlib import Path

from slsguard.deps.attribution import glob_match, handler_chain, serverless_layer_id
from slsguard.deps.audit import analyse
from slsguard.deps.facts import DependencyFacts
from slsguard.deps.options import DependencyOptions
from slsguard.discovery import discover
from slsguard.loading import LoadOptions, load_all


def _facts(root: Path, files: dict[str, str]) -> DependencyFacts:
    """Write the files, load the applications under `root`, and attribute their packages."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    loaded = load_all(discover([root], root), LoadOptions(), root)
    return analyse(loaded.apps, [root], DependencyOptions(), root, audit=False)


def _shipped(facts: DependencyFacts, function: str) -> set[str]:
    for app in facts.apps.values():
        found = app.of(function)
        if found is not None:
            return {f"{p.name}=={p.version}" if p.version else p.name for p in found.packages}
    raise AssertionError(f"no function {function}")


def test_serverless_python_requirements_conventions(tmp_path: Path) -> None:
    config = """\
service: orders
provider:
  name: aws
  runtime: python3.12
plugins:
  - serverless-python-requirements
custom:
  pythonRequirements:
    fileName: requirements/prod.txt
    noDeploy:
      - boto3
package:
  individually: true
functions:
  create:
    handler: handler.create
  report:
    handler: handler.report
    module: reporting
  legacy:
    handler: handler.legacy
    runtime: python3.7
"""
    facts = _facts(
        tmp_path,
        {
            "serverless.yml": config,
            "requirements/prod.txt": (
                "requests==2.31.0\nboto3==1.34.0\n"
                'typing-extensions==4.9.0; python_version < "3.8"\n'
            ),
            "requirements.txt": "flask==3.0.0\n",  # the plugin reads fileName instead
            "reporting/requirements/prod.txt": "jinja2==3.1.4\n",
        },
    )
    assert _shipped(facts, "create") == {"requests==2.31.0"}
    assert _shipped(facts, "report") == {"jinja2==3.1.4"}
    assert _shipped(facts, "legacy") == {"requests==2.31.0", "typing-extensions==4.9.0"}


def test_serverless_prefers_pipfile_then_poetry(tmp_path: Path) -> None:
    config = (
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  f:\n    handler: h.f\n"
    )
    lock = {"_meta": {}, "default": {"six": {"version": "==1.16.0"}}, "develop": {}}
    facts = _facts(
        tmp_path,
        {
            "serverless.yml": config,
            "Pipfile.lock": json.dumps(lock),
            "requirements.txt": "flask==3.0.0\n",
        },
    )
    assert _shipped(facts, "f") == {"six==1.16.0"}


def test_serverless_node_functions_resolve_node_modules_upwards(tmp_path: Path) -> None:
    config = """\
service: api
provider:
  name: aws
  runtime: nodejs20.x
functions:
  users:
    handler: src/users/index.handler
  orders:
    handler: src/orders/index.handler
"""
    facts = _facts(
        tmp_path,
        {
            "serverless.yml": config,
            "package.json": json.dumps({"dependencies": {"lodash": "4.17.20"}}),
            "src/users/package.json": json.dumps({"dependencies": {"uuid": "9.0.0"}}),
            "requirements.txt": "requests==2.31.0\n",  # a Node.js function ships no PyPI package
        },
    )
    assert _shipped(facts, "users") == {"uuid==9.0.0", "lodash==4.17.20"}
    assert _shipped(facts, "orders") == {"lodash==4.17.20"}


def test_packaging_patterns_can_leave_node_modules_out(tmp_path: Path) -> None:
    config = """\
service: api
provider:
  name: aws
  runtime: nodejs20.x
package:
  patterns:
    - '!node_modules/**'
functions:
  bundled:
    handler: index.handler
  withModules:
    handler: index.handler
    package:
      patterns:
        - node_modules/**
"""
    facts = _facts(
        tmp_path,
        {
            "serverless.yml": config,
            "package.json": json.dumps({"dependencies": {"lodash": "4.17.20"}}),
        },
    )
    assert _shipped(facts, "bundled") == set()
    assert _shipped(facts, "withModules") == {"lodash==4.17.20"}


def test_serverless_layers(tmp_path: Path) -> None:
    config = """\
service: s
provider:
  name: aws
  runtime: python3.12
layers:
  pythonDeps:
    path: layers/deps
functions:
  f:
    handler: h.f
    layers:
      - Ref: PythonDepsLambdaLayer
      - arn:aws:lambda:us-east-1:123456789012:layer:other:1
  g:
    handler: h.g
"""
    facts = _facts(
        tmp_path,
        {"serverless.yml": config, "layers/deps/python/requirements.txt": "pyyaml==6.0.1\n"},
    )
    assert _shipped(facts, "f") == {"pyyaml==6.0.1"}
    assert _shipped(facts, "g") == set()
    assert serverless_layer_id("python-deps_x") == "PythonDashdepsUnderscorexLambdaLayer"


SAM = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
Resources:
  FromGlobals:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Layers:
        - !Ref DepsLayer
  OwnCode:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: other/
      Handler: app.handler
  Inline:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): pass"
      Handler: index.handler
  Escapes:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ../../outside/
      Handler: app.handler
  Node:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: web/
      Handler: handlers/get.handler
  DepsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
    Metadata:
      BuildMethod: python3.12
"""


def test_sam_code_uri_globals_layers_and_inline_code(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "requirements.txt").write_text("evil==1.0\n")
    facts = _facts(
        project,
        {
            "template.yaml": SAM,
            "src/requirements.txt": "requests==2.31.0\n",
            "other/requirements.txt": "flask==3.0.0\n",
            "layer/requirements.txt": "pyyaml==6.0.1\n",
            "web/package-lock.json": json.dumps(
                {
                    "lockfileVersion": 3,
                    "packages": {"": {}, "node_modules/uuid": {"version": "9.0.0"}},
                }
            ),
        },
    )
    assert _shipped(facts, "FromGlobals") == {"requests==2.31.0", "pyyaml==6.0.1"}
    assert _shipped(facts, "OwnCode") == {"flask==3.0.0"}
    assert _shipped(facts, "Inline") == set()
    assert _shipped(facts, "Escapes") == set()  # never read outside the scan root
    assert _shipped(facts, "Node") == {"uuid==9.0.0"}
    uses = next(iter(facts.apps.values())).of("FromGlobals")
    assert uses is not None and [use.via for use in uses.uses] == ["CodeUri src", "layer DepsLayer"]


def test_cloudformation_local_code_and_cdk_assets(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Packaged": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "app.h",
                    "Code": "fn/",
                    "Role": "arn:aws:iam::1:role/r",
                },
            },
            "Cdk": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "nodejs20.x",
                    "Handler": "index.handler",
                    "Code": {"S3Bucket": "b", "S3Key": "k.zip"},
                    "Role": "arn:aws:iam::1:role/r",
                },
                "Metadata": {"aws:asset:path": "asset.abc123"},
            },
            "Remote": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "a.h",
                    "Code": {"S3Bucket": "b", "S3Key": "k"},
                    "Role": "arn:aws:iam::1:role/r",
                },
            },
        }
    }
    facts = _facts(
        tmp_path,
        {
            "stack.template.json": json.dumps(template, indent=1),
            "fn/requirements.txt": "requests==2.31.0\n",
            "asset.abc123/package.json": json.dumps({"dependencies": {"uuid": "9.0.0"}}),
        },
    )
    assert _shipped(facts, "Packaged") == {"requests==2.31.0"}
    assert _shipped(facts, "Cdk") == {"uuid==9.0.0"}
    assert _shipped(facts, "Remote") == set()


def test_handler_chain_and_globs(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "a" / "b").mkdir(parents=True)
    assert handler_chain(root, "a/b/index.handler") == [root / "a" / "b", root / "a", root]
    assert handler_chain(root, "../../x.handler") == [root]
    assert handler_chain(root, None) == [root]
    assert glob_match("node_modules/**", "node_modules/x/index.js")
    assert glob_match("**/node_modules/**", "node_modules/x/index.js")
    assert glob_match("node_modules", "node_modules/x/index.js")
    assert not glob_match("src/**", "node_modules/x/index.js")
