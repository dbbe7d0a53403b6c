"""The Zappa dialect: places in `zappa_settings.json`/`.yml`/`.toml`, named by stage.

A setting is `dev.environment_variables.X` (or `timeout_seconds`, `xray_tracing`, ...); the
role is `dev` with Zappa's own `ATTACH_POLICY` unless `attach_policy` names a file. What
Zappa's settings cannot express is listed as not applied, with the reason.
"""

from __future__ import annotations

from slsguard.dialects.settings_file import SettingsFileDialect

DIALECT = SettingsFileDialect(
    "zappa",
    "zappa_settings",
    properties={
        "Environment": "environment_variables",
        "Timeout": "timeout_seconds",
        "MemorySize": "memory_size",
        "Runtime": "runtime",
        "TracingConfig": "xray_tracing",
        "VpcConfig": "vpc_config",
        "Policies": "attach_policy (Zappa's ATTACH_POLICY when unset)",
        "AuthorizationType": "iam_authorization / authorizer",
        "ApiKeyRequired": "api_key_required",
        "AuthType": "function_url_config.authorizer",
    },
    settings={
        "tracing": '"xray_tracing": true',
        "timeout": '"timeout_seconds": {}',
        "runtime": '"runtime": "{}"',
        "auth": '"iam_authorization": true (or an "authorizer")',
        "authorization": '"iam_authorization": true (or an "authorizer")',
    },
    otherwise=(
        "not applied: zappa_settings has no key for it; change the deployed resource with "
        "a tool that can, or move the app to a framework that expresses it"
    ),
)
