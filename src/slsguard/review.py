"""Pull-request review suggestions from the exact fixes in a SARIF report.

GitHub turns a review comment holding a ```` ```suggestion ```` block into a one-click
change, but only on lines the pull request's diff shows. So each SARIF fix (an
`artifactChange` with `replacements`, written by `slsguard scan --format sarif`) becomes a
suggestion when every line it touches is on the new side of the pull request's diff; the
others stay in code scanning and the job summary.

Run by the GitHub Action as `python -m slsguard.review --sarif FILE --repo OWNER/NAME
--pr NUMBER` in the checkout (the token comes from `GITHUB_TOKEN` or `GH_TOKEN`). Only the
GitHub API named by `--api-url` (default `$GITHUB_API_URL`, else api.github.com) is called.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_SUGGESTIONS = 50
"""At most this many suggestions in one review, so one pull request is not flooded."""
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A replacement of lines `start`..`end` (1-based, inclusive) of `path` by `text`."""

    path: str
    start: int
    end: int
    text: str
    title: str

    def comment(self) -> dict[str, object]:
        """The review comment in GitHub's REST shape."""
        body = f"**slsguard**: {self.title}\n\n```suggestion\n{self.text}```\n"
        comment: dict[str, object] = {"path": self.path, "line": self.end, "side": "RIGHT"}
        if self.start != self.end:
            comment |= {"start_line": self.start, "start_side": "RIGHT"}
        return comment | {"body": body}


def diff_lines(patch: str) -> frozenset[int]:
    """New-side line numbers a unified-diff patch shows (added and context lines)."""
    shown: set[int] = set()
    line = 0
    for text in patch.splitlines():
        hunk = _HUNK.match(text)
        if hunk:
            line = int(hunk.group(1))
        elif line and not text.startswith(("-", "\\")):
            shown.add(line)
            line += 1
    return frozenset(shown)


def suggestions(
    sarif: Mapping[str, Any], read: Mapping[str, str], shown: Mapping[str, frozenset[int]]
) -> list[Suggestion]:
    """Every SARIF fix that can be a suggestion on the lines the diff shows.

    `read` maps a repository-relative path to its current text; `shown` to its diff lines.
    """
    found: list[Suggestion] = []
    for run in sarif.get("runs", []):
        for result in run.get("results", []):
            for fix in result.get("fixes", []):
                title = _title(result, fix)
                for change in fix.get("artifactChanges", []):
                    suggestion = _suggestion(change, title, read)
                    if suggestion and _inside(suggestion, shown.get(suggestion.path, frozenset())):
                        found.append(suggestion)
    return found[:MAX_SUGGESTIONS]


def _title(result: Mapping[str, Any], fix: Mapping[str, Any]) -> str:
    rule = result.get("ruleId", "")
    description = fix.get("description", {}).get("text", "")
    message = result.get("message", {}).get("text", "")
    return f"{rule} {description}".strip() + (f" ({message})" if message else "")


def _suggestion(
    change: Mapping[str, Any], title: str, read: Mapping[str, str]
) -> Suggestion | None:
    path = change.get("artifactLocation", {}).get("uri", "")
    if path not in read:
        return None
    lines = read[path].splitlines(keepends=True)
    regions = [_region(item, lines) for item in change.get("replacements", [])]
    if not regions or None in regions:
        return None
    spans = [region for region in regions if region is not None]
    first = min(start for start, _, _ in spans)
    last = max(end for _, end, _ in spans)
    if not lines or first < 0 or last > len("".join(lines)):
        return None
    text = "".join(lines)
    for start, end, inserted in sorted(spans, reverse=True):
        text = text[:start] + inserted + text[end:]
    return _whole_lines(path, lines, first, last, text, title)


def _region(item: Mapping[str, Any], lines: Sequence[str]) -> tuple[int, int, str] | None:
    """(start offset, end offset, inserted text) of one SARIF replacement, or None."""
    region = item.get("deletedRegion", {})
    start = _offset(lines, region.get("startLine", 0), region.get("startColumn", 1))
    end = _offset(
        lines,
        region.get("endLine", region.get("startLine", 0)),
        region.get("endColumn", region.get("startColumn", 1)),
    )
    if start is None or end is None or end < start:
        return None
    return start, end, item.get("insertedContent", {}).get("text", "")


def _offset(lines: Sequence[str], line: int, column: int) -> int | None:
    if not 1 <= line <= len(lines) + 1 or column < 1:
        return None
    return sum(len(text) for text in lines[: line - 1]) + column - 1


def _whole_lines(
    path: str, lines: Sequence[str], first: int, last: int, new_text: str, title: str
) -> Suggestion | None:
    """The changed span widened to whole lines; a pure insertion takes the line before it."""
    old_text = "".join(lines)
    start_line = old_text.count("\n", 0, first) + 1
    end_line = old_text.count("\n", 0, last) + 1
    at_line_start = first == last and (first == 0 or old_text[first - 1] == "\n")
    if at_line_start:
        # An insertion before line N suggests on line N-1 plus the new lines (on line 1, the
        # new lines plus line 1).
        start_line = end_line = max(1, start_line - 1)
    elif first != last and last > 0 and old_text[last - 1] == "\n":
        end_line -= 1  # a region ending at a line start ends on the line before
    end_line = max(start_line, min(end_line, len(lines)))
    head = sum(len(text) for text in lines[: start_line - 1])
    tail = len(old_text) - sum(len(text) for text in lines[:end_line])
    replacement = new_text[head : len(new_text) - tail]
    if not replacement.endswith("\n"):
        replacement += "\n"
    return Suggestion(path, start_line, end_line, replacement, title)


def _inside(suggestion: Suggestion, shown: frozenset[int]) -> bool:
    return all(line in shown for line in range(suggestion.start, suggestion.end + 1))


class GitHub:
    """The few REST calls a review needs, with the token in a header only."""

    def __init__(self, api_url: str, token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token

    def request(self, method: str, path: str, body: object = None) -> Any:
        """One JSON request; raises on HTTP errors."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.api_url}{path}", data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def pull_files(self, repo: str, number: int) -> Iterator[Mapping[str, Any]]:
        """The pull request's changed files with their patches (every page)."""
        page = 1
        while True:
            batch = self.request(
                "GET", f"/repos/{repo}/pulls/{number}/files?per_page=100&page={page}"
            )
            yield from batch
            if len(batch) < 100:
                return
            page += 1


def post_review(
    github: GitHub, repo: str, number: int, sarif: Mapping[str, Any], root: Path
) -> int:
    """Post one review with every suggestion that fits the diff; returns how many."""
    shown: dict[str, frozenset[int]] = {}
    read: dict[str, str] = {}
    for item in github.pull_files(repo, number):
        path = str(item.get("filename", ""))
        file = (root / path).resolve()
        if "patch" not in item or not file.is_file() or not file.is_relative_to(root.resolve()):
            continue
        shown[path] = diff_lines(str(item["patch"]))
        read[path] = file.read_text(encoding="utf-8", errors="replace")
    found = suggestions(sarif, read, shown)
    if found:
        github.request(
            "POST",
            f"/repos/{repo}/pulls/{number}/reviews",
            {
                "event": "COMMENT",
                "body": f"slsguard can fix {len(found)} finding(s) on lines this change touches.",
                "comments": [suggestion.comment() for suggestion in found],
            },
        )
    return len(found)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m slsguard.review --sarif FILE --repo OWNER/NAME --pr N`."""
    parser = argparse.ArgumentParser(prog="python -m slsguard.review", description=__doc__)
    parser.add_argument("--sarif", type=Path, required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--pr", type=int, required=True)
    parser.add_argument(
        "--api-url", default=os.environ.get("GITHUB_API_URL", "https://api.github.com")
    )
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if not token:
        print("slsguard review: set GITHUB_TOKEN or GH_TOKEN", file=sys.stderr)
        return 2
    sarif = json.loads(args.sarif.read_text(encoding="utf-8"))
    posted = post_review(GitHub(args.api_url, token), args.repo, args.pr, sarif, args.root)
    print(f"slsguard review: {posted} suggestion(s) posted")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
