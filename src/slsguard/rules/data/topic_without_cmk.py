"""topic-without-cmk (SLS215): an SNS topic encrypted by no key of the project's own.

*Opt-in* (`--enable topic-without-cmk`, or `enable:` in the configuration file): SNS already
stores messages encrypted on disk, so this is a design note, not a weakness.

## What it does
Reports, at info, each SNS topic the project defines without `KmsMasterKeyId` (Terraform
`kms_master_key_id`), naming the functions that publish to it or are triggered by it. A
topic whose key is set in any way (a customer-managed key, a reference, an alias) is not
reported.

## Why is this bad?
Without server-side encryption with a KMS key, who may read the messages a topic holds is
decided by the topic policy alone: no key policy stands in the way, and key use is not
logged in CloudTrail. Teams that must show key-level control of message data (PCI DSS,
HIPAA) need a customer-managed key; a topic without one is then a finding. Most teams do
not, which is why the rule is off by default.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::SNS::Topic
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::SNS::Topic
    Properties:
      KmsMasterKeyId: !Ref TopicKey
```

## References
- https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html
- https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/sns-controls.html
"""

from collections.abc import Iterator

from slsguard.analysis.resources import ResourceIndex
from slsguard.analysis.store_users import store_users
from slsguard.findings import Severity, Violation
from slsguard.fixes import FreeText
from slsguard.model import Application
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name

_FIX = (
    "set `KmsMasterKeyId` (Terraform `kms_master_key_id`) to a customer-managed KMS key whose "
    "key policy lets the publishers use it (services that publish, such as EventBridge, S3 or "
    "CloudWatch alarms, need `kms:GenerateDataKey*` and `kms:Decrypt` in that policy)"
)


@rule(
    "SLS215",
    "topic-without-cmk",
    Severity.INFO,
    "An SNS topic without a KMS key of its own (opt-in)",
    practice="P3",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-311",
        "pci-dss-4.0": "3.5.1",
        "hipaa": "164.312(a)(2)(iv)",
    },
    default_enabled=False,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """SNS topics the project defines without `KmsMasterKeyId`."""
    index = ResourceIndex.of(app)
    for topic in index.of_type("AWS::SNS::Topic"):
        if topic.properties.get("KmsMasterKeyId"):
            continue
        users = store_users(app, index, topic)
        name = resource_name(app, topic.logical_id)
        yield Violation(
            topic.origin,
            f"SNS topic {name} is encrypted on disk by SNS but with no KMS key of the project's "
            f"own: no key policy controls who reads its messages{users.clause()}",
            intents=(FreeText(_FIX),),
            functions=users.functions,
            subject=topic.logical_id,
        )
