"""Resources a fix adds, written as CloudFormation resources (Serverless `resources:`, SAM and
CloudFormation templates all hold them)."""

from __future__ import annotations

from slsguard.fixes import AddResource, Placeholder, Target


def _ref(logical_id: str) -> dict[str, object]:
    return {"Ref": logical_id}


def _getatt(logical_id: str, attribute: str) -> dict[str, object]:
    return {"Fn::GetAtt": f"{logical_id}.{attribute}"}


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", "_").split("_"))


def _log_group_name(deployed_name: str, logical_id: str) -> object:
    """`/aws/lambda/<name>`: the literal name, or the function's `Ref` (which is its name)."""
    if deployed_name:
        return f"/aws/lambda/{deployed_name}"
    if logical_id:
        return {"Fn::Sub": "/aws/lambda/${" + logical_id + "}"}
    return Placeholder("the function's name")


def _protected_arn(target: Target) -> object:
    """The ARN a web ACL association names: a REST API stage's, or a load balancer's."""
    if target.resource_type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        return _ref(target.logical_id)
    if ":" not in target.name:
        return Placeholder("ARN of the protected resource")
    api, stage = target.name.split(":", 1)
    if target.resource_type == "AWS::ApiGateway::Stage" and target.logical_id:
        stage = "${" + target.logical_id + "}"
    elif target.resource_type == "AWS::Serverless::Api":
        stage = "${" + api + ".Stage}"
    return {
        "Fn::Sub": "arn:aws:apigateway:${AWS::Region}::/restapis/${" + api + "}/stages/" + stage
    }


def cfn_resource(intent: AddResource) -> tuple[str, dict[str, object]]:
    """The added resource as (logical id, `{Type, Properties}`)."""
    target = intent.target
    logical = target.logical_id or _camel(target.name)
    kind = intent.kind
    if kind == "log-group":
        return f"{logical}LogGroup", {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": _log_group_name(target.deployed_name, target.logical_id),
                "RetentionInDays": intent.value_of("log-retention", 30),
            },
        }
    if kind == "alarm":
        metric = str(intent.value_of("metric", "Errors"))
        return f"{logical}{metric}Alarm", {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "Namespace": "AWS/Lambda",
                "MetricName": metric,
                "Dimensions": [{"Name": "FunctionName", "Value": _ref(logical)}],
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": intent.value_of("threshold", 1),
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "AlarmActions": [intent.value_of("notify", Placeholder("SNS topic ARN"))],
            },
        }
    if kind in ("queue-policy", "topic-policy", "bucket-policy"):
        return _transport_policy(intent, logical)
    if kind == "dlq":
        return f"{logical}DeadLetterQueue", {
            "Type": "AWS::SQS::Queue",
            "Properties": {"MessageRetentionPeriod": 1209600},
        }
    if kind == "waf-association":
        return f"{logical}WebAclAssociation", {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "Properties": {
                "ResourceArn": intent.value_of("resource_arn", _protected_arn(target)),
                "WebACLArn": intent.value_of("web_acl", Placeholder("web ACL ARN")),
            },
        }
    if kind == "cdn-with-waf":
        return f"{logical}Distribution", _distribution(intent, logical)
    return f"{logical}Permission", {"Type": "AWS::Lambda::Permission", "Properties": {}}


CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
"""AWS's managed cache policy `CachingDisabled`: an API's responses are not cached."""


def _distribution(intent: AddResource, logical: str) -> dict[str, object]:
    """A CloudFront distribution with a web ACL in front of a function URL or an HTTP API."""
    if intent.value_of("origin") == "function-url":
        url = {"Fn::GetAtt": f"{logical}.FunctionUrl"}
        domain: object = {"Fn::Select": [2, {"Fn::Split": ["/", url]}]}
    else:
        domain = {"Fn::Sub": "${" + logical + "}.execute-api.${AWS::Region}.amazonaws.com"}
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {
            "DistributionConfig": {
                "Enabled": True,
                "WebACLId": Placeholder("ARN of a web ACL with Scope CLOUDFRONT (us-east-1)"),
                "Origins": [
                    {
                        "Id": "origin",
                        "DomainName": domain,
                        "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"},
                    }
                ],
                "DefaultCacheBehavior": {
                    "TargetOriginId": "origin",
                    "ViewerProtocolPolicy": "https-only",
                    "CachePolicyId": CACHING_DISABLED,
                },
            }
        },
    }


_POLICY = {
    "queue-policy": ("AWS::SQS::QueuePolicy", "Queues", "sqs:*", "Arn"),
    "topic-policy": ("AWS::SNS::TopicPolicy", "Topics", "sns:Publish", "Ref"),
    "bucket-policy": ("AWS::S3::BucketPolicy", "Bucket", "s3:*", "Arn"),
}


def _transport_policy(intent: AddResource, logical: str) -> tuple[str, dict[str, object]]:
    """A resource policy that denies requests not sent over TLS."""
    type_, holder, action, attribute = _POLICY[intent.kind]
    arn = _ref(logical) if attribute == "Ref" else _getatt(logical, "Arn")
    resources: list[object] = [arn]
    if intent.kind == "bucket-policy":
        resources = [arn, {"Fn::Sub": "${" + logical + ".Arn}/*"}]
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": resources if len(resources) > 1 else arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    holder_value: object = _ref(logical) if intent.kind == "bucket-policy" else [_ref(logical)]
    return f"{logical}TlsOnlyPolicy", {
        "Type": type_,
        "Properties": {
            holder: holder_value,
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
        },
    }
