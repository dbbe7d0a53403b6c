"""HTTP for the advisory sources: timeouts, bounded retries with backoff, bounded answers.

Standard library only. Connection failures, timeouts, HTTP 429 and 5xx answers are retried
(honouring a short `Retry-After`); other HTTP errors are not. Loopback addresses never go
through a proxy (tests run a local OSV server).
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from slsguard import __version__
from slsguard.deps.sources import NotFoundError, SourceError

MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_RETRY_AFTER = 30.0
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True, slots=True)
class Transport:
    """How requests are made: per-request timeout, attempts, and the first backoff delay."""

    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 0.5

    def json(self, url: str, body: Any = None) -> Any:
        """GET (or POST `body` as JSON) and decode the JSON answer; SourceError on failure."""
        data = None if body is None else json.dumps(body).encode()
        raw = self._retrying(url, data, lambda response: _read(response, MAX_JSON_BYTES))
        try:
            return json.loads(raw)
        except ValueError:
            raise SourceError(f"{_host(url)} answered with invalid JSON") from None

    def download(self, url: str, target: BinaryIO, limit: int) -> int:
        """Stream `url` into `target` (at most `limit` bytes); the number of bytes written."""

        def copy(response: Any) -> int:
            """Copy the answer into `target`, from the start (a retry starts over)."""
            target.seek(0)
            target.truncate()
            total = 0
            while chunk := response.read(1024 * 1024):
                total += len(chunk)
                if total > limit:
                    raise SourceError(f"{url} is larger than {limit // (1024 * 1024)} MiB")
                target.write(chunk)
            return total

        written: int = self._retrying(url, None, copy)
        return written

    def _retrying(self, url: str, data: bytes | None, handle: Any) -> Any:
        last = "no attempt made"
        for attempt in range(max(self.attempts, 1)):
            delay = self.backoff * (2**attempt)
            try:
                with self._open(url, data) as response:
                    return handle(response)
            except urllib.error.HTTPError as error:
                if error.code != 429 and error.code < 500:
                    kind = NotFoundError if error.code == 404 else SourceError
                    raise kind(f"{_host(url)} answered HTTP {error.code}") from None
                last = f"HTTP {error.code}"
                delay = max(delay, _retry_after(error))
            except (urllib.error.URLError, OSError) as error:
                last = _reason(error)
            except http.client.HTTPException as error:
                last = f"broken answer ({type(error).__name__})"
            except ValueError as error:
                raise SourceError(f"cannot request {url}: {error}") from None
            if attempt + 1 < self.attempts:
                time.sleep(delay)
        raise SourceError(
            f"{_host(url)} could not be reached ({last}; {self.attempts} attempts, "
            f"{self.timeout:g} s timeout each)"
        )

    def _open(self, url: str, data: bytes | None) -> Any:
        headers = {"User-Agent": f"slsguard/{__version__}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers)
        handlers = [urllib.request.ProxyHandler({})] if _host(url) in _LOOPBACK else []
        opener = urllib.request.build_opener(*handlers)
        return opener.open(request, timeout=self.timeout)


def _read(response: Any, limit: int) -> bytes:
    raw: bytes = response.read(limit + 1)
    if len(raw) > limit:
        raise SourceError(f"answer larger than {limit // (1024 * 1024)} MiB")
    return raw


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _retry_after(error: urllib.error.HTTPError) -> float:
    value = error.headers.get("Retry-After", "") if error.headers else ""
    try:
        return min(float(value), MAX_RETRY_AFTER)
    except ValueError:
        return 0.0


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError) and not isinstance(error.reason, str):
        error = error.reason if isinstance(error.reason, BaseException) else error
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(getattr(error, "reason", None) or error) or type(error).__name__
