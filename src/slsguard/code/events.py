"""Walking into the event: which accesses reach an attacker-controlled field.

Both analysers describe an access as a key path (`event["Records"][0]["body"]` is
`("Records", "[]", "body")`); AWS Lambda Powertools' event classes and parser models use
snake_case attributes, mapped here to the keys they read.
"""

from __future__ import annotations

from slsguard.code.model import EventRef, SourceField, Sources

ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "json_body": ("body",),
    "decoded_body": ("body",),
    "query_string_parameters": ("queryStringParameters",),
    "multi_value_query_string_parameters": ("multiValueQueryStringParameters",),
    "resolved_query_string_parameters": ("queryStringParameters",),
    "path_parameters": ("pathParameters",),
    "multi_value_headers": ("multiValueHeaders",),
    "resolved_headers_field": ("headers",),
    "raw_path": ("rawPath",),
    "raw_query_string": ("rawQueryString",),
    "records": ("Records", "[]"),
    "Records": ("Records",),
    "sns": ("Sns",),
    "message": ("Message",),
    "subject": ("Subject",),
    "get_object": ("object",),
    "object_key": ("Records", "[]", "s3", "object", "key"),
    "sns_message": ("Records", "[]", "Sns", "Message"),
    "new_image": ("NewImage",),
    "old_image": ("OldImage",),
    "keys": ("Keys",),
    "user_attributes": ("userAttributes",),
}
"""Powertools attribute → event keys (`record.body` and other same-named keys map as is)."""

METHODS: dict[str, tuple[str, ...]] = {
    "get_query_string_value": ("queryStringParameters", "?"),
    "get_multi_value_query_string_values": ("multiValueQueryStringParameters", "?"),
    "get_header_value": ("headers", "?"),
    "get_cookie": ("cookies", "?"),
    "data_as_text": ("data",),
    "data_as_json": ("data",),
    "data_as_bytes": ("data",),
}
"""Powertools accessor methods → the keys they read (`?` is the key given as argument)."""


WEB_REQUEST = "@request"
"""The first key of a web framework's request object (Chalice `app.current_request`, Flask
`request`, Django's `request` argument): its attributes map to event keys below."""
WEB_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "json_body": ("body",),
    "raw_body": ("body",),
    "query_params": ("queryStringParameters",),
    "uri_params": ("pathParameters",),
    "headers": ("headers",),
    "args": ("queryStringParameters",),
    "values": ("queryStringParameters",),
    "form": ("body",),
    "json": ("body",),
    "data": ("body",),
    "files": ("body",),
    "cookies": ("headers", "cookie"),
    "GET": ("queryStringParameters",),
    "POST": ("body",),
    "body": ("body",),
    "COOKIES": ("headers", "cookie"),
    "META": ("headers",),
    "path": ("rawPath",),
    "url": ("rawPath",),
    "query_string": ("rawQueryString",),
}
"""Request attributes of Chalice, Flask/Werkzeug and Django → the event keys they read."""
WEB_METHODS: dict[str, tuple[str, ...]] = {
    "get_json": ("body",),
    "get_data": ("body",),
    "json": ("body",),
    "body": ("body",),
    "form": ("body",),
}


def reach(sources: Sources, path: tuple[str, ...]) -> SourceField | EventRef | None:
    """What `event` at `path` is: an attacker field, a part of the event, or trusted data."""
    if sources.whole_event is not None:
        label = "the event" + (f" field {_dotted(path)}" if path else "")
        return SourceField(path, label, sources.whole_event, "json")
    for field in sources.fields:
        if _starts(path, field.path):
            if len(path) > len(field.path) and field.shape == "object":
                return SourceField(path, field.label, field.trigger, "text")
            return field
    if any(_starts(field.path, path) for field in sources.fields):
        return EventRef(path)
    return None


def contained(sources: Sources, ref: EventRef) -> SourceField | None:
    """The attacker field inside a part of the event handed over whole (None when trusted)."""
    if sources.whole_event is not None:
        label = "the whole event" if not ref.path else f"the event field {_dotted(ref.path)}"
        return SourceField(ref.path, label, sources.whole_event, "json")
    for field in sources.fields:
        if _starts(field.path, ref.path):
            return field
    return None


def _starts(path: tuple[str, ...], prefix: tuple[str, ...]) -> bool:
    return len(path) >= len(prefix) and path[: len(prefix)] == prefix


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(path).replace(".[]", "[]")
