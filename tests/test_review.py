"""Pull-request review suggestions from SARIF fixes, against a loopback stand-in for GitHub."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from slsguard.review import GitHub, diff_lines, post_review, suggestions

TEMPLATE = """\
service: orders
# a new comment
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
"""
PATCH = """\
@@ -1,3 +1,4 @@
 service: orders
+# a new comment
 provider:
   name: aws
@@ -5,2 +6,3 @@
 functions:
   create:
+    handler: handler.create
"""


def _sarif(*changes: tuple[int, int, int, int, str]) -> dict[str, Any]:
    fixes = [
        {
            "description": {"text": "set tracing (safe)"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": "serverless.yml", "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {
                            "deletedRegion": {
                                "startLine": sl,
                                "startColumn": sc,
                                "endLine": el,
                                "endColumn": ec,
                            },
                            "insertedContent": {"text": text},
                        }
                    ],
                }
            ],
        }
        for sl, sc, el, ec, text in changes
    ]
    result = {"ruleId": "SLS401", "message": {"text": "no tracing"}, "fixes": fixes}
    return {"runs": [{"results": [result]}]}


def test_the_template_is_the_new_side_of_the_patch() -> None:
    assert len(TEMPLATE.splitlines()) == 8


def test_diff_lines_are_the_new_side_of_each_hunk() -> None:
    assert diff_lines(PATCH) == {1, 2, 3, 4, 6, 7, 8}


def test_an_insertion_becomes_a_suggestion_on_the_line_before() -> None:
    sarif = _sarif((5, 1, 5, 1, "  tracing:\n    lambda: true\n"))
    (found,) = suggestions(
        sarif, {"serverless.yml": TEMPLATE}, {"serverless.yml": diff_lines(PATCH)}
    )
    assert (found.start, found.end) == (4, 4)
    assert found.text == "  name: aws\n  tracing:\n    lambda: true\n"


def test_a_replacement_covers_whole_lines() -> None:
    sarif = _sarif((5, 12, 5, 22, "python3.13"))
    shown = {"serverless.yml": frozenset({5})}
    (found,) = suggestions(sarif, {"serverless.yml": TEMPLATE}, shown)
    assert (found.start, found.end, found.text) == (5, 5, "  runtime: python3.13\n")


def test_fixes_outside_the_diff_are_not_suggested() -> None:
    sarif = _sarif((6, 1, 6, 1, "  tracing:\n    lambda: true\n"))  # on line 5, not shown
    shown = {"serverless.yml": diff_lines(PATCH)}
    assert suggestions(sarif, {"serverless.yml": TEMPLATE}, shown) == []


class _FakeGitHub(BaseHTTPRequestHandler):
    posted: ClassVar[list[dict[str, Any]]] = []

    def do_GET(self) -> None:
        assert self.headers["Authorization"] == "Bearer test-token"
        files = [{"filename": "serverless.yml", "patch": PATCH}, {"filename": "gone.yml"}]
        self._reply(files if "page=1" in self.path else [])

    def do_POST(self) -> None:
        assert self.path == "/repos/acme/shop/pulls/7/reviews"
        length = int(self.headers["Content-Length"])
        type(self).posted.append(json.loads(self.rfile.read(length)))
        self._reply({"id": 1})

    def _reply(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture()
def fake_github() -> Iterator[str]:
    _FakeGitHub.posted = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_one_review_carries_the_suggestions(fake_github: str, tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(TEMPLATE)
    inside = (5, 1, 5, 1, "  tracing:\n    lambda: true\n")  # suggested on line 4: shown
    outside = (6, 1, 6, 1, "  memorySize: 256\n")  # suggested on line 5: not in the diff
    posted = post_review(
        GitHub(fake_github, "test-token"), "acme/shop", 7, _sarif(inside, outside), tmp_path
    )
    assert posted == 1
    (review,) = _FakeGitHub.posted
    assert review["event"] == "COMMENT"
    (comment,) = review["comments"]
    assert comment["path"] == "serverless.yml" and comment["line"] == 4
    assert "```suggestion\n  name: aws\n  tracing:\n    lambda: true\n```" in comment["body"]
