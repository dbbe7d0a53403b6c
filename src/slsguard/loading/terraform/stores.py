"""Data stores and their access settings as CloudFormation-shaped resources.

The rules about public and unencrypted data stores read CloudFormation properties
(`PublicAccessBlockConfiguration`, `OwnershipControls`, `StorageEncrypted`, a key's
`KeyPolicy`, ...). `SPECS` extends the translation table with the stores Terraform
defines; `extra` reads what a spec cannot say (policy documents, Kinesis encryption, the
Cognito password policy); `merge` folds the split S3 resources
(`aws_s3_bucket_ownership_controls`, `aws_s3_bucket_website_configuration`) into their
bucket and turns the inline `policy` of a bucket, queue or topic into the policy resource
CloudFormation would have, so every reader of bucket, queue and topic policies sees it.

Terraform's defaults are kept as CloudFormation's: an argument left out of a present
`aws_s3_bucket_public_access_block` is false in both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slsguard.analysis.intrinsics import referenced_ids
from slsguard.loading.terraform.datasources import policy_document
from slsguard.loading.terraform.evaluate import Evaluator, Resource
from slsguard.loading.yaml import YList, YMap
from slsguard.model import render

if TYPE_CHECKING:
    from slsguard.loading.terraform.translate import Spec

__all__ = ["SPECS", "extra", "merge"]

OWNERSHIP = "Terraform::S3::OwnershipControls"
WEBSITE = "Terraform::S3::WebsiteConfiguration"

_PASSWORD: Spec = {
    "minimum_length": "MinimumLength",
    "require_lowercase": "RequireLowercase",
    "require_uppercase": "RequireUppercase",
    "require_numbers": "RequireNumbers",
    "require_symbols": "RequireSymbols",
}
_DOMAIN: Spec = {
    "domain_name": "DomainName",
    "encrypt_at_rest": ("EncryptionAtRestOptions", {"enabled": "Enabled"}),
}
SPECS: dict[str, tuple[str, Spec]] = {
    "aws_s3_bucket_ownership_controls": (
        OWNERSHIP,
        {"bucket": "Bucket", "rule": ("Rule", {"object_ownership": "ObjectOwnership"})},
    ),
    "aws_s3_bucket_website_configuration": (WEBSITE, {"bucket": "Bucket"}),
    "aws_efs_file_system": (
        "AWS::EFS::FileSystem",
        {"encrypted": "Encrypted", "kms_key_id": "KmsKeyId"},
    ),
    "aws_db_instance": (
        "AWS::RDS::DBInstance",
        {
            "identifier": "DBInstanceIdentifier",
            "engine": "Engine",
            "storage_encrypted": "StorageEncrypted",
            "replicate_source_db": "SourceDBInstanceIdentifier",
            "snapshot_identifier": "DBSnapshotIdentifier",
        },
    ),
    "aws_rds_cluster": (
        "AWS::RDS::DBCluster",
        {
            "cluster_identifier": "DBClusterIdentifier",
            "engine": "Engine",
            "engine_mode": "EngineMode",
            "storage_encrypted": "StorageEncrypted",
            "snapshot_identifier": "SnapshotIdentifier",
            "replication_source_identifier": "ReplicationSourceIdentifier",
        },
    ),
    "aws_docdb_cluster": (
        "AWS::DocDB::DBCluster",
        {
            "cluster_identifier": "DBClusterIdentifier",
            "storage_encrypted": "StorageEncrypted",
            "snapshot_identifier": "SnapshotIdentifier",
        },
    ),
    "aws_elasticache_replication_group": (
        "AWS::ElastiCache::ReplicationGroup",
        {
            "replication_group_id": "ReplicationGroupId",
            "at_rest_encryption_enabled": "AtRestEncryptionEnabled",
        },
    ),
    "aws_opensearch_domain": ("AWS::OpenSearchService::Domain", _DOMAIN),
    "aws_elasticsearch_domain": ("AWS::Elasticsearch::Domain", _DOMAIN),
    "aws_cognito_user_pool": (
        "AWS::Cognito::UserPool",
        {"name": "UserPoolName", "mfa_configuration": "MfaConfiguration"},
    ),
    "aws_secretsmanager_secret_policy": (
        "AWS::SecretsManager::ResourcePolicy",
        {"secret_arn": "SecretId"},
    ),
    "aws_kinesis_resource_policy": (
        "AWS::Kinesis::ResourcePolicy",
        {"resource_arn": "ResourceArn"},
    ),
    "aws_cloudwatch_event_bus": ("AWS::Events::EventBus", {"name": "Name"}),
    # IAM users and groups: judged like roles (every principal of the project).
    "aws_iam_user": (
        "AWS::IAM::User",
        {"name": "UserName", "permissions_boundary": "PermissionsBoundary"},
    ),
    "aws_iam_group": ("AWS::IAM::Group", {"name": "GroupName"}),
    "aws_iam_user_policy": ("AWS::IAM::Policy", {"name": "PolicyName"}),
    "aws_iam_group_policy": ("AWS::IAM::Policy", {"name": "PolicyName"}),
    "aws_cloudwatch_event_bus_policy": (
        "AWS::Events::EventBusPolicy",
        {"event_bus_name": "EventBusName"},
    ),
}

_DOCUMENTS = {
    "aws_s3_bucket": ("policy", "PolicyDocument"),
    "aws_sqs_queue": ("policy", "PolicyDocument"),
    "aws_sns_topic": ("policy", "PolicyDocument"),
    "aws_kms_key": ("policy", "KeyPolicy"),
    "aws_secretsmanager_secret_policy": ("policy", "ResourcePolicy"),
    "aws_kinesis_resource_policy": ("policy", "ResourcePolicy"),
    "aws_cloudwatch_event_bus_policy": ("policy", "Policy"),
    "aws_iam_user_policy": ("policy", "PolicyDocument"),
    "aws_iam_group_policy": ("policy", "PolicyDocument"),
}
_HOLDERS = {"aws_iam_user_policy": ("user", "Users"), "aws_iam_group_policy": ("group", "Groups")}
_INLINE_POLICIES = {  # the policy resource CloudFormation writes for an inline `policy`
    "AWS::S3::Bucket": ("AWS::S3::BucketPolicy", "Bucket", False),
    "AWS::SQS::Queue": ("AWS::SQS::QueuePolicy", "Queues", True),
    "AWS::SNS::Topic": ("AWS::SNS::TopicPolicy", "Topics", True),
}
_ACLS = {"public-read-write": "PublicReadWrite", "public-read": "PublicRead"}


def extra(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    """Policy documents, Kinesis encryption, the bucket's inline ACL, a pool's password policy."""
    body = resource.block.body
    document = _DOCUMENTS.get(resource.type)
    if document is not None and document[0] in body.attributes:
        attribute = body.attributes[document[0]]
        properties[document[1]] = policy_document(evaluator, attribute, resource.file)
        properties.key_positions[document[1]] = attribute.pos
    if resource.type in _HOLDERS:
        _policy_holder(evaluator, resource, properties)
    if resource.type == "aws_kinesis_stream":
        _kinesis(evaluator, resource, properties)
    if resource.type == "aws_s3_bucket":
        _bucket_inline(evaluator, resource, properties)
    if resource.type == "aws_cognito_user_pool":
        _password_policy(evaluator, resource, properties)


def _policy_holder(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    """`user = aws_iam_user.ci.name` as the inline policy's `Users` (or `Groups`)."""
    name, key = _HOLDERS[resource.type]
    holder = resource.block.body.attributes.get(name)
    if holder is None:
        return
    holders = YList(resource.file, holder.pos)
    holders.append(evaluator.value(holder.expr, resource.file))
    holders.item_positions.append(holder.pos)
    properties[key] = holders
    properties.key_positions[key] = holder.pos


def _kinesis(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    attribute = resource.block.body.attributes.get("encryption_type")
    if attribute is None:
        return
    if render(evaluator.value(attribute.expr, resource.file)).upper() == "KMS":
        encryption = YMap(resource.file, attribute.pos)
        encryption["EncryptionType"] = "KMS"
        properties["StreamEncryption"] = encryption
        properties.key_positions["StreamEncryption"] = attribute.pos


def _bucket_inline(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    """Provider v3's inline `acl` argument and `website` block."""
    body = resource.block.body
    attribute = body.attributes.get("acl")
    if attribute is not None:
        acl = _ACLS.get(render(evaluator.value(attribute.expr, resource.file)))
        if acl is not None:
            properties["AccessControl"] = acl
            properties.key_positions["AccessControl"] = attribute.pos
    website = body.block("website")
    if website is not None:
        properties["WebsiteConfiguration"] = YMap(resource.file, website.pos)
        properties.key_positions["WebsiteConfiguration"] = website.pos


def _password_policy(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    """`password_policy` as CloudFormation's `Policies.PasswordPolicy`."""
    from slsguard.loading.terraform.translate import properties_of

    block = resource.block.body.block("password_policy")
    if block is None:
        return
    policies = YMap(resource.file, block.pos)
    policies["PasswordPolicy"] = properties_of(
        evaluator, block.body, _PASSWORD, resource.file, block.pos
    )
    policies.key_positions["PasswordPolicy"] = block.pos
    properties["Policies"] = policies
    properties.key_positions["Policies"] = block.pos


def merge(resources: YMap) -> dict[str, str]:
    """Fold split bucket settings into the bucket; inline policies into policy resources.

    Returns each policy resource made from an inline `policy` with the resource it came from
    (the two share a Terraform address).
    """
    made: dict[str, str] = {}
    for logical, node in list(resources.items()):
        if not isinstance(node, YMap) or not isinstance(node.get("Properties"), YMap):
            continue
        kind, props = node["Type"], node["Properties"]
        if kind in (OWNERSHIP, WEBSITE):
            bucket = _bucket(resources, props)
            if bucket is not None:
                _fold(bucket, props, kind)
            del resources[logical]
        elif kind in _INLINE_POLICIES and "PolicyDocument" in props:
            made[_policy_resource(resources, logical, node)] = logical
    return made


def _bucket(resources: YMap, props: YMap) -> YMap | None:
    for logical, node in resources.items():
        if not isinstance(node, YMap) or node.get("Type") != "AWS::S3::Bucket":
            continue
        owner = node.get("Properties")
        named = isinstance(owner, YMap) and render(owner.get("BucketName")) == render(
            props.get("Bucket")
        )
        if isinstance(owner, YMap) and (logical in referenced_ids(props.get("Bucket")) or named):
            return owner
    return None


def _fold(bucket: YMap, props: YMap, kind: str) -> None:
    if kind == WEBSITE:
        bucket["WebsiteConfiguration"] = YMap(props.file, props.position)
        bucket.key_positions["WebsiteConfiguration"] = props.position
        return
    rule = props.get("Rule")
    if not isinstance(rule, YMap):
        return
    rules = YList(props.file, rule.position)
    rules.append(rule)
    rules.item_positions.append(rule.position)
    controls = YMap(props.file, props.position)
    controls["Rules"] = rules
    controls.key_positions["Rules"] = rule.position
    bucket["OwnershipControls"] = controls
    bucket.key_positions["OwnershipControls"] = props.position


def _policy_resource(resources: YMap, logical: str, node: YMap) -> str:
    """`aws_sqs_queue.x.policy` as the `AWS::SQS::QueuePolicy` CloudFormation would have."""
    props: YMap = node["Properties"]
    cfn_type, target, as_list = _INLINE_POLICIES[node["Type"]]
    position = props.key_positions["PolicyDocument"]
    policy = YMap(props.file, position)
    policy["Type"] = cfn_type
    inner = YMap(props.file, position)
    reference = {"Ref": logical}
    inner[target] = [reference] if as_list else reference
    inner["PolicyDocument"] = props.pop("PolicyDocument")
    inner.key_positions = {target: position, "PolicyDocument": position}
    policy["Properties"] = inner
    policy.key_positions = {"Type": position, "Properties": position}
    name = f"{logical}InlinePolicy"
    resources[name] = policy
    resources.key_positions[name] = position
    files = getattr(resources, "key_files", None)
    if isinstance(files, dict) and logical in files:
        files[name] = files[logical]
    return name
