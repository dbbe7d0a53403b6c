"""public-resource-policy (SLS212): a topic, queue, stream, bus, secret or key open to anyone.

## What it does
Reads the resource policies the project defines for SNS topics, SQS queues, Kinesis
streams, EventBridge event buses, Secrets Manager secrets and KMS keys (CloudFormation
`AWS::SNS::TopicPolicy`, `AWS::SQS::QueuePolicy`, `AWS::Kinesis::ResourcePolicy`,
`AWS::Events::EventBusPolicy`, an event bus `Policy`, `AWS::SecretsManager::ResourcePolicy`,
a key's `KeyPolicy`; the Terraform twins, and inline `policy` arguments) and reports each
Allow statement whose principal is anyone (`"*"` or `{AWS: "*"}`) with no condition that
narrows the caller. Narrowing means a positive operator (`StringEquals`/`StringLike`,
`ArnEquals`/`ArnLike`, `IpAddress`) with fixed values on `aws:SourceArn`,
`aws:SourceAccount`, `aws:SourceOwner`, `aws:PrincipalOrgID`, `aws:PrincipalAccount`,
`aws:PrincipalArn`, `aws:SourceVpce`, a private `aws:SourceIp` range, `kms:CallerAccount`,
`kms:ViaService`, ...; `StringNotEquals` and wildcard values do not narrow. The default SNS
topic policy (narrowed by `AWS:SourceOwner`) is not public. Writing to a queue or topic
that triggers a function is public-event-source (SLS208) and is not repeated here. The
finding names the functions that use the resource.

## Why is this bad?
Anyone with an AWS account can then subscribe to the topic and read every notification,
read or delete the queue's messages, put records into the stream, inject events into the
bus, read the secret, or use the key to decrypt the data it protects.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::SNS::Topic
  OrdersPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: ["sns:Subscribe", "sns:Receive"]
            Resource: !Ref Orders
```

## Fix
Name the caller, or narrow `*` to your account or organization.
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Orders:
    Type: AWS::SNS::Topic
  OrdersPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Orders]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: ["sns:Subscribe", "sns:Receive"]
            Resource: !Ref Orders
            Condition:
              StringEquals:
                "aws:SourceAccount": !Ref AWS::AccountId
```

## References
- https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html
- https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
"""

from collections.abc import Iterator
from dataclasses import dataclass

from slsguard.analysis.event_sources import event_sources
from slsguard.analysis.public_access import public_actions, public_allows
from slsguard.analysis.resources import (
    QUEUE,
    TOPIC,
    PolicyStatement,
    Resource,
    ResourceIndex,
    document_statements,
)
from slsguard.analysis.store_users import StoreUsers, store_users
from slsguard.analysis.targets import policy_statement_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import OWN_ACCOUNT, ConditionTest, FreeText, Intent, SetSetting, unsafe
from slsguard.model import Application, render
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name


@dataclass(frozen=True, slots=True)
class _Holder:
    """A resource type that holds a policy: where the document is, what it protects."""

    document: str
    noun: str
    target_type: str
    target: str | None
    """The property naming the protected resource; None when the resource is the target."""

    @property
    def service(self) -> str:
        """The IAM service prefix of the protected resource (`sns`, `kms`, `events`)."""
        return _SERVICES[self.target_type]


_HOLDERS = {
    "AWS::SNS::TopicPolicy": _Holder("PolicyDocument", "SNS topic", TOPIC, "Topics"),
    "AWS::SNS::TopicInlinePolicy": _Holder("PolicyDocument", "SNS topic", TOPIC, "TopicArn"),
    "AWS::SQS::QueuePolicy": _Holder("PolicyDocument", "SQS queue", QUEUE, "Queues"),
    "AWS::SQS::QueueInlinePolicy": _Holder("PolicyDocument", "SQS queue", QUEUE, "Queue"),
    "AWS::Kinesis::ResourcePolicy": _Holder(
        "ResourcePolicy", "Kinesis stream", "AWS::Kinesis::Stream", "ResourceArn"
    ),
    "AWS::SecretsManager::ResourcePolicy": _Holder(
        "ResourcePolicy", "secret", "AWS::SecretsManager::Secret", "SecretId"
    ),
    "AWS::KMS::Key": _Holder("KeyPolicy", "KMS key", "AWS::KMS::Key", None),
    "AWS::Events::EventBus": _Holder("Policy", "EventBridge bus", "AWS::Events::EventBus", None),
    "AWS::Events::EventBusPolicy": _Holder(
        "", "EventBridge bus", "AWS::Events::EventBus", "EventBusName"
    ),
}
_SERVICES = {
    TOPIC: "sns",
    QUEUE: "sqs",
    "AWS::Kinesis::Stream": "kinesis",
    "AWS::SecretsManager::Secret": "secretsmanager",
    "AWS::KMS::Key": "kms",
    "AWS::Events::EventBus": "events",
}
# What SLS208 reports when the queue or topic triggers a function.
_TRIGGER_WRITE = {QUEUE: "sqs:SendMessage", TOPIC: "sns:Publish"}


@rule(
    "SLS212",
    "public-resource-policy",
    Severity.HIGH,
    "A topic, queue, stream, event bus, secret or key whose policy lets anyone in",
    practice="P1",
    mappings={
        "owasp-serverless": "S5",
        "cwe": "CWE-284",
        "fsbp": ("SNS.4", "SQS.3"),
        "pci-dss-4.0": "7.2.1",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Allow statements for principal `*` that no condition narrows."""
    index = ResourceIndex.of(app)
    triggers = {source.key for source in event_sources(app, index)}
    for kind, holder in _HOLDERS.items():
        for resource in index.of_type(kind):
            targets = _targets(index, resource, holder)
            statements = list(_statements(resource, holder))
            for statement in public_allows(statements, service=holder.service):
                if _reported_as_trigger(statement, targets, triggers, holder):
                    continue
                yield _violation(app, index, resource, holder, targets, statement)


_OTHER_ACCOUNTS = unsafe("callers from other accounts lose access")
_NARROWING_NOTE = (
    "or name the caller: `aws:PrincipalOrgID` for your organization, `aws:SourceArn` for the "
    "service resource that publishes"
)


def _narrowed(holder_name: str, statement: PolicyStatement, resource: Resource) -> Intent:
    """A condition that keeps the statement to the own account's principals."""
    if statement.origin == resource.origin:  # The older EventBusPolicy form: no statement.
        return FreeText(
            "set the policy's `Condition` to your organization, or name the account as "
            "`Principal` instead of `*`"
        )
    return SetSetting(
        policy_statement_target(holder_name, statement.origin),
        "iam-condition",
        ConditionTest("StringEquals", "aws:PrincipalAccount", OWN_ACCOUNT),
        _OTHER_ACCOUNTS,
        note=_NARROWING_NOTE,
    )


def _statements(resource: Resource, holder: _Holder) -> Iterator[PolicyStatement]:
    if holder.document:
        yield from document_statements(resource, holder.document)
    elif "Policy" in resource.properties:  # Terraform's whole document
        yield from document_statements(resource, "Policy")
    elif "Statement" in resource.properties:  # EventBusPolicy: the statement itself
        yield from document_statements(resource, "")
    else:  # the older EventBusPolicy form: a principal, an action and one condition
        principal = render(resource.properties.get("Principal")).strip()
        if principal == "*" and not resource.properties.get("Condition"):
            yield PolicyStatement(
                "Allow",
                (render(resource.properties.get("Action")) or "events:PutEvents",),
                (),
                True,
                (),
                resource.origin,
                resource.origin_of("Principal"),
            )


def _targets(index: ResourceIndex, resource: Resource, holder: _Holder) -> list[Resource]:
    if holder.target is None:
        return [resource]
    value = resource.properties.get(holder.target)
    items = value if isinstance(value, list) else [value]
    found = [index.designated(item, holder.target_type) for item in items if item is not None]
    return [item for item in found if item is not None]


def _reported_as_trigger(
    statement: PolicyStatement, targets: list[Resource], triggers: set[str], holder: _Holder
) -> bool:
    write = _TRIGGER_WRITE.get(holder.target_type)
    return (
        write is not None
        and statement.covers(write)
        and any(target.logical_id in triggers for target in targets)
    )


def _violation(
    app: Application,
    index: ResourceIndex,
    resource: Resource,
    holder: _Holder,
    targets: list[Resource],
    statement: PolicyStatement,
) -> Violation:
    names = [resource_name(app, target.logical_id) for target in targets]
    if not names:
        written = render(resource.properties.get(holder.target or "")) or "the default bus"
        names = [written]
    users = StoreUsers()
    for target in targets:
        found = store_users(app, index, target)
        users = StoreUsers(
            tuple(dict.fromkeys(users.functions + found.functions)),
            (),
            tuple(dict.fromkeys(users.ways + found.ways)),
        )
    holder_name = resource_name(app, resource.logical_id)
    where = "" if holder_name in names else f" in {holder_name}"
    return Violation(
        statement.principal_origin,
        f"the policy of {holder.noun} {', '.join(names)}{where} lets anyone (principal `*`) "
        f"call {public_actions(statement)} with no condition narrowing the caller: any AWS "
        f"account can use it{users.clause()}",
        functions=users.functions,
        intents=(_narrowed(holder_name, statement, resource),),
        subject=f"{resource.logical_id}:{public_actions(statement)}",
    )
