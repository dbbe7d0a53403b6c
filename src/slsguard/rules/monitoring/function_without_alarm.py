"""function-without-alarm (SLS401): no CloudWatch alarm watches a function's errors or throttles.

## What it does
Reports functions that no alarm watches. An alarm counts when it is an
`AWS::CloudWatch::Alarm` on the `AWS/Lambda` namespace for `Errors`, `Throttles`,
`DeadLetterErrors`, `DestinationDeliveryFailures` or `AsyncEventsDropped` (directly or in
a metric-math `Metrics` list) whose `FunctionName` dimension is the function (`!Ref Fn`,
`!Sub ${Fn}`, or its literal deployed name), or has no `FunctionName` dimension at all
(an account-wide alarm). Plugins count too: serverless-plugin-aws-alerts (`custom.alerts`
with `alarms`, or a function's own `alarms:`; the plugin must be listed in `plugins:`) and
SLIC Watch (the `serverless-slic-watch-plugin` plugin or the `SlicWatch` SAM transform).
When no Serverless function has an alarm, one finding points at `provider:` and names them.

## Why is this bad?
A function that starts failing (a bad deploy, an expired credential, an attack that makes
it crash or that exhausts its concurrency) does so silently: nobody learns of it until a
user complains, and an incident goes unnoticed for as long as nobody looks.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Charge:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Charge:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
  ChargeErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions:
        - Name: FunctionName
          Value: !Ref Charge
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 1
      ComparisonOperator: GreaterThanOrEqualToThreshold
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
- https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
- https://github.com/ACloudGuru/serverless-plugin-aws-alerts
"""

from collections.abc import Iterator
from typing import Any

from slsguard.analysis.intrinsics import parameters, referenced_ids, resources_of, text_of
from slsguard.analysis.monitoring import (
    custom_of,
    deployed_names,
    on_aws,
    report_per_service,
    settings_of,
    syntax_of,
)
from slsguard.analysis.service import covered_by_service, plugin_names
from slsguard.analysis.targets import function_target
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import AddResource, Target
from slsguard.located import YList, YMap
from slsguard.model import Application, Function, render
from slsguard.rules import Context, rule

_WATCHED = frozenset(
    {"Errors", "Throttles", "DeadLetterErrors", "DestinationDeliveryFailures", "AsyncEventsDropped"}
)
_WHY = "failures and throttling go unnoticed until someone complains"
ALL = "*"
"""Stands for every function: an alarm without a `FunctionName` dimension, a plugin."""


@rule(
    "SLS401",
    "function-without-alarm",
    Severity.LOW,
    "No CloudWatch alarm watches the function's errors or throttles",
    practice="P5",
    mappings={
        "owasp-serverless": "S10",
        "cwe": "CWE-778",
        "pci-dss-4.0": "10.4.1.1",
        "hipaa": "164.308(a)(1)(ii)(D)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Functions that no alarm watches."""
    if not on_aws(app):
        return
    watched = _watched(app)
    if ALL in watched:
        return
    unwatched = [
        (fn, fn.origin)
        for fn in app.functions
        if not ({fn.logical_id or fn.name} | deployed_names(app, fn)) & watched
        and not _own_alarms(app, fn)
    ]
    none_watched = len(unwatched) == len(app.functions)

    def service_wide(fn: Function) -> bool:
        # The plugin's service-wide alarms fix every function, when none has any yet.
        return none_watched and covered_by_service(app, fn, "alarm")

    def summary(count: int, names: str) -> tuple[str, str]:
        return f"no alarm watches the {count} functions ({names}): {_WHY}", ""

    def single(fn: Function, where: Origin) -> Violation:
        return Violation(
            where,
            f"no CloudWatch alarm watches the errors or throttles of function {fn.name}: {_WHY}",
            function=fn.name,
            subject=fn.name,
            intents=(_alarm(function_target(app, fn)),),
        )

    yield from report_per_service(
        app, unwatched, service_wide, summary, single, lambda target: (_alarm(target),)
    )


def _alarm(target: Target) -> AddResource:
    return AddResource(target, "alarm", (("metric", "Errors"),))


def _watched(app: Application) -> set[str]:
    """Logical ids and deployed names of watched functions; `ALL` when every one is."""
    if _plugin_watches_all(app):
        return {ALL}
    defaults = parameters(app)
    watched: set[str] = set()
    for _id, properties, _where in resources_of(app, "AWS::CloudWatch::Alarm"):
        for metric in _metrics(properties):
            watched |= _functions_of(metric, defaults)
    return watched


def _metrics(properties: YMap) -> Iterator[YMap]:
    """The alarm's metric, or each metric of a metric-math `Metrics` list."""
    if "MetricName" in properties:
        yield properties
    items = properties.get("Metrics")
    if isinstance(items, YList):
        for item in items:
            stat = item.get("MetricStat") if isinstance(item, YMap) else None
            metric = stat.get("Metric") if isinstance(stat, YMap) else None
            if isinstance(metric, YMap):
                yield metric


def _functions_of(metric: YMap, defaults: dict[str, Any]) -> set[str]:
    namespace = text_of(metric.get("Namespace"), defaults)
    name = text_of(metric.get("MetricName"), defaults)
    if namespace not in (None, "AWS/Lambda") or name not in (None, *_WATCHED):
        return set()
    dimensions = metric.get("Dimensions")
    values = [
        item.get("Value")
        for item in (dimensions if isinstance(dimensions, YList) else [])
        if isinstance(item, YMap) and render(item.get("Name")) == "FunctionName"
    ]
    if not values:
        return {ALL}
    found: set[str] = set()
    for value in values:
        found |= referenced_ids(value)
        found.add(text_of(value, defaults) or render(value))
    return found


def _plugin_watches_all(app: Application) -> bool:
    template = app.template
    if not isinstance(template, YMap):
        return False
    transform = template.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if any("SlicWatch" in render(item) for item in transforms):
        return True
    plugins = plugin_names(template)
    custom, _ = custom_of(app)
    if "serverless-slic-watch-plugin" in plugins:
        slic = custom.get("slicWatch")
        return not (isinstance(slic, YMap) and slic.get("enabled") is False)
    alerts = custom.get("alerts")
    return (
        "serverless-plugin-aws-alerts" in plugins
        and isinstance(alerts, YMap)
        and bool(alerts.get("alarms"))
    )


def _own_alarms(app: Application, fn: Function) -> bool:
    """A function's own `alarms:` list (serverless-plugin-aws-alerts)."""
    if syntax_of(app, fn) != "serverless":
        return False
    template = app.template
    plugins = plugin_names(template) if isinstance(template, YMap) else frozenset()
    return "serverless-plugin-aws-alerts" in plugins and bool(settings_of(fn).get("alarms"))
