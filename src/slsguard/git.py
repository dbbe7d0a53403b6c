"""The one way slsguard runs git: read-only, bounded, and deaf to the scanned repository's config.

A repository's own configuration can run programs: `core.fsmonitor`, `core.pager`,
`diff.external`, `diff.<driver>.textconv`, `filter.<driver>.clean`/`smudge` (chosen by
`.gitattributes`), hooks, `core.sshCommand`, credential helpers. Scanning an untrusted checkout
must never run any of them, so every git command slsguard runs goes through `run`, which

* switches those off on the command line (`-c` wins over every config file): fsmonitor off,
  hooks at `/dev/null`, pager `cat`, no external diff, no credential helper or ssh command,
  no protocol allowed unless the caller names one (a clone), no submodule recursion;
* drops every inherited `GIT_*` variable (a pre-commit hook's `GIT_DIR`/`GIT_INDEX_FILE`, a
  `GIT_EXTERNAL_DIFF`) and sets `GIT_CONFIG_NOSYSTEM`, `GIT_ATTR_NOSYSTEM`, no terminal prompt,
  no optional locks (read-only commands must not rewrite the index);
* reads at most `limit` bytes of output and kills git after `timeout` seconds.

Callers use plumbing that never runs filters or textconv (`ls-files`, `ls-tree`,
`cat-file --batch` without `--filters`/`--textconv`, tree-to-tree `diff --no-textconv
--no-ext-diff`), never porcelain that compares the working tree. `safe.directory` is left as
the user set it: a checkout git refuses as "dubious ownership" is treated as "git unavailable".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

TIMEOUT_SECONDS = 30.0
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
MAX_ERROR_BYTES = 64 * 1024

HARDENING = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.sshCommand=false",
    "core.askPass=",
    "core.attributesFile=/dev/null",
    "core.untrackedCache=false",
    "diff.external=",
    "credential.helper=",
    "submodule.recurse=false",
    "protocol.allow=never",
)
"""Config that overrides whatever the repository sets: nothing it configures may run."""

_CLEAN_ENVIRONMENT = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "LC_ALL": "C",
}


class GitError(RuntimeError):
    """git is missing, failed, timed out, or wrote more than the caller allows."""


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One file of a tree, as `ls-tree -r` lists it."""

    mode: str
    object_id: str
    path: str
    """Relative to the repository's top level, with forward slashes."""


def available() -> bool:
    """Whether a git executable is on PATH."""
    return shutil.which("git") is not None


def command(args: Iterable[str], protocols: Iterable[str] = ()) -> list[str]:
    """The full, hardened command line for `git ARGS` (`protocols`: those a clone may use)."""
    config = [*HARDENING, *(f"protocol.{name}.allow=always" for name in protocols)]
    return ["git", *(part for pair in config for part in ("-c", pair)), *args]


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: this process's environment) without `GIT_*`, plus the hardening."""
    source = os.environ if base is None else base
    kept = {key: value for key, value in source.items() if not key.startswith("GIT_")}
    return {**kept, **_CLEAN_ENVIRONMENT}


def run(
    repo: Path,
    *args: str,
    stdin: bytes = b"",
    limit: int = MAX_OUTPUT_BYTES,
    timeout: float = TIMEOUT_SECONDS,
    protocols: Iterable[str] = (),
) -> bytes:
    """The standard output of `git ARGS` run in `repo`; GitError when it fails in any way."""
    if not available():
        raise GitError("git is not installed")
    try:
        process = subprocess.Popen(
            command(args, protocols),
            cwd=repo,
            env=environment(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError as error:
        raise GitError(f"cannot run git: {error}") from None
    return _collect(process, stdin, limit, timeout, args)


def _collect(
    process: subprocess.Popen[bytes],
    stdin: bytes,
    limit: int,
    timeout: float,
    args: tuple[str, ...],
) -> bytes:
    """Feed `stdin`, read bounded stdout and stderr, enforce the timeout (threads, no deadlock)."""
    assert process.stdin and process.stdout and process.stderr
    errors: list[bytes] = []
    timer = threading.Timer(timeout, process.kill)
    helpers = [
        threading.Thread(target=_feed, args=(process.stdin, stdin), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, errors), daemon=True),
    ]
    timer.start()
    for helper in helpers:
        helper.start()
    try:
        output = process.stdout.read(limit + 1)
        if len(output) > limit:
            process.kill()
        code = process.wait()
    finally:
        timer.cancel()
        for helper in helpers:
            helper.join(timeout=1)
        process.stdout.close()
    name = f"git {args[0]}" if args else "git"
    if len(output) > limit:
        raise GitError(f"{name} wrote more than {limit} bytes")
    if code != 0:
        message = b"".join(errors).decode("utf-8", "replace").strip()
        raise GitError(f"{name} failed ({code}): {message or 'killed after the timeout'}")
    return output


def _feed(pipe: IO[bytes], data: bytes) -> None:
    # git may stop reading (killed, or done): its exit code tells the story.
    with contextlib.suppress(BrokenPipeError, ValueError):
        pipe.write(data)
    with contextlib.suppress(BrokenPipeError):
        pipe.close()


def _drain(pipe: IO[bytes], into: list[bytes]) -> None:
    into.append(pipe.read(MAX_ERROR_BYTES))
    while pipe.read(65536):
        pass  # keep git from blocking on a full stderr pipe


def top_level(path: Path) -> Path | None:
    """The top level of the work tree holding `path` (a folder), or None outside any.

    Found on disk: the nearest folder at or above `path` with a `.git` directory or file
    (work trees and submodules have a `.git` file). No git process is needed, so this works
    where git is missing or refuses the checkout.
    """
    for folder in (path, *path.parents):
        if (folder / ".git").exists():
            return folder
    return None


def tracked_files(top: Path) -> frozenset[str] | None:
    """The files git tracks in the work tree at `top` (relative, forward slashes), or None
    when git cannot tell (not installed, not a repository, refused, too large)."""
    try:
        output = run(top, "ls-files", "-z", "--full-name", "--", ".")
    except GitError:
        return None
    return frozenset(name for name in output.decode("utf-8", "surrogateescape").split("\0") if name)


def tree(repo: Path, treeish: str) -> tuple[TreeEntry, ...]:
    """Every file of `treeish` (a commit, branch or tree) in `repo`, recursively."""
    output = run(repo, "ls-tree", "-r", "-z", "--full-tree", treeish, "--")
    entries = []
    for line in output.decode("utf-8", "surrogateescape").split("\0"):
        if not line:
            continue
        meta, _, path = line.partition("\t")
        mode, _kind, object_id = meta.split(" ")
        entries.append(TreeEntry(mode, object_id, path))
    return tuple(entries)


def materialise(repo: Path, treeish: str, destination: Path, limit: int = MAX_OUTPUT_BYTES) -> int:
    """Write the regular files of `treeish` under `destination` from git's objects alone
    (no checkout: no filter, hook or attribute runs); symbolic links and submodules are
    skipped. Returns how many files were written."""
    blobs = [entry for entry in tree(repo, treeish) if entry.mode in ("100644", "100755")]
    blobs = [entry for entry in blobs if _safe_relative(entry.path)]
    request = "".join(f"{entry.object_id}\n" for entry in blobs).encode()
    output = run(repo, "cat-file", "--batch", stdin=request, limit=limit)
    offset = 0
    for entry in blobs:
        header_end = output.index(b"\n", offset)
        object_id, kind, size = output[offset:header_end].decode().split(" ")
        if object_id != entry.object_id or kind != "blob":
            raise GitError(f"git cat-file: unexpected {kind} {object_id} for {entry.path}")
        start = header_end + 1
        target = destination.joinpath(*PurePosixPath(entry.path).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output[start : start + int(size)])
        offset = start + int(size) + 1  # the blob is followed by a newline
    return len(blobs)


def _safe_relative(path: str) -> bool:
    """A tree path that stays under the destination (git never writes others, neither do we)."""
    parts = PurePosixPath(path).parts
    lowered = {part.lower() for part in parts}
    return bool(parts) and not path.startswith("/") and not lowered & {"..", ".git"}


CLONE_PROTOCOLS = ("https", "file")
"""Protocols `clone` may use: https, and file:// for local mirrors (never `ext`; no ssh,
since the hardening leaves git no ssh command)."""

CLONE_TIMEOUT_SECONDS = 600.0


def clone(url: str, destination: Path, limit: int = MAX_OUTPUT_BYTES) -> Path:
    """The files of `url`'s default branch, written under `destination/tree` (returned).

    A shallow, bare clone (no checkout, so no filter or hook of the repository can run),
    then `materialise`, which writes regular files from git's objects alone. Only
    `CLONE_PROTOCOLS` are allowed; an option-like URL is refused.
    """
    if url.startswith("-"):
        raise GitError(f"not a repository URL: {url!r}")
    bare, files = destination / "repo.git", destination / "tree"
    destination.mkdir(parents=True, exist_ok=True)
    run(
        destination,
        *("clone", "--bare", "--depth", "1", "--single-branch", "--no-tags", "--quiet"),
        *("--", url, str(bare)),
        timeout=CLONE_TIMEOUT_SECONDS,
        protocols=CLONE_PROTOCOLS,
    )
    files.mkdir()
    materialise(bare, "HEAD", files, limit)
    return files
