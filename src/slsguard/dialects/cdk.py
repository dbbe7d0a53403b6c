"""The CDK dialect: templates synthesised into `cdk.out`, named by `aws:cdk:path` metadata.

Places are the construct path (`OrdersStack/Api/Handler`) with the property path under it;
fixes are construct props in the app's language (TypeScript unless `cdk.json` says
otherwise). `slsguard fix` never edits `cdk.out`: it is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from slsguard import model
from slsguard.dialects.base import Edit, NotApplied
from slsguard.findings import Origin, format_path
from slsguard.fixes import AddResource, FreeText, Intent, Placeholder, SetSetting

Language = str
"""`typescript`, `python`, `java`, `csharp` or `go`."""

_PROPS: dict[tuple[str, str], tuple[str, str]] = {
    ("function", "tracing"): ("tracing: lambda.Tracing.ACTIVE", "tracing=lambda_.Tracing.ACTIVE"),
    ("function", "timeout"): (
        "timeout: Duration.seconds({})",
        "timeout=Duration.seconds({})",
    ),
    ("function", "runtime"): ("runtime: lambda.Runtime.{const}", "runtime=lambda_.Runtime.{const}"),
    ("function", "reserved-concurrency"): (
        "reservedConcurrentExecutions: {}",
        "reserved_concurrent_executions={}",
    ),
    ("function", "kms-key"): ("environmentEncryption: {}", "environment_encryption={}"),
    ("function", "log-retention"): (
        "logRetention: logs.RetentionDays.{days}",
        "log_retention=logs.RetentionDays.{days}",
    ),
    ("stage", "api-tracing"): (
        "deployOptions: { tracingEnabled: true }",
        "deploy_options=apigw.StageOptions(tracing_enabled=True)",
    ),
}

_ALARM = (
    "fn.metric{metric}().createAlarm(this, '{metric}Alarm', "
    "{{ threshold: 1, evaluationPeriods: 1 }});",
    "fn.metric_{metric_lower}().create_alarm(self, '{metric}Alarm', "
    "threshold=1, evaluation_periods=1)",
)

_DAYS = {
    1: "ONE_DAY",
    7: "ONE_WEEK",
    14: "TWO_WEEKS",
    30: "ONE_MONTH",
    90: "THREE_MONTHS",
    180: "SIX_MONTHS",
    365: "ONE_YEAR",
    400: "THIRTEEN_MONTHS",
}


def construct_path(app: model.Application, logical_id: str) -> str | None:
    """The `aws:cdk:path` of a resource (`OrdersStack/Api/Handler/Resource`), when recorded."""
    resources = app.resources
    raw = resources.get(logical_id) if isinstance(resources, dict) else None
    metadata = raw.get("Metadata") if isinstance(raw, dict) else None
    path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
    return path.removesuffix("/Resource") if isinstance(path, str) else None


def language_of(app: model.Application) -> Language:
    """The CDK app's language, from `cdk.json` `app` next to `cdk.out` (TypeScript default)."""
    return app.cdk_language or "typescript"


@dataclass(frozen=True, slots=True)
class CdkDialect:
    """Construct paths for places, construct props for fixes."""

    name: model.Dialect = "cdk"

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """`OrdersStack/Api/Handler.Properties.Runtime` for a resource with a construct path."""
        path = origin.path
        if len(path) >= 2 and path[0] == "Resources":
            construct = construct_path(app, str(path[1]))
            if construct is not None:
                rest = format_path(path[2:])
                return f"{construct}.{rest}" if rest else construct
            return format_path(path[1:])
        return format_path(path)

    def render(self, app: model.Application, intent: Intent) -> str:
        """The construct prop in the app's language, with the construct it goes on."""
        if isinstance(intent, FreeText):
            return intent.text
        language = language_of(app)
        python = language == "python"
        comment = "#" if python else "//"
        where = self.name_of(app, intent.target.origin) if hasattr(intent, "target") else ""
        note = f"{comment} on the construct {where}" if where else ""
        if language not in ("typescript", "python"):
            note += f" (written in TypeScript: translate to {language})"
        if isinstance(intent, SetSetting):
            props = _PROPS.get((intent.target.kind, intent.setting))
            if props is not None:
                return f"{note}\n{_fill(props[1 if python else 0], intent.value)}".strip()
        if isinstance(intent, AddResource) and intent.kind == "alarm":
            metric = str(intent.value_of("metric", "Errors"))
            code = _ALARM[1 if python else 0].format(metric=metric, metric_lower=metric.lower())
            return f"{note}\n{code}".strip()
        return f"{note}\n{comment} {intent.title}".strip()

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """Never: `cdk.out` is generated; the construct in the app's source is what to change."""
        return NotApplied("cdk.out is generated: change the construct in the CDK app", intent.title)


def _fill(template: str, value: object) -> str:
    if isinstance(value, Placeholder):
        shown = f"<{value.text}>"
        return template.replace("{const}", shown).replace("{days}", shown).replace("{}", shown)
    text = str(value)
    const = text.upper().replace(".", "_").replace("NODEJS", "NODEJS_").replace("PYTHON", "PYTHON_")
    days = _DAYS.get(value, "ONE_MONTH") if isinstance(value, int) else "ONE_MONTH"
    return template.replace("{const}", const).replace("{days}", days).replace("{}", text)


DIALECT = CdkDialect()
