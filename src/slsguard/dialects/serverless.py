"""The Serverless Framework dialect: `serverless.yml` keys (`provider:`, `functions:`).

Places are named by their key path (`functions.createOrder.events[0].httpApi`); settings
are written on the function, or once under `provider:` for the whole service; resources a
fix adds go under `resources.Resources` in CloudFormation syntax.
"""

from __future__ import annotations

from slsguard.dialects import authorizers
from slsguard.dialects.cfn_resources import cfn_resource
from slsguard.dialects.cloudformation import throttle_limits, vpc_config
from slsguard.dialects.template import Key, TemplateDialect
from slsguard.fixes import AddResource, Placeholder


def _true(_value: object) -> object:
    return True


_ALERTS: dict[str, object] = {
    "plugins": ["serverless-plugin-aws-alerts"],
    "custom": {
        "alerts": {
            "topics": {"alarm": "${self:service}-${sls:stage}-alerts"},
            "alarms": ["functionErrors", "functionThrottles"],
        }
    },
}


def add_resource(intent: AddResource) -> tuple[str, dict[str, object]]:
    """Alarms for the whole service through serverless-plugin-aws-alerts; anything else as a
    CloudFormation resource under `resources.Resources`."""
    if intent.kind == "alarm" and intent.target.kind == "service":
        return "", _ALERTS
    return cfn_resource(intent)


def _api_logs(_value: object) -> object:
    return {
        "accessLogging": True,
        "executionLogging": True,
        "level": "ERROR",
        "fullExecutionData": False,
    }


def _own_statements(_value: object) -> object:
    return Placeholder("only the statements this function needs")


def _plugin_throttling(value: object) -> object:
    limits = throttle_limits(value)
    return {
        "maxRequestsPerSecond": limits["ThrottlingRateLimit"],
        "maxConcurrentRequests": limits["ThrottlingBurstLimit"],
    }


def _iam_url(_value: object) -> object:
    """`url: {authorizer: aws_iam}` (the only authorizer a Serverless function URL takes)."""
    return {"authorizer": "aws_iam"}


def _route_throttling(value: object) -> object:
    return {"DefaultRouteSettings": throttle_limits(value)}


_VPC = vpc_config("securityGroupIds", "subnetIds")

_REST_LOGS = Key(("provider", "logs", "restApi"), _api_logs, from_root=True)
_WEBSOCKET_LOGS = Key(("provider", "logs", "websocket"), _api_logs, from_root=True)

SETTINGS = {
    ("stage:rest", "access-logging"): _REST_LOGS,
    ("stage:rest", "execution-logging"): _REST_LOGS,
    ("stage:websocket", "access-logging"): _WEBSOCKET_LOGS,
    ("stage:websocket", "execution-logging"): _WEBSOCKET_LOGS,
    ("stage:http", "access-logging"): Key(("provider", "logs", "httpApi"), _true, from_root=True),
    ("stage:rest", "throttling"): Key(
        ("custom", "apiGatewayThrottling"),
        _plugin_throttling,
        from_root=True,
        plugin="serverless-api-gateway-throttling",
    ),
    ("stage:http", "throttling"): Key(
        ("resources", "extensions", "HttpApiStage", "Properties", "DefaultRouteSettings"),
        throttle_limits,
        from_root=True,
    ),
    ("stage:websocket", "throttling"): Key(
        ("resources", "extensions", "WebsocketsDeploymentStage", "Properties"),
        _route_throttling,
        from_root=True,
    ),
    ("setting", "data-trace"): Key(("fullExecutionData",)),
    ("setting", "timeout"): Key(("timeout",)),
    ("setting:url", "auth"): Key(("url",), _iam_url),
    ("route:rest", "authorization"): Key(("http", "authorizer"), authorizers.serverless_http),
    ("route:http", "authorization"): Key(
        ("httpApi", "authorizer"), authorizers.serverless_http_api
    ),
    ("route:websocket", "authorization"): Key(
        ("websocket", "authorizer"), authorizers.serverless_lambda_only
    ),
    ("route:alb", "authorization"): Key(("alb", "authorizer"), authorizers.serverless_alb),
    ("setting:cors-rest", "cors-origins"): Key(("origin",)),
    ("setting:cors-http", "cors-origins"): Key(("allowedOrigins",), authorizers.origins),
    ("setting:cors-url", "cors-origins"): Key(("allowedOrigins",), authorizers.origins),
    ("setting:stream-event", "failure-destination"): Key(("stream", "destinations", "onFailure")),
    ("setting:domain", "tls-policy"): Key(("securityPolicy",), lambda value: str(value).lower()),
    ("route:rest", "request-validation"): Key(("http", "request"), authorizers.serverless_request),
    ("function", "tracing"): Key(("tracing",)),
    ("function", "kms-key"): Key(("kmsKeyArn",)),
    ("function", "runtime"): Key(("runtime",)),
    ("function", "timeout"): Key(("timeout",)),
    ("function", "reserved-concurrency"): Key(("reservedConcurrency",)),
    ("function", "vpc"): Key(("vpc",), _VPC),
    ("function", "log-retention"): Key(("logRetentionInDays",)),
    ("function", "code-signing"): Key(
        ("resources", "extensions", "{logical_id}", "Properties", "CodeSigningConfigArn"),
        from_root=True,
    ),
    ("function", "failure-destination"): Key(("destinations", "onFailure")),
    ("service", "tracing"): Key(("provider", "tracing", "lambda"), _true, from_root=True),
    ("service", "api-tracing"): Key(("provider", "tracing", "apiGateway"), _true, from_root=True),
    ("stage", "api-tracing"): Key(("provider", "tracing", "apiGateway"), _true, from_root=True),
    ("service", "kms-key"): Key(("provider", "kmsKeyArn"), from_root=True),
    ("service", "runtime"): Key(("provider", "runtime"), from_root=True),
    ("service", "log-retention"): Key(("provider", "logRetentionInDays"), from_root=True),
    ("service", "timeout"): Key(("provider", "timeout"), from_root=True),
    ("service", "vpc"): Key(("provider", "vpc"), _VPC, from_root=True),
    ("service", "deployment-role"): Key(("provider", "iam", "deploymentRole"), from_root=True),
    ("service:v2", "deployment-role"): Key(("provider", "cfnRole"), from_root=True),
    ("setting", "iam-actions"): Key(("Action",)),
    ("setting", "iam-resources"): Key(("Resource",)),
    ("function", "role"): Key(("iam", "role", "statements"), _own_statements),
}

DIALECT = TemplateDialect(
    "serverless",
    SETTINGS,
    properties_key=None,
    add_resource=add_resource,
    resources_path=("resources", "Resources"),
    framework_grants=frozenset({"tracing", "api-tracing", "vpc"}),
)
