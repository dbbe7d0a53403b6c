"""`--download-code`: fetch each function's deployment package and extract it safely.

`GetFunction` returns `Code.Location`, a presigned S3 URL. With an endpoint override (a test
server), the URL names a real AWS host, so it is rewritten path-style onto the endpoint
(`https://<bucket>.s3.<region>.amazonaws.com/<key>` → `<endpoint>/<bucket>/<key>`). The
download is bounded (`MAX_DOWNLOAD`), and extraction is `slsguard.archive`'s: a hostile or
broken package (escaping entries, links, encryption, unknown compression, corrupt streams,
bombs, more than `MAX_FILES` entries or `MAX_UNPACKED` bytes) is refused with the reason,
which the report shows on that function, and leaves nothing behind.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from slsguard import archive

MAX_DOWNLOAD = 80 * 1024 * 1024
"""Bytes of a zipped package (Lambda's own limit for a direct upload is 50 MB)."""
MAX_UNPACKED = 262_144_000
"""Bytes once extracted (Lambda's limit for a function and its layers: 250 MB)."""
MAX_FILES = 20_000
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
    """Extract a package into `target` (created); PackageRefused (nothing kept) if hostile."""
    try:
        return archive.extract(
            data, target, archive.Limits(files=limits.files, unpacked=limits.unpacked)
        )
    except archive.ArchiveRefused as error:
        raise PackageRefused(f"the package is refused: {error}") from None


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
