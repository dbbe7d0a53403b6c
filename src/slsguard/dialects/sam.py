"""The AWS SAM dialect: `AWS::Serverless::*` properties and `Globals`.

Named like CloudFormation (`MyFunction.Properties.Runtime`); settings shared by every
function of the template go under `Globals.Function`.
"""

from __future__ import annotations

from slsguard.dialects import authorizers, cloudformation
from slsguard.dialects.cfn_resources import cfn_resource
from slsguard.dialects.template import Key, TemplateDialect
from slsguard.fixes import Placeholder


def _sqs_dead_letter_queue(value: object) -> object:
    """SAM's `DeadLetterQueue` names the kind of target with its ARN."""
    return {"Type": "SQS", "TargetArn": value}


def _own_policies(_value: object) -> object:
    return Placeholder(
        "only what this function needs (statements or SAM policy templates), in place of Role"
    )


SETTINGS = {
    **cloudformation.SETTINGS,
    ("function", "tracing"): Key(("Tracing",)),
    ("function", "code-signing"): Key(("CodeSigningConfigArn",)),
    ("function", "failure-destination"): Key(("DeadLetterQueue",), _sqs_dead_letter_queue),
    ("service", "tracing"): Key(("Globals", "Function", "Tracing"), from_root=True),
    ("service", "runtime"): Key(("Globals", "Function", "Runtime"), from_root=True),
    ("service", "timeout"): Key(("Globals", "Function", "Timeout"), from_root=True),
    ("service", "kms-key"): Key(("Globals", "Function", "KmsKeyArn"), from_root=True),
    ("service", "api-tracing"): Key(("Globals", "Api", "TracingEnabled"), from_root=True),
    ("function", "role"): Key(("Policies",), _own_policies),
    ("route:rest", "authorization"): Key(("Properties", "Auth", "Authorizer"), authorizers.sam),
    ("setting:cors-rest", "cors-origins"): Key(("AllowOrigin",), authorizers.quoted_origin),
    ("setting:stream-event", "failure-destination"): Key(
        ("Properties", "DestinationConfig", "OnFailure", "Destination")
    ),
    ("route:rest", "request-validation"): Key(
        ("Properties", "RequestModel"), authorizers.sam_request_model
    ),
    ("setting:request-model", "request-validation"): Key(("ValidateBody",)),
    ("route:http", "authorization"): Key(
        ("Properties", "Auth", "Authorizer"), authorizers.sam_http
    ),
}

DIALECT = TemplateDialect(
    "sam",
    SETTINGS,
    "Properties",
    cfn_resource,
    as_resource=cloudformation.AS_RESOURCE,
    framework_grants=frozenset({"tracing", "vpc"}),
)
