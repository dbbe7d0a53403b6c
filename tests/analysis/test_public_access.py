"""Tests for slsguard.analysis.public_access: which resource-policy statements are public.

Each case is one statement for principal `*` judged by the IAM evaluator as a stranger's
request (S3's "meaning of public"); the look-alikes that narrow the caller stay quiet.
"""

from __future__ import annotations

from typing import Any

import pytest

from slsguard.analysis.public_access import public_allows
from slsguard.analysis.resources import PolicyStatement, Resource, document_statements
from slsguard.findings import Origin
from slsguard.loading.yaml import load_text

NARROWED = [
    {"StringEquals": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:orders"}},
    {"StringEquals": {"aws:SourceAccount": "!Ref AWS::AccountId"}},
    {"StringEquals": {"aws:SourceAccount": "${AWS::AccountId}"}},
    {"StringEquals": {"AWS:SourceOwner": "${aws:accountId}"}},
    {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
    {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    {"ForAnyValue:StringEquals": {"aws:PrincipalOrgPaths": "o-a/r-b/ou-c/"}},
    {"StringEquals": {"kms:CallerAccount": "123456789012", "kms:ViaService": "s3.x"}},
]
PUBLIC = [
    None,
    {"StringNotEquals": {"aws:SourceAccount": "123456789012"}},
    {"StringLike": {"aws:SourceArn": "arn:aws:sns:*"}},
    {"StringEquals": {"aws:SourceAccount": "*"}},
    {"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}},
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:userid": "${aws:username}"}},
    {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
]


def _statements(*raw: dict[str, Any]) -> list[PolicyStatement]:
    text = load_text(_as_yaml({"Statement": list(raw)}), "t.yml").root
    resource = Resource("P", "AWS::S3::BucketPolicy", text, Origin("t.yml"), Origin("t.yml"))
    return list(document_statements(resource, "Document"))


def _as_yaml(document: dict[str, Any]) -> str:
    import json

    return json.dumps({"Document": document})


def _allow(condition: dict[str, Any] | None, action: str = "s3:GetObject") -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": "*", "Action": action}
    return statement | ({"Condition": condition} if condition else {})


@pytest.mark.parametrize("condition", NARROWED)
def test_a_condition_naming_the_caller_is_not_public(condition: dict[str, Any]) -> None:
    assert public_allows(_statements(_allow(condition)), service="s3") == []


@pytest.mark.parametrize("condition", PUBLIC)
def test_a_condition_that_leaves_strangers_in_is_public(condition: dict[str, Any] | None) -> None:
    assert len(public_allows(_statements(_allow(condition)), service="s3")) == 1


def test_a_deny_sparing_only_the_owner_takes_public_access_away() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Condition": {"StringNotEquals": {"aws:SourceAccount": "123456789012"}},
    }
    assert public_allows(_statements(_allow(None, "s3:*"), deny), service="s3") == []


def test_a_deny_of_some_actions_leaves_the_others_public() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject"}
    statements = _statements(_allow(None, ["s3:GetObject", "s3:DeleteObject"]), deny)
    assert len(public_allows(statements, service="s3")) == 1
    assert public_allows(statements, "s3:DeleteObject") == []


def test_a_named_principal_is_not_public() -> None:
    named = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*"}
    assert public_allows(_statements(named), service="s3") == []
