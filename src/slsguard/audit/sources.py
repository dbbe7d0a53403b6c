"""The S3 buckets, SQS queues and SNS topics that trigger audited functions, with their policies.

Queues come from the functions' event source mappings, topics from the region's Lambda
subscriptions, buckets from resource-policy statements that let `s3.amazonaws.com` invoke a
function with an `arn:aws:s3:::` source. Each is mirrored with its resource policy (and, for
buckets, the Lambda notifications and Block Public Access settings), so SLS207 and SLS208
judge them as they judge templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slsguard.audit.client import Session
from slsguard.audit.collect import Json, LiveFunction, document
from slsguard.audit.template import LiveApp, logical_id

Functions = tuple[LiveFunction, ...]
_NO_BLOCK = {
    "BlockPublicAcls": False,
    "BlockPublicPolicy": False,
    "IgnorePublicAcls": False,
    "RestrictPublicBuckets": False,
}
"""A bucket without its own Block Public Access configuration (the account's is not read)."""
BUCKET, QUEUE, TOPIC = "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::SNS::Topic"


@dataclass(frozen=True, slots=True)
class LiveSource:
    """One bucket, queue or topic that invokes functions."""

    kind: str
    arn: str
    name: str
    policy: Json | None
    functions: tuple[str, ...]
    """ARNs of the functions it triggers."""
    extra: Json | None = None
    """Buckets: `{"Notification": ..., "PublicAccessBlock": ...}`."""


def collect_sources(
    session: Session, region: str, functions: tuple[LiveFunction, ...]
) -> tuple[LiveSource, ...]:
    """The event sources of the functions (unreadable ones are left out)."""
    if not functions:
        return ()
    return (
        *_queues(session, region, functions),
        *_topics(session, region, functions),
        *_buckets(session, region, functions),
    )


def _queues(session: Session, region: str, functions: Functions) -> list[LiveSource]:
    users: dict[str, list[str]] = {}
    for fn in functions:
        for mapping in fn.mappings:
            arn = str(mapping.get("EventSourceArn", ""))
            if arn.startswith("arn:aws:sqs:"):
                users.setdefault(arn, []).append(fn.arn)
    sqs = session.client("sqs", region)
    found = []
    for arn, users_of in sorted(users.items()):
        parts = arn.split(":")
        url = (sqs.call("get_queue_url", arn, QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])
               or {}).get("QueueUrl")  # fmt: skip
        if not url:
            continue
        names = ["Policy", "RedrivePolicy"]
        response = sqs.call("get_queue_attributes", arn, QueueUrl=url, AttributeNames=names)
        attributes = (response or {}).get("Attributes") or {}
        redrive = (
            {"RedrivePolicy": document(attributes["RedrivePolicy"])}
            if (attributes.get("RedrivePolicy"))
            else None
        )
        policy = _policy(attributes.get("Policy"))
        found.append(LiveSource(QUEUE, arn, parts[5], policy, tuple(users_of), redrive))
    return found


def _topics(session: Session, region: str, functions: Functions) -> list[LiveSource]:
    arns = {fn.arn for fn in functions}
    sns = session.client("sns", region)
    users: dict[str, list[str]] = {}
    for item in sns.pages("list_subscriptions", "Subscriptions", f"arn:aws:sns:{region}"):
        endpoint = str(item.get("Endpoint", ""))
        if item.get("Protocol") == "lambda" and endpoint in arns:
            users.setdefault(str(item.get("TopicArn")), []).append(endpoint)
    found = []
    for arn, users_of in sorted(users.items()):
        attributes = (sns.call("get_topic_attributes", arn, TopicArn=arn) or {}).get("Attributes")
        policy = (attributes or {}).get("Policy")
        name = arn.rsplit(":", 1)[-1]
        found.append(LiveSource(TOPIC, arn, name, _policy(policy), tuple(users_of)))
    return found


def _buckets(session: Session, region: str, functions: Functions) -> list[LiveSource]:
    users: dict[str, list[str]] = {}
    for fn in functions:
        for statement in (fn.policy or {}).get("Statement") or []:
            source = _source_arn(statement)
            if source.startswith("arn:aws:s3:::"):
                users.setdefault(source, []).append(fn.arn)
    s3 = session.client("s3", region)
    found = []
    for arn, users_of in sorted(users.items()):
        name = arn.removeprefix("arn:aws:s3:::").split("/", 1)[0]
        policy = (s3.call("get_bucket_policy", arn, Bucket=name) or {}).get("Policy")
        notification = s3.call("get_bucket_notification_configuration", arn, Bucket=name)
        block = s3.call("get_public_access_block", arn, Bucket=name) or {}
        extra = {
            "Notification": notification or {},
            "PublicAccessBlock": block.get("PublicAccessBlockConfiguration") or _NO_BLOCK,
        }
        found.append(LiveSource(BUCKET, arn, name, _policy(policy), tuple(users_of), extra))
    return found


def _source_arn(statement: Json) -> str:
    for operator in (statement.get("Condition") or {}).values():
        if isinstance(operator, dict):
            for key, value in operator.items():
                if key.lower() == "aws:sourcearn":
                    return str(value[0] if isinstance(value, list) and value else value)
    return ""


def _policy(text: Any) -> Json | None:
    return document(text) if text else None


def mirror_source(app: LiveApp, source: LiveSource, functions: dict[str, str]) -> None:
    """Add one source, its policy and its link to the functions it triggers (`functions`:
    ARN → logical id)."""
    logical = logical_id(source.name)
    if logical in app.resources:
        logical += source.kind.rsplit(":", 1)[-1]
    properties: Json = {
        BUCKET: {"BucketName": source.name},
        QUEUE: {"QueueName": source.name},
        TOPIC: {"TopicName": source.name},
    }[source.kind]
    if source.kind == BUCKET:
        _bucket(properties, source, functions)
    elif source.kind == QUEUE and source.extra:
        properties.update(source.extra)
    app.add(logical, source.kind, properties, (source.arn, ()))
    if source.kind == TOPIC:
        for fn_arn in source.functions:
            if fn_arn in functions:
                subscription = {
                    "TopicArn": {"Ref": logical},
                    "Protocol": "lambda",
                    "Endpoint": {"Fn::GetAtt": [functions[fn_arn], "Arn"]},
                }
                place = (source.arn, ("Subscriptions", app.function_names[functions[fn_arn]]))
                kind = "AWS::SNS::Subscription"
                app.add(f"{logical}To{functions[fn_arn]}", kind, subscription, place)
    if source.policy:
        kind, key = {
            BUCKET: ("AWS::S3::BucketPolicy", "Bucket"),
            QUEUE: ("AWS::SQS::QueuePolicy", "Queues"),
            TOPIC: ("AWS::SNS::TopicPolicy", "Topics"),
        }[source.kind]
        target: Any = {"Ref": logical} if source.kind == BUCKET else [{"Ref": logical}]
        policy = {key: target, "PolicyDocument": source.policy}
        app.add(f"{logical}Policy", kind, policy, (source.arn, ("Policy",)))


def _bucket(properties: Json, source: LiveSource, functions: dict[str, str]) -> None:
    extra = source.extra or {}
    notification = extra.get("Notification") or {}
    configurations = []
    for item in notification.get("LambdaFunctionConfigurations") or []:
        fn_arn = str(item.get("LambdaFunctionArn", ""))
        target = {"Fn::GetAtt": [functions[fn_arn], "Arn"]} if fn_arn in functions else fn_arn
        for event in item.get("Events") or []:
            configurations.append({"Event": event, "Function": target})
    if configurations:
        properties["NotificationConfiguration"] = {"LambdaConfigurations": configurations}
    if extra.get("PublicAccessBlock"):
        properties["PublicAccessBlockConfiguration"] = extra["PublicAccessBlock"]
