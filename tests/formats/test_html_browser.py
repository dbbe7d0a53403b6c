"""The HTML report of a real scan (examples/) in headless Chromium, offline.

Checks what a golden file cannot: the page loads with no console error, requests nothing
but itself (no CDN, font, script or image), and shows the expected headings. Chromium is
driven through the DevTools protocol by `scripts/screenshot.py`, which also makes the
README screenshot. Skipped when no Chromium is installed (`apt-get install chromium`).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from slsguard.formats import render

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "screenshot.py"
EXPECTED_HEADINGS = [
    "slsguard report",
    "Summary",
    "By severity",
    "By practice",
    "By compliance framework",
    "Functions",
    "Findings",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load_script() -> ModuleType:
    """scripts/screenshot.py as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("slsguard_screenshot", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def screenshot() -> ModuleType:
    pytest.importorskip("websocket", reason="websocket-client is not installed (test extra)")
    module = load_script()
    if module.find_chromium() is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does it)")
    return module


def _errors(events: list[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(str(params["exceptionDetails"]))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(str(params.get("args")))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            errors.append(params["entry"]["text"])
    return errors


def test_real_report_in_headless_chromium(screenshot: ModuleType, tmp_path: Path) -> None:
    report = screenshot.example_report()
    page_file = tmp_path / "report.html"
    page_file.write_text(render("html", report), encoding="utf-8")
    with screenshot.Chromium(screenshot.find_chromium()) as browser:
        page = browser.open(page_file.as_uri())
        headings = page.evaluate(
            "Array.from(document.querySelectorAll('h1, h2'), h => h.textContent)"
        )
        cards = page.evaluate("document.querySelectorAll('article.card h4').length")
        findings = page.evaluate("document.querySelectorAll('article.finding').length")
        png = page.screenshot(width=1280, max_height=1600)
        events = list(page.events)
    requests = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    assert requests == [page_file.as_uri()]
    assert _errors(events) == []
    assert headings == EXPECTED_HEADINGS
    app_wide = {f.app for f in report.findings if f.app and not (f.function or f.functions)}
    assert report.findings and report.apps
    assert cards == sum(len(app.functions) for app in report.apps) + len(app_wide)
    assert findings == len(report.findings)
    assert png.startswith(PNG_SIGNATURE)


def test_a_page_that_loads_something_is_caught(screenshot: ModuleType, tmp_path: Path) -> None:
    """The checks above would notice a stray external resource or script error."""
    page_file = tmp_path / "bad.html"
    page_file.write_text(
        "<!DOCTYPE html><title>x</title><img src='http://example.invalid/x.png'>"
        "<script>console.error('boom')</script>",
        encoding="utf-8",
    )
    with screenshot.Chromium(screenshot.find_chromium()) as browser:
        page = browser.open(page_file.as_uri())
        events = list(page.events)
    requests = [
        e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"
    ]
    assert "http://example.invalid/x.png" in requests
    assert any("boom" in error for error in _errors(events))


def test_screenshot_script_writes_a_png(screenshot: ModuleType, tmp_path: Path) -> None:
    output = tmp_path / "images" / "report.png"
    assert screenshot.main([str(output)]) == 0
    assert output.read_bytes().startswith(PNG_SIGNATURE)
