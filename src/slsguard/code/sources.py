"""Which event fields an attacker controls, from the triggers the template declares.

An HTTP event (REST, HTTP API, ALB, function URL, WebSocket) carries the request: body,
query string, path parameters, headers and cookies. An S3 notification carries the object
key (chosen by whoever may upload), SQS and SNS the message, streams the new and old item
images or the record data, EventBridge the `detail`, Cognito triggers the user's attributes.
A function with no trigger, or one slsguard does not model, is invoked directly: the
whole event is input. A function invoked only by schedules gets the template's constant
input, so only a direct invocation can change it: such flows are kept, at a lower severity.
"""

from __future__ import annotations

from slsguard.analysis.http import Endpoint, endpoints_of
from slsguard.analysis.intrinsics import referenced_ids
from slsguard.analysis.stacks import routes_to
from slsguard.code.model import Exposure, Shape, SourceField, Sources
from slsguard.model import Application, Function, Trigger, render

HTTP_KINDS = frozenset({"http", "httpApi", "url", "alb", "websocket"})
_HTTP_FIELDS: tuple[tuple[str, str, Shape], ...] = (
    ("body", "the request body", "text"),
    ("queryStringParameters", "the query string", "object"),
    ("multiValueQueryStringParameters", "the query string", "object"),
    ("rawQueryString", "the query string", "text"),
    ("pathParameters", "the path parameters", "object"),
    ("rawPath", "the request path", "text"),
    ("path", "the request path", "text"),
    ("headers", "the request headers", "object"),
    ("multiValueHeaders", "the request headers", "object"),
    ("cookies", "the cookies", "object"),
)
_RECORD_FIELDS: dict[str, tuple[tuple[tuple[str, ...], str, Shape], ...]] = {
    "s3": ((("Records", "[]", "s3", "object", "key"), "the S3 object key", "text"),),
    "sqs": ((("Records", "[]", "body"), "the SQS message body", "text"),),
    "sns": (
        (("Records", "[]", "Sns", "Message"), "the SNS message", "text"),
        (("Records", "[]", "Sns", "Subject"), "the SNS subject", "text"),
    ),
    "stream": (
        (("Records", "[]", "dynamodb", "NewImage"), "the stream's new item image", "object"),
        (("Records", "[]", "dynamodb", "OldImage"), "the stream's old item image", "object"),
        (("Records", "[]", "dynamodb", "Keys"), "the stream's item keys", "object"),
        (("Records", "[]", "kinesis", "data"), "the Kinesis record data", "text"),
        (("records",), "the Kafka records", "object"),
    ),
    "eventbridge": ((("detail",), "the EventBridge event detail", "object"),),
    "cognito": ((("request",), "the Cognito trigger request", "object"),),
}
_SCHEDULE = frozenset({"schedule"})


def sources_of(app: Application, fn: Function) -> Sources:
    """The attacker-controlled event fields of `fn` and how exposed they are."""
    own = [e for e in endpoints_of(app, fn.name) if not e.preflight]
    routes = own + [e for e in routes_to(app, fn) if not e.preflight]  # from other stacks
    fields: list[SourceField] = []
    if routes:
        fields.extend(_http_fields(_describe_route(routes[0])))
    kinds = {trigger.kind for trigger in fn.triggers}
    unknown: list[Trigger] = []
    for trigger in fn.triggers:
        if trigger.kind in HTTP_KINDS:
            if not routes:
                fields.extend(_http_fields(trigger.kind))
        elif trigger.kind in _RECORD_FIELDS:
            described = _describe(trigger)
            fields.extend(
                SourceField(path, label, described, shape)
                for path, label, shape in _RECORD_FIELDS[trigger.kind]
            )
        elif trigger.kind not in _SCHEDULE:
            unknown.append(trigger)
    if not fields and not kinds and _custom_resource(app, fn):
        return Sources((), None, "internal")  # CloudFormation invokes it with the template's data
    exposure = _exposure(routes, kinds)
    validated = bool(routes) and all(r.validation.state == "validated" for r in routes)
    if unknown:
        return Sources(tuple(fields), _describe(unknown[0]), exposure, validated)
    if not fields:
        whole = "a scheduled event (direct invocation)" if kinds else "a direct invocation"
        return Sources((), whole, "scheduled" if kinds else "direct", validated)
    return Sources(tuple(fields), None, exposure, validated)


def route_sources(app: Application, fn: Function, method: str, path: str) -> Sources:
    """The attacker-controlled fields of one route of `fn` (a web framework's view)."""
    routes = [
        e
        for e in endpoints_of(app, fn.name)
        if e.method == method and e.path == path and not e.preflight
    ]
    if not routes:
        return sources_of(app, fn)
    validated = routes[0].validation.state == "validated"
    fields = _http_fields(_describe_route(routes[0]))
    return Sources(tuple(fields), None, _exposure(routes, set()), validated)


def _http_fields(trigger: str) -> list[SourceField]:
    return [SourceField((key,), label, trigger, shape) for key, label, shape in _HTTP_FIELDS]


def _exposure(routes: list[Endpoint], kinds: set[str]) -> Exposure:
    public = any(r.network == "internet" and r.auth.kind == "none" for r in routes)
    if public:
        return "public"
    if kinds and kinds <= _SCHEDULE:
        return "scheduled"
    return "internal"


def _describe_route(endpoint: Endpoint) -> str:
    if endpoint.auth.kind == "none" and endpoint.network == "internet":
        guard = "public, no auth"
    else:
        guard = f"auth {endpoint.auth.kind}"
    return f"{endpoint.route} ({endpoint.kind}, {guard})"


def _describe(trigger: Trigger) -> str:
    settings = trigger.settings
    if isinstance(settings, dict) and isinstance(settings.get("Properties"), dict):
        settings = settings["Properties"]  # SAM events keep their settings under Properties
    name = ""
    if isinstance(settings, dict):
        for key in ("Queue", "queue", "arn", "Bucket", "bucket", "Topic", "topic", "Stream"):
            if key in settings:
                name = _resource_named(settings[key])
                break
    elif isinstance(settings, str):
        name = settings
    return f"{trigger.kind} {name}".strip()


def _resource_named(value: object) -> str:
    """`SQSQueue` for `!GetAtt SQSQueue.Arn` or `!Ref SQSQueue`: the resource, not the
    template expression; anything else as written."""
    if isinstance(value, dict) and len(value) == 1 and ("Ref" in value or "Fn::GetAtt" in value):
        (logical_id,) = referenced_ids(value) or {""}
        if logical_id:
            return logical_id
    return render(value)


def _custom_resource(app: Application, fn: Function) -> bool:
    """Whether `fn` is the provider of a custom resource (its `ServiceToken`)."""
    if not fn.logical_id or not isinstance(app.resources, dict):
        return False
    for resource in app.resources.values():
        properties = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(properties, dict) or "ServiceToken" not in properties:
            continue
        token = render(properties["ServiceToken"])
        if token == fn.logical_id or f"{fn.logical_id}.Arn" in token:
            return True
    return False
