"""Proposals: each intent through its dialect, with the grants it needs on the project's role."""

from __future__ import annotations

from pathlib import Path

import pytest

from slsguard.analysis.targets import function_target
from slsguard.findings import Finding, Location, RuleInfo, Severity
from slsguard.fixes import Grant, SetSetting
from slsguard.fixing.plan import plan
from slsguard.fixing.proposals import proposals_of
from slsguard.scan import scan_apps

RULE = RuleInfo("SLS999", "test-rule", Severity.LOW, "test", "P5")
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111"
SERVERLESS = """\
service: shop
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: s3:GetObject
          Resource: arn:aws:s3:::shop/*
functions:
  pay:
    handler: handler.pay
"""


def kms_finding(app_name: str, target: object, file: str) -> Finding:
    intent = SetSetting(target, "kms-key", KEY, grants=(Grant(("kms:Decrypt",), KEY),))  # type: ignore[arg-type]
    return Finding(
        RULE, Severity.LOW, "m", Location("template", file), app=app_name, intents=(intent,)
    )


def test_a_grant_goes_to_the_service_role_statements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    _, apps = scan_apps([tmp_path])
    (app,) = apps
    finding = kms_finding(app.name, function_target(app, app.functions[0]), "serverless.yml")
    (proposal,) = proposals_of(finding, app)
    result = plan([proposal], tmp_path, tmp_path, unsafe=False)
    assert result.outcomes[0].applied, result.outcomes[0].reason
    assert (
        result.changed[0].new_text()
        == SERVERLESS.replace(
            "          Resource: arn:aws:s3:::shop/*\n",
            "          Resource: arn:aws:s3:::shop/*\n"
            "        - Effect: Allow\n"
            "          Action:\n"
            "            - kms:Decrypt\n"
            f"          Resource: {KEY}\n",
        )
        + f"    kmsKeyArn: {KEY}\n"
    )


def test_a_role_defined_elsewhere_is_not_given_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = SERVERLESS.replace(
        "  iam:\n    role:\n      statements:\n        - Effect: Allow\n"
        "          Action: s3:GetObject\n          Resource: arn:aws:s3:::shop/*\n",
        "  iam:\n    role: arn:aws:iam::123456789012:role/shared\n",
    )
    (tmp_path / "serverless.yml").write_text(text)
    _, apps = scan_apps([tmp_path])
    (app,) = apps
    finding = kms_finding(app.name, function_target(app, app.functions[0]), "serverless.yml")
    (proposal,) = proposals_of(finding, app)
    assert not proposal.requests
    assert "defined outside the project" in proposal.no_edit
    assert "kms:Decrypt" in proposal.no_edit
