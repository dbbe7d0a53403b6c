"""Dependency auditing through the whole scan: defaults, offline and online sources giving the
same findings, unreachable sources, the CLI (`--format cyclonedx`, `db update`, `db info`)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import OSV_FIXTURES, FakeOsv, write_exports
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from slsguard.cli import main
from slsguard.deps.options import DependencyOptions
from slsguard.findings import Finding, Report
from slsguard.scan import ScanOptions, scan

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"

SERVERLESS = """\
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  checkout:
    handler: handler.checkout
  web:
    handler: web/index.handler
    runtime: nodejs20.x
"""
REQUIREMENTS = "requests==2.19.0\njinja2==3.1.4\nboto3>=1.28\nurllib3==1.26.4\n"
PACKAGE_LOCK = {
    "name": "shop",
    "lockfileVersion": 3,
    "packages": {
        "": {
            "dependencies": {"minimist": "^1.2.0", "express": "^4.17.0"},
            "devDependencies": {"semver": "^7"},
        },
        "node_modules/minimist": {"version": "1.2.5"},
        "node_modules/express": {"version": "4.17.1"},
        "node_modules/semver": {"version": "7.3.8", "dev": True},
    },
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "serverless.yml").write_text(SERVERLESS)
    (root / "requirements.txt").write_text(REQUIREMENTS)
    (root / "package.json").write_text(json.dumps({"dependencies": {"minimist": "^1.2.0"}}))
    (root / "package-lock.json").write_text(json.dumps(PACKAGE_LOCK, indent=2))
    return root


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _deps(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.rule.id.startswith("SLS70")]


def _view(report: Report) -> list[tuple[str, str, int, str, str, str]]:
    return sorted(
        (f.rule.id, f.location.file or "", f.location.line, f.severity.value, f.message, f.fix)
        for f in _deps(report)
    )


def test_default_scan_never_uses_the_network_and_says_so(project: Path, no_network: None) -> None:
    report = scan([project])
    rules = [f.rule.id for f in _deps(report)]
    assert "SLS701" not in rules
    not_audited = [f for f in _deps(report) if f.rule.id == "SLS703"]
    assert len(not_audited) == 2  # requirements.txt and package-lock.json
    assert all("auditing was not requested" in f.message for f in not_audited)
    assert [f.location.line for f in _deps(report) if f.rule.id == "SLS702"] == [3]


def test_offline_database_findings(project: Path, no_network: None) -> None:
    options = ScanOptions(dependencies=DependencyOptions(advisory_db=OSV_FIXTURES))
    report = scan([project], options)
    vulnerable = [f for f in _deps(report) if f.rule.id == "SLS701"]
    assert {(f.location.file.rsplit("/", 1)[-1], f.location.line) for f in vulnerable} == {  # type: ignore[union-attr]
        ("requirements.txt", 1),
        ("requirements.txt", 2),
        ("requirements.txt", 4),
        ("package-lock.json", _line(project / "package-lock.json", '"node_modules/minimist"')),
        ("package-lock.json", _line(project / "package-lock.json", '"node_modules/express"')),
    }
    requests = next(f for f in vulnerable if "GHSA-x84v-xcm2-53pg" in f.message)
    assert requests.functions == ("checkout",) and requests.function == "checkout"
    assert requests.severity.value == "high"
    assert "write `requests==2.20.0` in requirements.txt" in requests.fix
    minimist = next(f for f in vulnerable if "minimist" in f.message)
    assert minimist.severity.value == "critical" and minimist.function == "web"
    assert "npm install minimist@^1.2.6" in minimist.fix
    assert not [f for f in _deps(report) if f.rule.id == "SLS703"]
    dataset = report.reference_data[-1]
    assert dataset.name == "OSV advisories" and dataset.date == "2025-01-08"
    checkout = report.apps[0].details[0]
    vulnerable_packages = {
        p.name: p.vulnerabilities for p in checkout.packages if p.vulnerabilities
    }
    assert vulnerable_packages["requests"] == ("GHSA-x84v-xcm2-53pg", "GHSA-j8r2-6x86-q33q")


def test_offline_and_online_give_the_same_findings(
    project: Path, osv_server: FakeOsv, tmp_path: Path
) -> None:
    offline = scan([project], ScanOptions(dependencies=DependencyOptions(advisory_db=OSV_FIXTURES)))
    online_options = DependencyOptions(
        audit=True, api_url=osv_server.url, cache_dir=tmp_path / "cache", backoff=0.01
    )
    online = scan([project], ScanOptions(dependencies=online_options))
    exports = scan(
        [project],
        ScanOptions(dependencies=DependencyOptions(advisory_db=write_exports(tmp_path / "db"))),
    )
    assert _view(offline) == _view(online) == _view(exports)
    assert any(f.rule.id == "SLS701" for f in _deps(online))
    sent = json.dumps(osv_server.querybatch_bodies())
    assert "requirements" not in sent and "shop" not in sent and str(project) not in sent


def test_unreachable_service_is_reported_not_silent(
    project: Path, unused_port_url: str, tmp_path: Path
) -> None:
    options = DependencyOptions(
        audit=True, api_url=unused_port_url, cache_dir=tmp_path, attempts=2, backoff=0.01
    )
    report = scan([project], ScanOptions(dependencies=options))
    rules = [f.rule.id for f in _deps(report)]
    assert "SLS701" not in rules
    not_audited = [f for f in _deps(report) if f.rule.id == "SLS703"]
    assert len(not_audited) == 2
    assert all("127.0.0.1 could not be reached" in f.message for f in not_audited)


def test_offline_mode_uses_the_downloaded_database_or_says_it_is_missing(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_network: None
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    offline = ScanOptions(dependencies=DependencyOptions(audit=True, offline=True))
    missing = scan([project], offline)
    assert all(
        "offline mode and no advisory database" in f.message
        for f in _deps(missing)
        if f.rule.id == "SLS703"
    )
    write_exports(tmp_path / "cache" / "slsguard" / "osv")
    audited = scan([project], offline)
    assert any(f.rule.id == "SLS701" for f in _deps(audited))


def test_a_database_without_an_ecosystem_leaves_it_unaudited(project: Path, tmp_path: Path) -> None:
    write_exports(tmp_path / "db")
    (tmp_path / "db" / "npm" / "all.zip").unlink()
    (tmp_path / "db" / "npm").rmdir()
    report = scan(
        [project], ScanOptions(dependencies=DependencyOptions(advisory_db=tmp_path / "db"))
    )
    (gap,) = [f for f in _deps(report) if f.rule.id == "SLS703"]
    assert gap.location.file.endswith("package-lock.json")  # type: ignore[union-attr]
    assert "has no npm advisories" in gap.message


def test_unreadable_lockfile_is_reported(project: Path) -> None:
    (project / "package-lock.json").write_text("{broken")
    report = scan([project], ScanOptions(dependencies=DependencyOptions(advisory_db=OSV_FIXTURES)))
    (unreadable,) = [f for f in _deps(report) if f.rule.id == "SLS703"]
    assert (
        "could not be fully read" in unreadable.message and "not valid JSON" in unreadable.message
    )


def test_an_old_database_is_stale_reference_data(project: Path) -> None:
    options = ScanOptions(
        select=("SLS009", "SLS701"),
        today=date(2025, 3, 1),
        dependencies=DependencyOptions(advisory_db=OSV_FIXTURES),
    )
    stale = [f for f in scan([project], options).findings if f.rule.id == "SLS009"]
    assert any("OSV advisories" in f.message and "52 days old" in f.message for f in stale)


def _bom_validator() -> Draft7Validator:
    registry: Registry = Registry()
    for name in ("spdx.schema.json", "jsf-0.82.schema.json"):
        contents = json.loads((SCHEMAS / name).read_text())
        resource = Resource.from_contents(contents)
        registry = registry.with_resource(f"http://cyclonedx.org/schema/{name}", resource)
        registry = registry.with_resource(name, resource)
    schema = json.loads((SCHEMAS / "bom-1.6.schema.json").read_text())
    return Draft7Validator(schema, registry=registry)


def test_cyclonedx_bom_is_valid_and_lists_functions_packages_and_vulnerabilities(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bom.json"
    argv = ["scan", str(project), "--format", "cyclonedx", "--advisory-db", str(OSV_FIXTURES)]
    assert main([*argv, "-o", str(out)]) == 1
    bom = json.loads(out.read_text())
    assert list(_bom_validator().iter_errors(bom)) == []
    assert bom["specVersion"] == "1.6"
    (app,) = [c for c in bom["components"] if c["type"] == "application"]
    assert [function["name"] for function in app["components"]] == ["checkout", "web"]
    libraries = {c["bom-ref"]: c for c in bom["components"] if c["type"] == "library"}
    assert "pkg:pypi/requests@2.19.0" in libraries and "pkg:npm/minimist@1.2.5" in libraries
    assert "pkg:npm/semver@7.3.8" not in libraries  # development-only
    assert libraries["pkg:pypi/boto3"].get("version") is None
    shipped = {d["ref"].rsplit("/", 1)[-1]: d["dependsOn"] for d in bom["dependencies"]}
    assert "pkg:npm/minimist@1.2.5" in shipped["web"]
    vulnerabilities = {v["id"]: v for v in bom["vulnerabilities"]}
    assert vulnerabilities["GHSA-xvch-5gv4-984h"]["affects"] == [{"ref": "pkg:npm/minimist@1.2.5"}]
    assert vulnerabilities["GHSA-xvch-5gv4-984h"]["ratings"][0]["severity"] == "critical"


def test_cli_db_update_info_and_offline_scan(
    osv_server: FakeOsv,
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["db", "update", "--url", osv_server.url]) == 0
    assert "PyPI: 7 advisories" in capsys.readouterr().out
    assert main(["db", "info"]) == 0
    assert "12 advisories (Go, PyPI, npm)" in capsys.readouterr().out
    out = tmp_path / "report.json"
    assert main(["scan", str(project), "--offline", "--format", "json", "-o", str(out)]) == 1
    rules = {finding["rule_id"] for finding in json.loads(out.read_text())["findings"]}
    assert "SLS701" in rules and "SLS703" not in rules
    assert main(["db", "update", "--url", osv_server.url, "--ecosystems", "Maven"]) == 2


def test_cli_online_audit_and_inventory(
    osv_server: FakeOsv, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the API's disk cache
    out = tmp_path / "inventory.json"
    argv = ["inventory", str(project), "--format", "json", "-o", str(out)]
    assert main([*argv, "--audit-dependencies", "--osv-api-url", osv_server.url]) == 0
    rows = {row["name"]: row for row in json.loads(out.read_text())["functions"]}
    packages = {p["name"]: p for p in rows["web"]["packages"]}
    assert packages["minimist"]["vulnerabilities"] == ["GHSA-xvch-5gv4-984h"]
    assert packages["minimist"]["file"].endswith("package-lock.json")
    assert (tmp_path / "cache" / "slsguard" / "osv-api" / "vulns").is_dir()
    assert [p["purl"] for p in rows["checkout"]["packages"]][:2] == [
        "pkg:pypi/requests@2.19.0",
        "pkg:pypi/jinja2@3.1.4",
    ]
