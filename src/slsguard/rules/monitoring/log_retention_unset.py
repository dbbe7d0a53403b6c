"""log-retention-unset (SLS404): a function's log group keeps its logs forever.

## What it does
Reports functions whose CloudWatch log group has no retention. Serverless Framework:
`logRetentionInDays` under `provider:` or the function (or the serverless-plugin-log-retention
plugin's `custom.logRetentionInDays`, or the generated `<Function>LogGroup` overridden in
`resources:` with `RetentionInDays`). SAM and CloudFormation: an `AWS::Logs::LogGroup` named
`/aws/lambda/<function name>` (also through `!Sub /aws/lambda/${Function}` or `!Ref`), or
the one the function's `LoggingConfig.LogGroup` names, with `RetentionInDays`. A log group
defined without `RetentionInDays` is reported where it is defined; a function with no log
group in the template is reported on the function (Lambda then creates one that never
expires). When several Serverless functions lack it, one finding points at `provider:`.

## Why is this bad?
Logs kept forever cost money every month and keep whatever leaked into them (tokens,
personal data) for as long as the account exists; logs kept for an unknown time make
retention requirements (PCI DSS 10.5.1 asks for a year, three months at hand) unprovable.

## Example
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
  cancel:
    handler: handler.cancel
```

## Fix
```yaml
service: orders
provider:
  name: aws
  runtime: python3.12
  logRetentionInDays: 400
functions:
  create:
    handler: handler.create
  cancel:
    handler: handler.cancel
```

## References
- https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html#SettingLogRetention
- https://www.serverless.com/framework/docs/providers/aws/guide/serverless.yml#provider
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
"""

from collections.abc import Iterator
from dataclasses import dataclass

from slsguard.analysis.intrinsics import Ref, parameters, pieces, referenced_ids, resources_of
from slsguard.analysis.monitoring import (
    custom_of,
    deployed_names,
    on_aws,
    provider_of,
    report_per_service,
    settings_of,
    syntax_of,
)
from slsguard.analysis.service import covered_by_service, function_logical_id, plugin_names
from slsguard.analysis.targets import function_target, resource_target
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import SetSetting, Target, unsafe
from slsguard.located import YMap
from slsguard.model import Application, Function, render
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name

_PREFIX = "/aws/lambda/"
_WHY = "Lambda creates a log group that never expires, and everything logged stays forever"


@dataclass(frozen=True, slots=True)
class _LogGroup:
    """An `AWS::Logs::LogGroup` of the template."""

    logical_id: str
    origin: Origin
    keeps: bool
    """Has `RetentionInDays`."""
    name: str | None
    """The literal name, when the template fixes it."""
    function_refs: frozenset[str]
    """Resources named after `/aws/lambda/` (`!Sub /aws/lambda/${Fn}`)."""
    rendered: str


@rule(
    "SLS404",
    "log-retention-unset",
    Severity.LOW,
    "A function log group keeps logs forever or has no explicit retention",
    practice="P5",
    mappings={
        "owasp-serverless": "S10",
        "cwe": "CWE-779",
        "pci-dss-4.0": "10.5.1",
        "hipaa": "164.312(b)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Function log groups without a retention period."""
    if not on_aws(app):
        return
    groups = _log_groups(app)
    missing: list[tuple[Function, Origin]] = []
    reported: set[str] = set()
    for fn in app.functions:
        found = _state(app, fn, groups)
        if found is None:
            missing.append((fn, fn.origin))
        elif not found.keeps and found.logical_id not in reported:
            reported.add(found.logical_id)
            target = resource_target(app, found.logical_id, found.origin)
            yield Violation(
                found.origin,
                f"log group {resource_name(app, found.logical_id)} of function {fn.name} has no "
                "retention period: everything logged stays forever",
                function=fn.name,
                subject=found.logical_id,
                intents=(_retention(target),),
            )
    yield from _missing(app, missing)


_DELETES = unsafe("log events older than the retention period are deleted")


def _retention(target: Target) -> SetSetting:
    return SetSetting(target, "log-retention", 400, _DELETES)


def _missing(app: Application, missing: list[tuple[Function, Origin]]) -> Iterator[Violation]:
    def service_wide(fn: Function) -> bool:
        return covered_by_service(app, fn, "log-retention")

    def summary(count: int, names: str) -> tuple[str, str]:
        return f"{count} functions ({names}) have no log retention: {_WHY}", ""

    def single(fn: Function, where: Origin) -> Violation:
        return Violation(
            where,
            f"function {fn.name} has no log retention: {_WHY}",
            function=fn.name,
            subject=fn.name,
            intents=(_retention(function_target(app, fn)),),
        )

    yield from report_per_service(
        app, missing, service_wide, summary, single, lambda target: (_retention(target),)
    )


_SET = _LogGroup("", Origin(""), True, None, frozenset(), "")
"""Stands for a retention set by a Serverless setting rather than by a log group."""


def _state(app: Application, fn: Function, groups: list[_LogGroup]) -> _LogGroup | None:
    """The log group that decides the function's retention; `_SET` when a setting does;
    None when it has none; a group that keeps logs when unknown (nothing to report)."""
    settings = settings_of(fn)
    if syntax_of(app, fn) == "serverless":
        if settings.get("disableLogs") is True or _serverless_retention(app, settings):
            return _SET
        generated = _generated_group(app, fn)
        if generated is not None:
            return generated
    logging = settings.get("LoggingConfig")
    if isinstance(logging, YMap) and "LogGroup" in logging:
        return _configured(logging["LogGroup"], groups)
    names = {_PREFIX + name for name in deployed_names(app, fn)}
    for group in groups:
        named = group.name in names or group.rendered in names
        if named or (fn.logical_id or fn.name) in group.function_refs:
            return group
    return None


def _generated_group(app: Application, fn: Function) -> _LogGroup | None:
    """The Framework's `<Function>LogGroup` when `resources:` overrides it (Type optional)."""
    logical_id = function_logical_id(fn.name).removesuffix("LambdaFunction") + "LogGroup"
    resources = app.resources
    resource = resources.get(logical_id) if isinstance(resources, YMap) else None
    if not isinstance(resource, YMap):
        return None
    properties = resource.get("Properties")
    keeps = isinstance(properties, YMap) and properties.get("RetentionInDays") is not None
    where = resources.origin_of(logical_id, app.resources_origin or app.origin)
    return _LogGroup(logical_id, where, keeps, None, frozenset(), "")


def _configured(value: object, groups: list[_LogGroup]) -> _LogGroup:
    """The group `LoggingConfig.LogGroup` names; one defined elsewhere is unknown (`_SET`)."""
    targets = referenced_ids(value)
    text = render(value)
    for group in groups:
        if group.logical_id in targets or group.name == text or group.rendered == text:
            return group
    return _SET


def _serverless_retention(app: Application, settings: YMap) -> bool:
    if "logRetentionInDays" in settings or "logRetentionInDays" in provider_of(app):
        return True
    custom, _ = custom_of(app)
    template = app.template
    plugins = plugin_names(template) if isinstance(template, YMap) else frozenset()
    return "serverless-plugin-log-retention" in plugins and "logRetentionInDays" in custom


def _log_groups(app: Application) -> list[_LogGroup]:
    defaults = parameters(app)
    found = []
    for logical_id, properties, where in resources_of(app, "AWS::Logs::LogGroup"):
        written = properties.get("LogGroupName")
        parts = pieces(written, defaults) if written is not None else ()
        literal = "".join(p for p in parts if isinstance(p, str)) if parts else None
        if any(isinstance(p, Ref) for p in parts):
            literal = None
        refs = frozenset(
            part.target
            for index, part in enumerate(parts)
            if isinstance(part, Ref) and index and parts[index - 1] == _PREFIX
        )
        keeps = properties.get("RetentionInDays") is not None
        found.append(_LogGroup(logical_id, where, keeps, literal, refs, render(written)))
    return found
