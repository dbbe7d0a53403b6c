"""What a fleet run covers, and what each of its tasks returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from slsguard.audit.history import Entry

Kind = Literal["repository", "account"]

_GIT_URL = re.compile(r"^(?:https|file)://\S+$")
"""The repository URLs a worker clones (`slsguard.git.CLONE_PROTOCOLS`)."""


@dataclass(frozen=True, slots=True)
class Target:
    """One repository (a local folder or a git URL) or one account: an AWS profile, or the
    id of an account of the organization (`member`)."""

    kind: Kind
    name: str
    member: bool = field(default=False, compare=False)
    """An account of the organization, entered as `audit --organization` enters it (the
    run's `TaskSettings.organization`); the target is the same whoever enters it."""

    @property
    def is_local_folder(self) -> bool:
        """A folder on the client's machine (meaningless on a remote worker)."""
        return self.kind == "repository" and not is_git_url(self.name)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one task found: a history entry (its findings' fingerprints), or why it failed."""

    target: Target
    entry: Entry | None
    error: str = ""


def is_git_url(text: str) -> bool:
    """Whether `text` names a repository to clone rather than a local folder."""
    return bool(_GIT_URL.match(text))


def repositories(names: list[str], listing: Path | None) -> list[Target]:
    """The repositories named on the command line, then those listed in a file (one per
    line; blank lines and `#` comments skipped), each once, in order."""
    listed = listing.read_text(encoding="utf-8").splitlines() if listing else []
    wanted = [*names, *(line.strip() for line in listed)]
    kept = [name for name in wanted if name and not name.startswith("#")]
    return [Target("repository", name) for name in dict.fromkeys(kept)]


def accounts(profiles: list[str]) -> list[Target]:
    """One account target per AWS profile, each once, in order."""
    return [Target("account", profile) for profile in dict.fromkeys(profiles)]


def members(ids: list[str]) -> list[Target]:
    """One account target per account id of the organization, in order."""
    return [Target("account", account, member=True) for account in ids]
