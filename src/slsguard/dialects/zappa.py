"""The Zappa dialect: places in `zappa_settings.json`/`.yml`/`.toml`, named by stage.

A setting is `dev.environment_variables.X` (or `timeout_seconds`, `xray_tracing`, ...); the
role is `dev` with Zappa's own `ATTACH_POLICY` unless `attach_policy` names a file. Fixes are
keys of the stage (`"xray_tracing": true` under `dev`), which `slsguard fix` writes into a
JSON or YAML settings file. What Zappa's settings cannot express is listed as not applied,
with the reason.
"""

from __future__ import annotations

from slsguard.dialects.settings_file import SettingKey, SettingsFileDialect, enabled

DIALECT = SettingsFileDialect(
    "zappa",
    "zappa_settings",
    stage_depth=1,
    properties={
        "Environment": "environment_variables",
        "Timeout": "timeout_seconds",
        "MemorySize": "memory_size",
        "Runtime": "runtime",
        "TracingConfig": "xray_tracing",
        "VpcConfig": "vpc_config",
        "KmsKeyArn": "aws_kms_key_arn",
        "ReservedConcurrentExecutions": "lambda_concurrency",
        "DeadLetterConfig": "dead_letter_arn",
        "Policies": "attach_policy (Zappa's ATTACH_POLICY when unset)",
        "AuthorizationType": "iam_authorization / authorizer",
        "ApiKeyRequired": "api_key_required",
        "AuthType": "function_url_config.authorizer",
    },
    keys={
        "tracing": SettingKey("xray_tracing", "stage", enabled),
        "timeout": SettingKey("timeout_seconds"),
        "runtime": SettingKey("runtime"),
        "reserved-concurrency": SettingKey("lambda_concurrency"),
        "kms-key": SettingKey("aws_kms_key_arn"),
        "failure-destination": SettingKey("dead_letter_arn"),
        "AWS::Lambda::Url:auth": SettingKey("authorizer", under=("function_url_config",)),
    },
    advice={
        "auth": '"iam_authorization": true (or an "authorizer") in the stage of zappa_settings',
        "authorization": (
            '"iam_authorization": true (or an "authorizer") in the stage of zappa_settings'
        ),
    },
    otherwise=(
        "not applied: zappa_settings has no key for it; change the deployed resource with "
        "a tool that can, or move the app to a framework that expresses it"
    ),
    framework_grants=frozenset({"tracing"}),  # Zappa's ATTACH_POLICY grants X-Ray.
)
