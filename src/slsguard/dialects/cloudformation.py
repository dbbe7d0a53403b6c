"""The CloudFormation dialect: resources by logical id, settings under `Properties`.

Places are named without the `Resources.` prefix (`MyFunction.Properties.Runtime`). This
table also serves plain `AWS::Lambda::Function` resources written inside SAM templates and
Serverless `resources:`.
"""

from __future__ import annotations

from slsguard.dialects.cfn_resources import cfn_resource
from slsguard.dialects.template import Key, TemplateDialect

SETTINGS = {
    ("function", "tracing"): Key(("TracingConfig", "Mode")),
    ("function", "kms-key"): Key(("KmsKeyArn",)),
    ("function", "runtime"): Key(("Runtime",)),
    ("function", "timeout"): Key(("Timeout",)),
    ("function", "reserved-concurrency"): Key(("ReservedConcurrentExecutions",)),
    ("function", "code-signing"): Key(("CodeSigningConfigArn",)),
    ("function", "vpc"): Key(("VpcConfig",)),
    ("AWS::ApiGateway::Stage", "api-tracing"): Key(("TracingEnabled",)),
    ("AWS::Serverless::Api", "api-tracing"): Key(("TracingEnabled",)),
    ("AWS::ApiGateway::Deployment", "api-tracing"): Key(("StageDescription", "TracingEnabled")),
    ("AWS::Logs::LogGroup", "log-retention"): Key(("RetentionInDays",)),
    ("AWS::SQS::Queue", "redrive-policy"): Key(("RedrivePolicy",)),
    ("AWS::Lambda::Url", "auth"): Key(("AuthType",)),
    ("AWS::ApiGateway::DomainName", "tls-policy"): Key(("SecurityPolicy",)),
    ("AWS::ApiGatewayV2::DomainName", "tls-policy"): Key(("DomainNameConfigurations",)),
}

DIALECT = TemplateDialect("cloudformation", SETTINGS, "Properties", cfn_resource)
