"""The translation table of API Gateway, WAF association and resource policy resources.

Terraform argument → CloudFormation property, as in `translate`; the `Terraform::` types are
separate resources in Terraform that `api_gateway.merge` folds into their owners.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slsguard.loading.terraform.translate import Spec

INTEGRATION = "Terraform::ApiGateway::Integration"
METHOD_SETTINGS = "Terraform::ApiGateway::MethodSettings"
ACCESS_BLOCK = "Terraform::S3::PublicAccessBlock"
BUCKET_ACL = "Terraform::S3::BucketAcl"

THROTTLE: Spec = {"burst_limit": "BurstLimit", "rate_limit": "RateLimit"}
_ACCESS_LOG: Spec = {"destination_arn": "DestinationArn", "format": "Format"}
_ROUTE_SETTINGS: Spec = {
    "data_trace_enabled": "DataTraceEnabled",
    "logging_level": "LoggingLevel",
    "detailed_metrics_enabled": "DetailedMetricsEnabled",
    "throttling_burst_limit": "ThrottlingBurstLimit",
    "throttling_rate_limit": "ThrottlingRateLimit",
}
SPECS: dict[str, tuple[str, Spec]] = {
    "aws_api_gateway_rest_api": (
        "AWS::ApiGateway::RestApi",
        {"name": "Name", "endpoint_configuration": ("EndpointConfiguration", {"types": "Types"})},
    ),
    "aws_api_gateway_resource": (
        "AWS::ApiGateway::Resource",
        {"rest_api_id": "RestApiId", "parent_id": "ParentId", "path_part": "PathPart"},
    ),
    "aws_api_gateway_method": (
        "AWS::ApiGateway::Method",
        {
            "rest_api_id": "RestApiId",
            "resource_id": "ResourceId",
            "http_method": "HttpMethod",
            "authorization": "AuthorizationType",
            "authorizer_id": "AuthorizerId",
            "api_key_required": "ApiKeyRequired",
            "request_validator_id": "RequestValidatorId",
            "request_models": "RequestModels",
        },
    ),
    "aws_api_gateway_integration": (
        INTEGRATION,
        {
            "rest_api_id": "RestApiId",
            "resource_id": "ResourceId",
            "http_method": "HttpMethod",
            "type": "Type",
            "uri": "Uri",
            "integration_http_method": "IntegrationHttpMethod",
            "timeout_milliseconds": "TimeoutInMillis",
        },
    ),
    "aws_api_gateway_stage": (
        "AWS::ApiGateway::Stage",
        {
            "rest_api_id": "RestApiId",
            "stage_name": "StageName",
            "deployment_id": "DeploymentId",
            "xray_tracing_enabled": "TracingEnabled",
            "access_log_settings": ("AccessLogSetting", _ACCESS_LOG),
        },
    ),
    "aws_api_gateway_method_settings": (
        METHOD_SETTINGS,
        {
            "rest_api_id": "RestApiId",
            "stage_name": "StageName",
            "method_path": "ResourcePath",
            "settings": (
                "Settings",
                {
                    "logging_level": "LoggingLevel",
                    "data_trace_enabled": "DataTraceEnabled",
                    "metrics_enabled": "MetricsEnabled",
                    "throttling_burst_limit": "ThrottlingBurstLimit",
                    "throttling_rate_limit": "ThrottlingRateLimit",
                },
            ),
        },
    ),
    "aws_api_gateway_request_validator": (
        "AWS::ApiGateway::RequestValidator",
        {
            "rest_api_id": "RestApiId",
            "name": "Name",
            "validate_request_body": "ValidateRequestBody",
            "validate_request_parameters": "ValidateRequestParameters",
        },
    ),
    "aws_api_gateway_authorizer": (
        "AWS::ApiGateway::Authorizer",
        {
            "rest_api_id": "RestApiId",
            "name": "Name",
            "type": "Type",
            "authorizer_uri": "AuthorizerUri",
            "provider_arns": "ProviderARNs",
        },
    ),
    "aws_api_gateway_domain_name": (
        "AWS::ApiGateway::DomainName",
        {"domain_name": "DomainName", "security_policy": "SecurityPolicy"},
    ),
    "aws_api_gateway_base_path_mapping": (
        "AWS::ApiGateway::BasePathMapping",
        {"api_id": "RestApiId", "domain_name": "DomainName", "stage_name": "Stage"},
    ),
    "aws_api_gateway_usage_plan": (
        "AWS::ApiGateway::UsagePlan",
        {"name": "UsagePlanName", "throttle_settings": ("Throttle", THROTTLE)},
    ),
    "aws_apigatewayv2_api": (
        "AWS::ApiGatewayV2::Api",
        {
            "name": "Name",
            "protocol_type": "ProtocolType",
            "target": "Target",
            "route_key": "RouteKey",
            "cors_configuration": (
                "CorsConfiguration",
                {
                    "allow_origins": "AllowOrigins",
                    "allow_credentials": "AllowCredentials",
                    "allow_methods": "AllowMethods",
                    "allow_headers": "AllowHeaders",
                },
            ),
        },
    ),
    "aws_apigatewayv2_route": (
        "AWS::ApiGatewayV2::Route",
        {
            "api_id": "ApiId",
            "route_key": "RouteKey",
            "authorization_type": "AuthorizationType",
            "authorizer_id": "AuthorizerId",
            "api_key_required": "ApiKeyRequired",
            "target": "Target",
        },
    ),
    "aws_apigatewayv2_integration": (
        "AWS::ApiGatewayV2::Integration",
        {
            "api_id": "ApiId",
            "integration_type": "IntegrationType",
            "integration_uri": "IntegrationUri",
            "integration_method": "IntegrationMethod",
            "timeout_milliseconds": "TimeoutInMillis",
        },
    ),
    "aws_apigatewayv2_stage": (
        "AWS::ApiGatewayV2::Stage",
        {
            "api_id": "ApiId",
            "name": "StageName",
            "auto_deploy": "AutoDeploy",
            "access_log_settings": ("AccessLogSettings", _ACCESS_LOG),
            "default_route_settings": ("DefaultRouteSettings", _ROUTE_SETTINGS),
        },
    ),
    "aws_apigatewayv2_authorizer": (
        "AWS::ApiGatewayV2::Authorizer",
        {
            "api_id": "ApiId",
            "name": "Name",
            "authorizer_type": "AuthorizerType",
            "authorizer_uri": "AuthorizerUri",
        },
    ),
    "aws_apigatewayv2_domain_name": (
        "AWS::ApiGatewayV2::DomainName",
        {"domain_name": "DomainName"},
    ),
    "aws_apigatewayv2_api_mapping": (
        "AWS::ApiGatewayV2::ApiMapping",
        {"api_id": "ApiId", "domain_name": "DomainName", "stage": "Stage"},
    ),
    "aws_wafv2_web_acl_association": (
        "AWS::WAFv2::WebACLAssociation",
        {"resource_arn": "ResourceArn", "web_acl_arn": "WebACLArn"},
    ),
    "aws_s3_bucket_policy": ("AWS::S3::BucketPolicy", {"bucket": "Bucket"}),
    "aws_sqs_queue_policy": ("AWS::SQS::QueuePolicy", {}),
    "aws_sns_topic_policy": ("AWS::SNS::TopicPolicy", {}),
    "aws_s3_bucket_public_access_block": (
        ACCESS_BLOCK,
        {
            "bucket": "Bucket",
            "block_public_acls": "BlockPublicAcls",
            "block_public_policy": "BlockPublicPolicy",
            "ignore_public_acls": "IgnorePublicAcls",
            "restrict_public_buckets": "RestrictPublicBuckets",
        },
    ),
    "aws_s3_bucket_acl": (BUCKET_ACL, {"bucket": "Bucket", "acl": "Acl"}),
}
