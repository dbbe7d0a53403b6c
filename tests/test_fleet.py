"""`slsguard fleet`: local pool, a real Dask cluster on loopback, SQLite and PostgreSQL stores."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.fleet.execute import Scheduler, SchedulerError, check, run_locally, run_on_cluster
from slsguard.fleet.store import Store, open_store
from slsguard.fleet.targets import Target, repositories
from slsguard.fleet.task import TaskSettings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SETTINGS = TaskSettings(today=date(2026, 1, 1))

WILDCARD = """\
service: fleet-probe
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "{action}"
          Resource: "*"
functions:
  probe:
    handler: handler.main
"""


def _git(folder: Path, *args: str) -> None:
    identity = ("-c", "user.name=t", "-c", "user.email=t@example.com")
    subprocess.run(["git", *identity, "-C", str(folder), *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def postgresql() -> Iterator[str]:
    """A throwaway PostgreSQL server on a free loopback port: `initdb` and `pg_ctl` of the
    system's PostgreSQL, run as the `postgres` user when this is root (they refuse root)."""
    pytest.importorskip("psycopg", reason="psycopg (slsguard[fleet]) is not installed")
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL is not installed (.ci/run installs the postgresql package)")
    binaries = found[-1].parent
    as_user: list[str] = []
    data = Path(tempfile.mkdtemp(prefix="slsguard-pg-"))
    if os.geteuid() == 0:
        try:
            postgres = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root, and there is no postgres user to run PostgreSQL as")
        os.chown(data, postgres.pw_uid, postgres.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    cluster = str(data / "cluster")
    server = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_user, str(binaries / "initdb"), "-D", cluster, "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    start = ["-D", cluster, "-l", str(data / "log"), "-o", server, "-w", "start"]
    subprocess.run([*as_user, str(binaries / "pg_ctl"), *start], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [*as_user, str(binaries / "pg_ctl"), "-D", cluster, "-m", "immediate", "stop"]
        subprocess.run(stop, check=False, capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _targets(repository: str) -> list[Target]:
    folders = [str(EXAMPLES / "orders-api"), str(EXAMPLES / "thumbnails"), "/nonexistent/repo"]
    return repositories([*folders, repository], None)


def _contents(store: Store) -> list[tuple[object, ...]]:
    """The latest run's rows, without the times (two runs differ only in those)."""
    last = store.runs()[-1]
    return [
        (
            scope.target,
            scope.error,
            scope.entry.counts if scope.entry else None,
            scope.entry.findings if scope.entry else None,
        )
        for scope in last.scopes
    ]


def _recorded(location: str, targets: list[Target], on: Scheduler | None = None) -> Store:
    outcomes = (
        run_on_cluster(targets, SETTINGS, on) if on else run_locally(targets, SETTINGS, jobs=2)
    )
    store = open_store(location)
    store.record("2026-01-01T00:00:00+00:00", outcomes)
    return store


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store with one local run over the examples, a missing folder and a git URL."""
    base = tmp_path_factory.mktemp("local")
    folder = base / "probe-repo"
    folder.mkdir()
    (folder / "serverless.yml").write_text(WILDCARD.format(action="s3:*"), encoding="utf-8")
    _git(folder, "init", "-q")
    _git(folder, "add", ".")
    _git(folder, "commit", "-qm", "probe")
    _recorded(str(base / "local.sqlite"), _targets(f"file://{folder}")).close()
    yield base


def test_a_local_run_records_every_repository_and_why_one_failed(local_run: Path) -> None:
    store = open_store(str(local_run / "local.sqlite"))
    rows = {target.name: (error, findings) for target, error, _, findings in _contents(store)}
    store.close()
    assert rows["/nonexistent/repo"] == ("no such folder: /nonexistent/repo", None)
    cloned = rows[f"file://{local_run / 'probe-repo'}"]
    assert cloned[0] == "" and cloned[1] is not None
    assert {seen.rule for seen in cloned[1]} >= {"SLS101"}  # s3:* from the cloned repository
    assert {seen.where for seen in cloned[1]} >= {"serverless.yml"}
    assert len(rows[str(EXAMPLES / "orders-api")][1] or ()) > 5


def test_a_dask_cluster_records_what_a_local_run_records(local_run: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="slsguard[fleet] is not installed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        protocol="tcp",
        dashboard_address=None,
    )
    try:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        repository = f"file://{local_run / 'probe-repo'}"
        scheduler = Scheduler(cluster.scheduler_address)
        on_cluster = _recorded(str(local_run / "dask.sqlite"), _targets(repository), scheduler)
    finally:
        cluster.close()
    local = open_store(str(local_run / "local.sqlite"))
    assert _contents(on_cluster) == _contents(local)
    on_cluster.close()
    local.close()


def test_a_tls_cluster_is_reached_with_its_ca_and_a_client_certificate(local_run: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="slsguard[fleet] is not installed")
    pytest.importorskip("cryptography", reason="certificates for the test cluster need it")
    security = distributed.Security.temporary()  # a CA and a certificate, in memory
    pem = {
        "ca": security.tls_ca_file,
        "cert": security.tls_client_cert,
        "key": security.tls_client_key,
    }
    for name, text in pem.items():
        (local_run / f"{name}.pem").write_text(text, encoding="ascii")
    cluster = distributed.LocalCluster(
        n_workers=1,
        processes=False,
        protocol="tls://",
        host="127.0.0.1",
        security=security,
        dashboard_address=None,
    )
    try:
        assert cluster.scheduler_address.startswith("tls://127.0.0.1:")
        scheduler = Scheduler(
            cluster.scheduler_address, *(local_run / f"{name}.pem" for name in pem)
        )
        repository = Target("repository", f"file://{local_run / 'probe-repo'}")
        (outcome,) = run_on_cluster([repository], SETTINGS, scheduler)
    finally:
        cluster.close()
    assert outcome.error == "" and outcome.entry is not None
    assert {seen.rule for seen in outcome.entry.findings} >= {"SLS101"}


def test_postgresql_stores_what_sqlite_stores(local_run: Path, postgresql: str) -> None:
    sqlite = open_store(str(local_run / "local.sqlite"))
    outcomes = run_locally(_targets(f"file://{local_run / 'probe-repo'}"), SETTINGS, jobs=1)
    store = open_store(postgresql)
    store.record("2026-01-01T00:00:00+00:00", outcomes)
    assert _contents(store) == _contents(sqlite)
    assert [run.run for run in store.runs()] == [1]
    store.close()
    sqlite.close()


def test_the_report_says_what_is_new_fixed_and_still_open(tmp_path: Path) -> None:
    service = tmp_path / "service"
    service.mkdir()
    config = service / "serverless.yml"
    store = str(tmp_path / "fleet.sqlite")
    scan = ["fleet", "scan", str(service), "--store", store, "--jobs", "1", "--as-of"]
    config.write_text(WILDCARD.format(action="s3:*"), encoding="utf-8")
    assert main([*scan, "2026-01-01"]) == 0
    config.write_text(WILDCARD.format(action="dynamodb:*"), encoding="utf-8")
    assert main([*scan, "2026-01-01"]) == 0
    report = tmp_path / "report.json"
    assert main(["fleet", "report", "--store", store, "--format", "json", "-o", str(report)]) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["run"] == 2
    (scope,) = data["scopes"]
    assert scope["name"] == str(service) and scope["previous"]
    fixed, new = scope["fixed"], scope["new"]
    assert fixed and new and {item["rule"] for item in fixed + new} >= {"SLS101"}
    assert not {item["fingerprint"] for item in fixed} & {item["fingerprint"] for item in new}
    for format_name, marker in (("markdown", "| repository |"), ("html", "<td>repository</td>")):
        out = tmp_path / f"report.{format_name}"
        argv = ["fleet", "report", "--store", store, "--format", format_name, "-o", str(out)]
        assert main(argv) == 0
        assert marker in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("scheduler", "problem"),
    [
        (Scheduler("tcp://10.0.0.5:8786"), "plain tcp:// is accepted only on loopback"),
        (Scheduler("tls://10.0.0.5:8786"), "needs --tls-ca, --tls-cert and --tls-key"),
        (Scheduler("ws://127.0.0.1:8786"), "--scheduler must be tls://"),
    ],
)
def test_unsafe_schedulers_are_refused(scheduler: Scheduler, problem: str) -> None:
    with pytest.raises(SchedulerError, match=problem):
        check(scheduler, [Target("repository", "https://example.com/r.git")])


def test_a_remote_cluster_gets_no_local_folder(capsys: pytest.CaptureFixture[str]) -> None:
    remote = ["--scheduler", "tcp://10.0.0.5:8786", "--insecure"]
    assert main(["fleet", "scan", str(EXAMPLES / "orders-api"), *remote]) == 2
    assert "cannot read local folders" in capsys.readouterr().err
    check(Scheduler("tcp://10.0.0.5:8786", insecure=True), [Target("account", "prod")])
    check(Scheduler("tcp://localhost:8786"), [Target("repository", str(EXAMPLES))])
