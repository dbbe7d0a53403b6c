"""What a Lambda container image runs, read from its Dockerfile (never built, never run).

The AWS base images (`public.ecr.aws/lambda/python:3.12`, `.../nodejs:20`, the `amazon/
aws-lambda-*` names) say the language; `CMD ["app.handler"]` names the handler; `COPY`/`ADD`
lines into the task root (`${LAMBDA_TASK_ROOT}`, `/var/task`) say which folders of the build
context hold the code. A multi-stage file is read from its last stage. Images on other bases
(a custom runtime) have no handler setting slsguard can read.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from slsguard.code.model import Language

MAX_DOCKERFILE_BYTES = 256 * 1024
_BASES: tuple[tuple[str, Language], ...] = (
    ("lambda/python", "python"),
    ("aws-lambda-python", "python"),
    ("lambda/nodejs", "javascript"),
    ("aws-lambda-nodejs", "javascript"),
)


@dataclass(frozen=True, slots=True)
class Image:
    """The handler and code folders of a container image."""

    language: Language | None
    base: str
    handler: str | None
    handler_line: int
    sources: tuple[str, ...]
    """Paths of the build context copied into the image (`.` for the whole context)."""


def read_dockerfile(path: Path) -> Image | None:
    """The image a Dockerfile describes; None when it cannot be read."""
    try:
        if path.stat().st_size > MAX_DOCKERFILE_BYTES:
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    base, language, handler, line = "", None, None, 1
    sources: list[str] = []
    for number, instruction, argument in _instructions(text):
        if instruction == "FROM":
            base = argument.split()[0] if argument.split() else ""
            language = next((lang for marker, lang in _BASES if marker in base), None)
            sources, handler = [], None  # a new stage: only the last one runs
        elif instruction in ("COPY", "ADD") and "--from" not in argument:
            sources += _copied(argument)
        elif instruction == "CMD":
            words = _words(argument)
            handler, line = (words[0] if words else None), number
    return Image(language, base, handler, line, tuple(dict.fromkeys(sources)))


def _instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, INSTRUCTION, argument) with continuation lines joined."""
    found: list[tuple[int, str, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, argument = whole.partition(" ")
        found.append((start, keyword.upper(), argument.strip()))
    return found


def _words(argument: str) -> list[str]:
    if argument.startswith("["):
        try:
            value = json.loads(argument)
        except ValueError:
            return []
        return [str(item) for item in value] if isinstance(value, list) else []
    try:
        return shlex.split(argument)
    except ValueError:
        return argument.split()


def _copied(argument: str) -> list[str]:
    words = [word for word in _words(argument) if not word.startswith("--")]
    if len(words) < 2:
        return []
    return [re.sub(r"^\./", "", source) or "." for source in words[:-1]]
