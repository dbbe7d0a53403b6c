"""Triggers Terraform declares on the source's side: S3 notifications, SNS subscriptions, rules.

CloudFormation's loader finds event source mappings and function URLs by the function they
name; Terraform also wires S3 bucket notifications (`lambda_function` blocks), SNS topic
subscriptions with protocol `lambda` and EventBridge targets to functions. Each becomes a
trigger of the function it names, shaped like the SAM event the rules already read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from slsguard.findings import Origin
from slsguard.loading.cloudformation import Stack
from slsguard.loading.terraform.evaluate import Evaluator, Resource
from slsguard.loading.terraform.iam import _target
from slsguard.loading.terraform.module import Loader
from slsguard.loading.yaml import YMap
from slsguard.model import Function, Trigger


def add_triggers(loader: Loader, stack: Stack, functions: list[Function]) -> list[Function]:
    """`functions` with the triggers other resources attach to them."""
    found: dict[str, list[Trigger]] = {}
    for _prefix, evaluator in loader.evaluators:
        for resource in evaluator.scope.resources.values():
            if resource.data:
                continue
            for target, trigger in _triggers(evaluator, resource):
                found.setdefault(target, []).append(trigger)
    return [
        replace(fn, triggers=(*fn.triggers, *found.get(fn.logical_id or "", ())))
        for fn in functions
    ]


def _triggers(evaluator: Evaluator, resource: Resource) -> list[tuple[str, Trigger]]:
    file = resource.file
    block = resource.block
    result: list[tuple[str, Trigger]] = []
    if resource.type == "aws_s3_bucket_notification":
        bucket = evaluator.attribute(block, "bucket", file)
        for inner in block.body.blocks_of("lambda_function"):
            target = _target(evaluator.attribute(inner, "lambda_function_arn", file))
            events = evaluator.attribute(inner, "events", file)
            settings = _event("S3", {"Bucket": bucket, "Events": events}, file, inner.pos)
            if target:
                result.append((target, Trigger("s3", _origin(resource, inner.pos), settings)))
    elif resource.type == "aws_sns_topic_subscription":
        if evaluator.attribute(block, "protocol", file) == "lambda":
            target = _target(evaluator.attribute(block, "endpoint", file))
            topic = evaluator.attribute(block, "topic_arn", file)
            settings = _event("SNS", {"Topic": topic}, file, block.pos)
            if target:
                result.append((target, Trigger("sns", _origin(resource, block.pos), settings)))
    elif resource.type == "aws_cloudwatch_event_target":
        target = _target(evaluator.attribute(block, "arn", file))
        rule = evaluator.attribute(block, "rule", file)
        settings = _event("EventBridgeRule", {"Rule": rule}, file, block.pos)
        if target:
            result.append((target, Trigger("eventbridge", _origin(resource, block.pos), settings)))
    return result


def _event(kind: str, properties: dict[str, Any], file: str, pos: tuple[int, int]) -> YMap:
    node = YMap(file, pos)
    inner = YMap(file, pos)
    for key, value in properties.items():
        if value is not None:
            inner[key] = value
            inner.key_positions[key] = pos
    node["Type"] = kind
    node["Properties"] = inner
    node.key_positions = {"Type": pos, "Properties": pos}
    return node


def _origin(resource: Resource, pos: tuple[int, int]) -> Origin:
    return Origin(resource.file, ("resource", resource.address), *pos)
