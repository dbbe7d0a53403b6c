"""Shell lines in CI scripts: which deploy, which hand over an AWS access key, and where they are.

Pure text analysis, no execution. A script value (`run: |`, a `script:` item) is split into
logical commands (continuation lines joined, comments dropped); each is split into segments at
`&&`, `||`, `;` and `|`, so flags are read from the command they belong to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slsguard.delivery import DeployTool

MAX_COMMAND_CHARS = 4000
"""Longer logical lines are cut before matching (generated scripts, embedded data)."""
MAX_SEARCH_LINES = 400
"""How far below its key a script line is looked for in the file."""

_B = r"(?<![\w.@/-])"  # a command word starts after a separator, not inside a word
_E = r"(?![\w-])"
_DEPLOYS: tuple[tuple[DeployTool, re.Pattern[str]], ...] = (
    ("serverless", re.compile(_B + r"(?:\S*/)?(?:serverless|sls)(?:@\S+)?\s+deploy" + _E)),
    ("sam", re.compile(_B + r"sam\s+deploy" + _E)),
    ("cdk", re.compile(_B + r"(?:\S*/)?cdk(?:@\S+)?\s+deploy" + _E)),
    (
        "cloudformation",
        re.compile(
            _B + r"aws\s+(?:-\S+\s+(?:[^-\s]\S*\s+)?)*cloudformation\s+"
            r"(?:deploy|create-stack|update-stack|create-change-set)" + _E
        ),
    ),
    ("terraform", re.compile(_B + r"(?:terraform|tofu|terragrunt)\s+(?:\S+\s+)*?apply" + _E)),
    ("pulumi", re.compile(_B + r"pulumi\s+(?:up|update)" + _E)),
    (
        "aws-cli",
        re.compile(
            _B + r"aws\s+(?:-\S+\s+(?:[^-\s]\S*\s+)?)*lambda\s+"
            r"(?:update-function-code|create-function|publish-layer-version)" + _E
        ),
    ),
    (
        "script",
        re.compile(_B + r"(?:(?:npm|pnpm|bun)\s+run|yarn(?:\s+run)?|make)\s+deploy[\w:.-]*"),
    ),
)
_SEGMENT_SPLIT = re.compile(r"&&|\|\||;|(?<![|>])\|(?!\|)")
_VALUE = r"""(?P<value>"[^"]*"|'[^']*'|\$\{\{[^}]*\}\}|[^\s;&|"']+)"""
_KEY_SETTERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "serverless config credentials --key",
        re.compile(
            _B
            + r"(?:serverless|sls)(?:@\S+)?\s+config\s+credentials\b.*?\s(?:--key|-k)(?:\s+|=)"
            + _VALUE
        ),
    ),
    (
        "aws configure set aws_access_key_id",
        re.compile(_B + r"aws\s+configure\s+set\s+(?:[\w-]+\.)?aws_access_key_id\s+" + _VALUE),
    ),
    ("AWS_ACCESS_KEY_ID", re.compile(r"(?<![\w$])AWS_ACCESS_KEY_ID=" + _VALUE)),
    ("aws_access_key_id", re.compile(r"(?<![\w$])aws_access_key_id\s*=\s*" + _VALUE)),
)
_SESSION_TOKEN = re.compile(r"(?i)aws_session_token|assume-role|AWS_WEB_IDENTITY_TOKEN_FILE")
_CD = re.compile(r"^\s*(?:pushd|cd)\s+(?P<dir>[^\s;&|]+)")
_COMMENT = re.compile(r"^\s*(?:#|echo\s|printf\s)")
_GITHUB_STORED = re.compile(r"\$\{\{\s*(?:secrets|vars)\.")
_AWS_KEY_ID = re.compile(r"AKIA[A-Z0-9]{16}")


@dataclass(frozen=True, slots=True)
class Command:
    """One logical command of a script: its text and the file line it starts on."""

    line: int
    column: int
    text: str


class SourceLines:
    """The lines of a CI file, to find where each line of a multi-line script value is."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def commands(self, value: str, line: int, column: int) -> list[Command]:
        """The logical commands of the script `value` whose key or item starts at `line`."""
        found: list[Command] = []
        cursor = line
        pending: list[str] = []
        start = (line, column)
        for physical in value.splitlines():
            stripped = physical.strip()
            at = self._find(stripped, cursor) if stripped else None
            if at is not None:
                cursor = at
            if not pending:
                start = (at, self.lines[at - 1].find(stripped) + 1) if at else (line, column)
            if stripped.endswith("\\"):
                pending.append(stripped[:-1].rstrip())
                continue
            pending.append(stripped)
            text = " ".join(part for part in pending if part)[:MAX_COMMAND_CHARS]
            pending = []
            if text and not text.startswith("#"):
                found.append(Command(start[0], start[1], text))
        if pending:
            found.append(Command(start[0], start[1], " ".join(pending)[:MAX_COMMAND_CHARS]))
        return found

    def _find(self, needle: str, cursor: int) -> int | None:
        end = min(len(self.lines), cursor - 1 + MAX_SEARCH_LINES)
        for index in range(max(cursor - 1, 0), end):
            if needle in self.lines[index]:
                return index + 1
        return None


def segments(command: str) -> list[str]:
    """The simple commands of a logical line: split at `&&`, `||`, `;` and pipes."""
    return [part.strip() for part in _SEGMENT_SPLIT.split(command) if part.strip()]


def deploy_tool(segment: str) -> DeployTool | None:
    """The deployment tool a simple command runs, or None when it does not deploy."""
    if _COMMENT.match(segment):
        return None
    for tool, pattern in _DEPLOYS:
        if pattern.search(segment):
            return tool
    return None


def key_setting(segment: str) -> tuple[str, str] | None:
    """(how, value) when a simple command hands over an AWS access key ID."""
    if segment.lstrip().startswith("#"):
        return None
    for setting, pattern in _KEY_SETTERS:
        match = pattern.search(segment)
        if match:
            return setting, match.group("value").strip("\"'")
    return None


def mentions_short_lived(command: str) -> bool:
    """Whether a command handles temporary credentials (a session token, an assumed role)."""
    return _SESSION_TOKEN.search(command) is not None


def changes_directory(segment: str) -> str | None:
    """The folder a `cd` / `pushd` command moves to."""
    match = _CD.match(segment)
    return match.group("dir").strip("\"'") if match else None


def flag_value(segment: str, *names: str) -> str | None:
    """The value of the first of `names` given on a command (`--flag value`, `--flag=value`)."""
    for name in names:
        match = re.search(rf"(?<!\S){re.escape(name)}(?:=|\s+)([^\s;&|]+)", segment)
        if match:
            return match.group(1).strip("\"'")
    return None


def has_flag(segment: str, name: str) -> bool:
    """Whether `name` is given on the command, with or without a value."""
    return re.search(rf"(?<!\S){re.escape(name)}(?![\w-])", segment) is not None


def is_stored_value(value: str, github: bool, *, in_script: bool, short_lived: bool) -> bool:
    """Whether a value handed over as an access key ID is a long-lived stored key.

    GitHub: `${{ secrets.X }}` / `${{ vars.X }}`, never another expression. GitLab and
    Bitbucket: a `$VARIABLE` (a CI/CD variable), unless in a script of a job that also handles
    temporary credentials (the variable may hold what `assume-role` returned). Anywhere: a
    literal access key ID (`AKIA...`). Command substitutions are computed, not stored.
    """
    text = value.strip().strip("\"'")
    if not text or "$(" in text or "`" in text:
        return False
    if "${{" in text:
        return _GITHUB_STORED.search(text) is not None
    if text.startswith("$"):
        return not github and not (in_script and short_lived)
    return _AWS_KEY_ID.fullmatch(text) is not None
