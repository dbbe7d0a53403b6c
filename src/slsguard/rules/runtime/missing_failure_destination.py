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
from slsguard.analysis.templates import describe, is_lambda_app, syntax_of
from slsguard.findings import Severity, Violation
from slsguard.model import Application, Dialect, Function
from slsguard.rules import Context, rule


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
        syntax = syntax_of(app, fn)
        sources = async_sources(app, fn, syntax)
        if sources and not has_async_failure_handling(app, fn, syntax):
            yield _async_violation(fn, syntax, sources)
    for mapping in stream_mappings(app):
        yield Violation(
            mapping.origin,
            f"the {mapping.source} event source mapping of {describe(mapping.functions)} has "
            "no on-failure destination: a record that keeps failing is retried until it "
            "expires from the stream, then skipped without a trace",
            mapping.fix,
            function=mapping.functions[0] if len(mapping.functions) == 1 else None,
            subject=mapping.source,
        )
    for queue in unredriven_queues(app):
        yield Violation(
            queue.origin,
            f"SQS queue {queue.logical_id} triggers {describe(queue.functions)} but has no "
            "RedrivePolicy: a message the function keeps failing on is retried until the "
            "queue's retention period ends, then deleted",
            f"add `RedrivePolicy: {{deadLetterTargetArn: {_arn_of(app, queue.logical_id)}, "
            "maxReceiveCount: 5}` to the queue's Properties (with a dead-letter queue "
            f"{queue.logical_id}DLQ)",
            subject=queue.logical_id,
        )


def _async_violation(fn: Function, syntax: Dialect, sources: list[AsyncSource]) -> Violation:
    kinds = ", ".join(dict.fromkeys(source.description for source in sources))
    target_dlq = any(source.target_dlq for source in sources)
    note = (
        " (the event rule's own dead-letter queue only keeps events EventBridge could not "
        "deliver, not those the function fails on)"
        if target_dlq
        else ""
    )
    return Violation(
        fn.origin,
        f"function {fn.name} is invoked asynchronously by {kinds} but has no dead-letter "
        "queue or on-failure destination: Lambda retries a failing event twice, then drops "
        f"it{note}",
        _ASYNC_FIX[syntax],
        function=fn.name,
        subject=fn.name,
    )


_ASYNC_FIX: dict[Dialect, str] = {
    "serverless": "add `destinations: {onFailure: <SQS queue, SNS topic, EventBridge bus or "
    "function ARN>}` to the function (or `onError: <SNS topic ARN>`)",
    "sam": "add `EventInvokeConfig: {DestinationConfig: {OnFailure: {Type: SQS}}}` (SAM creates "
    "the queue) or `DeadLetterQueue: {Type: SQS, TargetArn: <queue ARN>}` to the function, or "
    "to Globals.Function for every function",
    "cloudformation": "add `DeadLetterConfig: {TargetArn: <SQS queue or SNS topic ARN>}` to the "
    "function's Properties, or an `AWS::Lambda::EventInvokeConfig` for it with "
    "`DestinationConfig: {OnFailure: {Destination: <ARN>}}`",
}


def _arn_of(app: Application, logical_id: str) -> str:
    if app.kind == "serverless":
        return f"{{Fn::GetAtt: [{logical_id}DLQ, Arn]}}"
    return f"!GetAtt {logical_id}DLQ.Arn"
