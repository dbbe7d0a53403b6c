"""Amplify projects: what of the backend is not in the repository is said, never silence."""

from __future__ import annotations

import json
from pathlib import Path

from slsguard.findings import Severity
from slsguard.scan import ScanOptions, scan

CONFIG = {
    "auth": {"shopauth": {"service": "Cognito", "providerPlugin": "awscloudformation"}},
    "api": {"shopapi": {"service": "AppSync", "providerPlugin": "awscloudformation"}},
    "function": {"checkout": {"service": "Lambda", "build": True}},
}
AUTH = "amplify/backend/auth/shopauth/shopauth-cloudformation-template.yml"


def _project(root: Path) -> None:
    backend = root / "amplify" / "backend"
    backend.mkdir(parents=True)
    (backend / "backend-config.json").write_text(json.dumps(CONFIG))
    (root / AUTH).parent.mkdir(parents=True)
    (root / AUTH).write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
        "  UserPool:\n    Type: AWS::Cognito::UserPool\n"
    )
    (backend / "api" / "shopapi" / "stacks").mkdir(parents=True)
    (backend / "api" / "shopapi" / "schema.graphql").write_text("type Order @model { id: ID! }\n")


def test_resources_without_a_template_are_not_analysed_and_said_so(tmp_path: Path) -> None:
    _project(tmp_path)
    report = scan([tmp_path], ScanOptions(select=("SLS004",)))
    notes = {f.message.split(" of the Amplify")[0]: f for f in report.findings}
    assert set(notes) == {"api shopapi (AppSync)", "function checkout (Lambda)"}
    assert all(f.severity == Severity.LOW for f in notes.values())  # the default gate fails
    assert (
        "GraphQL schema, @auth rules and resolvers are not read"
        in notes["api shopapi (AppSync)"].message
    )
    assert "`amplify api gql-compile`" in notes["api shopapi (AppSync)"].fix
    assert {app.kind for app in report.apps} == {"cloudformation"}  # the auth template


def test_a_compiled_appsync_api_is_read_but_its_resolvers_are_not(tmp_path: Path) -> None:
    _project(tmp_path)
    build = tmp_path / "amplify/backend/api/shopapi/build"
    build.mkdir()
    (build / "cloudformation-template.json").write_text(
        json.dumps({"Resources": {"Api": {"Type": "AWS::AppSync::GraphQLApi"}}})
    )
    report = scan([tmp_path], ScanOptions(select=("SLS004",)))
    (api,) = [f for f in report.findings if "shopapi" in f.message]
    assert api.severity == Severity.INFO
    assert "resolvers are not analysed" in api.message


def test_a_gen2_backend_is_cdk_code_not_analysed(tmp_path: Path) -> None:
    (tmp_path / "amplify").mkdir()
    (tmp_path / "amplify/backend.ts").write_text("defineBackend({});\n")
    (finding,) = scan([tmp_path], ScanOptions(select=("SLS004",))).findings
    assert finding.severity == Severity.LOW
    assert finding.message.startswith("amplify/backend.ts is an Amplify Gen 2 backend")
