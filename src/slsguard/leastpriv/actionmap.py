"""SDK method → IAM actions: botocore's operation names joined with the IAM dataset, plus
a table of the irregular cases (tested in tests/leastpriv/test_actionmap.py).

The regular case: method `put_item` of `dynamodb` is operation `PutItem`, and the action
`dynamodb:PutItem` exists in the IAM dataset. The irregular cases are the SDK's managed
transfers and resource methods, operations whose action has another name, and calls that
need no permission at all.
"""

from __future__ import annotations

from slsguard.iam import actions
from slsguard.leastpriv import sdkmodel

_S3_PUT = ("s3:PutObject", "s3:AbortMultipartUpload")
_PARTIQL = (
    "dynamodb:PartiQLSelect",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
)
IRREGULAR: dict[tuple[str, str], tuple[str, ...]] = {
    ("s3", "list_objects"): ("s3:ListBucket",),
    ("s3", "list_objects_v2"): ("s3:ListBucket",),
    ("s3", "list_object_versions"): ("s3:ListBucketVersions",),
    ("s3", "head_object"): ("s3:GetObject",),
    ("s3", "head_bucket"): ("s3:ListBucket",),
    ("s3", "list_buckets"): ("s3:ListAllMyBuckets",),
    ("s3", "upload_file"): _S3_PUT,
    ("s3", "upload_fileobj"): _S3_PUT,
    ("s3", "download_file"): ("s3:GetObject",),
    ("s3", "download_fileobj"): ("s3:GetObject",),
    ("s3", "copy"): ("s3:GetObject", *_S3_PUT),
    ("s3", "copy_object"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "create_multipart_upload"): ("s3:PutObject",),
    ("s3", "upload_part"): ("s3:PutObject",),
    ("s3", "complete_multipart_upload"): ("s3:PutObject",),
    ("s3", "list_parts"): ("s3:ListMultipartUploadParts",),
    ("s3", "delete_objects"): ("s3:DeleteObject",),
    ("s3", "get_bucket_notification_configuration"): ("s3:GetBucketNotification",),
    ("s3", "put_bucket_notification_configuration"): ("s3:PutBucketNotification",),
    ("s3", "get_bucket_lifecycle_configuration"): ("s3:GetLifecycleConfiguration",),
    ("s3", "put_bucket_lifecycle_configuration"): ("s3:PutLifecycleConfiguration",),
    ("s3", "get_bucket_encryption"): ("s3:GetEncryptionConfiguration",),
    ("s3", "put_bucket_encryption"): ("s3:PutEncryptionConfiguration",),
    ("dynamodb", "batch_writer"): ("dynamodb:BatchWriteItem",),
    ("dynamodb", "execute_statement"): _PARTIQL,
    ("dynamodb", "batch_execute_statement"): _PARTIQL,
    ("dynamodb", "execute_transaction"): _PARTIQL,
    ("dynamodb", "transact_get_items"): ("dynamodb:GetItem",),
    ("sqs", "send_message_batch"): ("sqs:SendMessage",),
    ("sqs", "delete_message_batch"): ("sqs:DeleteMessage",),
    ("sqs", "change_message_visibility_batch"): ("sqs:ChangeMessageVisibility",),
    ("sns", "publish_batch"): ("sns:Publish",),
    ("lambda", "invoke"): ("lambda:InvokeFunction",),
    ("lambda", "invoke_with_response_stream"): ("lambda:InvokeFunction",),
    ("bedrock-runtime", "converse"): ("bedrock:InvokeModel",),
    ("bedrock-runtime", "converse_stream"): ("bedrock:InvokeModelWithResponseStream",),
    ("apigatewaymanagementapi", "post_to_connection"): ("execute-api:ManageConnections",),
    ("apigatewaymanagementapi", "get_connection"): ("execute-api:ManageConnections",),
    ("apigatewaymanagementapi", "delete_connection"): ("execute-api:ManageConnections",),
    ("sts", "get_caller_identity"): (),
}
"""(SDK service, method) → the IAM actions the call needs; `()` needs none."""

_API_GATEWAY_VERBS = (
    ("get_", "GET"),
    ("create_", "POST"),
    ("import_", "PUT"),
    ("put_", "PUT"),
    ("update_", "PATCH"),
    ("delete_", "DELETE"),
)

TRIGGER_ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "dynamodb-stream": (
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    ),
    "kinesis": (
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
        "kinesis:ListStreams",
        "kinesis:SubscribeToShard",
    ),
}
"""What Lambda's event source mapping needs on the function's role, per trigger kind."""


def actions_for(service: str, method: str) -> tuple[str, ...] | None:
    """The IAM actions a call of `method` on an SDK `service` client needs.

    None when the method is not an operation of the service or its action is unknown.
    """
    irregular = IRREGULAR.get((service, method))
    if irregular is not None:
        return irregular
    operation = sdkmodel.operations(service).get(method)
    if operation is None:
        return None
    prefix = sdkmodel.iam_prefix(service)
    if service == "apigateway":
        verb = next((v for start, v in _API_GATEWAY_VERBS if method.startswith(start)), None)
        return (f"apigateway:{verb}",) if verb else None
    info = actions.lookup(f"{prefix}:{operation}")
    return (info.full_name,) if info is not None else None


def coverage() -> tuple[int, int]:
    """(operations mapped to IAM actions, all operations) over every SDK service model."""
    mapped = total = 0
    for service in sdkmodel.services():
        for method in sdkmodel.operations(service):
            total += 1
            found = actions_for(service, method)
            mapped += found is not None
    return mapped, total
