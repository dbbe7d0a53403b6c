"""Render the examples' HTML report in headless Chromium and save docs/images/report.png.

Usage: python scripts/screenshot.py [OUTPUT.png]

The browser runs with networking features off and a fresh profile, driven through the
DevTools protocol (the `websocket-client` package, from slsguard's `test` extra). The
`Chromium` class here is also what the browser test uses to check the report page.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slsguard.findings import Report

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "docs" / "images" / "report.png"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    # Belt and braces: even if the page asked for something, no name would resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
Message = dict[str, Any]


def find_chromium() -> str | None:
    """The path of a Chromium or Chrome binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class Page:
    """One tab attached through a flat DevTools session; events are kept for inspection."""

    browser: Chromium
    session: str
    events: list[Message] = field(default_factory=list)

    def send(self, method: str, **params: Any) -> Message:
        """Call a DevTools method in this tab and return its result."""
        return self.browser.send(method, session=self.session, **params)

    def wait_for(self, event: str, timeout: float = 30.0) -> Message:
        """Wait until this tab emits `event`; returns its parameters."""
        return self.browser.wait_for(event, self.session, timeout)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression evaluated in the page."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def screenshot(self, width: int, max_height: int) -> bytes:
        """A PNG of the page at `width` CSS pixels, as tall as the page up to `max_height`."""
        metrics = self.send("Page.getLayoutMetrics")
        height = min(int(metrics["cssContentSize"]["height"]), max_height)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        data = self.send("Page.captureScreenshot", format="png", fromSurface=True)["data"]
        return base64.b64decode(data)


class Chromium:
    """A headless Chromium with a fresh profile, driven over the DevTools websocket."""

    def __init__(self, binary: str, width: int = 1280, height: int = 900) -> None:
        self.binary = binary
        self.size = (width, height)
        self._ids = itertools.count(1)
        self._pending: list[Message] = []
        self._profile = tempfile.TemporaryDirectory(
            prefix="slsguard-chromium-", ignore_cleanup_errors=True
        )
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: Any = None
        self.pages: dict[str, Page] = {}

    def __enter__(self) -> Chromium:
        import websocket

        profile = Path(self._profile.name)
        command = [
            self.binary,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={self.size[0]},{self.size[1]}",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        port, path = self._devtools_address(profile / "DevToolsActivePort")
        url = f"ws://127.0.0.1:{port}{path}"
        self._socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        return self

    def _devtools_address(self, marker: Path, timeout: float = 30.0) -> tuple[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"chromium exited with code {self._process.returncode}")
            if marker.is_file():
                lines = marker.read_text(encoding="utf-8").split()
                if len(lines) >= 2:
                    return lines[0], lines[1]
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its DevTools port")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._process is not None:
            self._stop(self._process)
        self._profile.cleanup()

    @staticmethod
    def _stop(process: subprocess.Popen[bytes]) -> None:
        """End Chromium and its helper processes (its own process group), then reap it.

        The helpers outlive the browser process for a moment and keep writing to the
        profile: stopping only the browser left the profile folder unremovable at times.
        """
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # helpers that ignored SIGTERM

    def send(self, method: str, session: str | None = None, **params: Any) -> Message:
        """Call a DevTools method (in a tab when `session` is given); its result."""
        number = next(self._ids)
        message: Message = {"id": number, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._socket.send(json.dumps(message))
        while True:
            reply = self._receive(30.0)
            if reply.get("id") == number:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: Message = reply.get("result", {})
                return result

    def wait_for(self, event: str, session: str | None, timeout: float) -> Message:
        """Wait for an event (already received or coming); returns its parameters."""
        deadline = time.monotonic() + timeout
        page = self.pages.get(session or "")
        seen = page.events if page else self._pending
        for message in seen:
            if message.get("method") == event and message.get("sessionId") == session:
                return dict(message.get("params", {}))
        while time.monotonic() < deadline:
            message = self._receive(max(deadline - time.monotonic(), 0.01))
            if message.get("method") == event and message.get("sessionId") == session:
                return dict(message.get("params", {}))
        raise TimeoutError(f"no {event} within {timeout} s")

    def _receive(self, timeout: float) -> Message:
        self._socket.settimeout(timeout)
        message: Message = json.loads(self._socket.recv())
        if "method" in message:
            page = self.pages.get(message.get("sessionId", ""))
            (page.events if page else self._pending).append(message)
        return message

    def open(self, url: str, timeout: float = 30.0) -> Page:
        """A new tab that recorded everything while loading `url`; returns after `load`."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(self, session)
        self.pages[session] = page
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        width, height = self.size
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        page.send("Page.navigate", url=url)
        page.wait_for("Page.loadEventFired", timeout)
        return page


def example_report() -> Report:
    """A scan of the repository's examples/, with paths relative to the repository."""
    from slsguard.scan import scan

    here = Path.cwd()
    os.chdir(ROOT)
    try:
        return scan([Path("examples")])
    finally:
        os.chdir(here)


def example_report_html() -> str:
    """The HTML report of a scan of the repository's examples/."""
    from slsguard.formats import render

    return render("html", example_report())


def main(argv: list[str]) -> int:
    """Write the screenshot; 2 when no Chromium is installed."""
    output = Path(argv[0]) if argv else DEFAULT_OUTPUT
    binary = find_chromium()
    if binary is None:
        print("screenshot: no chromium found (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "report.html"
        page_file.write_text(example_report_html(), encoding="utf-8")
        with Chromium(binary, width=1280, height=900) as browser:
            page = browser.open(page_file.as_uri())
            png = page.screenshot(width=1280, max_height=1600)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(png)
    print(f"wrote {output} ({len(png)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
