"""Unified diffs of fixed files, and secrets masked in anything a diff shows.

A diff shows lines of the user's files: context lines can hold a plaintext secret (that is
often what the fix is about). Every value that looks like one goes through the one masking
function (`slsguard.secrets.detect.mask`) before it is printed or put in a report.
"""

from __future__ import annotations

import difflib


def unified_diff(display: str, before: str, after: str) -> str:
    """`before` → `after` as a unified diff of `display` (line endings shown as `\\n`)."""
    old = before.replace("\r\n", "\n").splitlines(keepends=True)
    new = after.replace("\r\n", "\n").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{display}", f"b/{display}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def mask_secrets(text: str) -> str:
    """`text` with every secret value it shows masked (`sk_l****`), by the one masking
    function of `slsguard.secrets.detect`."""
    from slsguard.secrets.detect import mask_text

    return mask_text(text)
