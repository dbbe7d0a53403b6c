"""Every function at a glance: its triggers and exposure, role, secrets, monitoring, findings.

The asset view a routine audit starts from. `summarize` turns one application and the
findings of a scan into `FunctionSummary` records (which reports and the `inventory`
command show); what the summary says about exposure and monitoring comes from the same
analysis the rules use, so the inventory and the findings never disagree.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from slsguard.analysis.http import Endpoint, endpoints
from slsguard.findings import MAX_SHARED_NAMES, Finding, FunctionSummary, Report, Severity
from slsguard.formats.json_format import function_summary
from slsguard.model import Application, EnvVar, Function, Trigger, render
from slsguard.secrets.detect import classify, is_secret_name

ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")

# Absence of these findings for a function means the thing is in place, when the rule ran.
_MONITORING_RULES = {
    "SLS401": ("alarm", "no alarm"),
    "SLS402": ("tracing", "no tracing"),
    "SLS404": ("log retention", "logs kept forever"),
}


def summarize(
    app: Application, findings: Sequence[Finding], rules_run: frozenset[str]
) -> tuple[FunctionSummary, ...]:
    """One summary per function of `app`, in order."""
    return with_monitoring(describe(app), app.name, findings, rules_run)


def describe(app: Application) -> tuple[FunctionSummary, ...]:
    """What each function is: triggers and their exposure, role, secrets (no findings needed).

    The scan calls this right after an application's rules ran, while the analyses the
    rules used (HTTP endpoints, ...) are still cached for it.
    """
    # Grouped once: asking each of 10,000 functions about every other is quadratic.
    by_role: dict[str, list[str]] = {}
    for fn in app.functions:
        if fn.role is not None:
            by_role.setdefault(fn.role.key, []).append(fn.name)
    by_function: dict[str, list[Endpoint]] = {}
    for endpoint in endpoints(app):
        if endpoint.function is not None and not endpoint.preflight:
            by_function.setdefault(endpoint.function, []).append(endpoint)
    return tuple(_describe(app, fn, by_role, by_function.get(fn.name, [])) for fn in app.functions)


def with_monitoring(
    details: tuple[FunctionSummary, ...],
    app: str,
    findings: Sequence[Finding],
    rules_run: frozenset[str],
) -> tuple[FunctionSummary, ...]:
    """`details` (of the functions of application `app`, by name) with what watches each
    function, read from the findings that remain."""
    # (rule, function) pairs with a finding, gathered once rather than per function.
    lacking = {
        (finding.rule.id, name)
        for finding in findings
        if finding.app == app and finding.rule.id in _MONITORING_RULES
        for name in {finding.function, *finding.functions}
        if name
    }
    return tuple(
        replace(detail, monitoring=_monitoring(detail.name, lacking, rules_run))
        for detail in details
    )


def _describe(
    app: Application, fn: Function, by_role: dict[str, list[str]], entry_points: list[Endpoint]
) -> FunctionSummary:
    role = fn.role
    sharing = by_role.get(role.key, []) if role is not None else []
    count = max(len(sharing) - 1, 0)
    shared = tuple(name for name in sharing[: MAX_SHARED_NAMES + 1] if name != fn.name)[
        :MAX_SHARED_NAMES
    ]
    return FunctionSummary(
        name=fn.name,
        runtime=fn.runtime,
        triggers=_triggers(fn, entry_points),
        role=role.name if role is not None else "",
        role_shared_with=shared,
        role_shared_count=count,
        admin=_is_admin(fn),
        secrets=_secret_names(fn),
    )


# Trigger kinds whose exposure the HTTP analysis describes better (sls and SAM spellings).
_HTTP_KINDS = frozenset({"http", "httpApi", "websocket", "url", "alb"})


def _triggers(fn: Function, entry_points: list[Endpoint]) -> tuple[str, ...]:
    """HTTP entry points with their exposure, then every other trigger."""
    described = [describe_endpoint(endpoint) for endpoint in entry_points]
    others = [t for t in fn.triggers if not (entry_points and t.kind in _HTTP_KINDS)]
    return (*described, *(describe_trigger(trigger) for trigger in others))


def describe_endpoint(endpoint: Endpoint) -> str:
    """`POST /orders (REST API, internet, no auth, body not validated)`."""
    auth = endpoint.auth
    if auth.authenticated:
        who = f"auth {auth.kind}" + (f" {auth.authorizer}" if auth.authorizer else "")
    elif auth.kind == "api-key-only" or endpoint.api_key_required:
        who = "API key only"
    else:
        who = "no auth" if auth.kind == "none" else "auth unknown"
    parts = [_KINDS.get(endpoint.kind, endpoint.kind), endpoint.network, who]
    if endpoint.method in ("POST", "PUT", "PATCH", "ANY"):
        parts.append(_VALIDATION[endpoint.validation.state])
    return f"{endpoint.route} ({', '.join(parts)})"


_KINDS = {
    "rest": "REST API",
    "http": "HTTP API",
    "websocket": "WebSocket API",
    "url": "function URL",
    "alb": "ALB",
    "appsync": "AppSync",
}
_VALIDATION = {
    "validated": "body validated",
    "not-validated": "body not validated",
    "impossible": "no body validation possible at the gateway",
    "unknown": "validation unknown",
}


def describe_trigger(trigger: Trigger) -> str:
    """`httpApi POST /orders`, `sqs !GetAtt Queue.Arn`, `schedule rate(5 minutes)`."""
    settings = trigger.settings
    if not isinstance(settings, dict):
        text = render(settings) if settings not in (None, True) else ""
        return f"{trigger.kind} {text}".strip()
    method = settings.get("method") or settings.get("Method")
    path = settings.get("path") or settings.get("Path") or settings.get("route")
    if method or path:
        return f"{trigger.kind} {render(method).upper()} {render(path)}".replace("  ", " ").strip()
    for key in (
        "arn",
        "Queue",
        "Stream",
        "Topic",
        "Bucket",
        "bucket",
        "topicName",
        "Schedule",
        "rate",
        "schedule",
        "queue",
        "stream",
        "topic",
    ):
        if key in settings:
            return f"{trigger.kind} {render(settings[key])}"
    return trigger.kind


def _is_admin(fn: Function) -> bool:
    """An AWS managed admin policy, or an Allow of every action on every resource."""
    role = fn.role
    if role is None or role.external:
        return False
    if any(p.aws_managed and p.name in ADMIN_POLICIES for p in role.managed_policies):
        return True
    return any(
        s.is_allow and "*" in s.actions and s.literal_star_resource() for s in role.all_statements()
    )


def _secret_names(fn: Function) -> tuple[str, ...]:
    """Variables that hold a secret, or receive one from a secrets store at deploy time."""
    return tuple(variable.name for variable in fn.environment if _holds_secret(variable))


def _holds_secret(variable: EnvVar) -> bool:
    if variable.provenance == "secretsmanager":
        return True
    if variable.provenance == "ssm":
        return is_secret_name(variable.name)
    return variable.provenance == "literal" and bool(classify(variable.name, str(variable.value)))


def _monitoring(
    function: str, lacking: set[tuple[str, str]], rules_run: frozenset[str]
) -> tuple[str, ...]:
    states = []
    for rule_id, (present, missing) in _MONITORING_RULES.items():
        if rule_id not in rules_run:
            continue
        states.append(missing if (rule_id, function) in lacking else present)
    return tuple(states)


def finding_counts(findings: Sequence[Finding], app: str, function: str) -> dict[Severity, int]:
    """How many findings of each severity concern one function."""
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        if finding.app == app and finding.concerns(function):
            counts[finding.severity] += 1
    return counts


def inventory_rows(report: Report) -> list[dict[str, Any]]:
    """One row per function of every app, with its finding counts by severity."""
    rows = []
    for app in report.apps:
        for summary in app.details:
            counts = finding_counts(report.findings, app.name, summary.name)
            rows.append(
                {
                    "app": app.name,
                    "file": app.file,
                    **function_summary(summary),
                    "findings": {severity.value: counts[severity] for severity in Severity},
                }
            )
    return rows


def render_json(report: Report) -> str:
    """The inventory as JSON."""
    return json.dumps({"functions": inventory_rows(report)}, indent=2) + "\n"


def packages_cell(packages: list[dict[str, Any]]) -> str:
    """`12 (2 vulnerable, 1 unpinned)` for the inventory table."""
    if not packages:
        return ""
    vulnerable = sum(1 for package in packages if package["vulnerabilities"])
    unpinned = sum(1 for package in packages if package["version"] is None)
    notes = [(vulnerable, "vulnerable"), (unpinned, "unpinned")]
    detail = ", ".join(f"{count} {what}" for count, what in notes if count)
    return f"{len(packages)} ({detail})" if detail else str(len(packages))


def render_table(report: Report, *, color: bool = False, width: int = 160) -> str:
    """The inventory as a terminal table (rich), one row per function."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Functions", show_lines=True)
    for column in (
        "app / function",
        "runtime",
        "triggers",
        "role",
        "secrets",
        "watched by",
        "packages",
        "findings C/H/M/L",
    ):
        table.add_column(column, overflow="fold")
    for row in inventory_rows(report):
        role = row["role"] + (" (admin)" if row["admin"] else "")
        if row["role_shared_with"]:
            role += f"\nshared with {', '.join(row['role_shared_with'])}"
        counts = row["findings"]
        table.add_row(
            f"{row['app']}\n{row['name']}",
            row["runtime"] or "",
            "\n".join(row["triggers"]) or "(invoked directly)",
            role,
            ", ".join(row["secrets"]),
            ", ".join(row["monitoring"]),
            packages_cell(row["packages"]),
            "/".join(str(counts[key]) for key in ("critical", "high", "medium", "low")),
        )
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        emoji=False,
        markup=False,
    )
    console.print(table)
    return buffer.getvalue()
