"""SDK method → IAM actions: botocore's operation names joined with the IAM dataset, plus
a table of the irregular cases (tested in tests/leastpriv/test_actionmap.py).

The regular case: method `put_item` of `dynamodb` is operation `PutItem`, and the action
`dynamodb:PutItem` exists in the IAM dataset. The irregular cases are the SDK's managed
transfers and resource methods, operations whose action has another name, and calls that
need no permission at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from slsguard.iam import actions
from slsguard.leastpriv import sdkmodel

_S3_PUT = ("s3:PutObject", "s3:AbortMultipartUpload")
"""A managed (possibly multipart) upload."""

OPTIONAL = frozenset({"s3:AbortMultipartUpload"})
"""Actions a call uses when granted but does not need: a managed upload only aborts to clean
up after a failed part (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
"Multipart upload API and permissions"). Written in policies, never reported missing."""
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
    # Each S3 API page names its permission ("To use this operation, you must have permission
    # to perform the s3:... action", https://docs.aws.amazon.com/AmazonS3/latest/API/).
    ("s3", "delete_bucket_encryption"): ("s3:PutEncryptionConfiguration",),
    ("s3", "delete_bucket_cors"): ("s3:PutBucketCORS",),
    ("s3", "delete_bucket_lifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "get_bucket_lifecycle"): ("s3:GetLifecycleConfiguration",),
    ("s3", "put_bucket_lifecycle"): ("s3:PutLifecycleConfiguration",),
    ("s3", "delete_bucket_ownership_controls"): ("s3:PutBucketOwnershipControls",),
    ("s3", "delete_bucket_replication"): ("s3:PutReplicationConfiguration",),
    ("s3", "get_bucket_replication"): ("s3:GetReplicationConfiguration",),
    ("s3", "put_bucket_replication"): ("s3:PutReplicationConfiguration",),
    ("s3", "delete_bucket_tagging"): ("s3:PutBucketTagging",),
    ("s3", "delete_public_access_block"): ("s3:PutBucketPublicAccessBlock",),
    ("s3", "get_public_access_block"): ("s3:GetBucketPublicAccessBlock",),
    ("s3", "put_public_access_block"): ("s3:PutBucketPublicAccessBlock",),
    ("s3", "get_bucket_accelerate_configuration"): ("s3:GetAccelerateConfiguration",),
    ("s3", "put_bucket_accelerate_configuration"): ("s3:PutAccelerateConfiguration",),
    ("s3", "get_object_lock_configuration"): ("s3:GetBucketObjectLockConfiguration",),
    ("s3", "put_object_lock_configuration"): ("s3:PutBucketObjectLockConfiguration",),
    ("s3", "list_multipart_uploads"): ("s3:ListBucketMultipartUploads",),
    ("s3", "select_object_content"): ("s3:GetObject",),
    # "If you do not pass a version ID in your request, you need the s3:GetObject and
    # s3:GetObjectAttributes permissions" (API_GetObjectAttributes.html, "Permissions").
    ("s3", "get_object_attributes"): ("s3:GetObject", "s3:GetObjectAttributes"),
    ("s3", "upload_part_copy"): ("s3:GetObject", "s3:PutObject"),
    ("s3", "get_part"): ("s3:GetObject",),
    ("s3", "create_session"): ("s3express:CreateSession",),
    ("s3", "list_directory_buckets"): ("s3express:ListAllMyDirectoryBuckets",),
    # An S3 Object Lambda function answers through its access point
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/olap-policies.html).
    ("s3", "write_get_object_response"): ("s3-object-lambda:WriteGetObjectResponse",),
    ("kms", "re_encrypt"): ("kms:ReEncryptFrom", "kms:ReEncryptTo"),
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
    # Requests signed with SigV4 without an SDK client (`pycalls._SIGNERS`): API Gateway IAM
    # auth (https://docs.aws.amazon.com/apigateway/latest/developerguide/
    # api-gateway-control-access-using-iam-policies-to-invoke-api.html) and AppSync IAM auth
    # (https://docs.aws.amazon.com/appsync/latest/devguide/security-authz.html).
    ("execute-api", "invoke"): ("execute-api:Invoke",),
    ("appsync", "graph_ql"): ("appsync:GraphQL",),
}
"""(SDK service, method) → the IAM actions the call needs; `()` needs none."""

for _family in ("Analytics", "IntelligentTiering", "Inventory", "Metrics"):
    _snake = sdkmodel.xform_name(_family)
    for _verb, _action in (("get", "Get"), ("list", "Get"), ("put", "Put"), ("delete", "Put")):
        _plural = "s" if _verb == "list" else ""
        _method = f"{_verb}_bucket_{_snake}_configuration{_plural}"
        IRREGULAR[("s3", _method)] = (f"s3:{_action}{_family}Configuration",)

# The Service Authorization Reference's "API operations" table of each service maps these
# operations to the actions they authorize: AWS Budgets (https://docs.aws.amazon.com/
# service-authorization/latest/reference/list_budgets.html), Amazon Keyspaces
# (.../list_keyspaces.html) and S3 Control on Outposts and account settings
# (.../list_amazons3onoutposts.html, .../list_amazons3.html).
for _verb in ("create", "update", "delete"):
    for _noun in ("budget", "notification", "subscriber"):
        IRREGULAR[("budgets", f"{_verb}_{_noun}")] = ("budgets:ModifyBudget",)
for _method in (
    "describe_budget",
    "describe_budgets",
    "describe_budget_notifications_for_account",
    "describe_budget_performance_history",
    "describe_notifications_for_budget",
    "describe_subscribers_for_notification",
):
    IRREGULAR[("budgets", _method)] = ("budgets:ViewBudget",)
_KEYSPACES_VERBS = {"create": "Create", "delete": "Drop", "update": "Alter"}
for _method in sdkmodel.operations("keyspaces"):
    _verb = _method.split("_")[0]
    if _verb in _KEYSPACES_VERBS:
        IRREGULAR[("keyspaces", _method)] = (f"cassandra:{_KEYSPACES_VERBS[_verb]}",)
    elif _verb in ("get", "list"):
        IRREGULAR[("keyspaces", _method)] = ("cassandra:Select",)
IRREGULAR[("keyspaces", "restore_table")] = ("cassandra:Restore", "cassandra:Select")
# A batch call is authorized as its single-item action: AWS Deadline Cloud
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_deadline.html:
# BatchGetJob → deadline:GetJob) and Route 53 Resolver (.../list_route53resolver.html:
# BatchCreateFirewallRule → route53resolver:CreateFirewallRule).
for _service, _single in (
    ("deadline", ("GetJob", "GetSession", "GetSessionAction", "GetStep", "GetTask")),
    ("deadline", ("GetWorker", "UpdateJob", "UpdateTask")),
    ("route53resolver", ("CreateFirewallRule", "DeleteFirewallRule", "UpdateFirewallRule")),
):
    for _name in _single:
        _method = "batch_" + sdkmodel.xform_name(_name)
        IRREGULAR[(_service, _method)] = (f"{_service}:{_name}",)
# Operations authorized under another operation's action. Lambda: `GetLayerVersionByArn` is
# `GetLayerVersion` addressed by ARN, one "Layer version" action in the permissions reference
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html). Timestream:
# `Query` is authorized by `timestream:Select` (https://docs.aws.amazon.com/service-
# authorization/latest/reference/list_amazontimestream.html). CloudSearch: the document
# service (`UploadDocuments`) is the `cloudsearch:document` action, as search and suggest are
# `cloudsearch:search`/`suggest` (https://docs.aws.amazon.com/cloudsearch/latest/developerguide/
# configureaccess.html).
IRREGULAR.update(
    {
        ("lambda", "get_layer_version_by_arn"): ("lambda:GetLayerVersion",),
        ("timestream-query", "query"): ("timestream:Select",),
        ("cloudsearchdomain", "upload_documents"): ("cloudsearch:document",),
    }
)
IRREGULAR.update(
    {
        ("s3control", "delete_bucket_tagging"): ("s3-outposts:PutBucketTagging",),
        ("s3control", "put_bucket_lifecycle_configuration"): (
            "s3-outposts:PutLifecycleConfiguration",
        ),
        ("s3control", "list_regional_buckets"): ("s3-outposts:ListRegionalBuckets",),
        ("s3control", "get_public_access_block"): ("s3:GetAccountPublicAccessBlock",),
        ("s3control", "delete_public_access_block"): ("s3:PutAccountPublicAccessBlock",),
    }
)

PREFIXES: dict[str, str] = {
    "monitoring": "cloudwatch",
    "mturk-requester": "mechanicalturk",
    "iotdata": "iot",
    "IoTSecuredTunneling": "iot",
    "iot-jobs-data": "iotjobsdata",
    "tagging": "tag",
    "cloudcontrolapi": "cloudformation",
    "partnercentral-account": "partnercentral",
    "partnercentral-benefits": "partnercentral",
    "partnercentral-channel": "partnercentral",
    "partnercentral-selling": "partnercentral",
}
"""SDK signing names that differ from the IAM service prefix (Service Authorization
Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/)."""

UNMAPPABLE: dict[str, str] = {
    "iotthingsgraph": "the service is discontinued and the Service Authorization Reference "
    "lists no action for it (https://docs.aws.amazon.com/cli/latest/reference/iotthingsgraph/)",
    "cloudhsm": "CloudHSM Classic, whose API the SDK marks deprecated; the Service Authorization "
    "Reference lists only the current CloudHSM's actions "
    "(https://docs.aws.amazon.com/cloudhsm/classic/APIReference/Welcome.html)",
    "connectparticipant": "authorized by the participant's ConnectionToken, not by IAM "
    "(https://docs.aws.amazon.com/connect-participant/latest/APIReference/Welcome.html)",
    "dynamodb.transact_write_items": "the actions depend on each item's Put/Update/Delete/"
    "ConditionCheck (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/"
    "API_TransactWriteItems.html): read per call by the analysis",
}
"""`service` or `service.method` → why no fixed IAM action can be named (each cites AWS)."""

_PREFIX_FAMILIES: dict[str, tuple[str, ...]] = {"s3": ("s3", "s3express", "s3-outposts")}
"""IAM prefixes one SDK service's operations are authorized under (S3 Control serves S3 on
Outposts and directory buckets: https://docs.aws.amazon.com/service-authorization/latest/
reference/list_amazons3onoutposts.html, .../list_amazons3express.html)."""

_API_GATEWAY = frozenset({"apigateway", "apigatewayv2"})
_API_GATEWAY_VERBS = (
    ("get_", "GET"),
    ("export_", "GET"),
    ("untag_", "DELETE"),
    ("flush_", "DELETE"),
    ("reset_", "DELETE"),
    ("generate_", "POST"),
    ("test_invoke_", "POST"),
    ("reject_", "POST"),
    ("reimport_", "PUT"),
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
    if operation in sdkmodel.unsigned(service):
        return ()  # anonymous or bearer-token calls: IAM is not consulted
    verb = _api_gateway_verb(service, method) if service in _API_GATEWAY else None
    if verb is not None:
        return (f"apigateway:{verb}",)
    prefix = _prefix(service)
    info = actions.lookup(f"{prefix}:{operation}")
    if info is not None:
        return (info.full_name,)
    return _documented(service, operation, prefix)


def _prefix(service: str) -> str:
    """The IAM service prefix of an SDK service."""
    signing = sdkmodel.iam_prefix(service)
    return PREFIXES.get(signing, signing)


def _documented(service: str, operation: str, prefix: str) -> tuple[str, ...] | None:
    """The actions of the service's own prefix that the operation's API Reference page names,
    when its name is no IAM action (`GetFindingV2` → `access-analyzer:GetFinding`; S3
    Control's Outposts and directory-bucket calls → `s3-outposts:`/`s3express:`). Actions of
    other services the text names (a KMS key's policy, a role to pass) are left out: the page
    mentions them as another principal's needs or as conditional."""
    family = _PREFIX_FAMILIES.get(prefix, (prefix,))
    named = [actions.lookup(name) for name in sdkmodel.documented(service).get(operation, ())]
    found = tuple(info.full_name for info in named if info is not None and info.service in family)
    return found or None


def _api_gateway_verb(service: str, method: str) -> str | None:
    """API Gateway authorizes its management calls by HTTP verb on the resource path
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/
    api-gateway-control-access-using-iam-policies-to-create-and-manage-api.html)."""
    if method == "tag_resource":
        return "PUT" if service == "apigateway" else "POST"
    return next((v for start, v in _API_GATEWAY_VERBS if method.startswith(start)), None)


def unmappable(service: str, method: str) -> str | None:
    """Why the call maps to no fixed IAM action (cited), or None."""
    return UNMAPPABLE.get(f"{service}.{method}") or UNMAPPABLE.get(service)


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many SDK operations map to IAM actions."""

    mapped: int
    unmappable: int
    """Operations listed in `UNMAPPABLE` with the reason no fixed action exists."""
    total: int

    @property
    def percent(self) -> float:
        """mapped / (total − unmappable), in percent."""
        return 100.0 * self.mapped / max(1, self.total - self.unmappable)


def coverage() -> Coverage:
    """The mapping's coverage over every operation of every SDK service model."""
    mapped = listed = total = 0
    for service in sdkmodel.services():
        for method in sdkmodel.operations(service):
            total += 1
            if actions_for(service, method) is not None:
                mapped += 1
            elif unmappable(service, method):
                listed += 1
    return Coverage(mapped, listed, total)
