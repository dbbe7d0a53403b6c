"""Running the fleet's tasks: a local process pool, or an existing Dask cluster.

Dask ships tasks and results as pickles, and unpickling runs code: whoever can talk to the
scheduler can run code on the client and the workers. So a scheduler is reached over TLS
(`tls://`, with the cluster's CA and a client certificate and key), and plain `tcp://` is
accepted only on loopback or when the user says `--insecure`. A remote worker cannot see the
client's folders: local paths are refused for a remote cluster (`RemoteFolderError`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from urllib.parse import urlsplit

from slsguard.fleet.targets import Outcome, Target
from slsguard.fleet.task import TaskSettings, run_target


class SchedulerError(ValueError):
    """A scheduler address or TLS setting that the client refuses (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Scheduler:
    """An existing Dask scheduler and how to reach it."""

    address: str
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure: bool = False

    @property
    def host(self) -> str:
        """The scheduler's host name or address."""
        return urlsplit(self.address).hostname or ""

    @property
    def on_loopback(self) -> bool:
        """Whether the scheduler is on this machine (its workers see the client's folders)."""
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check(scheduler: Scheduler, targets: Sequence[Target]) -> None:
    """Raise SchedulerError when the address, its security or a target is not acceptable."""
    scheme = urlsplit(scheduler.address).scheme
    if scheme not in ("tls", "tcp") or not scheduler.host:
        raise SchedulerError(
            f"--scheduler must be tls://HOST:PORT (or tcp:// on loopback): {scheduler.address}"
        )
    if scheme == "tcp" and not (scheduler.on_loopback or scheduler.insecure):
        raise SchedulerError(
            "Dask sends pickled tasks, which run code: plain tcp:// is accepted only on "
            "loopback; use tls:// with --tls-ca/--tls-cert/--tls-key, or --insecure"
        )
    tls_files = (scheduler.ca_file, scheduler.cert_file, scheduler.key_file)
    if scheme == "tls" and None in tls_files:
        raise SchedulerError("a tls:// scheduler needs --tls-ca, --tls-cert and --tls-key")
    local = [t.name for t in targets if t.is_local_folder]
    if local and not scheduler.on_loopback:
        raise SchedulerError(
            f"a remote cluster's workers cannot read local folders ({', '.join(local[:3])}): "
            "give git URLs, or run without --scheduler"
        )


def run_locally(targets: Sequence[Target], settings: TaskSettings, jobs: int) -> list[Outcome]:
    """Each target on a local process pool (the start method of `slsguard.parallel`)."""
    from slsguard.parallel import start_method

    if jobs <= 1 or len(targets) <= 1:
        return [run_target(target, settings) for target in targets]
    with ProcessPoolExecutor(min(jobs, len(targets)), mp_context=start_method()) as pool:
        return list(pool.map(run_target, targets, repeat(settings)))


def run_on_cluster(
    targets: Sequence[Target], settings: TaskSettings, scheduler: Scheduler
) -> list[Outcome]:
    """Each target as one task on the Dask cluster at `scheduler` (checked first)."""
    check(scheduler, targets)
    try:
        from distributed import Client, Security
    except ImportError:
        raise SchedulerError("--scheduler needs Dask: pip install 'slsguard[fleet]'") from None
    security = None
    if urlsplit(scheduler.address).scheme == "tls":
        security = Security(
            tls_ca_file=str(scheduler.ca_file),
            tls_client_cert=str(scheduler.cert_file),
            tls_client_key=str(scheduler.key_file),
            require_encryption=True,
        )
    with Client(scheduler.address, security=security, timeout="30s") as client:
        futures = client.map(run_target, list(targets), settings=settings, pure=False)
        results: list[Outcome] = client.gather(futures)
    return results
