"""Which bucket, queue or topic feeds each function, and which ones each function uses.

Every syntax is resolved to a resource of the template (or to a bucket or topic the
Serverless Framework creates for an event): Serverless `s3`/`sqs`/`sns` events, SAM `S3`,
`SQS` and `SNS` events, CloudFormation event source mappings, bucket notifications and
SNS subscriptions; then the resources named in the functions' role statements. A source
that lives outside the template is unknown and left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from slsguard.analysis.resources import (
    BUCKET,
    QUEUE,
    TOPIC,
    Resource,
    ResourceIndex,
    referenced_ids,
)
from slsguard.findings import Origin
from slsguard.iam.effective import function_roles
from slsguard.loading.policies import child_origin
from slsguard.loading.yaml import YMap
from slsguard.model import Application, Function, Trigger, render

_KIND_TYPES = {"s3": BUCKET, "sqs": QUEUE, "sns": TOPIC}
_SAM_PROPERTY = {"s3": "Bucket", "sqs": "Queue", "sns": "Topic"}
NOUNS = {BUCKET: "S3 bucket", QUEUE: "SQS queue", TOPIC: "SNS topic"}


@dataclass(frozen=True, slots=True)
class Created:
    """A bucket or topic the Serverless Framework creates for an event (no resource)."""

    type: str
    logical_id: str
    """The Framework's logical id: `S3Bucket<Name>`, `SNSTopic<Name>`."""
    name: str


@dataclass(frozen=True, slots=True)
class Source:
    """A function's event source resolved to a resource of the template."""

    type: str
    function: Function
    origin: Origin
    """Where the trigger is written."""
    resource: Resource | None = None
    created: Created | None = None

    @property
    def key(self) -> str:
        """The logical id of the source."""
        if self.resource is not None:
            return self.resource.logical_id
        assert self.created is not None
        return self.created.logical_id

    @property
    def display(self) -> str:
        """How messages name it: the logical id, or the bucket or topic name the event gives."""
        return self.created.name if self.created is not None else self.key

    @property
    def name(self) -> str | None:
        """Its physical name, when the template sets one."""
        if self.resource is not None:
            return self.resource.name
        return self.created.name if self.created is not None else None


@dataclass(slots=True)
class Usage:
    """A bucket, queue or topic the functions use, and how."""

    source: Source
    functions: list[str] = field(default_factory=list)
    ways: list[str] = field(default_factory=list)

    def add(self, function: str, way: str) -> None:
        """Record one more function and how it uses the resource."""
        if function not in self.functions:
            self.functions.append(function)
        if way not in self.ways:
            self.ways.append(way)


def event_sources(app: Application, index: ResourceIndex) -> list[Source]:
    """Every S3, SQS and SNS event source of every function that the template defines."""
    found = [
        source
        for fn in app.functions
        for trigger in fn.triggers
        if (source := _from_trigger(fn, trigger, index)) is not None
    ]
    by_id = {fn.logical_id: fn for fn in app.functions if fn.logical_id}
    found.extend(_bucket_notifications(index, by_id))
    found.extend(_subscriptions(index, by_id))
    return found


def used_resources(app: Application, index: ResourceIndex) -> dict[str, Usage]:
    """The buckets, queues and topics that functions consume events from or have grants on."""
    used: dict[str, Usage] = {}
    for source in event_sources(app, index):
        used.setdefault(source.key, Usage(source)).add(source.function.name, "event source")
    for role, names in function_roles(app):
        for statement in role.all_statements():
            if not statement.is_allow or statement.granted_by == "framework":
                continue  # The Framework's grants only mirror the function's own triggers.
            for text in statement.resources:
                resource = index.designated(text, BUCKET, QUEUE, TOPIC)
                if resource is None:
                    continue
                fn = next(fn for fn in app.functions if fn.name == names[0])
                usage = used.setdefault(
                    resource.logical_id, Usage(Source(resource.type, fn, resource.origin, resource))
                )
                for name in names:
                    usage.add(name, "role grants")
    return used


def _from_trigger(fn: Function, trigger: Trigger, index: ResourceIndex) -> Source | None:
    settings = trigger.settings
    if isinstance(settings, YMap) and "EventSourceArn" in settings:  # CloudFormation mapping
        resource = index.designated(settings["EventSourceArn"], QUEUE)
        return Source(QUEUE, fn, trigger.origin, resource) if resource else None
    kind_type = _KIND_TYPES.get(trigger.kind)
    if kind_type is None:
        return None
    if isinstance(settings, YMap) and isinstance(settings.get("Properties"), YMap):  # SAM
        value = settings["Properties"].get(_SAM_PROPERTY[trigger.kind])
        resource = index.designated(value, kind_type)
        return Source(kind_type, fn, trigger.origin, resource) if resource else None
    resource, created = _serverless(trigger.kind, settings, index)
    if resource is None and created is None:
        return None
    return Source(kind_type, fn, trigger.origin, resource, created)


def _serverless(
    kind: str, settings: Any, index: ResourceIndex
) -> tuple[Resource | None, Created | None]:
    """The source of a Serverless `s3`, `sqs` or `sns` event."""
    if kind == "sqs":
        arn = settings.get("arn") if _is_block(settings) else settings
        return index.designated(arn, QUEUE), None
    if kind == "s3":
        bucket = settings.get("bucket") if _is_block(settings) else settings
        existing = _is_block(settings) and settings.get("existing") is True
        return _existing_or_created(bucket, existing, BUCKET, "S3Bucket", index)
    arn, topic = None, settings
    if _is_block(settings):
        arn, topic = settings.get("arn"), settings.get("topicName")
    elif isinstance(settings, dict) or render(settings).startswith("arn:"):
        arn, topic = settings, None
    if arn is not None:
        return index.designated(arn, TOPIC), None
    return _existing_or_created(topic, False, TOPIC, "SNSTopic", index)


def _existing_or_created(
    value: Any, existing: bool, kind: str, prefix: str, index: ResourceIndex
) -> tuple[Resource | None, Created | None]:
    if isinstance(value, dict) or existing:
        return index.designated(value, kind), None
    name = render(value).strip()
    if not name or "${" in name:
        return None, None
    logical_id = prefix + _normalize(name)
    if logical_id in index.by_id:  # `resources:` extends the Framework's own resource.
        return index.by_id[logical_id], None
    return None, Created(kind, logical_id, name)


def _is_block(settings: Any) -> bool:
    """A Serverless event block (`{arn: ...}`), not an intrinsic (`{Fn::GetAtt: ...}`)."""
    if not isinstance(settings, dict):
        return False
    return not any(key == "Ref" or key.startswith("Fn::") for key in settings)


def _normalize(name: str) -> str:
    """The Framework's `normalizeNameToAlphaNumericOnly`: `my-bucket` → `Mybucket`."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", name)
    return cleaned[:1].upper() + cleaned[1:]


def _bucket_notifications(index: ResourceIndex, by_id: dict[str, Function]) -> Iterator[Source]:
    for bucket in index.of_type(BUCKET):
        config = bucket.properties.get("NotificationConfiguration")
        if not isinstance(config, YMap) or not isinstance(
            items := config.get("LambdaConfigurations"), list
        ):
            continue
        config_origin = bucket.origin_of("NotificationConfiguration")
        items_origin = child_origin(config, "LambdaConfigurations", config_origin)
        for position, item in enumerate(items):
            fn = _function(item.get("Function") if isinstance(item, YMap) else None, by_id)
            if fn is not None:
                yield Source(BUCKET, fn, child_origin(items, position, items_origin), bucket)


def _subscriptions(index: ResourceIndex, by_id: dict[str, Function]) -> Iterator[Source]:
    for subscription in index.of_type("AWS::SNS::Subscription"):
        properties = subscription.properties
        fn = _lambda_endpoint(properties, by_id)
        topic = index.designated(properties.get("TopicArn"), TOPIC)
        if fn is not None and topic is not None:
            yield Source(TOPIC, fn, subscription.origin, topic)
    for topic in index.of_type(TOPIC):
        items = topic.properties.get("Subscription")
        if not isinstance(items, list):
            continue
        items_origin = topic.origin_of("Subscription")
        for position, item in enumerate(items):
            fn = _lambda_endpoint(item, by_id)
            if fn is not None:
                yield Source(TOPIC, fn, child_origin(items, position, items_origin), topic)


def _lambda_endpoint(block: Any, by_id: dict[str, Function]) -> Function | None:
    if not isinstance(block, YMap) or render(block.get("Protocol")).lower() != "lambda":
        return None
    return _function(block.get("Endpoint"), by_id)


def _function(value: Any, by_id: dict[str, Function]) -> Function | None:
    for logical_id in referenced_ids(value):
        if logical_id in by_id:
            return by_id[logical_id]
    return None
