"""Deployment zips committed to the repository, unpacked so their code is read like a folder.

A function whose package is a zip in the scan root (Terraform `filename`, SAM `CodeUri`,
CloudFormation `Code`, Serverless `package.artifact`) runs the code inside that zip, not the
sources next to it. Each zip is opened through `slsguard.archive`, the one safe archive
reader (entry count and unpacked bytes bounded, escaping entries, links, encryption and
bombs refused with the reason), once per process, into a private temporary folder that is
removed when the process exits: nothing is ever written into the scanned project.

Files inside are named `<zip>!/<entry>` (`dist/app.zip!/handler.py`), the way Java names
entries of a jar, so a finding points at the zip and the entry in it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_ZIPPED_BYTES = 80 * 1024 * 1024
"""Bytes of a committed zip (Lambda takes 50 MB directly, more through S3; 250 MB unpacked)."""
SEPARATOR = "!/"


@dataclass(frozen=True, slots=True)
class Unpacked:
    """A committed zip and the private folder its entries were extracted into."""

    archive: Path
    folder: Path


_unpacked: dict[tuple[Path, int, int], Unpacked | str] = {}
_archives: dict[Path, Path] = {}
"""Unpacked folder → the zip it came from (for naming files inside)."""
_scratch: dict[int, Path] = {}
"""Process id → the temporary folder of that process (a forked worker makes its own)."""


def unpack(path: Path) -> Unpacked | str:
    """The zip at `path` (resolved, under the scan root) unpacked, or why it is not read."""
    from slsguard import archive

    try:
        status = path.stat()
    except OSError as error:
        return f"it cannot be read ({error.strerror})"
    key = (path, status.st_mtime_ns, status.st_size)
    if key in _unpacked:
        return _unpacked[key]
    if status.st_size > MAX_ZIPPED_BYTES:
        found: Unpacked | str = f"it is larger than {MAX_ZIPPED_BYTES} bytes"
    else:
        target = _scratch_folder() / str(len(_unpacked))
        try:
            folder = archive.extract(path, target).resolve()
        except archive.ArchiveRefused as error:
            found = f"it is refused: {error}"
        else:
            found = Unpacked(path, folder)
            _archives[folder] = path
    _unpacked[key] = found
    return found


def shown(path: Path, cwd: Path) -> str | None:
    """`dist/app.zip!/handler.py` for a file of an unpacked zip; None for any other path."""
    if not _archives:
        return None
    for folder, zipped in _archives.items():
        if path.is_relative_to(folder):
            from slsguard.discovery import display_name

            inner = path.relative_to(folder).as_posix()
            return f"{display_name(zipped, cwd)}{SEPARATOR}{inner}"
    return None


def is_unpacked(path: Path) -> bool:
    """Whether `path` (resolved) lies in a folder slsguard unpacked a committed zip into."""
    return any(path.is_relative_to(folder) for folder in _archives)


def serverless_artifact(template: object, settings: object) -> tuple[str, dict[str, Any]] | None:
    """The local `package.artifact` a Serverless function deploys as is (the function's,
    else the service's), with the `package` table holding it; None for an S3 URL or none."""
    for owner in (settings, template):
        package = owner.get("package") if isinstance(owner, dict) else None
        if not isinstance(package, dict):
            continue
        artifact = package.get("artifact")
        if isinstance(artifact, str) and artifact:
            return (artifact, package) if "://" not in artifact else None
    return None


def _scratch_folder() -> Path:
    pid = os.getpid()
    if pid not in _scratch:
        import multiprocessing
        from multiprocessing import util

        # A worker of `scan --jobs` names its folder after the scanning process, which removes
        # what its workers leave (a terminated worker runs no exit handler of its own).
        parent = multiprocessing.parent_process()
        owner = parent.pid if parent is not None and parent.pid is not None else pid
        folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{owner}-")).resolve()
        atexit.register(shutil.rmtree, folder, True)
        util.Finalize(None, shutil.rmtree, args=(folder, True), exitpriority=0)
        _scratch[pid] = folder
    return _scratch[pid]


def _remove_leftovers(owner: int) -> None:
    """At the scanning process's exit: the folders its workers could not remove."""
    if os.getpid() != owner:
        return  # a forked copy of this module in another process
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}{owner}-*"):
        shutil.rmtree(folder, ignore_errors=True)


_PREFIX = "slsguard-zips-"
atexit.register(_remove_leftovers, os.getpid())
