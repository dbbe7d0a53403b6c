"""Unified diffs of fixed files, and secrets masked in anything a diff shows.

A diff shows lines of the user's files: context lines can hold a plaintext secret (that is
often what the fix is about). Every value that looks like one goes through the one masking
function (`slsguard.secrets.detect.mask`) before it is printed or put in a report.
"""

from __future__ import annotations

import difflib
import re


def unified_diff(display: str, before: str, after: str) -> str:
    """`before` → `after` as a unified diff of `display` (line endings shown as `\\n`)."""
    old = before.replace("\r\n", "\n").splitlines(keepends=True)
    new = after.replace("\r\n", "\n").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{display}", f"b/{display}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


_ASSIGNMENT = re.compile(r"""(?P<name>[\w.-]+)["']?\s*[:=]\s*["']?(?P<value>[^\s"',#}]+)""")
_WORD = re.compile(r"""[^\s"'`,;(){}\[\]<>=]{8,}""")


def mask_secrets(text: str) -> str:
    """`text` with every secret value it shows masked (`sk_l****`), through the one mask."""
    from slsguard.secrets.detect import classify, find_token, mask

    def named(match: re.Match[str]) -> str:
        value = match.group("value")
        if classify(match.group("name"), value) is None:
            return match.group(0)
        start = match.start("value") - match.start()
        return match.group(0)[:start] + mask(value) + match.group(0)[start + len(value) :]

    def token(match: re.Match[str]) -> str:
        word = match.group(0)
        return mask(word) if "****" not in word and find_token(word) is not None else word

    return "\n".join(_WORD.sub(token, _ASSIGNMENT.sub(named, line)) for line in text.split("\n"))
