"""Where failed events go: async sources, DLQs and destinations, stream mappings, queues.

Each failure mechanism applies to one kind of invocation: asynchronous invocations keep
failed events in a DLQ or an on-failure destination; stream and Kafka mappings in the
mapping's `DestinationConfig.OnFailure`; SQS triggers in the source queue's redrive policy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slsguard.analysis.api_timeouts import is_async_http
from slsguard.analysis.targets import resource_target
from slsguard.analysis.templates import (
    Resource,
    logical_id_of,
    mentions,
    resource,
    resources_of_type,
    syntax_of,
)
from slsguard.findings import Origin
from slsguard.fixes import Target
from slsguard.loading.yaml import YMap
from slsguard.model import Application, Dialect, Function, render

# Serverless event names and SAM event types that invoke a function asynchronously.
_SLS_ASYNC = {
    "s3": "S3",
    "sns": "SNS",
    "schedule": "a schedule",
    "eventBridge": "EventBridge",
    "cloudwatchEvent": "CloudWatch Events",
    "cloudwatchLog": "CloudWatch Logs",
    "iot": "an IoT rule",
    "iotFleetProvisioning": "IoT fleet provisioning",
}
_SAM_ASYNC = {
    "S3": "S3",
    "SNS": "SNS",
    "Schedule": "a schedule",
    "ScheduleV2": "an EventBridge Scheduler schedule",
    "CloudWatchEvent": "CloudWatch Events",
    "EventBridgeRule": "EventBridge",
    "CloudWatchLogs": "CloudWatch Logs",
    "IoTRule": "an IoT rule",
}
# Service principals of `AWS::Lambda::Permission` that invoke asynchronously.
_ASYNC_PRINCIPALS = {
    "s3.amazonaws.com": "S3",
    "sns.amazonaws.com": "SNS",
    "events.amazonaws.com": "EventBridge",
    "scheduler.amazonaws.com": "EventBridge Scheduler",
    "iot.amazonaws.com": "an IoT rule",
    "ses.amazonaws.com": "SES",
    "logs.amazonaws.com": "CloudWatch Logs",
}


@dataclass(frozen=True, slots=True)
class AsyncSource:
    """Something that invokes a function asynchronously."""

    description: str
    target_dlq: bool = False
    """The event rule has its own DLQ (which does not catch the function's failures)."""


@dataclass(frozen=True, slots=True)
class StreamMapping:
    """A stream or Kafka event source mapping without an on-failure destination."""

    origin: Origin
    source: str
    functions: tuple[str, ...]
    target: Target
    """What holds its on-failure destination: the function's event, or the mapping resource."""


@dataclass(frozen=True, slots=True)
class Queue:
    """An SQS queue of the template that triggers functions and has no redrive policy."""

    logical_id: str
    origin: Origin
    functions: tuple[str, ...]


# -- asynchronous invocations --------------------------------------------------------------


def async_sources(app: Application, fn: Function) -> list[AsyncSource]:
    """What invokes the function asynchronously: its events, and Lambda permissions."""
    syntax = syntax_of(app, fn)
    found: list[AsyncSource] = []
    if syntax != "cloudformation":  # Plain Lambda functions have no `events`.
        for trigger in fn.triggers:
            source = _event_source(trigger.kind, trigger.settings, syntax)
            if source is not None:
                found.append(source)
    for permission in app.permissions:
        principal = permission.principal.lower()
        if principal.startswith("logs.") and principal.endswith(".amazonaws.com"):
            principal = "logs.amazonaws.com"
        if principal == "iot.amazonaws.com" and not _iot_rule(app, permission.source_arn):
            continue  # IoT custom authorizers are invoked synchronously.
        if principal in _ASYNC_PRINCIPALS and _targets(permission.function, fn):
            found.append(AsyncSource(_ASYNC_PRINCIPALS[principal]))
    return found


def _iot_rule(app: Application, source_arn: Any) -> bool:
    """Whether an IoT permission's `SourceArn` is a topic rule (not an authorizer)."""
    found = resource(app, logical_id_of(source_arn))
    return (found is not None and found.type == "AWS::IoT::TopicRule") or (
        ":rule/" in render(source_arn)
    )


def _event_source(kind: str, settings: Any, syntax: Dialect) -> AsyncSource | None:
    if syntax == "serverless":
        if kind == "http" and is_async_http(settings):
            return AsyncSource("API Gateway (`async: true`)")
        if kind not in _SLS_ASYNC:
            return None
        dlq = isinstance(settings, YMap) and settings.get("deadLetterQueueArn") is not None
        return AsyncSource(_SLS_ASYNC[kind], dlq)
    if not isinstance(settings, YMap):
        return None
    event_type = render(settings.get("Type"))
    properties = settings.get("Properties")
    properties = properties if isinstance(properties, YMap) else YMap()
    if event_type not in _SAM_ASYNC:
        return None
    if event_type == "SNS" and properties.get("SqsSubscription") not in (None, False):
        return None  # SNS delivers to a queue that Lambda polls: not an async invocation.
    return AsyncSource(_SAM_ASYNC[event_type], properties.get("DeadLetterConfig") is not None)


def _targets(function_text: str, fn: Function) -> bool:
    """Whether a permission's rendered `FunctionName` is this function."""
    if fn.logical_id is not None and mentions(function_text, fn.logical_id):
        return True
    own_name = fn.settings.get("FunctionName") if isinstance(fn.settings, YMap) else None
    return own_name is not None and render(own_name) == function_text


def has_async_failure_handling(app: Application, fn: Function) -> bool:
    """Whether failed asynchronous events of the function are kept somewhere."""
    syntax = syntax_of(app, fn)
    settings = fn.settings if isinstance(fn.settings, YMap) else YMap()
    if syntax == "serverless":
        destinations = settings.get("destinations")
        on_failure = destinations.get("onFailure") if isinstance(destinations, YMap) else None
        if _given(settings.get("onError")) or _given(on_failure):
            return True
    elif syntax == "sam":
        invoke = settings.get("EventInvokeConfig")
        if _given(settings.get("DeadLetterQueue")) or _given(_on_failure(invoke)):
            return True
    else:
        config = settings.get("DeadLetterConfig")
        if isinstance(config, YMap) and _given(config.get("TargetArn")):
            return True
    return any(_configures(app, config, fn) for config in _event_invoke_configs(app))


def _event_invoke_configs(app: Application) -> Iterator[Resource]:
    yield from resources_of_type(app, "AWS::Lambda::EventInvokeConfig")


def _configures(app: Application, config: Resource, fn: Function) -> bool:
    if not _given(_on_failure(config.properties)):
        return False
    name = config.properties.get("FunctionName")
    if fn.logical_id is not None and mentions(name, fn.logical_id):
        return True
    own_name = fn.settings.get("FunctionName") if isinstance(fn.settings, YMap) else None
    return own_name is not None and render(own_name) == render(name)


def _on_failure(config: Any) -> Any:
    if not isinstance(config, YMap):
        return None
    destination = config.get("DestinationConfig")
    on_failure = destination.get("OnFailure") if isinstance(destination, YMap) else None
    if isinstance(on_failure, YMap):  # SAM's `Type: SQS` alone makes SAM create the queue.
        return on_failure.get("Destination") or on_failure.get("Type")
    return None


def _given(value: Any) -> bool:
    return value not in (None, "", False) and not (isinstance(value, YMap) and not value)


# -- stream and Kafka mappings -------------------------------------------------------------


def stream_mappings(app: Application) -> Iterator[StreamMapping]:
    """Kinesis, DynamoDB-stream and Kafka mappings that keep no failed records."""
    for fn in app.functions:
        syntax = syntax_of(app, fn)
        if syntax == "cloudformation":
            continue  # Their mappings are resources, judged below.
        for trigger in fn.triggers:
            source = _stream_source(trigger.kind, trigger.settings, syntax)
            if source is not None and not _stream_has_destination(trigger.settings, syntax):
                event = Target("setting", source, trigger.origin, variant="stream-event")
                yield StreamMapping(trigger.origin, source, (fn.name,), event)
    for mapping in resources_of_type(app, "AWS::Lambda::EventSourceMapping"):
        source = _mapping_source(app, mapping.properties)
        if source in ("SQS", None) or _given(_on_failure(mapping.properties)):
            continue
        names = _function_names(app, mapping.properties.get("FunctionName"))
        target = resource_target(app, mapping.logical_id, mapping.origin)
        yield StreamMapping(mapping.origin, source, names, target)


def _function_names(app: Application, target: Any) -> tuple[str, ...]:
    """The functions of the app a `FunctionName` value names (else the value as written)."""
    names = tuple(
        fn.name for fn in app.functions if fn.logical_id and mentions(target, fn.logical_id)
    )
    return names or (render(target),)


def _stream_source(kind: str, settings: Any, syntax: Dialect) -> str | None:
    if syntax == "serverless":
        if kind != "stream":
            return None
        arn = settings.get("arn") if isinstance(settings, YMap) else settings
        text = render(arn)
        stream_type = render(settings.get("type")) if isinstance(settings, YMap) else ""
        if stream_type == "kinesis" or ":kinesis:" in text:
            return "Kinesis"
        return "DynamoDB stream"
    if not isinstance(settings, YMap):
        return None
    return {
        "Kinesis": "Kinesis",
        "DynamoDB": "DynamoDB stream",
        "MSK": "Amazon MSK",
        "SelfManagedKafka": "Kafka",
    }.get(render(settings.get("Type")))


def _stream_has_destination(settings: Any, syntax: Dialect) -> bool:
    if not isinstance(settings, YMap):
        return False
    if syntax == "serverless":
        destinations = settings.get("destinations")
        return isinstance(destinations, YMap) and _given(destinations.get("onFailure"))
    return _given(_on_failure(settings.get("Properties")))


_SOURCE_TYPES = {
    "AWS::Kinesis::Stream": "Kinesis",
    "AWS::DynamoDB::Table": "DynamoDB stream",
    "AWS::DynamoDB::GlobalTable": "DynamoDB stream",
    "AWS::MSK::Cluster": "Amazon MSK",
    "AWS::MSK::ServerlessCluster": "Amazon MSK",
    "AWS::SQS::Queue": "SQS",
}


def _mapping_source(app: Application, properties: YMap) -> str | None:
    """The kind of source of an `AWS::Lambda::EventSourceMapping` (None when unknown)."""
    if properties.get("SelfManagedEventSource") is not None:
        return "Kafka"
    arn = properties.get("EventSourceArn")
    found = resource(app, logical_id_of(arn))
    if found is not None:
        return _SOURCE_TYPES.get(found.type)
    text = render(arn)
    for marker, source in (
        (":kinesis:", "Kinesis"),
        (":dynamodb:", "DynamoDB stream"),
        (":kafka:", "Amazon MSK"),
        (":sqs:", "SQS"),
    ):
        if marker in text:
            return source
    return None


# -- SQS queues ------------------------------------------------------------------------------


def unredriven_queues(app: Application) -> Iterator[Queue]:
    """Queues of the template that trigger functions and have no redrive policy."""
    consumers: dict[str, list[str]] = {}
    for fn in app.functions:
        for value in _queue_sources(app, fn):
            queue = _queue(app, value)
            if queue is not None:
                consumers.setdefault(queue.logical_id, []).append(fn.name)
    for mapping in resources_of_type(app, "AWS::Lambda::EventSourceMapping"):
        queue = _queue(app, mapping.properties.get("EventSourceArn"))
        if queue is not None:
            target = mapping.properties.get("FunctionName")
            consumers.setdefault(queue.logical_id, []).extend(_function_names(app, target))
    dead_letter_queues = _dead_letter_queues(app)
    for logical_id, functions in consumers.items():
        queue = resource(app, logical_id)
        if queue is None or _given(queue.properties.get("RedrivePolicy")):
            continue
        if logical_id in dead_letter_queues:
            continue  # Reprocessing another queue's failures: a DLQ of a DLQ is not expected.
        yield Queue(logical_id, queue.origin, tuple(dict.fromkeys(functions)))


def _queue_sources(app: Application, fn: Function) -> Iterator[Any]:
    syntax = syntax_of(app, fn)
    if syntax == "cloudformation":
        return  # Plain Lambda functions read queues through mappings, handled separately.
    for trigger in fn.triggers:
        if trigger.kind != "sqs":
            continue
        settings = trigger.settings
        if syntax == "serverless":
            yield settings.get("arn") if isinstance(settings, YMap) else settings
        elif isinstance(settings, YMap) and isinstance(settings.get("Properties"), YMap):
            yield settings["Properties"].get("Queue")


def _queue(app: Application, value: Any) -> Resource | None:
    """The `AWS::SQS::Queue` of the template that an ARN (or intrinsic) names."""
    found = resource(app, logical_id_of(value))
    if found is not None:
        return found if found.type == "AWS::SQS::Queue" else None
    text = render(value)
    if not text.startswith("arn:") or ":sqs:" not in text:
        return None
    name = text.rsplit(":", 1)[-1]
    for queue in resources_of_type(app, "AWS::SQS::Queue"):
        if render(queue.properties.get("QueueName")) == name:
            return queue
    return None


def _dead_letter_queues(app: Application) -> set[str]:
    """Queues that some queue's redrive policy sends its failures to."""
    found: set[str] = set()
    queues = list(resources_of_type(app, "AWS::SQS::Queue"))
    for queue in queues:
        policy = queue.properties.get("RedrivePolicy")
        if not _given(policy):
            continue
        for other in queues:
            if other.logical_id != queue.logical_id and mentions(policy, other.logical_id):
                found.add(other.logical_id)
    return found
