"""Resources of other stacks: nested-stack outputs and `Fn::ImportValue` (`analysis.stacks`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.leastpriv.test_precision import write

from slsguard.analysis.stacks import link_stacks
from slsguard.cli import main
from slsguard.discovery import discover
from slsguard.leastpriv.needs import function_needs
from slsguard.loading import LoadOptions, load_all

PARENT = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Queues:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child/template.yaml
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables:
          QUEUE_URL: !GetAtt Queues.Outputs.JobsUrl
          TABLE: !ImportValue orders-table
          OTHER: !ImportValue not-in-scan
      Events:
        Incoming:
          Type: SQS
          Properties:
            Queue: !GetAtt Queues.Outputs.InboxArn
"""

CHILD = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
  Inbox:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: inbox
Outputs:
  JobsUrl:
    Value: !Ref Jobs
  InboxArn:
    Value: !GetAtt Inbox.Arn
"""

ORDERS = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: orders
Outputs:
  TableName:
    Value: !Ref Orders
    Export:
      Name: orders-table
"""

CODE = """import os

import boto3

sqs = boto3.client("sqs")
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
other = boto3.resource("dynamodb").Table(os.environ["OTHER"])


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="x")
    table.put_item(Item={"id": "1"})
    other.get_item(Key={"id": "1"})
"""


def _project(tmp_path: Path) -> Path:
    files = {
        "template.yaml": PARENT,
        "child/template.yaml": CHILD,
        "orders/template.yaml": ORDERS,
        "src/app.py": CODE,
    }
    return write(tmp_path, files)


def test_outputs_and_exports_name_the_other_stacks_resources(tmp_path: Path) -> None:
    root = _project(tmp_path)
    apps = link_stacks(load_all(discover([root], root), LoadOptions(), root).apps)
    parent = next(app for app in apps if app.file == "template.yaml")
    needs = function_needs(parent)["Worker"].needs
    found = {(n.action, n.target.arn, n.target.resolved) for n in needs}
    assert ("sqs:SendMessage", "arn:aws:sqs:*:*:jobs", True) in found  # Queues.Outputs.JobsUrl
    assert ("dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/orders", True) in found  # export
    assert ("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/*", False) in found  # not scanned
    assert ("sqs:ReceiveMessage", "arn:aws:sqs:*:*:inbox", True) in found  # the trigger
    labels = {n.target.label for n in needs}
    assert "unresolved: OTHER is !ImportValue not-in-scan, from a stack not in the scan" in labels


def test_policy_command_links_the_stacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path)
    assert main(["policy", str(root), "--function", "Worker", "--format", "sam"]) == 0
    out = capsys.readouterr().out
    assert "!Sub 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs'" in out
    assert "!Sub 'arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders'" in out
