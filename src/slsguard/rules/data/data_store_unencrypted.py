"""data-store-unencrypted (SLS213): data at rest left unencrypted where AWS does not encrypt it.

## What it does
Reports the data stores the project defines whose storage encryption is off where AWS does
not turn it on by itself: a Kinesis stream without `StreamEncryption`, an EFS file system
without `Encrypted: true`, an SQS queue with managed encryption turned off
(`SqsManagedSseEnabled: false`) and no KMS key, an RDS instance or Aurora/RDS cluster, a
DocumentDB cluster, an ElastiCache replication group or an OpenSearch/Elasticsearch domain
with storage encryption off (the Terraform twins: `encryption_type`, `encrypted`,
`sqs_managed_sse_enabled`, `storage_encrypted`, `at_rest_encryption_enabled`,
`encrypt_at_rest`). Instances that inherit their encryption (Aurora members, read replicas,
restores from a snapshot) and Aurora Serverless v1 clusters (always encrypted) are not
reported. S3 buckets and DynamoDB tables are always encrypted at rest and never reported;
an SNS topic without a KMS key of its own is the opt-in SLS215 (topic-without-cmk).
The finding names the functions that use the store.

## Why is this bad?
Unencrypted storage, its snapshots and its backups can be read by whoever gets the disks,
a copied snapshot or the underlying files, without any key policy standing in the way.
Encryption at rest is required by PCI DSS and HIPAA for stored cardholder and health data,
and most stores cannot be encrypted in place later: they must be rebuilt.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
      StreamEncryption:
        EncryptionType: KMS
        KeyId: alias/aws/kinesis
```

## References
- https://docs.aws.amazon.com/streams/latest/dev/server-side-encryption.html
- https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html
- https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
- https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html
"""

from collections.abc import Iterator
from dataclasses import dataclass

from slsguard.analysis.resources import Resource, ResourceIndex
from slsguard.analysis.service import child_origin
from slsguard.analysis.store_users import store_users
from slsguard.analysis.targets import resource_target
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import SAFE, Intent, SetSetting, Target, unsafe
from slsguard.located import YMap
from slsguard.model import Application, render
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name


@dataclass(frozen=True, slots=True)
class _Store:
    """How one store type says its storage is encrypted."""

    noun: str
    setting: str
    """The property that turns encryption on (a `.`-separated path)."""
    inherits: tuple[str, ...] = ()
    """Properties whose presence means the encryption comes from elsewhere."""
    replaced: str = ""
    """What turning encryption on does to an existing store, when it cannot be done in place."""
    key: str = ""
    """The AWS managed key to name, for stores that take one with the setting."""


_RESTORE = "an existing {} is replaced: restore its data from an encrypted snapshot copy"

_STORES = {
    "AWS::Kinesis::Stream": _Store("Kinesis stream", "StreamEncryption", key="alias/aws/kinesis"),
    "AWS::EFS::FileSystem": _Store(
        "EFS file system",
        "Encrypted",
        replaced="an existing file system is replaced: copy its files to the new one",
    ),
    "AWS::RDS::DBInstance": _Store(
        "RDS instance",
        "StorageEncrypted",
        ("DBClusterIdentifier", "SourceDBInstanceIdentifier", "DBSnapshotIdentifier"),
        _RESTORE.format("instance"),
    ),
    "AWS::RDS::DBCluster": _Store(
        "RDS cluster",
        "StorageEncrypted",
        ("SnapshotIdentifier", "ReplicationSourceIdentifier", "SourceDBClusterIdentifier"),
        _RESTORE.format("cluster"),
    ),
    "AWS::DocDB::DBCluster": _Store(
        "DocumentDB cluster",
        "StorageEncrypted",
        ("SnapshotIdentifier",),
        _RESTORE.format("cluster"),
    ),
    "AWS::ElastiCache::ReplicationGroup": _Store(
        "ElastiCache replication group",
        "AtRestEncryptionEnabled",
        replaced="an existing replication group is replaced (its cached data is lost)",
    ),
    "AWS::OpenSearchService::Domain": _Store(
        "OpenSearch domain", "EncryptionAtRestOptions.Enabled", key=""
    ),
    "AWS::Elasticsearch::Domain": _Store(
        "Elasticsearch domain", "EncryptionAtRestOptions.Enabled", key=""
    ),
}
_SQS = _Store("SQS queue", "SqsManagedSseEnabled")


@rule(
    "SLS213",
    "data-store-unencrypted",
    Severity.LOW,
    "A data store whose storage is not encrypted at rest",
    practice="P6",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-311",
        "fsbp": (
            "Kinesis.1",
            "EFS.1",
            "SQS.1",
            "RDS.3",
            "RDS.27",
            "ElastiCache.4",
            "DocumentDB.1",
            "Opensearch.1",
        ),
        "pci-dss-4.0": "3.5.1",
        "hipaa": "164.312(a)(2)(iv)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Stores whose encryption setting is off or missing where AWS does not default it on."""
    index = ResourceIndex.of(app)
    for kind, store in _STORES.items():
        for resource in index.of_type(kind):
            if _encrypted(resource, store) or _exempt(resource, store):
                continue
            yield _violation(app, index, resource, store)
    for queue in index.of_type("AWS::SQS::Queue"):
        managed = render(queue.properties.get("SqsManagedSseEnabled")).strip().lower()
        if managed == "false" and not queue.properties.get("KmsMasterKeyId"):
            yield _violation(app, index, queue, _SQS)


def _encrypted(resource: Resource, store: _Store) -> bool:
    value: object = resource.properties
    for part in store.setting.split("."):
        value = value.get(part) if isinstance(value, YMap) else None
    if store.setting == "StreamEncryption":
        return isinstance(value, YMap)
    return render(value).strip().lower() == "true" or not _literal(value)


def _literal(value: object) -> bool:
    """A value written as such (or absent); a reference may be true at deploy time."""
    return value is None or isinstance(value, bool | str | int)


def _exempt(resource: Resource, store: _Store) -> bool:
    if any(resource.properties.get(key) for key in store.inherits):
        return True
    engine = render(resource.properties.get("Engine")).lower()
    mode = render(resource.properties.get("EngineMode")).lower()
    if resource.type == "AWS::RDS::DBInstance" and engine.startswith("aurora"):
        return True  # an Aurora member: the cluster holds the encryption setting
    return resource.type == "AWS::RDS::DBCluster" and mode == "serverless"


def _deepest(resource: Resource, setting: str) -> tuple[Origin, bool]:
    """Where the setting (or the deepest part of its path that is written) is, and if it is."""
    parts = setting.split(".")
    where = resource.origin_of(parts[0])
    node = resource.properties.get(parts[0])
    if parts[0] not in resource.properties:
        return where, False
    for part in parts[1:]:
        if not isinstance(node, YMap) or part not in node:
            return where, False
        where = child_origin(node, part, where)
        node = node.get(part)
    return where, True


def _violation(
    app: Application, index: ResourceIndex, resource: Resource, store: _Store
) -> Violation:
    users = store_users(app, index, resource)
    where, present = _deepest(resource, store.setting)
    state = "is off" if present else "is missing"
    name = resource_name(app, resource.logical_id)
    return Violation(
        where,
        f"{store.noun} {name} stores its data unencrypted at rest "
        f"(`{store.setting}` {state}; AWS does not encrypt this store by default){users.clause()}",
        intents=_encrypt(resource_target(app, resource.logical_id, resource.origin, name), store),
        functions=users.functions,
        subject=f"{resource.logical_id}:{store.setting}",
    )


def _encrypt(target: Target, store: _Store) -> tuple[Intent, ...]:
    """Encryption at rest with the AWS managed key (and that key, where the store names it)."""
    applicability = unsafe(store.replaced) if store.replaced else SAFE
    on = SetSetting(target, "encryption", True, applicability)
    if not store.key:
        return (on,)
    return (on, SetSetting(target, "kms-key", store.key, applicability))
