"""The AWS Chalice dialect: places in `.chalice/config.json` and in `app.py` decorators.

A stage setting is `stages.prod.environment_variables.DB_PASSWORD` (or `lambda_timeout`,
`xray`, ...), a route `@app.route('/users') get_user`, an event function
`@app.s3 handle_upload`, the role `stages.prod` (its policy: `iam_policy_file` or the
auto-generated policy). What Chalice's config cannot express points to
`chalice package --merge-template`.
"""

from __future__ import annotations

from slsguard.dialects.settings_file import SettingsFileDialect

_AUTH = "authorizer=IAMAuthorizer() (or a CognitoUserPoolAuthorizer) in @app.route(...)"

DIALECT = SettingsFileDialect(
    "chalice",
    ".chalice/config.json",
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
    settings={
        "tracing": '"xray": true',
        "timeout": '"lambda_timeout": {}',
        "reserved-concurrency": '"reserved_concurrency": {}',
        "auth": _AUTH,
        "authorization": _AUTH,
    },
    otherwise=(
        "not expressible in .chalice/config.json: add it to a template merged with "
        "`chalice package --merge-template extra.json`"
    ),
)
