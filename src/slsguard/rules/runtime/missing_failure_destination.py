"""missing-failure-destination (SLS502): events that fail for good are dropped without trace.

## What it does
Reports, where each mechanism applies:
- a function invoked *asynchronously* (S3, SNS, EventBridge and CloudWatch Events rules,
  schedules, IoT rules, CloudWatch Logs subscriptions, SES, or an `AWS::Lambda::Permission`
  for one of these services) that has no dead-letter queue and no on-failure destination:
  Serverless `onError` or `destinations.onFailure`, SAM `DeadLetterQueue` or
  `EventInvokeConfig.DestinationConfig.OnFailure`, CloudFormation `DeadLetterConfig`, or an
  `AWS::Lambda::EventInvokeConfig` for the function;
- a Kinesis, DynamoDB-stream or Kafka event source mapping without an on-failure
  destination (Serverless `destinations.onFailure` on the `stream` event, SAM and
  CloudFormation `DestinationConfig.OnFailure`);
- an SQS queue defined in the template that triggers a function but has no
  `RedrivePolicy` (a queue that is itself another queue's dead-letter queue is not reported).

Functions invoked only synchronously (API Gateway, ALB, function URLs) are not reported: the
caller sees the error. A queue or stream defined outside the scanned files is not judged.

## Why is this bad?
Lambda retries an asynchronous event twice and then drops it; a stream record that keeps
failing is retried until it expires and then skipped; an SQS message without a redrive
policy is retried until its retention period ends and then deleted. Without a place for
failed events, an attacker's malformed event, a poison message or an outage silently
loses data, and nobody can investigate or replay it.

## Example
```yaml
service: thumbnails
provider:
  name: aws
  runtime: nodejs22.x
functions:
  resize:
    handler: handler.resize
    events:
      - s3:
          bucket: uploads
          event: s3:ObjectCreated:*
```

## Fix
```yaml
service: thumbnails
provider:
  name: aws
  runtime: nodejs22.x
functions:
  resize:
    handler: handler.resize
    destinations:
      onFailure: arn:aws:sqs:us-east-1:123456789012:resize-failures
    events:
      - s3:
          bucket: uploads
          event: s3:ObjectCreated:*
```

## References
- https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
- https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-errors.html
- https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
"""

from collections.abc import Iterator

from slsguard.analysis.failures import (
    AsyncSource,
    async_sources,
    has_async_failure_handling,
    stream_mappings,
    unredriven_queues,
)
from slsguard.analysis.targets import function_target, resource_target
from slsguard.analysis.templates import describe, is_lambda_app
from slsguard.findings import Severity, Violation
from slsguard.fixes import (
    AddResource,
    Grant,
    Intent,
    Placeholder,
    SetSetting,
    Target,
    unsafe,
)
from slsguard.model import Application, Function
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name


@rule(
    "SLS502",
    "missing-failure-destination",
    Severity.LOW,
    "Failed events are dropped: no DLQ, on-failure destination or redrive policy",
    practice="P7",
    mappings={"owasp-serverless": "S10", "cwe": "CWE-755", "hipaa": "164.308(a)(7)"},
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Async functions without a DLQ, stream mappings without OnFailure, queues without redrive."""
    if not is_lambda_app(app):
        return
    for fn in app.functions:
        sources = async_sources(app, fn)
        if sources and not has_async_failure_handling(app, fn):
            yield _async_violation(app, fn, sources)
    for mapping in stream_mappings(app):
        yield Violation(
            mapping.origin,
            f"the {mapping.source} event source mapping of {describe(mapping.functions)} has "
            "no on-failure destination: a record that keeps failing is retried until it "
            "expires from the stream, then skipped without a trace",
            intents=(
                SetSetting(
                    mapping.target,
                    "failure-destination",
                    Placeholder("SQS queue or SNS topic ARN"),
                    unsafe("records the function fails on go to the new destination"),
                    note="and consider a maximum retry count and bisecting failed batches",
                ),
            ),
            functions=tuple(mapping.functions),
            subject=mapping.source,
        )
    for queue in unredriven_queues(app):
        name = resource_name(app, queue.logical_id)
        yield Violation(
            queue.origin,
            f"SQS queue {name} triggers {describe(queue.functions)} but has no redrive "
            "policy: a message the function keeps failing on is retried until the "
            "queue's retention period ends, then deleted",
            intents=_redrive(resource_target(app, queue.logical_id, queue.origin, name)),
            subject=queue.logical_id,
            functions=tuple(queue.functions),
        )


_REDRIVE = unsafe("failed messages move to the new dead-letter queue after 5 receives")


def _redrive(queue: Target) -> tuple[Intent, ...]:
    """A dead-letter queue for `queue`, and the redrive policy that sends failures there."""
    policy = {
        "deadLetterTargetArn": Placeholder("ARN of the dead-letter queue above"),
        "maxReceiveCount": 5,
    }
    return (
        AddResource(queue, "dlq", applicability=_REDRIVE),
        SetSetting(queue, "redrive-policy", policy, _REDRIVE),
    )


def _async_violation(app: Application, fn: Function, sources: list[AsyncSource]) -> Violation:
    kinds = ", ".join(dict.fromkeys(source.description for source in sources))
    target_dlq = any(source.target_dlq for source in sources)
    note = (
        " (the event rule's own dead-letter queue only keeps events EventBridge could not "
        "deliver, not those the function fails on)"
        if target_dlq
        else ""
    )
    destination = SetSetting(
        function_target(app, fn),
        "failure-destination",
        Placeholder("SQS queue or SNS topic ARN"),
        unsafe("events the function fails on go to the new destination"),
        grants=(Grant(("sqs:SendMessage", "sns:Publish"), "<SQS queue or SNS topic ARN>"),),
    )
    return Violation(
        fn.origin,
        f"function {fn.name} is invoked asynchronously by {kinds} but has no dead-letter "
        "queue or on-failure destination: Lambda retries a failing event twice, then drops "
        f"it{note}",
        intents=(destination,),
        function=fn.name,
        subject=fn.name,
    )
