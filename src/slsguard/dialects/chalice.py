"""The AWS Chalice dialect: places in `.chalice/config.json` and in `app.py` decorators.

Places are named as Chalice users write them: a stage setting is
`stages.prod.environment_variables.DB_PASSWORD` (or `lambda_timeout`, `xray`, ...), a route
is `@app.route('/users') get_user`, an event function `@app.s3 handle_upload`, the role
`stages.prod` (its policy: `iam_policy_file` or the auto-generated policy). Fixes are the
config keys or decorator arguments to write; what Chalice's config cannot express points to
`chalice package --merge-template`. `slsguard fix` edits nothing here yet: each intent is
listed as not applied, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from slsguard import model
from slsguard.dialects.base import Edit, NotApplied, resource_path
from slsguard.findings import Origin, format_path
from slsguard.fixes import FreeText, Intent, MoveToSecret, Placeholder, SetSetting
from slsguard.loading.chalice import ADDRESS

_PROPERTIES = {
    "Environment": "environment_variables",
    "Timeout": "lambda_timeout",
    "MemorySize": "lambda_memory_size",
    "ReservedConcurrentExecutions": "reserved_concurrency",
    "Layers": "layers",
    "TracingConfig": "xray",
    "VpcConfig": "subnet_ids",
    "Policies": "iam_policy_file (or the auto-generated policy)",
    "AuthorizationType": "authorizer=",
    "ApiKeyRequired": "api_key_required=",
}
_AUTH = "authorizer=IAMAuthorizer() (or a CognitoUserPoolAuthorizer) in @app.route(...)"
_SETTINGS = {
    "tracing": '"xray": true',
    "timeout": '"lambda_timeout": {}',
    "reserved-concurrency": '"reserved_concurrency": {}',
    "auth": _AUTH,
    "authorization": _AUTH,
}
_MERGE = (
    "not expressible in .chalice/config.json: add it to a template merged with "
    "`chalice package --merge-template extra.json`"
)


def _value(value: object) -> str:
    return f"<{value.text}>" if isinstance(value, Placeholder) else str(value)


@dataclass(frozen=True, slots=True)
class ChaliceDialect:
    """Config keys and decorators for places and fixes."""

    name: model.Dialect = "chalice"

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """`stages.prod.environment_variables.DB_PASSWORD`, `@app.route('/x') view`."""
        found = resource_path(app, origin.path)
        if found is None:
            return format_path(origin.path)
        logical, rest = found
        resources = app.resources if isinstance(app.resources, dict) else {}
        resource = resources.get(logical)
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        base = metadata.get(ADDRESS) if isinstance(metadata, dict) else None
        if not isinstance(base, str):
            return format_path((logical, *rest))
        properties = rest[1:] if rest[:1] == ("Properties",) else rest
        if not properties:
            return base
        key = _PROPERTIES.get(str(properties[0]))
        if key is None:
            return base
        tail = [str(p) for p in properties[2:]] if properties[0] == "Environment" else []
        return ".".join([base, key, *tail]) if not key.endswith("=") else f"{base} {key}"

    def render(self, app: model.Application, intent: Intent) -> str:
        """The config key or decorator argument to write, else where Chalice cannot say it."""
        if isinstance(intent, FreeText):
            return intent.text
        if isinstance(intent, SetSetting):
            template = _SETTINGS.get(intent.setting)
            if template is not None:
                where = "in the stage of .chalice/config.json" if template.startswith('"') else ""
                return f"{template.format(_value(intent.value))} {where}".strip()
        if isinstance(intent, MoveToSecret):
            return (
                f"remove {intent.variable} from environment_variables in .chalice/config.json "
                f"and read it at run time from {intent.store} ({intent.parameter or 'a parameter'})"
            )
        return f"{intent.title}: {_MERGE}"

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """Not yet: Chalice config and decorators are listed as not applied, with the reason."""
        return NotApplied("slsguard fix does not edit Chalice projects yet", intent.title)


DIALECT = ChaliceDialect()
