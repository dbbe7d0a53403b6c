"""What the monitoring rules share about functions: their deployed names, and one finding for
a service-wide setting missing on several functions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from slsguard.analysis.intrinsics import text_of
from slsguard.analysis.service import service_level_origin
from slsguard.analysis.templates import syntax_of

__all__ = [
    "custom_of",
    "deployed_names",
    "literal_true",
    "on_aws",
    "provider_of",
    "report_per_service",
    "settings_of",
    "syntax_of",
]
from slsguard.findings import Origin, Violation, name_list
from slsguard.fixes import Intent, Target
from slsguard.loading.yaml import YMap
from slsguard.model import Application, Function, render


def on_aws(app: Application) -> bool:
    """False for a Serverless service of another provider (Azure, Google, OpenWhisk, ...)."""
    if app.kind != "serverless":
        return True
    return render(provider_of(app).get("name") or "aws").strip().lower() == "aws"


def settings_of(fn: Function) -> YMap:
    """The function's raw settings (empty when the loader kept none)."""
    return fn.settings if isinstance(fn.settings, YMap) else YMap()


def provider_of(app: Application) -> YMap:
    """The Serverless `provider:` block (empty for templates)."""
    template = app.template
    provider = template.get("provider") if isinstance(template, YMap) else None
    return provider if isinstance(provider, YMap) else YMap()


def custom_of(app: Application) -> tuple[YMap, Origin]:
    """The Serverless `custom:` block and its origin."""
    template = app.template
    custom = template.get("custom") if isinstance(template, YMap) else None
    if not isinstance(template, YMap) or not isinstance(custom, YMap):
        return YMap(), app.origin
    return custom, template.origin_of("custom", app.origin)


def deployed_names(app: Application, fn: Function) -> set[str]:
    """The names the function may be deployed under, as far as the template says."""
    settings = settings_of(fn)
    if syntax_of(app, fn) == "serverless":
        if "name" in settings:
            return {render(settings["name"])}
        template = app.template
        service = template.get("service") if isinstance(template, YMap) else None
        if isinstance(service, YMap):
            service = service.get("name")
        stage = render(provider_of(app).get("stage")) or "dev"
        return {f"{render(service)}-{stage}-{fn.name}"}
    if "FunctionName" not in settings:
        return set()
    written = settings["FunctionName"]
    return {text_of(written, {}) or render(written)}


def report_per_service(
    app: Application,
    flagged: list[tuple[Function, Origin]],
    service_wide: Callable[[Function], bool],
    summary: Callable[[int, str], tuple[str, str]],
    single: Callable[[Function, Origin], Violation],
    service_fix: Callable[[Target], tuple[Intent, ...]] | None = None,
) -> Iterator[Violation]:
    """One violation at `provider:`/`Globals` when several functions that a service-wide
    setting covers (`service_wide`) lack it, else one per function.

    `summary(count, names)` gives the message and fix of the service-wide finding;
    `service_fix(target)` its fix intents for the service-wide target instead.
    """
    origin = service_level_origin(app)
    grouped = [(fn, where) for fn, where in flagged if service_wide(fn)]
    if origin is not None and len(grouped) > 1:
        names = name_list((fn.name for fn, _ in grouped), 5)
        message, fix = summary(len(grouped), names)
        covered = tuple(fn.name for fn, _ in grouped)
        target = Target("service", app.name, origin, functions=covered)
        intents = service_fix(target) if service_fix is not None else ()
        yield Violation(origin, message, fix, subject="service", functions=covered, intents=intents)
        flagged = [(fn, where) for fn, where in flagged if not service_wide(fn)]
    for fn, where in flagged:
        yield single(fn, where)


def literal_true(value: Any) -> bool | None:
    """True/False for a literal flag (`true`, `"Active"`, ...); None for references."""
    if isinstance(value, bool):
        return value
    text = text_of(value, {})
    if text is None:
        return None
    return text.strip().lower() in ("true", "active")
