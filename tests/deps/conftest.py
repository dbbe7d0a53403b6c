"""Shared pieces of the dependency tests: the OSV test database (as a folder and as all.zip
exports) and a loopback HTTP server that speaks the OSV API and serves exports.

The server is a small real implementation, not a mock of slsguard's code: it answers
`POST /v1/querybatch` (paged, `page_size` ids per query and page, an empty result being
`{}` as the real service answers), `GET /v1/vulns/<id>` and `GET /<ecosystem>/all.zip`, and
can be told to fail, throttle or answer slowly. It records every request it receives.
"""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from slsguard.deps.versions import canonical_name

OSV_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "osv"


def advisories() -> list[dict[str, Any]]:
    """Every advisory of the test database."""
    return [json.loads(path.read_text()) for path in sorted(OSV_FIXTURES.rglob("*.json"))]


def write_exports(target: Path) -> Path:
    """The test database as OSV exports: `<target>/<ecosystem>/all.zip`, one file per id."""
    for ecosystem in ("PyPI", "npm", "Go"):
        (target / ecosystem).mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target / ecosystem / "all.zip", "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted((OSV_FIXTURES / ecosystem).glob("*.json")):
                out.writestr(path.name, path.read_text())
    return target


@dataclass
class Behaviour:
    """How the loopback server misbehaves: failures first, then delays, then paging."""

    failures: list[int] = field(default_factory=list)
    """HTTP status codes to answer (one per request) before answering properly."""
    retry_after: str | None = None
    delay: float = 0.0
    page_size: int = 2
    broken_json: bool = False


class FakeOsv(ThreadingHTTPServer):
    """The OSV API and export bucket on 127.0.0.1, in a background thread."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, records: list[dict[str, Any]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.records = {record["id"]: record for record in records}
        self.behaviour = Behaviour()
        self.requests: list[tuple[str, str, bytes]] = []
        self.exports: dict[str, bytes] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        """The base URL (`http://127.0.0.1:<port>`)."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def querybatch_bodies(self) -> list[dict[str, Any]]:
        """Every querybatch request body received."""
        return [json.loads(body) for method, path, body in self.requests if path.endswith("batch")]

    def answer_query(self, query: dict[str, Any]) -> dict[str, Any]:
        """Ids of the advisories naming the package (a superset: matching is local), paged."""
        package = query["package"]
        ecosystem, name = (
            package["ecosystem"],
            canonical_name(package["ecosystem"], package["name"]),
        )
        ids = sorted(
            record["id"]
            for record in self.records.values()
            if any(
                entry["package"]["ecosystem"] == ecosystem
                and canonical_name(ecosystem, entry["package"]["name"]) == name
                for entry in record.get("affected", [])
            )
        )
        start = int(query.get("page_token") or 0)
        size = self.behaviour.page_size
        page = ids[start : start + size]
        result: dict[str, Any] = {}
        if page:
            result["vulns"] = [{"id": i, "modified": self.records[i]["modified"]} for i in page]
        if start + size < len(ids):
            result["next_page_token"] = str(start + size)
        return result


class _Handler(BaseHTTPRequestHandler):
    server: FakeOsv

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self._misbehave("POST", body):
            return
        if self.path != "/v1/querybatch":
            self._send(404, b"{}")
            return
        queries = json.loads(body)["queries"]
        if len(queries) > 1000:
            self._send(400, b'{"message": "Too many queries."}')
            return
        results = [self.server.answer_query(query) for query in queries]
        self._send(200, json.dumps({"results": results}).encode())

    def do_GET(self) -> None:
        if self._misbehave("GET", b""):
            return
        if self.path.startswith("/v1/vulns/"):
            record = self.server.records.get(self.path.rsplit("/", 1)[-1])
            if record is None:
                self._send(404, b'{"code": 5, "message": "Bug not found."}')
            else:
                self._send(200, json.dumps(record).encode())
            return
        export = self.server.exports.get(self.path)
        if export is None:
            self._send(404, b"not found")
        else:
            self._send(200, export, "application/zip")

    def _misbehave(self, method: str, body: bytes) -> bool:
        behaviour = self.server.behaviour
        with self.server.lock:
            self.server.requests.append((method, self.path, body))
            failure = behaviour.failures.pop(0) if behaviour.failures else None
        if failure is not None:
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            self._send(failure, b'{"message": "try later"}', extra=headers)
            return True
        if behaviour.delay:
            time.sleep(behaviour.delay)
        if behaviour.broken_json:
            self._send(200, b"{not json")
            return True
        return False

    def _send(
        self,
        status: int,
        payload: bytes,
        content_type: str = "application/json",
        extra: dict[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)


@pytest.fixture
def osv_server() -> Iterator[FakeOsv]:
    """A loopback OSV API serving the test database (and its exports)."""
    server = FakeOsv(advisories())
    for ecosystem in ("PyPI", "npm", "Go"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for path in sorted((OSV_FIXTURES / ecosystem).glob("*.json")):
                out.writestr(path.name, path.read_text())
        server.exports[f"/{ecosystem}/all.zip"] = buffer.getvalue()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def unused_port_url() -> str:
    """A loopback URL nothing listens on (connections are refused)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
