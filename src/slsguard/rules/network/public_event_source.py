"""public-event-source (SLS208): anyone can write to the bucket, queue or topic a function consumes.

## What it does
Resolves each non-HTTP trigger to the resource it reads from (Serverless `s3`, `sqs` and
`sns` events, SAM `S3`, `SQS` and `SNS` events, CloudFormation event source mappings,
bucket notifications and SNS subscriptions) and reports, when that bucket, queue or topic
is defined in the template:

- a bucket, queue or topic policy statement that allows anyone (`Principal: "*"` or
  `{AWS: "*"}`) to write (`s3:PutObject`, `sqs:SendMessage`, `sns:Publish`) with no
  condition narrowing who (`aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOwner`,
  `aws:PrincipalOrgID`, `aws:SourceVpce`, ...), unless a Deny with such a condition
  narrows it, or the bucket's Block Public Access settings block public policies;
- a bucket with the public-write ACL `AccessControl: PublicReadWrite` whose Block Public
  Access settings are turned off.

Sources outside the template (an ARN of another stack or account) are not judged. A
bucket or topic the Serverless Framework creates for an event has no policy unless
`resources:` adds one.

## Why is this bad?
The function runs on every object, message or notification, and none of that input
passes an API gateway, an authorizer or a WAF. When anyone on the internet can write it,
anyone can invoke the function with data of their choosing, and run up its bill.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::SQS::Queue
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: sqs:SendMessage
            Resource: !GetAtt Orders.Arn
  Process:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Orders.Arn
```

## Fix
Say who may send: the topic, bucket or account that produces the messages.
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::SQS::Queue
  OrdersTopic:
    Type: AWS::SNS::Topic
  OrdersPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Orders.Arn
            Condition:
              ArnEquals: {"aws:SourceArn": !Ref OrdersTopic}
  Process:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Orders.Arn
```

## References
- https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html
- https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
- https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
"""

from collections.abc import Iterator

from slsguard.analysis.event_sources import NOUNS, Source, event_sources
from slsguard.analysis.resources import (
    BUCKET,
    QUEUE,
    TOPIC,
    PolicyStatement,
    Resource,
    ResourceIndex,
)
from slsguard.analysis.targets import policy_statement_target, resource_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import ALL_BLOCKED, OWN_ACCOUNT, ConditionTest, SetSetting, unsafe
from slsguard.iam.effective import describe_functions
from slsguard.located import YMap
from slsguard.model import Application, render
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name

_OTHER_SENDERS = unsafe("senders from other accounts lose access")
_SENDER_NOTE = "or name the producer: `aws:SourceArn` = the ARN of the resource that sends"

WRITE_ACTIONS = {BUCKET: "s3:PutObject", QUEUE: "sqs:SendMessage", TOPIC: "sns:Publish"}

# Condition keys that say *who* may call: any of them turns "anyone" into someone.
NARROWING_KEYS = frozenset(
    {
        *("aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid"),
        *("aws:sourceorgpaths", "aws:principalorgid", "aws:principalorgpaths"),
        *("aws:principalaccount", "aws:principalarn", "aws:principalservicename"),
        *("aws:sourcevpce", "aws:sourcevpc", "aws:sourceip", "aws:vpcsourceip"),
        *("aws:userid", "aws:username", "aws:calledvia"),
    }
)


@rule(
    "SLS208",
    "public-event-source",
    Severity.HIGH,
    "Anyone can write to the bucket, queue or topic that triggers a function",
    practice="P8",
    mappings={
        "owasp-serverless": "S1",
        "cwe": "CWE-284",
        "pci-dss-4.0": "7.2.1",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Event sources whose resource policy or ACL lets anyone write."""
    index = ResourceIndex.of(app)
    groups: dict[str, list[Source]] = {}
    for source in event_sources(app, index):
        groups.setdefault(source.key, []).append(source)
    for sources in groups.values():
        first = sources[0]
        names = tuple(dict.fromkeys(source.function.name for source in sources))
        yield from _public_policy(app, index, first, names)
        if first.resource is not None and first.type == BUCKET:
            yield from _public_acl(app, first.resource, names)


def _public_policy(
    app: Application, index: ResourceIndex, source: Source, functions: tuple[str, ...]
) -> Iterator[Violation]:
    if source.resource is not None and _blocks(source.resource, "BlockPublicPolicy"):
        return  # S3 refuses the public policy (BlockPublicPolicy) or ignores it.
    action = WRITE_ACTIONS[source.type]
    policies = index.policies_of(source.type, source.key, source.name)
    statements = [
        statement
        for policy in policies
        for statement in policy.statements
        if statement.applies_to(source.key, source.name)
    ]
    if any(_narrows(statement, action) for statement in statements):
        return
    for policy in policies:
        for statement in policy.statements:
            if statement not in statements or not _public_write(statement, action):
                continue
            noun = NOUNS[source.type]
            yield Violation(
                statement.principal_origin,
                f"{resource_name(app, policy.resource.logical_id)} lets anyone (principal `*`) "
                f"call {action} on "
                f"{noun} {source.display} with no condition on the sender: anyone can feed "
                f"events to {describe_functions(functions)}, input that no API gateway, "
                "authorizer or WAF inspects",
                intents=(
                    SetSetting(
                        policy_statement_target(
                            resource_name(app, policy.resource.logical_id), statement.origin
                        ),
                        "iam-condition",
                        ConditionTest("StringEquals", "aws:SourceAccount", OWN_ACCOUNT),
                        _OTHER_SENDERS,
                        note=_SENDER_NOTE,
                    ),
                ),
                subject=f"{source.key}:{action}",
            )


def _public_write(statement: PolicyStatement, action: str) -> bool:
    return (
        statement.effect == "Allow"
        and statement.public
        and statement.covers(action)
        and not _has_narrowing_condition(statement)
    )


def _narrows(statement: PolicyStatement, action: str) -> bool:
    """A Deny that takes the write away from everyone but a known sender."""
    return (
        statement.effect == "Deny"
        and statement.public
        and statement.covers(action)
        and (not statement.conditions or _has_narrowing_condition(statement))
    )


def _has_narrowing_condition(statement: PolicyStatement) -> bool:
    return any(
        condition.key in NARROWING_KEYS and any(value.strip() != "*" for value in condition.values)
        for condition in statement.conditions
    )


def _public_acl(
    app: Application, bucket: Resource, functions: tuple[str, ...]
) -> Iterator[Violation]:
    if render(bucket.properties.get("AccessControl")).strip().lower() != "publicreadwrite":
        return
    settings = bucket.properties.get("PublicAccessBlockConfiguration")
    if not isinstance(settings, YMap):
        return  # Buckets block public ACLs unless the template turns that off.
    if _blocks(bucket, "BlockPublicAcls") or _blocks(bucket, "IgnorePublicAcls"):
        return
    yield Violation(
        bucket.origin_of("AccessControl"),
        f"S3 bucket {bucket.logical_id} has the ACL PublicReadWrite and Block Public Access "
        f"turned off: anyone can upload objects that invoke {describe_functions(functions)}",
        intents=(
            SetSetting(
                resource_target(app, bucket.logical_id, bucket.origin),
                "public-access-block",
                ALL_BLOCKED,
                unsafe("whoever writes to the bucket through its public ACL loses access"),
                note="in place of the bucket's current Block Public Access settings; and "
                "remove its PublicReadWrite ACL",
            ),
        ),
        subject=f"{bucket.logical_id}:acl",
    )


def _blocks(bucket: Resource, setting: str) -> bool:
    """Whether the bucket's Block Public Access settings turn `setting` (or its twin) on."""
    settings = bucket.properties.get("PublicAccessBlockConfiguration")
    if not isinstance(settings, YMap):
        return False
    twins = {"BlockPublicPolicy": "RestrictPublicBuckets"}
    keys = (setting, twins[setting]) if setting in twins else (setting,)
    return any(render(settings.get(key)).strip().lower() == "true" for key in keys)
