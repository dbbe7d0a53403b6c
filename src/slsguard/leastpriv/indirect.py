"""Permissions a function's settings need on its own role, beyond its code's calls.

- active tracing: `xray:PutTraceSegments`, `xray:PutTelemetryRecords` on `*`
  (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html);
- a dead-letter queue or topic, an on-failure destination: `sqs:SendMessage`, `sns:Publish`,
  `lambda:InvokeFunction` or `events:PutEvents` on it
  (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html);
- a VPC: `ec2:CreateNetworkInterface`, `ec2:DescribeNetworkInterfaces`,
  `ec2:DeleteNetworkInterface`, `ec2:AssignPrivateIpAddresses`,
  `ec2:UnassignPrivateIpAddresses` on `*`
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html).

The Serverless Framework and SAM add these to the roles they generate, so on a generated role
they are *implied* (never reported, left out of `serverless`/`sam` output); on a role the
project writes itself they are needs like the code's, reported at the setting. KMS actions
for an encrypted dead-letter queue follow from `slsguard.leastpriv.kms` like any send.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slsguard.analysis.monitoring import literal_true, provider_of, settings_of, syntax_of
from slsguard.analysis.stacks import output_resource
from slsguard.findings import Origin
from slsguard.leastpriv.pycalls import Arg
from slsguard.leastpriv.resources import (
    ANY,
    Target,
    elsewhere,
    from_resource,
    reads_other_stack,
    unresolved,
)
from slsguard.loading.yaml import YMap
from slsguard.model import Application, Function

XRAY = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
VPC = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
_SEND = {
    "sqs": ("sqs:SendMessage", "queue"),
    "sns": ("sns:Publish", "topic"),
    "lambda": ("lambda:InvokeFunction", "function"),
    "events": ("events:PutEvents", ""),
}
_TYPES = {
    "AWS::SQS::Queue": "sqs",
    "AWS::SNS::Topic": "sns",
    "AWS::Lambda::Function": "lambda",
    "AWS::Serverless::Function": "lambda",
    "AWS::Events::EventBus": "events",
}

SettingNeed = tuple[str, Target, str, Origin]
"""(action, resource, reason, where the setting is written); the action is empty for a
destination whose service is not known (`DESTINATION_SERVICES` are then not judged)."""

DESTINATION_SERVICES = ("sqs", "sns", "lambda", "events")


def generated_role(app: Application, fn: Function) -> bool:
    """Whether the framework generates the function's role (and adds these permissions)."""
    role = fn.role
    if role is None or role.external:
        return False
    syntax = syntax_of(app, fn)
    if syntax == "serverless":
        return role.key.endswith("IamRoleLambdaExecution")
    if syntax == "sam":
        return "Role" not in settings_of(fn)
    return False


def setting_needs(app: Application, fn: Function) -> Iterator[SettingNeed]:
    """The actions the function's tracing, VPC and failure destinations need."""
    settings = settings_of(fn)
    syntax = syntax_of(app, fn)
    traced = _tracing(app, fn, syntax)
    if traced is not None:
        yield from ((a, ANY, "active tracing", traced) for a in XRAY)
    vpc = _vpc(app, fn)
    if vpc is not None:
        yield from ((a, ANY, "the function's VPC", vpc) for a in VPC)
    for value, origin, what in _destinations(settings, syntax, fn.origin):
        yield from _send(app, value, origin, what)
    for trigger in fn.triggers:
        value = _mapping_destination(trigger.settings)
        if value is not None:
            what = f"the {trigger.kind} trigger's on-failure destination"
            yield from _send(app, value, trigger.origin, what)


def _tracing(app: Application, fn: Function, syntax: str) -> Origin | None:
    settings = settings_of(fn)
    if syntax == "serverless":
        value = settings.get("tracing")
        if value is None:
            tracing = provider_of(app).get("tracing")
            value = tracing.get("lambda") if isinstance(tracing, YMap) else None
            origin = provider_of(app).origin_of("tracing", app.origin)
        else:
            origin = settings.origin_of("tracing", fn.origin)
    else:
        key = "Tracing" if syntax == "sam" else "TracingConfig"
        value = settings.get(key)
        value = value.get("Mode") if isinstance(value, YMap) else value
        origin = settings.origin_of(key, fn.origin) if key in settings else fn.origin
    active = value in ("Active", "active") or literal_true(value) is True
    return origin if active else None


def _vpc(app: Application, fn: Function) -> Origin | None:
    settings = settings_of(fn)
    for key in ("vpc", "VpcConfig"):
        if settings.get(key) not in (None, "", {}):
            return settings.origin_of(key, fn.origin)
    if syntax_of(app, fn) == "serverless" and provider_of(app).get("vpc") not in (None, "", {}):
        return provider_of(app).origin_of("vpc", app.origin)
    return None


def _destinations(settings: YMap, syntax: str, where: Origin) -> Iterator[tuple[Any, Origin, str]]:
    """(the target value, where it is written, what it is) of each failure destination."""
    if syntax == "serverless":
        yield settings.get("onError"), settings.origin_of("onError", where), "the dead-letter topic"
        destinations = settings.get("destinations")
        if isinstance(destinations, YMap):
            origin = destinations.origin_of("onFailure", where)
            yield destinations.get("onFailure"), origin, "the on-failure destination"
        return
    dlq = settings.get("DeadLetterQueue" if syntax == "sam" else "DeadLetterConfig")
    if isinstance(dlq, YMap):
        yield dlq.get("TargetArn"), dlq.origin_of("TargetArn", where), "the dead-letter queue"
    invoke = settings.get("EventInvokeConfig")
    config = invoke.get("DestinationConfig") if isinstance(invoke, YMap) else None
    failure = config.get("OnFailure") if isinstance(config, YMap) else None
    if isinstance(failure, YMap):
        yield (
            failure.get("Destination"),
            failure.origin_of("Destination", where),
            ("the on-failure destination"),
        )


def _mapping_destination(settings: object) -> Any:
    """An event source mapping's on-failure destination: SAM/CloudFormation
    `DestinationConfig.OnFailure.Destination`, Serverless `destinations.onFailure`."""
    if not isinstance(settings, dict):
        return None
    properties = settings.get("Properties")
    source = properties if isinstance(properties, dict) else settings
    config = source.get("DestinationConfig")
    failure = config.get("OnFailure") if isinstance(config, dict) else None
    if isinstance(failure, dict):
        return failure.get("Destination")
    destinations = source.get("destinations")
    return destinations.get("onFailure") if isinstance(destinations, dict) else None


def _send(app: Application, value: Any, origin: Origin, what: str) -> Iterator[SettingNeed]:
    if isinstance(value, YMap) and "arn" in value:  # Serverless `onFailure: {arn: ...}`
        value = value.get("arn")
    linked = output_resource(app, value) if reads_other_stack(value) else None
    if linked is not None:  # a queue, topic, function or bus another stack of the scan defines
        yield from _send_elsewhere(*linked, origin, what)
        return
    service, logical = _service_of(app, value)
    if service not in _SEND:
        if value is not None:  # a nested stack's output, a parameter: any of the four
            yield "", unresolved(None, f"{what} is not resolved"), what, origin
        return
    action, kind = _SEND[service]
    if logical and kind:
        target = from_resource(app, kind, logical, what)
    elif isinstance(value, str) and value.startswith("arn:"):
        target = Target(value, label=what)
    else:
        target = unresolved(kind or None, f"{what} is only known at deploy time")
    yield action, target, what, origin


def _send_elsewhere(
    owner: Application, logical: str, origin: Origin, what: str
) -> Iterator[SettingNeed]:
    """What sending to the resource `logical` of another stack (`owner`) needs."""
    service, _ = _service_of(owner, {"Ref": logical})
    if service not in _SEND:
        target = unresolved(None, f"{what} is {logical} of {owner.file}, not a destination")
        yield "", target, what, origin
        return
    action, kind = _SEND[service]
    found = from_resource(owner, kind, logical, what) if kind else unresolved(None, what)
    yield action, elsewhere(owner, found, what), what, origin


def _service_of(app: Application, value: Any) -> tuple[str, str]:
    """The destination's service (`sqs`, ...) and its logical id when it is a reference."""
    if isinstance(value, str):
        parts = value.split(":")
        return (parts[2], "") if value.startswith("arn:") and len(parts) > 2 else ("", "")
    if isinstance(value, dict) and len(value) == 1:
        ((name, argument),) = value.items()
        logical = argument[0] if isinstance(argument, list) and argument else argument
        logical = str(logical).split(".")[0] if name in ("Ref", "Fn::GetAtt") else ""
        resources = app.resources if isinstance(app.resources, dict) else {}
        resource = resources.get(logical)
        kind = resource.get("Type") if isinstance(resource, dict) else None
        return _TYPES.get(str(kind), ""), logical
    return "", ""


CALL_NEEDS: tuple[tuple[str, str, str, str, str], ...] = (
    # (service, method prefix, argument whose text names S3, action, bucket parameter)
    # Rekognition reads an S3 image or video with the caller's permissions:
    # https://docs.aws.amazon.com/rekognition/latest/dg/images-s3.html
    ("rekognition", "", "S3Object", "s3:GetObject", ""),
    # Textract reads the document with the caller's permissions:
    # https://docs.aws.amazon.com/textract/latest/dg/security_iam_id-based-policy-examples.html
    ("textract", "", "S3Object", "s3:GetObject", ""),
    # Transcribe reads the media and writes to OutputBucketName as the caller:
    # https://docs.aws.amazon.com/transcribe/latest/dg/security_iam_id-based-policy-examples.html
    ("transcribe", "start_", "MediaFileUri", "s3:GetObject", ""),
    ("transcribe", "start_", "OutputBucketName", "s3:PutObject", "OutputBucketName"),
)
"""Calls whose service reaches S3 with the caller's own permissions (a tested table)."""


def call_needs(service: str, method: str, texts: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(action, the parameter naming the bucket or "") that a call needs indirectly, given
    the text of its arguments by parameter name."""
    for owner, prefix, mark, action, bucket in CALL_NEEDS:
        named = any(mark in name or mark in text for name, text in texts.items())
        if owner == service and method.startswith(prefix) and named:
            yield action, bucket


def may_reach_s3(service: str, method: str, texts: dict[str, str]) -> bool:
    """Whether a call of a service that can read S3 as the caller passes arguments the
    analysis cannot see (a variable): its S3 grants must not be judged unused."""
    reaches = any(owner == service and method.startswith(p) for owner, p, *_ in CALL_NEEDS)
    return reaches and not texts


PASS_ROLE: dict[tuple[str, str], tuple[str, bool]] = {
    ("lambda", "create_function"): ("Role", True),
    ("lambda", "update_function_configuration"): ("Role", False),
    ("stepfunctions", "create_state_machine"): ("roleArn", True),
    ("stepfunctions", "update_state_machine"): ("roleArn", False),
    ("scheduler", "create_schedule"): ("Target", True),
    ("scheduler", "update_schedule"): ("Target", True),
    ("events", "put_targets"): ("RoleArn", False),
    ("ecs", "run_task"): ("", False),
    ("ecs", "start_task"): ("", False),
    ("glue", "create_job"): ("Role", True),
    ("sagemaker", "create_training_job"): ("RoleArn", True),
    ("sagemaker", "create_processing_job"): ("RoleArn", True),
    ("sagemaker", "create_model"): ("ExecutionRoleArn", True),
    ("cloudformation", "create_stack"): ("RoleARN", False),
    ("cloudformation", "update_stack"): ("RoleARN", False),
    ("emr-serverless", "start_job_run"): ("executionRoleArn", True),
    ("codebuild", "create_project"): ("serviceRole", True),
    **{
        ("rekognition", f"start_{video}"): ("RoleArn", False)
        for video in (
            "label_detection",
            "face_detection",
            "face_search",
            "celebrity_recognition",
            "content_moderation",
            "person_tracking",
            "segment_detection",
            "text_detection",
        )
    },
    **{
        ("textract", f"start_{job}"): ("RoleArn", False)
        for job in ("document_analysis", "document_text_detection", "expense_analysis")
    },
}
"""Calls that hand a role to a service: `iam:PassRole` on that role
(https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html). `True`: the
role parameter is required, so the call always passes one; otherwise only when the code
writes it (`events.put_targets` `RoleArn`; the `NotificationChannel.RoleArn` Rekognition Video
and Textract publish job status with, https://docs.aws.amazon.com/rekognition/latest/dg/
api-video-roles.html), or optionally (ECS passes the task definition's roles, which the call
does not show)."""

ACL_METHODS = frozenset(
    {
        "put_object",
        "upload_file",
        "upload_fileobj",
        "copy_object",
        "copy",
        "create_multipart_upload",
    }
)
"""S3 writes that may set an ACL: with one they also need `s3:PutObjectAcl`
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html, "Permissions")."""


def pass_role(service: str, method: str, texts: dict[str, str]) -> tuple[str, bool] | None:
    """(the parameter naming the role, whether the need is certain) when the call passes a
    role; None when it passes none."""
    found = PASS_ROLE.get((service, method))
    if found is None:
        return None
    param, required = found
    if required:
        return param, True
    written = bool(param) and any(param in n or param in t for n, t in texts.items())
    return (param, True) if written else ("", False)


def sets_acl(service: str, method: str, texts: dict[str, str]) -> bool:
    """Whether an S3 write (or a URL pre-signed for one) sets an object ACL."""
    if service != "s3" or method not in ACL_METHODS:
        return False
    return any(n == "ACL" or "'ACL'" in t or '"ACL"' in t or "ACL:" in t for n, t in texts.items())


LANGUAGE_DETECTION: dict[tuple[str, str], str] = {
    ("translate", "translate_text"): "SourceLanguageCode",
    ("translate", "translate_document"): "SourceLanguageCode",
}
"""Calls whose `auto` source language makes Translate call Amazon Comprehend
(https://docs.aws.amazon.com/translate/latest/APIReference/API_TranslateText.html,
`SourceLanguageCode`) as the caller: the `TranslateReadOnly` managed policy grants
`comprehend:DetectDominantLanguage` for it
(https://docs.aws.amazon.com/aws-managed-policy/latest/reference/TranslateReadOnly.html).
Written into policies and never judged unused; not reported missing (the page does not say
the call fails without it)."""


def detects_language(service: str, method: str, params: dict[str, Arg]) -> bool:
    """Whether a Translate call may ask Comprehend for the source language: `auto`, or a
    language the code computes."""
    param = LANGUAGE_DETECTION.get((service, method))
    if param is None:
        return False
    arg = params.get(param)
    return arg is None or arg.kind != "const" or arg.text == "auto"
