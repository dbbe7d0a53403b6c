"""KMS permissions implied by data access to resources encrypted with a customer-managed key.

Only a key the template names for the resource counts: `!Ref`/`!GetAtt` of an
`AWS::KMS::Key`, or a literal key ARN. AWS-managed keys (`alias/aws/sqs`, default
encryption) need no permission on the caller's role, so nothing is added for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slsguard.analysis.stacks import output_resource
from slsguard.leastpriv.resources import (
    Target,
    elsewhere,
    from_resource,
    reads_other_stack,
    unresolved,
)
from slsguard.model import Application, render

_DECRYPT = ("kms:Decrypt",)
_WRITE = ("kms:GenerateDataKey", "kms:Decrypt")
_DYNAMODB_ITEMS = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "ConditionCheckItem",
    "PartiQLSelect",
    "PartiQLInsert",
    "PartiQLUpdate",
    "PartiQLDelete",
)


@dataclass(frozen=True, slots=True)
class KeyRow:
    """Data actions, the KMS actions they need on the resource's customer-managed key, and
    the AWS page that says so."""

    actions: tuple[str, ...]
    kms: tuple[str, ...]
    source: str


KEY_ROWS: tuple[KeyRow, ...] = (
    KeyRow(
        ("secretsmanager:GetSecretValue",),
        _DECRYPT,
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html",
    ),
    KeyRow(
        ("secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret"),
        _WRITE,
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html",
    ),
    KeyRow(
        ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"),
        _DECRYPT,
        "https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html",
    ),
    KeyRow(
        ("sqs:SendMessage",),
        _WRITE,
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
        "sqs-key-management.html",
    ),
    KeyRow(
        ("sqs:ReceiveMessage",),
        _DECRYPT,
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/"
        "sqs-key-management.html",
    ),
    KeyRow(
        ("sns:Publish",),
        _WRITE,
        "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
    ),
    KeyRow(
        ("s3:GetObject",),
        _DECRYPT,
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
    ),
    KeyRow(
        ("s3:PutObject",),
        ("kms:GenerateDataKey",),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
    ),
    # A managed (multipart) upload also reads its parts' key: `s3:AbortMultipartUpload` is
    # the marker of such an upload (`actionmap._S3_PUT`).
    KeyRow(
        ("s3:AbortMultipartUpload",),
        _DECRYPT,
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions",
    ),
    KeyRow(
        ("kinesis:PutRecord", "kinesis:PutRecords"),
        ("kms:GenerateDataKey",),
        "https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html",
    ),
    KeyRow(
        ("kinesis:GetRecords",),
        _DECRYPT,
        "https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html",
    ),
    # DynamoDB generates and keeps the table key through its own grant: callers need only
    # `kms:Decrypt`, for reads and writes alike.
    KeyRow(
        tuple(f"dynamodb:{name}" for name in _DYNAMODB_ITEMS),
        _DECRYPT,
        "https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html",
    ),
)
"""The cited table of KMS needs (tested: every action exists, every row cites AWS)."""

KEY_ACTIONS: dict[str, tuple[str, ...]] = {a: row.kms for row in KEY_ROWS for a in row.actions}
"""Data action → the KMS actions it needs on the resource's customer-managed key."""

KEY_PROPERTY: dict[str, tuple[str | int, ...]] = {
    "AWS::SecretsManager::Secret": ("KmsKeyId",),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
    "AWS::Kinesis::Stream": ("StreamEncryption", "KeyId"),
    "AWS::S3::Bucket": (
        "BucketEncryption",
        "ServerSideEncryptionConfiguration",
        0,
        "ServerSideEncryptionByDefault",
        "KMSMasterKeyID",
    ),
}
"""CloudFormation type → the property path of its customer-managed key."""


def key_actions(app: Application, action: str, target: Target) -> list[tuple[str, Target]]:
    """(KMS action, key) pairs that `action` on `target` needs; empty without a CMK."""
    wanted = KEY_ACTIONS.get(action)
    if not wanted:
        return []
    key = customer_key(app, target.logical_id) if target.logical_id is not None else target.key
    return [(kms, key) for kms in wanted] if key is not None else []


def customer_key(app: Application, logical: str) -> Target | None:
    """The customer-managed key the template resource `logical` is encrypted with."""
    resources: Any = app.resources if isinstance(app.resources, dict) else {}
    resource = resources.get(logical)
    if not isinstance(resource, dict):
        return None
    path = KEY_PROPERTY.get(str(resource.get("Type")))
    value: Any = resource.get("Properties")
    for step in path or ("<none>",):
        value = _step(value, step)
    return _key(app, value, logical) if value is not None else None


def _step(value: object, step: str | int) -> object:
    """`value[step]` when `value` is a mapping or list that has it, else None."""
    if isinstance(step, int):
        return value[step] if isinstance(value, list) and len(value) > step else None
    return value.get(step) if isinstance(value, dict) else None


def _key(app: Application, value: object, owner: str) -> Target | None:
    via = f"the key of {owner}"
    if isinstance(value, str):
        customer = value.startswith("arn:") and ":key/" in value
        return Target(value, label=via, cfn=value) if customer else None
    linked = output_resource(app, value)
    if linked is not None:  # a key another stack of the scan defines
        key = from_resource(linked[0], "key", linked[1], via)
        return elsewhere(linked[0], key, via) if key.resolved else None
    if reads_other_stack(value):  # most likely a customer-managed key, but not known
        return unresolved("key", f"{via} is {render(value)}, from a stack not in the scan")
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((name, argument),) = value.items()
    if name == "Ref" and isinstance(argument, str):
        logical = argument
    elif name == "Fn::GetAtt":
        parts = argument if isinstance(argument, list) else str(argument).split(".")
        logical = str(parts[0])
    else:
        return None
    key = from_resource(app, "key", logical, via)
    return key if key.resolved else None
