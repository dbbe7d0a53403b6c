"""excessive-timeout (SLS503): a function may run far longer than anyone waits for it.

## What it does
Reports a function whose timeout is longer than the API in front of it waits for a
response: 29 s for an API Gateway REST API (unless an integration timeout raises it on a
Regional or private API), 30 s for an HTTP API, 29 s for a WebSocket API, the idle timeout
of an Application Load Balancer (60 s unless the template sets
`idle_timeout.timeout_seconds`). Function URLs wait for the function, so they set no limit.
It also reports a timeout of 900 s, the Lambda maximum, on any function other than a
durable function (`DurableConfig`), which checkpoints and waits by design. The timeout is
read where it is set: the function, `provider.timeout` (Serverless, default 6 s) or SAM
`Globals` (default 3 s); an inherited timeout is reported once, where it is set.

## Why is this bad?
When the API gives up, the caller gets a 504 but the function keeps running and billing;
clients retry, so each slow request becomes several concurrent executions that exhaust the
account's concurrency (a denial of service for every other function) and the bill (a
denial of wallet). A 15-minute timeout lets a hung or abused invocation bill 15 minutes,
multiplied by every event in a flood.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: nodejs22.x
functions:
  create:
    handler: handler.create
    timeout: 60
    events:
      - http:
          path: orders
          method: post
```

## Fix
```yaml
service: orders
provider:
  name: aws
  runtime: nodejs22.x
functions:
  create:
    handler: handler.create
    timeout: 25
    events:
      - http:
          path: orders
          method: post
```

## References
- https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
- https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slsguard.analysis.api_timeouts import ApiLimit, api_limits
from slsguard.analysis.targets import function_target
from slsguard.analysis.templates import (
    describe,
    is_lambda_app,
    parameter_default,
    resource,
    syntax_of,
)
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import Intent, Placeholder, SetSetting, Target, unsafe
from slsguard.located import YMap
from slsguard.model import Application, Dialect, Function
from slsguard.rules import Context, rule

LAMBDA_MAX_SECONDS = 900


@dataclass(frozen=True, slots=True)
class _Timeout:
    """A function's timeout and where it is set (None: the framework's default)."""

    seconds: float
    origin: Origin | None


@dataclass(frozen=True, slots=True)
class _Hit:
    """A function whose timeout is too long, and the API limit it exceeds (if any)."""

    fn: Function
    syntax: Dialect
    seconds: float
    limit: ApiLimit | None


@rule(
    "SLS503",
    "excessive-timeout",
    Severity.LOW,
    "A function's timeout exceeds what its API waits for, or is the 900 s maximum",
    practice="P7",
    mappings={"owasp-serverless": "S6", "cwe": "CWE-400"},
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Timeouts longer than the API waits, and 900 s timeouts, once per place they are set."""
    if not is_lambda_app(app):
        return
    users: dict[Origin, list[str]] = {}
    hits: dict[Origin, list[_Hit]] = {}
    for fn in app.functions:
        syntax = syntax_of(app, fn)
        timeout = _timeout(app, fn, syntax)
        if timeout.origin is None:
            continue  # The default (3 s or 6 s) is below every limit.
        users.setdefault(timeout.origin, []).append(fn.name)
        hit = _hit(app, fn, syntax, timeout.seconds)
        if hit is not None:
            hits.setdefault(timeout.origin, []).append(hit)
    for origin, found in hits.items():
        api = [hit for hit in found if hit.limit is not None]
        if api:
            yield _api_violation(app, origin, api, users[origin])
        elif found:
            yield _maximum_violation(app, origin, found, users[origin])


def _hit(app: Application, fn: Function, syntax: Dialect, seconds: float) -> _Hit | None:
    limits = api_limits(app, fn, syntax)
    tightest = min(limits, key=lambda limit: limit.seconds, default=None)
    if tightest is not None and seconds > tightest.seconds:
        return _Hit(fn, syntax, seconds, tightest)
    durable = isinstance(fn.settings, YMap) and fn.settings.get("DurableConfig") is not None
    if seconds >= LAMBDA_MAX_SECONDS and not durable:  # Durable functions checkpoint and wait.
        return _Hit(fn, syntax, seconds, None)
    return None


def _timeout(app: Application, fn: Function, syntax: Dialect) -> _Timeout:
    """The function's timeout in seconds and where it is written."""
    template = app.template if isinstance(app.template, YMap) else YMap()
    if syntax == "serverless":
        places = [(fn.settings, "timeout", fn.origin), _provider(app, template)]
        default = 6.0
    else:
        own = resource(app, fn.logical_id)
        properties = own.properties if own is not None else fn.settings
        places = [(properties, "Timeout", own.origin if own is not None else fn.origin)]
        if syntax == "sam":
            places.append(_globals(app, template))
        default = 3.0
    for owner, key, owner_origin in places:
        if isinstance(owner, YMap) and key in owner:
            seconds = _seconds(parameter_default(app, owner[key]))
            origin = owner.origin_of(key, owner_origin)
            return _Timeout(seconds, origin) if seconds is not None else _Timeout(default, None)
    return _Timeout(default, None)


def _provider(app: Application, template: YMap) -> tuple[Any, str, Origin]:
    provider = template.get("provider")
    where = template.origin_of("provider", app.origin) if "provider" in template else app.origin
    return provider, "timeout", where


def _globals(app: Application, template: YMap) -> tuple[Any, str, Origin]:
    section = template.get("Globals")
    if not isinstance(section, YMap):
        return None, "Timeout", app.origin
    where = template.origin_of("Globals", app.origin)
    function = section.get("Function")
    return function, "Timeout", section.origin_of("Function", where)


def _seconds(value: Any) -> float | None:
    """A timeout written as a number (an infinite one, `1e999999`, is no timeout at all)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str) and not value.strip().isdigit():
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer of a thousand digits
        return None
    return seconds if math.isfinite(seconds) else None


def _api_violation(
    app: Application, origin: Origin, hits: list[_Hit], users: list[str]
) -> Violation:
    tightest = min(hits, key=lambda hit: hit.limit.seconds if hit.limit else 0.0)
    assert tightest.limit is not None
    names = [hit.fn.name for hit in hits]
    limit = tightest.limit
    message = (
        f"timeout {_text(tightest.seconds)} s for {describe(names)}, but the {limit.kind} in "
        f"front of {'it' if len(names) == 1 else 'them'} stops waiting after "
        f"{_text(limit.seconds)} s: the caller gets a 504 while the function keeps running "
        "and billing, and client retries pile up concurrent executions"
    )
    allowed = max(int(limit.seconds) - 1, 1)
    return Violation(
        origin,
        message,
        intents=_intents(app, origin, hits, users, allowed, f"{allowed} s or less, as needed"),
        functions=tuple(names),
        subject="api",
    )


def _maximum_violation(
    app: Application, origin: Origin, hits: list[_Hit], users: list[str]
) -> Violation:
    names = [hit.fn.name for hit in hits]
    message = (
        f"timeout {_text(hits[0].seconds)} s, the Lambda maximum, for {describe(names)}: a "
        "hung or abused invocation runs and bills 15 minutes, multiplied by every event of "
        "a flood (denial of wallet)"
    )
    note = (
        "if the work really needs 15 minutes, record why with "
        "`# slsguard: ignore[excessive-timeout] <reason>`"
    )
    value = Placeholder("what the work needs")
    return Violation(
        origin,
        message,
        intents=_intents(app, origin, hits, users, value, note),
        functions=tuple(names),
        subject="maximum",
    )


_SHORTER = unsafe("an invocation that needs longer than the new timeout is cut off")


def _intents(
    app: Application,
    origin: Origin,
    hits: list[_Hit],
    users: list[str],
    value: object,
    note: str,
) -> tuple[Intent, ...]:
    """Lower the timeout where it is written, or, when that place also serves functions that
    are fine, on each function that is not (which then overrides it)."""
    names = [hit.fn.name for hit in hits]
    if set(users) <= set(names):
        holder = Origin(origin.file, origin.path[:-1], origin.line, origin.column)
        target = Target("setting", ", ".join(dict.fromkeys(names)), holder)
        return (SetSetting(target, "timeout", value, _SHORTER, note=note),)
    unique = {hit.fn.name: hit.fn for hit in hits}.values()
    return tuple(
        SetSetting(function_target(app, fn), "timeout", value, _SHORTER, note=note) for fn in unique
    )


def _text(seconds: float) -> str:
    return str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"
