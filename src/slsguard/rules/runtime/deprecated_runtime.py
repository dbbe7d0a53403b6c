"""deprecated-runtime (SLS501): a function runs on a runtime AWS has deprecated, or soon will.

## What it does
Looks up each function's runtime in a table of every Lambda managed runtime with its
deprecation, block-function-create and block-function-update dates (the bundled
`lambda_runtimes.json`, replaceable with `--runtimes-file`; judged as of today or
`--as-of`). It reports a runtime past its block-update date (high), a deprecated runtime
(medium), and one that AWS deprecates within 90 days (low). A runtime inherited from
`provider.runtime` or SAM `Globals` is reported once, where it is set, naming the functions
that use it. Container images (no managed runtime) and runtime names slsguard does not know
are not reported.

## Why is this bad?
A deprecated runtime no longer receives security patches for the language, its standard
library or the operating system, and AWS no longer supports it. After the block-update
date the function cannot be deployed at all: not even the fix for the next vulnerability.

## Example
```yaml
service: billing
provider:
  name: aws
  runtime: python2.7
functions:
  invoice:
    handler: handler.invoice
```

## Fix
Move to a supported runtime of the same language (and test the code on it).
```yaml
service: billing
provider:
  name: aws
  runtime: python3.13
functions:
  invoice:
    handler: handler.invoice
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html#lambda-2
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from slsguard.analysis.runtime_table import WARN_DAYS, RuntimeInfo, RuntimeTable, load_table
from slsguard.analysis.targets import function_target, service_target
from slsguard.analysis.templates import (
    describe,
    is_container_image,
    is_lambda_app,
    key_name,
    parameter_default,
    syntax_of,
)
from slsguard.findings import Origin, Severity, Violation, format_path
from slsguard.fixes import Intent, SetSetting, unsafe
from slsguard.located import YMap
from slsguard.model import Application, Dialect, Function
from slsguard.rules import Context, rule

_TEST_IT = "then test the code on the new runtime"
_UPGRADE = unsafe("a newer runtime can change how the code behaves: test it on the new runtime")


@dataclass(frozen=True, slots=True)
class _Use:
    """One function using one runtime, set at one place."""

    fn: Function
    info: RuntimeInfo
    syntax: Dialect
    parameter: str | None = None
    """The template parameter whose default gives the runtime (`Runtime: !Ref Param`)."""


@rule(
    "SLS501",
    "deprecated-runtime",
    Severity.MEDIUM,
    "A function runs on a deprecated (or soon deprecated) Lambda runtime",
    practice="P7",
    mappings={
        "owasp-serverless": "S9",
        "cwe": "CWE-1104",
        "fsbp": "Lambda.2",
        "pci-dss-4.0": ("6.3.3", "12.3.4"),
        "hipaa": "164.308(a)(5)(ii)(B)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Runtimes past (or within 90 days of) their deprecation, once per place they are set."""
    if not is_lambda_app(app):
        return
    table = load_table(context.runtimes_file)
    places: dict[Origin, list[_Use]] = {}
    for fn in app.functions:
        use = _use(app, fn, table)
        if use is not None and _status(use.info, context.today) is not None:
            places.setdefault(fn.runtime_origin or fn.origin, []).append(use)
    for origin, uses in places.items():
        yield _violation(app, origin, uses, table, context.today)


def _use(app: Application, fn: Function, table: RuntimeTable) -> _Use | None:
    syntax = syntax_of(app, fn)
    if fn.runtime is None or is_container_image(fn, syntax):
        return None
    parameter = None
    runtime = fn.runtime
    raw = fn.settings.get("Runtime") if isinstance(fn.settings, YMap) else None
    if isinstance(raw, dict) and "Ref" in raw:  # `Runtime: !Ref Param` with a default.
        default = parameter_default(app, raw)
        if not isinstance(default, str):
            return None
        runtime, parameter = default, str(raw["Ref"])
    info = table.find(runtime)
    return None if info is None else _Use(fn, info, syntax, parameter)


def _status(info: RuntimeInfo, today: date) -> tuple[Severity, str] | None:
    """The severity and a sentence on where the runtime stands today, or None if fine."""
    if info.block_update is not None and today >= info.block_update:
        return Severity.HIGH, (
            f"has been deprecated since {info.deprecation} and AWS has blocked updates of "
            f"functions that use it since {info.block_update}: not even a security fix can be "
            "deployed until the runtime changes"
        )
    if today >= info.deprecation:
        return Severity.MEDIUM, (
            f"has been deprecated since {info.deprecation}: it gets no security patches or "
            f"AWS support{_blocks(info, today)}"
        )
    days = (info.deprecation - today).days
    if days <= WARN_DAYS:
        return Severity.LOW, (
            f"is deprecated on {info.deprecation} (in {days} days), after which it gets no "
            f"security patches{_blocks(info, today)}"
        )
    return None


def _blocks(info: RuntimeInfo, today: date) -> str:
    parts = []
    if info.block_create is not None:
        verb = "has blocked" if today >= info.block_create else "blocks"
        when = "since" if today >= info.block_create else "from"
        parts.append(f"AWS {verb} creating functions with it {when} {info.block_create}")
    if info.block_update is not None:
        parts.append(f"updating them from {info.block_update}")
    return "; " + " and ".join(parts) if parts else ""


def _violation(
    app: Application, origin: Origin, uses: list[_Use], table: RuntimeTable, today: date
) -> Violation:
    first = uses[0]
    info = first.info
    status = _status(info, today)
    assert status is not None
    severity, standing = status
    names = [use.fn.name for use in uses]
    via = f"; the default of parameter {first.parameter}" if first.parameter else ""
    runtime = f"runtime {info.identifier} ({info.name}{via})"
    inherited = origin.path[: len(first.fn.origin.path)] != first.fn.origin.path
    if inherited or len(names) > 1:
        where = format_path(origin.path) or "here"
        message = f"{runtime}, set at {where} for {describe(names)}, {standing}"
    else:
        message = f"function {names[0]} runs on {runtime}, which {standing}"
    successor = table.successor(info, today)
    key = key_name(first.syntax, "runtime", "Runtime")
    intents: tuple[Intent, ...] = ()
    fix = ""
    if first.parameter or successor is None:
        value = successor.identifier if successor else "<a supported runtime>"
        fix = f"set `{key}: {value}` here and test the code on it"
        if first.parameter:
            fix = f"set `Default: {value}` on parameter {first.parameter} and test the code on it"
        if successor is None:
            fix += " (see the supported runtimes in the AWS Lambda runtimes page)"
    else:
        covered = tuple(names) if inherited else ()
        target = (
            service_target(app, origin, covered) if inherited else function_target(app, first.fn)
        )
        upgrade = SetSetting(
            target, "runtime", successor.identifier, applicability=_UPGRADE, note=_TEST_IT
        )
        intents = (upgrade,)
    return Violation(
        origin,
        message,
        fix,
        severity=severity,
        functions=tuple(names),
        subject=info.identifier,
        intents=intents,
    )
