"""The AWS Chalice dialect: places in `.chalice/config.json` and in `app.py` decorators.

A stage setting is `stages.prod.environment_variables.DB_PASSWORD` (or `lambda_timeout`,
`xray`, ...), a route `@app.route('/users') get_user`, an event function
`@app.s3 handle_upload`, the role `stages.prod` (its policy: `iam_policy_file` or the
auto-generated policy).

Fixes are config keys: a function's own under `stages.<stage>.lambda_functions.<name>`
(`api_handler` for the function of every route), `xray` (a stage setting only) under
`stages.<stage>`; `slsguard fix` writes them. A route's guard is a decorator argument
(`authorizer=` in `@app.route(...)`), written by hand. What Chalice's config cannot express
points to `chalice package --merge-template`.
"""

from __future__ import annotations

from slsguard.dialects.settings_file import SettingKey, SettingsFileDialect, enabled

_AUTH = (
    "pass `authorizer=IAMAuthorizer()` (or a `CognitoUserPoolAuthorizer`) to this "
    "`@app.route(...)` in app.py"
)

DIALECT = SettingsFileDialect(
    "chalice",
    ".chalice/config.json",
    stage_depth=2,
    properties={
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
    },
    keys={
        "tracing": SettingKey("xray", "stage", enabled),
        "timeout": SettingKey("lambda_timeout"),
        "reserved-concurrency": SettingKey("reserved_concurrency"),
        "log-retention": SettingKey("log_retention_in_days"),
    },
    advice={"auth": _AUTH, "authorization": _AUTH},
    otherwise=(
        "not expressible in .chalice/config.json: add it to a template merged with "
        "`chalice package --merge-template extra.json`"
    ),
    framework_grants=frozenset({"tracing"}),  # Chalice's policy grants X-Ray with `xray`.
)
