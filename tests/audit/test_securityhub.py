"""`--to-security-hub` against moto's Security Hub on loopback: import, archive, refusals.

moto accepts the calls but ignores `GetFindings` filters, so a loopback proxy in front of it
records what slsguard sends (the filters, the accounts of the records) and can answer as
Security Hub does in an account where it is not enabled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from slsguard.audit.client import Calls, Endpoint, Session
from slsguard.audit.engine import cloud
from slsguard.audit.securityhub import Hub, batches, deliver, export, hub_for
from slsguard.cli import main
from slsguard.findings import Finding, Report
from slsguard.formats.asff import records
from slsguard.rules import find_rule

CALLER, OTHER, REGION = "123456789012", "210987654321", "us-east-1"
PRODUCT = f"arn:aws:securityhub:{REGION}:{CALLER}:product/{CALLER}/default"
SECRET = "Tr0ub4dor-and-3-horses"
POLICY = Path(__file__).resolve().parents[2] / "docs" / "securityhub-policy.json"


Seen = list[tuple[str, Any]]


def _serve(proxy: Any, moto_url: str, refuse: bool) -> Iterator[tuple[str, Seen]]:
    """A proxy in front of moto recording every Security Hub request (path, JSON body); with
    `refuse`, answering them as AWS does where Security Hub is not enabled (STS still works)."""
    seen: Seen = []

    def answer(method: str, path: str, body: bytes) -> tuple[int, bytes, dict[str, str]] | None:
        if not path.startswith("/findings"):
            return None
        seen.append((path, json.loads(body or b"{}")))
        if not refuse:
            return None
        message = {"Message": f"Account {CALLER} is not subscribed to AWS Security Hub"}
        return 401, json.dumps(message).encode(), {"x-amzn-ErrorType": "InvalidAccessException"}

    with proxy(moto_url, answer) as url:
        yield url, seen


@pytest.fixture()
def recorder(loopback_proxy: Any, moto_url: str) -> Iterator[tuple[str, Seen]]:
    """A recording proxy in front of moto, and what it saw."""
    yield from _serve(loopback_proxy, moto_url, refuse=False)


@pytest.fixture()
def not_enabled(loopback_proxy: Any, moto_url: str) -> Iterator[tuple[str, Seen]]:
    """A proxy answering Security Hub calls with InvalidAccessException."""
    yield from _serve(loopback_proxy, moto_url, refuse=True)


def _finding(account: str, name: str) -> Finding:
    rule = find_rule("SLS301")
    assert rule is not None
    arn = f"arn:aws:lambda:{REGION}:{account}:function:{name}"
    return Finding(
        rule=rule.info,
        severity=rule.info.severity,
        message=f"DB_PASSWORD of {name} is a plaintext secret (Tr0u****)",
        location=cloud(arn, ("Environment", "Variables", "DB_PASSWORD")),
        fix="move it to Secrets Manager",
        app=name,
        function=name,
    )


def _report(*findings: Finding) -> Report:
    return Report(findings=findings, started_at=datetime.now(timezone.utc))


def _hub_findings(moto_url: str, scope: str) -> dict[str, dict[str, Any]]:
    """The findings of one scope in moto's Security Hub, by Id (moto ignores filters)."""
    import boto3

    hub = boto3.client("securityhub", endpoint_url=moto_url, region_name=REGION)
    found = [f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]]
    return {f["Id"]: f for f in found if f["ProductFields"].get("slsguard/scope") == scope}


def test_a_record_of_another_account_is_never_sent(
    recorder: tuple[str, Seen],
) -> None:
    url, seen = recorder
    session = Session(Endpoint(endpoint_url=url), Calls())
    hub = Hub(session, session.caller_account(), REGION)
    mixed = records(_report(_finding(CALLER, "mine"), _finding(OTHER, "theirs")), "", REGION)
    delivery = deliver(hub, mixed, "never-sent", frozenset({"SLS301"}))
    sent = [r for path, body in seen if path == "/findings/import" for r in body["Findings"]]
    assert [r["AwsAccountId"] for r in sent] == [CALLER]
    assert (delivery.imported, delivery.withheld) == (1, 1)
    policy = json.loads(POLICY.read_text())["Statement"][0]["Action"]
    assert session.calls.actions == set(policy), "the calls docs/securityhub-policy.json allows"


def test_export_gives_no_credentials_a_foreign_account(
    recorder: tuple[str, Seen],
) -> None:
    url, seen = recorder
    hub_of = hub_for(Session(Endpoint(endpoint_url=url), Calls()))
    report = _report(_finding(OTHER, "theirs"))
    done = export(report, hub_of, (CALLER, REGION, ""), frozenset({"SLS301"}))
    assert seen == []
    assert [(d.account, d.imported, d.withheld) for d in done.deliveries] == [(OTHER, 0, 1)]


def test_archiving_asks_for_the_active_findings_of_this_product_and_scope(
    recorder: tuple[str, Seen],
) -> None:
    url, seen = recorder
    session = Session(Endpoint(endpoint_url=url), Calls())
    scope = "filters-test"
    deliver(Hub(session, CALLER, REGION), [], scope, frozenset({"SLS301"}))
    (query,) = [body for path, body in seen if path == "/findings"]
    assert query["Filters"] == {
        "ProductArn": [{"Value": PRODUCT, "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
        "ProductFields": [{"Key": "slsguard/scope", "Value": scope, "Comparison": "EQUALS"}],
    }


def test_batches_hold_at_most_100_findings() -> None:
    many = [{"Id": str(index)} for index in range(250)]
    assert [len(batch) for batch in batches(many)] == [100, 100, 50]


def _app(root: Path, secret: bool) -> None:
    environment = f"  environment:\n    DB_PASSWORD: {SECRET}\n" if secret else ""
    (root / "serverless.yml").write_text(
        "service: pay\nprovider:\n  name: aws\n  runtime: python3.12\n"
        f"{environment}functions:\n  charge:\n    handler: h.charge\n"
    )


def test_scan_imports_then_archives_what_was_fixed(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    app = tmp_path / "hub-repository"
    app.mkdir()
    _app(app, secret=True)
    scan = ["scan", str(app), "--to-security-hub", "--format", "json", "-o", str(tmp_path / "r")]
    assert main(scan) == 1
    first = _hub_findings(moto_url, "hub-repository")
    secrets = [i for i, f in first.items() if f["GeneratorId"] == "SLS301"]
    assert secrets and all(first[i]["AwsAccountId"] == CALLER for i in first)
    assert all(f["RecordState"] == "ACTIVE" and "Workflow" not in f for f in first.values())
    assert SECRET not in json.dumps(first)

    _app(app, secret=False)
    main(scan)
    produced = {f"slsguard/hub-repository/{f['fingerprint']}" for f in _findings(tmp_path / "r")}
    second = _hub_findings(moto_url, "hub-repository")
    assert set(second) == set(first) and produced and set(secrets).isdisjoint(produced)
    states = {i: f["RecordState"] for i, f in second.items()}
    assert states == {i: "ACTIVE" if i in produced else "ARCHIVED" for i in first}
    assert all(second[i]["UpdatedAt"] > first[i]["UpdatedAt"] for i in secrets)
    assert all(second[i]["CreatedAt"] == first[i]["CreatedAt"] for i in produced)


def _findings(report: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(report.read_text())["findings"]
    return found


def test_audit_imports_into_the_audited_account(
    account_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = ["audit", "--endpoint-url", account_url, "--region", REGION, "--select", "SLS301"]
    assert main([*audit, "--to-security-hub", "--format", "json"]) == 1
    assert "1 imported" in capsys.readouterr().err
    found = _hub_findings(account_url, f"{CALLER}/{REGION}")
    pay = f"arn:aws:lambda:{REGION}:{CALLER}:function:orders-pay"
    (secret,) = [f for f in found.values() if f["Resources"][0]["Id"] == pay]
    assert secret["GeneratorId"] == "SLS301" and secret["RecordState"] == "ACTIVE"
    assert secret["FindingProviderFields"]["Severity"] == secret["Severity"]


def test_security_hub_not_enabled_is_sls008_never_an_abort(
    not_enabled: tuple[str, Seen],
    account_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _ = not_enabled
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    app = tmp_path / "not-enabled"
    app.mkdir()
    _app(app, secret=True)
    out = tmp_path / "report.json"
    assert main(["scan", str(app), "--to-security-hub", "--format", "json", "-o", str(out)]) == 1
    findings = json.loads(out.read_text())["findings"]
    refused = [f for f in findings if f["rule_id"] == "SLS008"]
    assert len(refused) == 1 and "not subscribed" in refused[0]["message"]
    assert f"account {CALLER}" in refused[0]["message"]
    assert any(f["rule_id"] == "SLS301" for f in findings)


def test_audit_asff_takes_the_account_and_region_of_each_resource(
    account_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = ["audit", "--endpoint-url", account_url, "--region", REGION, "--select", "SLS301"]
    assert main([*audit, "--format", "asff"]) == 1
    (record,) = json.loads(capsys.readouterr().out)
    assert record["AwsAccountId"] == CALLER and record["ProductArn"] == PRODUCT
    assert record["Id"].startswith(f"slsguard/{CALLER}/{REGION}/")
