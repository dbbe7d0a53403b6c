"""Resources of other stacks of the scan: Serverless `${cf:stack.Output}`, failure
destinations and customer-managed keys that another template defines (`analysis.stacks`)."""

from __future__ import annotations

from pathlib import Path

from tests.leastpriv.test_precision import write

from slsguard.analysis.stacks import link_stacks
from slsguard.discovery import discover
from slsguard.leastpriv.needs import FunctionNeeds, function_needs
from slsguard.loading import LoadOptions, load_all
from slsguard.scan import ScanOptions, scan

ORDERS = """service: orders
provider:
  name: aws
  runtime: python3.12
resources:
  Resources:
    OrdersQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: orders-${sls:stage}
        KmsMasterKeyId: !Ref OrdersKey
    OrdersKey:
      Type: AWS::KMS::Key
      Properties:
        KeyPolicy: {}
    Failures:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: failures
  Outputs:
    QueueUrl:
      Value: !Ref OrdersQueue
    QueueArn:
      Value: !GetAtt OrdersQueue.Arn
    FailuresArn:
      Value: !Ref Failures
"""

WORKER = """service: worker
provider:
  name: aws
  runtime: python3.12
functions:
  send:
    handler: handler.send
    onError: ${cf:orders-${sls:stage}.FailuresArn}
    environment:
      QUEUE_URL: ${cf:orders-${sls:stage}.QueueUrl}
      TOPIC: ${cf:billing-${sls:stage}.TopicArn}
      PAYMENTS: ${cf:payments.TableName}
"""

HANDLER = """import os

import boto3

sqs = boto3.client("sqs")
sns = boto3.client("sns")
payments = boto3.resource("dynamodb").Table(os.environ["PAYMENTS"])


def send(event, context):
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="x")
    sns.publish(TopicArn=os.environ["TOPIC"], Message="x")
    payments.put_item(Item={"id": "1"})
"""

PAYMENTS = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Payments:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: payments
Outputs:
  TableName:
    Value: !Ref Payments
"""

SAMCONFIG = """version = 0.1
[default.deploy.parameters]
stack_name = "payments"
"""

SHARED = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  SharedKey:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy: {}
  DeadLetters:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: dead-letters
Outputs:
  KeyArn:
    Value: !GetAtt SharedKey.Arn
    Export:
      Name: shared-key
  DeadLettersArn:
    Value: !GetAtt DeadLetters.Arn
    Export:
      Name: shared-dlq
"""

CONSUMER = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: jobs
      KmsMasterKeyId: !ImportValue shared-key
  Audit:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: audit
      KmsMasterKeyId: !ImportValue key-not-in-scan
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      DeadLetterQueue:
        Type: SQS
        TargetArn: !ImportValue shared-dlq
      Environment:
        Variables:
          JOBS: !Ref Jobs
          AUDIT: !Ref Audit
"""

CONSUMER_CODE = """import os

import boto3

sqs = boto3.client("sqs")


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["JOBS"], MessageBody="x")
    sqs.send_message(QueueUrl=os.environ["AUDIT"], MessageBody="x")
"""


def _needs(root: Path, file: str, function: str) -> FunctionNeeds:
    apps = link_stacks(load_all(discover([root], root), LoadOptions(), root).apps)
    return function_needs(next(app for app in apps if app.file == file))[function]


def _found(needs: FunctionNeeds) -> set[tuple[str, str, bool, bool]]:
    return {(n.action, n.target.arn, n.target.resolved, n.optional) for n in needs.needs}


def test_cf_variables_resolve_to_outputs_of_stacks_in_the_scan(tmp_path: Path) -> None:
    files = {
        "orders/serverless.yml": ORDERS,
        "worker/serverless.yml": WORKER,
        "worker/handler.py": HANDLER,
        "payments/template.yaml": PAYMENTS,
        "payments/samconfig.toml": SAMCONFIG,
    }
    root = write(tmp_path, files)
    send = _needs(root, "worker/serverless.yml", "send")
    key = "arn:aws:kms:*:*:key/*"
    assert _found(send) == {
        ("sqs:SendMessage", "arn:aws:sqs:*:*:orders-dev", True, False),  # orders-dev
        ("kms:GenerateDataKey", key, True, False),  # the orders stack's key of its queue
        ("kms:Decrypt", key, True, False),
        ("sns:Publish", "arn:aws:sns:*:*:*", False, False),  # billing-dev: not in the scan
        ("dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/payments", True, False),  # samconfig
        ("sns:Publish", "arn:aws:sns:*:*:failures", True, False),  # onError, another stack
    }
    labels = {n.target.label for n in send.needs}
    assert "OrdersQueue of orders/serverless.yml (QUEUE_URL: ${cf:orders-dev.QueueUrl})" in labels
    assert not send.uncertain  # the destination's service is known: nothing left unjudged


def test_destinations_and_keys_of_other_stacks(tmp_path: Path) -> None:
    files = {
        "shared/template.yaml": SHARED,
        "consumer/template.yaml": CONSUMER,
        "consumer/src/app.py": CONSUMER_CODE,
    }
    root = write(tmp_path, files)
    consumer = _needs(root, "consumer/template.yaml", "Consumer")
    key = "arn:aws:kms:*:*:key/*"
    assert _found(consumer) == {
        ("sqs:SendMessage", "arn:aws:sqs:*:*:jobs", True, False),
        ("sqs:SendMessage", "arn:aws:sqs:*:*:audit", True, False),
        ("kms:GenerateDataKey", key, True, False),  # `jobs`: the shared stack's key
        ("kms:Decrypt", key, True, False),
        ("kms:GenerateDataKey", key, False, True),  # `audit`: a key of a stack not scanned
        ("kms:Decrypt", key, False, True),
        ("sqs:SendMessage", "arn:aws:sqs:*:*:dead-letters", True, False),  # the shared DLQ
    }
    assert not consumer.uncertain
    # The role SAM generates has none of these: the code's calls and the keys are reported,
    # the dead-letter queue (SAM adds its statement) and the unknown key are not.
    missing = scan([root], ScanOptions(select=("SLS110",))).findings
    messages = " ".join(f.message for f in missing)
    assert "sqs:SendMessage` on arn:aws:sqs:*:*:jobs" in messages
    assert "kms:GenerateDataKey` on arn:aws:kms:*:*:key/*" in messages
    assert "dead-letters" not in messages
