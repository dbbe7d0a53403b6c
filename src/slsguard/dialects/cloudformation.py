"""The CloudFormation dialect: resources by logical id, settings under `Properties`.

Places are named without the `Resources.` prefix (`MyFunction.Properties.Runtime`). This
table also serves plain `AWS::Lambda::Function` resources written inside SAM templates and
Serverless `resources:`.
"""

from __future__ import annotations

from slsguard.dialects import authorizers
from slsguard.dialects.cfn_resources import cfn_resource
from slsguard.dialects.template import Key, TemplateDialect, Transform
from slsguard.fixes import ALL_BLOCKED, OWN_ACCOUNT, AddedKind, ConditionTest, Placeholder

_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","routeKey":"$context.routeKey",'
    '"status":"$context.status"}'
)


def _access_log(_value: object) -> object:
    return {"DestinationArn": {"Fn::GetAtt": "ApiAccessLogs.Arn"}, "Format": _FORMAT}


def _method_settings(value: object) -> object:
    return [{"ResourcePath": "/*", "HttpMethod": "*", "LoggingLevel": value}]


def throttle_limits(value: object) -> dict[str, object]:
    """A neutral `{"burst": 50, "rate": 100}` as API Gateway's throttling properties."""
    limits = value if isinstance(value, dict) else {}
    return {
        "ThrottlingBurstLimit": limits.get("burst", 50),
        "ThrottlingRateLimit": limits.get("rate", 100),
    }


def _method_throttling(value: object) -> object:
    return [{"ResourcePath": "/*", "HttpMethod": "*", **throttle_limits(value)}]


def vpc_config(security_groups: str, subnets: str) -> Transform:
    """A neutral `{security_groups, subnets}` under the dialect's two key names."""

    def transform(value: object) -> object:
        vpc = value if isinstance(value, dict) else {}
        return {security_groups: vpc.get("security_groups"), subnets: vpc.get("subnets")}

    return transform


def password_policy(length: str, require: str) -> Transform:
    """A neutral `{minimum-length, require-lowercase, ...}` under the dialect's key names."""

    def transform(value: object) -> object:
        policy = value if isinstance(value, dict) else {}
        out: dict[str, object] = {length: policy.get("minimum-length", 12)}
        for kind in ("lowercase", "uppercase", "numbers"):
            name = kind.capitalize() if require[:1].isupper() else kind
            out[require.format(name)] = policy.get(f"require-{kind}", True)
        return out

    return transform


def _kms(_value: object) -> object:
    """Kinesis names its encryption by the kind of key (`KMS`)."""
    return "KMS"


def _route_settings(value: object) -> object:
    return {"LoggingLevel": value, "DataTraceEnabled": False}


def _own_account(_value: object) -> object:
    return {"Ref": "AWS::AccountId"}


def _own_role(_value: object) -> object:
    return Placeholder("ARN of a role only this function uses, with only what it needs")


_CFN_AUTHORIZATION = authorizers.authorization_type("AuthorizerId: !Ref {}")


def condition_block(own_account: object) -> Transform:
    """A neutral `ConditionTest` as a `Condition` mapping, the own account written as given."""

    def transform(value: object) -> object:
        if not isinstance(value, ConditionTest):
            return value
        written = own_account if value.value == OWN_ACCOUNT else value.value
        return {value.operator: {value.key: written}}

    return transform


def all_blocked(value: object) -> object:
    """`ALL_BLOCKED` as the four Block Public Access settings, on."""
    names = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
    return dict.fromkeys(names, True) if value == ALL_BLOCKED else value


def _ownership(value: object) -> object:
    return {"Rules": [{"ObjectOwnership": value}]}


ACCESS_NOTE = "ApiAccessLogs: an AWS::Logs::LogGroup with RetentionInDays"

SETTINGS = {
    ("AWS::ApiGateway::Stage", "access-logging"): Key(("AccessLogSetting",), _access_log),
    ("AWS::ApiGateway::Stage", "execution-logging"): Key(("MethodSettings",), _method_settings),
    ("AWS::ApiGatewayV2::Stage", "access-logging"): Key(("AccessLogSettings",), _access_log),
    ("AWS::ApiGatewayV2::Stage", "execution-logging"): Key(
        ("DefaultRouteSettings",), _route_settings
    ),
    ("AWS::ApiGateway::Deployment", "access-logging"): Key(
        ("StageDescription", "AccessLogSetting"), _access_log
    ),
    ("AWS::ApiGateway::Deployment", "execution-logging"): Key(("StageDescription", "LoggingLevel")),
    ("AWS::Serverless::Api", "access-logging"): Key(("AccessLogSetting",), _access_log),
    ("AWS::Serverless::Api", "execution-logging"): Key(("MethodSettings",), _method_settings),
    ("AWS::Serverless::HttpApi", "access-logging"): Key(("AccessLogSettings",), _access_log),
    ("service:rest", "access-logging"): Key(
        ("Globals", "Api", "AccessLogSetting"), _access_log, from_root=True
    ),
    ("service:rest", "execution-logging"): Key(
        ("Globals", "Api", "MethodSettings"), _method_settings, from_root=True
    ),
    ("service:http", "access-logging"): Key(
        ("Globals", "HttpApi", "AccessLogSettings"), _access_log, from_root=True
    ),
    ("AWS::ApiGateway::Stage", "throttling"): Key(("MethodSettings",), _method_throttling),
    ("AWS::Serverless::Api", "throttling"): Key(("MethodSettings",), _method_throttling),
    ("AWS::ApiGateway::Deployment", "throttling"): Key(("StageDescription",), throttle_limits),
    ("AWS::ApiGatewayV2::Stage", "throttling"): Key(("DefaultRouteSettings",), throttle_limits),
    ("AWS::Serverless::HttpApi", "throttling"): Key(("DefaultRouteSettings",), throttle_limits),
    ("service:rest", "throttling"): Key(
        ("Globals", "Api", "MethodSettings"), _method_throttling, from_root=True
    ),
    ("service:http", "throttling"): Key(
        ("Globals", "HttpApi", "DefaultRouteSettings"), throttle_limits, from_root=True
    ),
    ("setting", "data-trace"): Key(("DataTraceEnabled",)),
    ("setting", "timeout"): Key(("Timeout",)),
    ("AWS::Kinesis::Stream", "encryption"): Key(("StreamEncryption", "EncryptionType"), _kms),
    ("AWS::Kinesis::Stream", "kms-key"): Key(("StreamEncryption", "KeyId")),
    ("AWS::EFS::FileSystem", "encryption"): Key(("Encrypted",)),
    ("AWS::RDS::DBInstance", "encryption"): Key(("StorageEncrypted",)),
    ("AWS::RDS::DBCluster", "encryption"): Key(("StorageEncrypted",)),
    ("AWS::DocDB::DBCluster", "encryption"): Key(("StorageEncrypted",)),
    ("AWS::ElastiCache::ReplicationGroup", "encryption"): Key(("AtRestEncryptionEnabled",)),
    ("AWS::OpenSearchService::Domain", "encryption"): Key(("EncryptionAtRestOptions", "Enabled")),
    ("AWS::Elasticsearch::Domain", "encryption"): Key(("EncryptionAtRestOptions", "Enabled")),
    ("AWS::SQS::Queue", "encryption"): Key(("SqsManagedSseEnabled",)),
    ("AWS::Cognito::UserPool", "mfa"): Key(("MfaConfiguration",)),
    ("AWS::Cognito::UserPool", "mfa-methods"): Key(("EnabledMfas",)),
    ("AWS::Cognito::UserPool", "password-policy"): Key(
        ("Policies", "PasswordPolicy"), password_policy("MinimumLength", "Require{}")
    ),
    ("setting:url", "auth"): Key(("AuthType",)),
    ("AWS::ApiGateway::Method", "authorization"): Key(("AuthorizationType",), _CFN_AUTHORIZATION),
    ("AWS::ApiGatewayV2::Route", "authorization"): Key(("AuthorizationType",), _CFN_AUTHORIZATION),
    ("route:openapi", "authorization"): Key(("security",), authorizers.openapi_security),
    ("setting:cors-rest", "cors-origins"): Key(("Integration",), authorizers.preflight_origin),
    ("setting:cors-http", "cors-origins"): Key(("AllowOrigins",), authorizers.origins),
    ("setting:cors-url", "cors-origins"): Key(("AllowOrigins",), authorizers.origins),
    ("setting:cors-openapi", "cors-origins"): Key(("allowOrigins",), authorizers.origins),
    ("AWS::ApiGateway::Method", "request-validation"): Key(
        ("RequestValidatorId",),
        authorizers.validation(
            "!Ref of an AWS::ApiGateway::RequestValidator with ValidateRequestBody: true; "
            "and RequestModels: {application/json: <Model>}"
        ),
    ),
    ("route:openapi", "request-validation"): Key(
        ("x-amazon-apigateway-request-validator",),
        authorizers.validation(
            "a validator of x-amazon-apigateway-request-validators with validateRequestBody: "
            "true; and a requestBody schema"
        ),
    ),
    ("setting:appsync", "authorization"): Key(("AuthenticationType",), authorizers.appsync),
    ("AWS::Lambda::Permission", "auth"): Key(("FunctionUrlAuthType",)),
    ("AWS::Lambda::Permission", "principal"): Key(("Principal",)),
    ("function", "tracing"): Key(("TracingConfig", "Mode")),
    ("function", "failure-destination"): Key(("DeadLetterConfig", "TargetArn")),
    ("function", "kms-key"): Key(("KmsKeyArn",)),
    ("function", "runtime"): Key(("Runtime",)),
    ("function", "timeout"): Key(("Timeout",)),
    ("function", "reserved-concurrency"): Key(("ReservedConcurrentExecutions",)),
    ("function", "code-signing"): Key(("CodeSigningConfigArn",)),
    ("function", "vpc"): Key(("VpcConfig",), vpc_config("SecurityGroupIds", "SubnetIds")),
    ("AWS::ApiGateway::Stage", "api-tracing"): Key(("TracingEnabled",)),
    ("AWS::Serverless::Api", "api-tracing"): Key(("TracingEnabled",)),
    ("AWS::ApiGateway::Deployment", "api-tracing"): Key(("StageDescription", "TracingEnabled")),
    ("AWS::Logs::LogGroup", "log-retention"): Key(("RetentionInDays",)),
    ("AWS::SQS::Queue", "redrive-policy"): Key(("RedrivePolicy",)),
    ("AWS::CloudFront::Distribution", "web-acl"): Key(("DistributionConfig", "WebACLId")),
    ("AWS::Lambda::Url", "auth"): Key(("AuthType",)),
    ("AWS::ApiGateway::DomainName", "tls-policy"): Key(("SecurityPolicy",)),
    ("setting:domain", "tls-policy"): Key(("SecurityPolicy",)),
    ("AWS::Lambda::EventSourceMapping", "failure-destination"): Key(
        ("DestinationConfig", "OnFailure", "Destination")
    ),
    ("setting:domain-configuration", "tls-policy"): Key(("SecurityPolicy",)),
    ("AWS::ApiGatewayV2::DomainName", "tls-policy"): Key(("DomainNameConfigurations",)),
    ("AWS::Lambda::Permission", "source-account"): Key(("SourceAccount",), _own_account),
    ("AWS::Lambda::Permission", "source-arn"): Key(("SourceArn",)),
    ("AWS::S3::Bucket", "public-access-block"): Key(
        ("PublicAccessBlockConfiguration",), all_blocked
    ),
    ("AWS::S3::Bucket", "object-ownership"): Key(("OwnershipControls",), _ownership),
    ("setting", "iam-condition"): Key(("Condition",), condition_block({"Ref": "AWS::AccountId"})),
    ("setting", "iam-actions"): Key(("Action",)),
    ("setting", "iam-resources"): Key(("Resource",)),
    ("function", "role"): Key(("Role",), _own_role),
}

AS_RESOURCE: dict[tuple[str, str], AddedKind] = {("function", "log-retention"): "log-group"}
"""Settings CloudFormation writes as a resource of their own."""

DIALECT = TemplateDialect(
    "cloudformation", SETTINGS, "Properties", cfn_resource, as_resource=AS_RESOURCE
)
