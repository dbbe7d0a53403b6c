"""`slsguard audit --organization` on a moto server: an organization with member accounts,
problems planted in two of them, audited through assumed roles; a loopback proxy refuses
`sts:AssumeRole` into the third (moto's AssumeRole succeeds for any role by design)."""

from __future__ import annotations

import io
import json
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slsguard.audit.client import Endpoint
from slsguard.audit.organization import (
    OrganizationOptions,
    OrganizationResult,
    audit_organization,
)
from slsguard.audit.run import AuditOptions
from slsguard.cli import main
from slsguard.findings import Finding
from slsguard.loading.yaml import load_text

CALLER, REGION = "123456789012", "us-east-1"
DOCS = Path(__file__).resolve().parents[2] / "docs"
SECRET = "Tr0ub4dor-and-3-horses"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _client(moto_url: str, service: str, credentials: dict[str, str] | None = None) -> Any:
    import boto3

    keys = {}
    if credentials is not None:
        keys = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
    return boto3.client(service, endpoint_url=moto_url, region_name=REGION, **keys)


def _plant(moto_url: str, account: str, name: str) -> None:
    """A function with a plaintext secret in its environment, in the member account."""
    sts = _client(moto_url, "sts")
    role = f"arn:aws:iam::{account}:role/slsguard-audit"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
    iam, lam = (_client(moto_url, s, credentials) for s in ("iam", "lambda"))
    arn = iam.create_role(RoleName=f"{name}-fn", AssumeRolePolicyDocument=json.dumps(TRUST))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    lam.create_function(
        FunctionName=f"{name}-pay",
        Runtime="python3.12",
        Role=arn["Role"]["Arn"],
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
        Environment={"Variables": {"DB_PASSWORD": SECRET}},
    )


@pytest.fixture(scope="module")
def members(moto_url: str, account_url: str) -> dict[str, str]:
    """Accounts `alpha` (in OU workloads), `beta` (in its child OU team) and `gamma` (at
    the root); alpha and beta hold a function with a plaintext secret."""
    org = _client(moto_url, "organizations")
    try:
        org.describe_organization()
    except org.exceptions.AWSOrganizationsNotInUseException:
        org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    workloads = org.create_organizational_unit(ParentId=root, Name="slsguard-workloads")
    team = org.create_organizational_unit(
        ParentId=workloads["OrganizationalUnit"]["Id"], Name="team"
    )
    ids = {"workloads": workloads["OrganizationalUnit"]["Id"]}
    parents = {"alpha": ids["workloads"], "beta": team["OrganizationalUnit"]["Id"], "gamma": ""}
    for name, parent in parents.items():
        status = org.create_account(Email=f"{name}@example.com", AccountName=f"slsguard-{name}")
        ids[name] = status["CreateAccountStatus"]["AccountId"]
        if parent:
            org.move_account(AccountId=ids[name], SourceParentId=root, DestinationParentId=parent)
    for name in ("alpha", "beta"):
        _plant(moto_url, ids[name], name)
    return ids


@pytest.fixture(scope="module")
def assumed() -> list[dict[str, list[str]]]:
    """The `AssumeRole` requests the proxy saw (their form fields)."""
    return []


@pytest.fixture(scope="module")
def refusing(
    loopback_proxy: Any, moto_url: str, members: dict[str, str], assumed: list[Any]
) -> Iterator[str]:
    """A proxy in front of moto refusing `sts:AssumeRole` into gamma, as AWS does when the
    role is missing or does not trust the caller."""
    gamma = members["gamma"]

    def answer(method: str, path: str, body: bytes) -> tuple[int, bytes, dict[str, str]] | None:
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        if form.get("Action") == ["AssumeRole"]:
            assumed.append(form)
        if form.get("Action") != ["AssumeRole"] or f":{gamma}:" not in form["RoleArn"][0]:
            return None
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>"
            f"not authorized to perform: sts:AssumeRole on arn:aws:iam::{gamma}:role/x"
            "</Message></Error></ErrorResponse>"
        )
        return 403, xml.encode(), {"Content-Type": "text/xml"}

    with loopback_proxy(moto_url, answer) as url:
        yield url


@pytest.fixture(scope="module")
def audited(refusing: str) -> OrganizationResult:
    """The whole organization, audited for secrets in the environment."""
    options = AuditOptions(endpoint=Endpoint(endpoint_url=refusing), select=("SLS301", "SLS008"))
    return audit_organization(options, OrganizationOptions(), warnings=io.StringIO())


def _function(account: str, name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{account}:function:{name}"


def _secrets(findings: tuple[Finding, ...]) -> set[str]:
    return {f.location.arn or "" for f in findings if f.rule.id == "SLS301"}


def test_members_are_audited_through_their_roles(
    audited: OrganizationResult, members: dict[str, str]
) -> None:
    found = _secrets(audited.result.report.findings)
    planted = {_function(members[name], f"{name}-pay") for name in ("alpha", "beta")}
    assert planted <= found
    assert _function(CALLER, "orders-pay") in found, "the caller is audited with its own keys"
    assert SECRET not in json.dumps([f.message for f in audited.result.report.findings])


def test_a_role_that_cannot_be_assumed_is_sls008_for_that_account(
    audited: OrganizationResult, members: dict[str, str]
) -> None:
    (refused,) = [f for f in audited.result.report.findings if f.rule.id == "SLS008"]
    assert refused.location.account == members["gamma"]
    assert refused.location.arn == f"arn:aws:iam::{members['gamma']}:role/slsguard-audit"
    assert "not authorized to perform: sts:AssumeRole" in refused.message
    by_account = {item.account: item for item in audited.accounts}
    assert by_account[members["gamma"]].result is None
    assert by_account[members["alpha"]].result is not None


def test_every_finding_carries_its_account(
    audited: OrganizationResult, members: dict[str, str]
) -> None:
    for finding in audited.result.report.findings:
        assert finding.location.account
        account = finding.location.account
        assert finding.app == account or finding.app.startswith(f"{account} › ")
    assert all(app.name[:12].isdigit() for app in audited.result.report.apps)


def test_ou_recurses_into_child_ous_and_accounts_narrow(
    refusing: str, members: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["audit", "--endpoint-url", refusing, "--organization", "--select", "SLS301,SLS008"]
    code = main([*base, "--ou", members["workloads"], "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    accounts = {f["location"]["account"] for f in findings}
    assert code == 1 and accounts == {CALLER, members["alpha"], members["beta"]}
    main([*base, "--exclude-accounts", f"{CALLER},{members['gamma']}", "--format", "json"])
    accounts = {f["location"]["account"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert CALLER not in accounts and members["gamma"] not in accounts
    assert {members["alpha"], members["beta"]} <= accounts


def test_sarif_names_the_account_and_history_records_each(
    refusing: str, members: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.jsonl"
    base = ["audit", "--endpoint-url", refusing, "--organization", "--select", "SLS301"]
    chosen = ["--accounts", f"{members['alpha']},{members['beta']},{members['gamma']}"]
    main([*base, *chosen, "--format", "sarif", "--history", str(history)])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    namespaces = {
        logical["name"]
        for result in results
        for logical in result["locations"][0]["logicalLocations"]
        if logical["kind"] == "namespace"
    }
    assert namespaces == {members["alpha"], members["beta"]}
    entries = [json.loads(line) for line in history.read_text().splitlines()]
    assert sorted(entry["account"] for entry in entries) == sorted(
        [members["alpha"], members["beta"]]
    )


def test_the_admin_role_and_an_unknown_account_print_warnings(
    moto_url: str, members: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["audit", "--endpoint-url", moto_url, "--organization", "--select", "SLS301"]
    chosen = ["--accounts", f"{members['alpha']},999999999999"]
    main([*base, *chosen, "--role-name", "OrganizationAccountAccessRole"])
    err = capsys.readouterr().err
    assert "OrganizationAccountAccessRole has AdministratorAccess" in err
    assert "--accounts 999999999999: not an active account of the organization" in err


def test_external_id_and_session_name_reach_assume_role(
    refusing: str, members: dict[str, str], assumed: list[dict[str, list[str]]]
) -> None:
    base = ["audit", "--endpoint-url", refusing, "--organization", "--select", "SLS301"]
    names = ["--external-id", "c0ffee-42", "--session-name", "nightly-audit"]
    main([*base, "--accounts", members["beta"], "--role-name", "auditor", *names])
    (form,) = [f for f in assumed if f["RoleSessionName"] == ["nightly-audit"]]
    assert form["RoleArn"] == [f"arn:aws:iam::{members['beta']}:role/auditor"]
    assert form["ExternalId"] == ["c0ffee-42"]


def test_html_groups_findings_by_account(
    audited: OrganizationResult, members: dict[str, str]
) -> None:
    from slsguard.formats import render

    page = render("html", audited.result.report)
    headings = [f'<h3 class="group">AWS account {members[n]}</h3>' for n in ("alpha", "beta")]
    assert all(heading in page for heading in headings)
    sections = page.split('<h3 class="group">AWS account ')
    alpha = next(part for part in sections if part.startswith(members["alpha"]))
    assert "alpha-pay" in alpha and "beta-pay" not in alpha


def test_organization_flags_need_organization(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--role-name", "x"]) == 2
    assert "--role-name needs --organization" in capsys.readouterr().err


def _statements() -> dict[str, dict[str, Any]]:
    document = json.loads((DOCS / "audit-policy.json").read_text())
    return {statement["Sid"]: statement for statement in document["Statement"]}


def test_the_policy_gains_exactly_what_the_organization_audit_calls(
    refusing: str, members: dict[str, str], audited: OrganizationResult
) -> None:
    options = AuditOptions(endpoint=Endpoint(endpoint_url=refusing), select=("SLS301",))
    by_ou = audit_organization(
        options, OrganizationOptions(ous=(members["workloads"],)), warnings=io.StringIO()
    )
    made = audited.result.actions | by_ou.result.actions
    statements = _statements()
    read_only = set(statements["SlsguardAuditReadOnly"]["Action"])
    organization = {*statements["SlsguardListOrganization"]["Action"]}
    assume = statements["SlsguardAssumeAuditRole"]
    assert made - read_only == organization | {"sts:AssumeRole"}
    assert organization == {
        "organizations:DescribeOrganization",
        "organizations:ListAccounts",
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
    }
    assert assume["Action"] == ["sts:AssumeRole"]
    assert assume["Resource"] == "arn:aws:iam::*:role/slsguard-audit"


def test_the_stackset_role_template_parses_and_covers_the_member_calls(
    audited: OrganizationResult, members: dict[str, str]
) -> None:
    path = DOCS / "slsguard-audit-role.yaml"
    template = load_text(path.read_text(), str(path)).root
    resources = template["Resources"]
    (role,) = [r for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert role["Properties"]["RoleName"] == {"Ref": "RoleName"}
    assert template["Parameters"]["RoleName"]["Default"] == "slsguard-audit"
    allowed = {
        action
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in statement["Action"]
    }
    alpha = next(item for item in audited.accounts if item.account == members["alpha"])
    assert alpha.result is not None
    assert alpha.result.actions <= allowed
    assert set(_statements()["SlsguardAuditReadOnly"]["Action"]) <= allowed
    assert {"securityhub:BatchImportFindings", "securityhub:GetFindings"} <= allowed
    assert not any("*" in action for action in allowed)


def test_security_hub_gets_each_account_with_its_own_credentials(
    refusing: str, moto_url: str, members: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    alpha = members["alpha"]
    base = ["audit", "--endpoint-url", refusing, "--organization", "--select", "SLS301"]
    main([*base, "--accounts", alpha, "--to-security-hub", "--format", "json"])
    summary = f"Security Hub {alpha} {REGION} [{alpha}/{REGION}]: 1 imported"
    assert summary in capsys.readouterr().err
    sts = _client(moto_url, "sts")
    role = f"arn:aws:iam::{alpha}:role/slsguard-audit"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName="check")["Credentials"]
    hub = _client(moto_url, "securityhub", credentials)
    (finding,) = [f for f in hub.get_findings()["Findings"] if f["GeneratorId"] == "SLS301"]
    assert finding["AwsAccountId"] == alpha
    assert finding["ProductArn"] == f"arn:aws:securityhub:{REGION}:{alpha}:product/{alpha}/default"


def test_a_throttled_account_backs_off_and_is_still_audited(
    throttling_proxy: Any, moto_url: str, members: dict[str, str]
) -> None:
    """A loopback proxy answers alpha's first Lambda requests as AWS answers a caller over
    its rate: alpha's clients back off and send each again, the other accounts are never
    held back, and nothing goes missing."""
    chosen = OrganizationOptions(accounts=(members["alpha"], members["beta"]))
    with throttling_proxy(moto_url, members["alpha"], 3) as (url, throttle):
        options = AuditOptions(endpoint=Endpoint(endpoint_url=url), select=("SLS301", "SLS008"))
        audited = audit_organization(options, chosen, warnings=io.StringIO())
    findings = audited.result.report.findings
    planted = {_function(members[name], f"{name}-pay") for name in ("alpha", "beta")}
    assert _secrets(findings) == planted
    assert not [f for f in findings if f.rule.id == "SLS008"], "a throttled call is retried"
    refused = [(i, sent) for i, sent in enumerate(throttle.seen) if sent.status == 429]
    assert len(refused) == 3 and all(sent.key in throttle.keys for _, sent in refused)
    for i, sent in refused:  # each was sent again with the same keys, later, and answered
        again = [
            s for s in throttle.seen[i + 1 :] if (s.key, s.request) == (sent.key, sent.request)
        ]
        assert any(s.status < 400 for s in again)
    others = [sent for sent in throttle.seen if sent.key and sent.key not in throttle.keys]
    assert others and all(sent.status != 429 for sent in others)


def test_fleet_audits_the_organization_as_audit_does(
    refusing: str, members: dict[str, str], tmp_path: Path
) -> None:
    """`fleet scan --organization` lists the accounts through the code of `audit
    --organization` and audits each as one task, entered the same way; the account whose
    role cannot be assumed is a failed task, whose findings are neither new nor fixed."""
    from slsguard.fleet.store import open_store

    store = str(tmp_path / "fleet.sqlite")
    chosen = ",".join(members[name] for name in ("alpha", "beta", "gamma"))
    run = ["fleet", "scan", "--organization", "--accounts", chosen, "--endpoint-url", refusing]
    assert main([*run, "--region", REGION, "--jobs", "1", "--store", store]) == 1
    recorded = open_store(store)
    (last,) = recorded.runs()
    recorded.close()
    scopes = {scope.target.name: scope for scope in last.scopes}
    assert set(scopes) == {members["alpha"], members["beta"], members["gamma"]}
    for name in ("alpha", "beta"):
        entry = scopes[members[name]].entry
        assert entry is not None and entry.account == members[name]
        secrets = {seen.where for seen in entry.findings if seen.rule == "SLS301"}
        assert secrets == {_function(members[name], f"{name}-pay")}
    refused = scopes[members["gamma"]]
    assert refused.entry is None
    assert refused.error.startswith("SLS008: ") and "sts:AssumeRole" in refused.error


def test_fleet_organization_flags_need_organization(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--store", str(tmp_path / "fleet.sqlite")]
    assert main(["fleet", "scan", "--role-name", "x", *store]) == 2
    assert "--role-name needs --organization" in capsys.readouterr().err
    assert main(["fleet", "scan", "--profile", "management", *store]) == 2
    assert "--profile needs --organization" in capsys.readouterr().err
