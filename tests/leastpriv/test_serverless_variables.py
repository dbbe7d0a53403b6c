"""Serverless output keeps the config's variables: a policy for one stage fits every stage."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.leastpriv.test_precision import write

from slsguard.cli import main
from slsguard.scan import ScanOptions, scan

CONFIG = """service: shop
provider:
  name: aws
  runtime: python3.12
  environment:
    TOPIC_ARN: arn:aws:sns:${aws:region}:${aws:accountId}:events-${sls:stage}
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:*, sns:Publish, ssm:GetParameter]
          Resource: '*'
functions:
  save:
    handler: handler.save
    environment:
      TABLE: ${self:service}-${sls:stage}-orders
      PARAM: /shop/${sls:stage}/key
"""

CODE = """import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
sns = boto3.client("sns")
ssm = boto3.client("ssm")


def save(event, context):
    table.put_item(Item=event)
    sns.publish(TopicArn=os.environ["TOPIC_ARN"], Message="saved")
    return ssm.get_parameter(Name=os.environ["PARAM"])
"""

REGION_ACCOUNT = "${aws:region}:${aws:accountId}"
KEPT = {
    f"arn:aws:dynamodb:{REGION_ACCOUNT}:table/${{self:service}}-${{sls:stage}}-orders",
    f"arn:aws:sns:{REGION_ACCOUNT}:events-${{sls:stage}}",
    f"arn:aws:ssm:{REGION_ACCOUNT}:parameter/shop/${{sls:stage}}/key",
}


def test_policy_keeps_stage_region_and_account_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write(tmp_path, {"serverless.yml": CONFIG, "handler.py": CODE})
    assert main(["policy", str(root), "--format", "serverless"]) == 0
    statements = yaml.safe_load(capsys.readouterr().out)
    assert {r for s in statements for r in s["Resource"]} == KEPT


def test_json_policy_is_the_chosen_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write(tmp_path, {"serverless.yml": CONFIG, "handler.py": CODE})
    assert main(["policy", str(root), "--format", "json"]) == 0
    resources = {
        r
        for s in yaml.safe_load(capsys.readouterr().out)["save"]["Statement"]
        for r in s["Resource"]
    }
    assert "arn:aws:dynamodb:*:*:table/shop-dev-orders" in resources
    assert "arn:aws:sns:*:*:events-dev" in resources


def test_the_sls109_fix_does_not_pin_the_stage(tmp_path: Path) -> None:
    root = write(tmp_path, {"serverless.yml": CONFIG, "handler.py": CODE})
    [finding] = scan([root], ScanOptions(select=("SLS109",))).findings
    text = str(finding.fix)
    assert "shop-dev-orders" not in text and "/shop/dev/key" not in text
    assert (
        f"arn:aws:dynamodb:{REGION_ACCOUNT}:table/${{self:service}}-${{sls:stage}}-orders" in text
    )


def test_terraform_output_of_a_serverless_app_has_no_serverless_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write(tmp_path, {"serverless.yml": CONFIG, "handler.py": CODE})
    assert main(["policy", str(root), "--format", "terraform"]) == 0
    out = capsys.readouterr().out
    assert "${sls:" not in out and "${aws:" not in out and "table/shop-dev-orders" in out
