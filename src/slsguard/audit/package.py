"""`--download-code`: fetch each function's deployment package and extract it safely.

`GetFunction` returns `Code.Location`, a presigned S3 URL. With an endpoint override (a test
server), the URL names a real AWS host, so it is rewritten path-style onto the endpoint
(`https://<bucket>.s3.<region>.amazonaws.com/<key>` → `<endpoint>/<bucket>/<key>`). The
download is bounded (`MAX_DOWNLOAD`), and extraction refuses the whole package when an entry
would land outside its directory (absolute paths, `..`), is a symbolic link, or when the
archive holds more than `MAX_FILES` entries or more than `MAX_UNPACKED` bytes (counted while
writing, not trusted from the headers). A refused package leaves nothing behind.
"""

from __future__ import annotations

import io
import shutil
import stat
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

MAX_DOWNLOAD = 80 * 1024 * 1024
"""Bytes of a zipped package (Lambda's own limit for a direct upload is 50 MB)."""
MAX_UNPACKED = 262_144_000
"""Bytes once extracted (Lambda's limit for a function and its layers: 250 MB)."""
MAX_FILES = 20_000
_CHUNK = 64 * 1024
_TIMEOUT = 60


class PackageRefused(Exception):
    """The package was not analysed; the message says why (for the report)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """How much a package may weigh, zipped and extracted, and how many entries it may hold."""

    download: int = MAX_DOWNLOAD
    unpacked: int = MAX_UNPACKED
    files: int = MAX_FILES


def download_url(location: str, endpoint_url: str | None) -> str:
    """The URL to fetch `Code.Location` from, rewritten onto the endpoint override if any."""
    if not endpoint_url:
        return location
    parts = urlsplit(location)
    host = parts.hostname or ""
    path = parts.path
    if ".s3." in host or host.endswith(".s3.amazonaws.com"):
        path = f"/{host.split('.s3', 1)[0]}{path}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{endpoint_url.rstrip('/')}{path}{query}"


def fetch(url: str, limits: Limits = Limits()) -> bytes:
    """The package bytes; PackageRefused when larger than the limit or unreachable."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise PackageRefused(f"the package location is not an HTTP(S) URL ({url[:40]})")
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
            data: bytes = response.read(limits.download + 1)
    except OSError as error:
        raise PackageRefused(f"the package could not be downloaded ({error})") from error
    if len(data) > limits.download:
        raise PackageRefused(f"the package is larger than {limits.download} bytes")
    return data


def extract(data: bytes, target: Path, limits: Limits = Limits()) -> Path:
    """Extract a zip into `target` (created); PackageRefused (and nothing kept) if hostile."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise PackageRefused("the package is not a zip archive") from error
    with archive:
        entries = archive.infolist()
        _check(entries, limits)
        target.mkdir(parents=True, exist_ok=False)
        try:
            _write(archive, entries, target.resolve(), limits)
        except (PackageRefused, zipfile.BadZipFile, OSError) as error:
            shutil.rmtree(target, ignore_errors=True)
            if isinstance(error, PackageRefused):
                raise
            raise PackageRefused(f"the package could not be extracted ({error})") from error
    return target


def _check(entries: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse before writing anything: too many entries, escapes, links, declared size."""
    if len(entries) > limits.files:
        raise PackageRefused(f"the package holds {len(entries)} entries (limit {limits.files})")
    declared = 0
    for info in entries:
        name = info.filename
        if _escapes(name):
            raise PackageRefused(f"entry `{name}` would be written outside the package directory")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise PackageRefused(f"entry `{name}` is a symbolic link")
        declared += info.file_size
    if declared > limits.unpacked:
        raise PackageRefused(
            f"the package would unpack to {declared} bytes (limit {limits.unpacked}): "
            "a zip bomb or an oversized package"
        )


def _escapes(name: str) -> bool:
    normal = name.replace("\\", "/")
    path = PurePosixPath(normal)
    return path.is_absolute() or ".." in path.parts or (len(normal) > 1 and normal[1] == ":")


def _write(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], root: Path, limits: Limits
) -> None:
    """Write each entry, counting the real bytes (headers can lie about sizes)."""
    written = 0
    for info in entries:
        destination = (root / info.filename).resolve()
        if not destination.is_relative_to(root):
            raise PackageRefused(f"entry `{info.filename}` escapes the package directory")
        if info.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, destination.open("wb") as sink:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limits.unpacked:
                    raise PackageRefused(
                        f"the package unpacks to more than {limits.unpacked} bytes: a zip bomb"
                    )
                sink.write(chunk)


def download_all(
    functions: list[tuple[str, str, str | None]],
    endpoint_url: str | None,
    root: Path,
    limits: Limits = Limits(),
) -> dict[str, Path | str]:
    """(ARN, name, `Code.Location`) of each function → its extracted directory, or why not.

    Functions without a location (container images) are left out: the code rules list them
    as not analysed. Each package goes to `root/<region>/<name>`.
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(item: tuple[str, str, str | None]) -> tuple[str, Path | str] | None:
        arn, name, location = item
        if not location:
            return None
        target = root / arn.split(":")[3] / name
        try:
            return arn, extract(fetch(download_url(location, endpoint_url), limits), target, limits)
        except PackageRefused as error:
            return arn, str(error)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(found for found in pool.map(one, functions) if found is not None)
