"""Across stacks: an API in one template runs functions defined in another."""

from __future__ import annotations

from pathlib import Path

from slsguard.scan import ScanOptions, scan

APP = Path(__file__).resolve().parents[1] / "fixtures/rules/os-command-injection/nested-stacks"


def _messages(rule: str) -> dict[str, str]:
    report = scan([APP], ScanOptions(select=(rule,)))
    return {Path(f.location.file or "").name: f.message for f in report.findings}


def test_a_function_of_a_nested_stack_gets_the_exposure_of_the_parent_route() -> None:
    message = _messages("SLS601")["export.py"]
    assert message.startswith("the query string from GET /export (rest, public, no auth)")


def test_an_imported_export_links_the_route_to_the_function_with_its_auth() -> None:
    message = _messages("SLS601")["archive.py"]
    assert message.startswith("the request body from POST /archive (rest, auth iam)")


def test_the_parent_route_names_the_function_it_runs() -> None:
    message = _messages("SLS201")["api.yaml"]
    assert message.startswith("api › ExportFunction › GET /export")
