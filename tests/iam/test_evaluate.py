"""Tests for slsguard.iam.evaluate: IAM's decision logic over statements from templates."""

from __future__ import annotations

from typing import Any

import pytest

from slsguard.findings import Origin
from slsguard.iam.evaluate import (
    Match,
    Policies,
    arn_match,
    evaluate,
    granted_actions,
    narrowing_conditions,
    on_every_resource,
    statement_match,
)
from slsguard.loading.policies import parse_statement
from slsguard.model import PolicyRef, Reference, Role, Statement

ORIGIN = Origin("template.yml")


def stmt(effect: str = "Allow", **fields: Any) -> Statement:
    """A statement parsed by the loaders' own parser, from a plain policy dict."""
    raw = {"Effect": effect, **fields}
    statement = parse_statement(raw, ORIGIN, "test")
    assert statement is not None
    return statement


def decide(
    statements: list[Statement],
    action: str,
    resource: str | None = None,
    context: dict[str, Any] | None = None,
    **policies: Any,
) -> str:
    return evaluate(Policies(tuple(statements), **policies), action, resource, context).decision


# ------------------------------------------------------------------ allow and deny


def test_allow_matches_case_insensitive_action() -> None:
    allow = stmt(Action="S3:getobject", Resource="*")
    assert decide([allow], "s3:GetObject", "arn:aws:s3:::b/k") == "allowed"


def test_no_allow_is_implicit_deny() -> None:
    allow = stmt(Action="s3:GetObject", Resource="*")
    result = evaluate(Policies((allow,)), "s3:PutObject", "arn:aws:s3:::b/k")
    assert result.decision == "denied"
    assert not result.explicit


def test_explicit_deny_beats_allow_and_names_the_deny() -> None:
    allow = stmt(Action="s3:*", Resource="*")
    deny = stmt("Deny", Action="s3:DeleteObject", Resource="arn:aws:s3:::b/*")
    result = evaluate(Policies((allow, deny)), "s3:DeleteObject", "arn:aws:s3:::b/k")
    assert result.decision == "denied"
    assert result.explicit
    assert result.denying == (deny,)
    assert evaluate(Policies((allow, deny)), "s3:DeleteObject", "arn:aws:s3:::c/k").allowed


def test_allowed_names_the_allowing_statements() -> None:
    other = stmt(Action="sqs:SendMessage", Resource="*")
    allow = stmt(Action="s3:GetObject", Resource="*")
    result = evaluate(Policies((other, allow)), "s3:GetObject", "arn:aws:s3:::b/k")
    assert result.allowing == (allow,)


def test_not_action_allows_everything_else() -> None:
    allow = stmt(NotAction=["iam:*"], Resource="*")
    assert decide([allow], "s3:GetObject", "*") == "allowed"
    assert decide([allow], "iam:CreateUser", "*") == "denied"


def test_not_resource_allows_every_other_resource() -> None:
    allow = stmt(Action="s3:GetObject", NotResource="arn:aws:s3:::secret/*")
    assert decide([allow], "s3:GetObject", "arn:aws:s3:::public/k") == "allowed"
    assert decide([allow], "s3:GetObject", "arn:aws:s3:::secret/k") == "denied"
    assert decide([allow], "s3:GetObject", "*") == "allowed"


def test_deny_with_not_action_restricts_to_listed_services() -> None:
    allow = stmt(Action="*", Resource="*")
    deny = stmt("Deny", NotAction=["s3:*"], Resource="*")
    assert decide([allow, deny], "s3:GetObject", "*") == "allowed"
    assert decide([allow, deny], "iam:CreateUser", "*") == "denied"


# ---------------------------------------------------------------------- boundaries


def test_boundary_intersects_with_identity_policies() -> None:
    allow = stmt(Action=["s3:*", "iam:*"], Resource="*")
    boundary = (stmt(Action="s3:*", Resource="*"),)
    assert decide([allow], "s3:GetObject", "*", boundary=boundary) == "allowed"
    assert decide([allow], "iam:CreateUser", "*", boundary=boundary) == "denied"


def test_boundary_alone_grants_nothing() -> None:
    boundary = (stmt(Action="*", Resource="*"),)
    assert decide([], "s3:GetObject", "*", boundary=boundary) == "denied"


def test_deny_in_boundary_is_explicit() -> None:
    allow = stmt(Action="*", Resource="*")
    boundary = (stmt(Action="*", Resource="*"), stmt("Deny", Action="iam:*", Resource="*"))
    result = evaluate(Policies((allow,), boundary), "iam:PassRole", "*")
    assert result.denied and result.explicit


def test_boundary_outside_the_scan_makes_allows_unknown() -> None:
    allow = stmt(Action="s3:GetObject", Resource="*")
    result = evaluate(Policies((allow,), (), boundary_known=False), "s3:GetObject", "*")
    assert result.decision == "unknown"
    assert "the permissions boundary is not in the scan" in result.reasons


def test_policies_of_role_collects_managed_statements_and_boundary() -> None:
    inline = stmt(Action="s3:*", Resource="*")
    managed = stmt(Action="sqs:SendMessage", Resource="*")
    role = Role(
        "R",
        "R",
        ORIGIN,
        statements=(inline,),
        managed_policies=(PolicyRef("arn:x", ORIGIN, False, (managed,), True),),
        boundary=PolicyRef("arn:aws:iam::1:policy/b", ORIGIN, False),
    )
    policies = Policies.of_role(role)
    assert policies.identity == (inline, managed)
    assert policies.boundary == ()
    assert not policies.boundary_known


# ---------------------------------------------------------------- resource policies


def test_resource_policy_adds_to_identity_policies() -> None:
    grant = stmt(Action="sqs:SendMessage", Resource="arn:aws:sqs:us-east-1:1:q")
    policies = Policies((), resource=(grant,))
    assert evaluate(policies, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q").allowed


def test_deny_in_resource_policy_wins() -> None:
    allow = stmt(Action="sqs:*", Resource="*")
    deny = stmt("Deny", Action="sqs:*", Resource="*")
    assert evaluate(Policies((allow,), resource=(deny,)), "sqs:SendMessage", "*").denied


# --------------------------------------------------------------------------- ARNs


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("*", "arn:aws:s3:::b/k", Match.YES),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c", Match.YES),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::c/k", Match.NO),
        # Resources are case-sensitive.
        ("arn:aws:s3:::B/*", "arn:aws:s3:::b/k", Match.NO),
        # `?` is one character within a segment.
        ("arn:aws:sqs:us-east-1:1:q?", "arn:aws:sqs:us-east-1:1:q1", Match.YES),
        ("arn:aws:sqs:us-east-1:1:q?", "arn:aws:sqs:us-east-1:1:q12", Match.NO),
        # A `*` that ends a segment may span colons ...
        (
            "arn:aws:logs:*:*:log-group:/aws/lambda/*",
            "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/f:log-stream:s",
            Match.YES,
        ),
        (
            "arn:aws:dynamodb:*:*:table/orders*",
            "arn:aws:dynamodb:us-east-1:1:table/orders/stream/2024",
            Match.YES,
        ),
        # ... a `*` inside a segment does not.
        (
            "arn:aws:lambda:us-east-1:1:function:a*z",
            "arn:aws:lambda:us-east-1:1:function:a:z",
            Match.NO,
        ),
        (
            "arn:aws:lambda:us-east-1:1:function:a*z",
            "arn:aws:lambda:us-east-1:1:function:abz",
            Match.YES,
        ),
        # "Every resource" is only covered by `*`.
        ("arn:aws:s3:::*", "*", Match.NO),
        ("*", "*", Match.YES),
        # Unknown parts.
        ("arn:aws:s3:::b/*", None, Match.MAYBE),
        ("*", None, Match.YES),
        ("!GetAtt Table.Arn", "!GetAtt Table.Arn", Match.YES),
        ("!GetAtt Table.Arn", "arn:aws:dynamodb:us-east-1:1:table/t", Match.MAYBE),
        ("arn:aws:s3:::${self:custom.bucket}/*", "arn:aws:s3:::b/k", Match.MAYBE),
        ("arn:aws:s3:::${self:custom.bucket}/*", "arn:aws:sqs:us-east-1:1:q", Match.NO),
        ("arn:aws:s3:::*", "arn:aws:s3:::${Bucket}/k", Match.YES),
        ("arn:aws:s3:::other/*", "arn:aws:s3:::${Bucket}/k", Match.MAYBE),
        ("arn:aws:sqs:*:*:*", "arn:aws:s3:::${Bucket}/k", Match.NO),
        ("${env:ARN}", "*", Match.MAYBE),
    ],
)
def test_arn_match(pattern: str, resource: str | None, expected: Match) -> None:
    assert arn_match(pattern, resource) is expected


def test_unknown_resource_gives_unknown_not_denied() -> None:
    allow = stmt(Action="dynamodb:GetItem", Resource={"Fn::GetAtt": ["Table", "Arn"]})
    result = evaluate(
        Policies((allow,)), "dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/t"
    )
    assert result.decision == "unknown"
    assert result.allowing == (allow,)
    assert result.reasons == (
        "the statement's resource (!GetAtt Table.Arn) is not known statically",
    )


# --------------------------------------------------------------------- conditions


def _passrole(**condition: Any) -> Statement:
    return stmt(Action="iam:PassRole", Resource="*", Condition=condition)


def test_condition_key_not_given_is_unknown_never_denied() -> None:
    allow = stmt(
        Action="s3:GetObject",
        Resource="*",
        Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}},
    )
    result = evaluate(Policies((allow,)), "s3:GetObject", "arn:aws:s3:::b/k")
    assert result.decision == "unknown"
    assert result.reasons == ("condition aws:SourceVpce is not known statically",)


def test_passed_to_service_narrows_pass_role() -> None:
    allow = _passrole(StringEquals={"iam:PassedToService": "states.amazonaws.com"})
    lam = {"iam:PassedToService": "lambda.amazonaws.com"}
    sfn = {"iam:PassedToService": "states.amazonaws.com"}
    assert decide([allow], "iam:PassRole", "*", lam) == "denied"
    assert decide([allow], "iam:PassRole", "*", sfn) == "allowed"
    assert decide([allow], "iam:PassRole", "*") == "unknown"


def test_condition_key_names_are_case_insensitive() -> None:
    allow = _passrole(StringEquals={"IAM:passedToService": "lambda.amazonaws.com"})
    assert (
        decide([allow], "iam:PassRole", "*", {"iam:PassedToService": "lambda.amazonaws.com"})
        == "allowed"
    )


def test_string_like_and_list_of_values() -> None:
    allow = _passrole(StringLike={"iam:PassedToService": ["ec2.*", "lambda.amazonaws.com"]})
    assert (
        decide([allow], "iam:PassRole", "*", {"iam:PassedToService": "ec2.amazonaws.com"})
        == "allowed"
    )
    assert (
        decide([allow], "iam:PassRole", "*", {"iam:PassedToService": "glue.amazonaws.com"})
        == "denied"
    )


def test_negated_operator() -> None:
    allow = _passrole(StringNotEquals={"iam:PassedToService": "lambda.amazonaws.com"})
    assert (
        decide([allow], "iam:PassRole", "*", {"iam:PassedToService": "lambda.amazonaws.com"})
        == "denied"
    )
    assert (
        decide([allow], "iam:PassRole", "*", {"iam:PassedToService": "ec2.amazonaws.com"})
        == "allowed"
    )


def test_absent_key_fails_positive_operators_and_holds_if_exists() -> None:
    plain = stmt(
        Action="kms:Decrypt",
        Resource="*",
        Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    )
    if_exists = stmt(
        Action="kms:Decrypt",
        Resource="*",
        Condition={"StringEqualsIfExists": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
    )
    absent = {"kms:ViaService": ()}
    assert decide([plain], "kms:Decrypt", "*", absent) == "denied"
    assert decide([if_exists], "kms:Decrypt", "*", absent) == "allowed"


def test_null_operator() -> None:
    allow = stmt(
        Action="s3:PutObject", Resource="*", Condition={"Null": {"aws:SourceArn": "false"}}
    )
    assert decide([allow], "s3:PutObject", "*", {"aws:SourceArn": "arn:aws:s3:::b"}) == "allowed"
    assert decide([allow], "s3:PutObject", "*", {"aws:SourceArn": ()}) == "denied"


def test_arn_like_condition() -> None:
    allow = stmt(
        Action="lambda:InvokeFunction",
        Resource="*",
        Condition={"ArnLike": {"aws:SourceArn": "arn:aws:execute-api:us-east-1:1:api/*"}},
    )
    inside = {"aws:SourceArn": "arn:aws:execute-api:us-east-1:1:api/prod/GET/x"}
    outside = {"aws:SourceArn": "arn:aws:execute-api:us-east-1:1:other/prod/GET/x"}
    assert decide([allow], "lambda:InvokeFunction", "*", inside) == "allowed"
    assert decide([allow], "lambda:InvokeFunction", "*", outside) == "denied"


def test_for_all_values_and_for_any_value() -> None:
    all_of = stmt(
        Action="dynamodb:GetItem",
        Resource="*",
        Condition={"ForAllValues:StringEquals": {"dynamodb:Attributes": ["id", "name"]}},
    )
    any_of = stmt(
        Action="dynamodb:GetItem",
        Resource="*",
        Condition={"ForAnyValue:StringEquals": {"dynamodb:Attributes": ["id"]}},
    )
    assert decide([all_of], "dynamodb:GetItem", "*", {"dynamodb:Attributes": ["id"]}) == "allowed"
    assert (
        decide([all_of], "dynamodb:GetItem", "*", {"dynamodb:Attributes": ["id", "ssn"]})
        == "denied"
    )
    assert (
        decide([any_of], "dynamodb:GetItem", "*", {"dynamodb:Attributes": ["ssn", "id"]})
        == "allowed"
    )


def test_condition_value_from_a_reference_is_unknown() -> None:
    ref = Reference("cfn", "Topic", "!Ref Topic")
    allow = stmt(
        Action="sns:Publish", Resource="*", Condition={"ArnEquals": {"aws:SourceArn": ref}}
    )
    assert (
        decide([allow], "sns:Publish", "*", {"aws:SourceArn": "arn:aws:sns:us-east-1:1:t"})
        == "unknown"
    )


def test_unjudged_operator_is_unknown() -> None:
    when = {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}
    allow = stmt(Action="s3:GetObject", Resource="*", Condition=when)
    assert decide([allow], "s3:GetObject", "*", {"aws:CurrentTime": "2026-12-07"}) == "unknown"


def test_unreadable_condition_block_is_unknown() -> None:
    allow = stmt(Action="s3:GetObject", Resource="*", Condition={"Fn::If": ["C", {}, {}]})
    assert decide([allow], "s3:GetObject", "*", {}) == "unknown"


def test_conditional_deny_makes_an_allow_unknown() -> None:
    allow = stmt(Action="s3:*", Resource="*")
    deny = stmt(
        "Deny", Action="s3:*", Resource="*", Condition={"Bool": {"aws:SecureTransport": "false"}}
    )
    assert decide([allow, deny], "s3:GetObject", "*") == "unknown"
    assert decide([allow, deny], "s3:GetObject", "*", {"aws:SecureTransport": "true"}) == "allowed"
    assert decide([allow, deny], "s3:GetObject", "*", {"aws:SecureTransport": "false"}) == "denied"


def test_statement_match_ignores_effect() -> None:
    deny = stmt("Deny", Action="s3:*", Resource="arn:aws:s3:::b/*")
    assert statement_match(deny, "s3:GetObject", "arn:aws:s3:::b/k") is Match.YES
    assert statement_match(deny, "sqs:SendMessage", "*") is Match.NO


# --------------------------------------------------------- judging one statement


def test_on_every_resource() -> None:
    assert on_every_resource(stmt(Action="s3:*", Resource="*"))
    assert on_every_resource(stmt(Action="s3:*", NotResource="arn:aws:s3:::b"))
    assert not on_every_resource(stmt(Action="s3:*", Resource="arn:aws:s3:::b/*"))
    narrowed = _passrole(StringEquals={"iam:PassedToService": "lambda.amazonaws.com"})
    assert not on_every_resource(narrowed)
    assert narrowing_conditions(narrowed)[0].key == "iam:PassedToService"
    transport = stmt(
        Action="s3:*", Resource="*", Condition={"Bool": {"aws:SecureTransport": "true"}}
    )
    assert on_every_resource(transport)
    org = stmt(
        Action="s3:*", Resource="*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}}
    )
    assert not on_every_resource(org)


@pytest.mark.parametrize(
    "key",
    [
        "iam:AWSServiceName",
        "kms:ViaService",
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:ResourceTag/team",
    ],
)
def test_documented_narrowing_keys(key: str) -> None:
    statement = stmt(Action="*", Resource="*", Condition={"StringEquals": {key: "x"}})
    assert not on_every_resource(statement)


def test_referenced_star_is_not_every_resource() -> None:
    ref = Reference("cfn", "X", "*")
    assert not on_every_resource(stmt(Action="s3:*", Resource=ref))


def test_granted_actions_subtracts_denies() -> None:
    allow = stmt(Action="s3:*", Resource="*")
    deny = stmt("Deny", Action=["s3:Delete*", "s3:Put*"], Resource="*")
    names = {info.full_name for info in granted_actions(allow, Policies((allow, deny)), "s3:*")}
    assert "s3:GetObject" in names
    assert not any(name.startswith(("s3:Delete", "s3:Put")) for name in names)


def test_granted_actions_keeps_actions_denied_only_on_some_resources() -> None:
    allow = stmt(Action="s3:*", Resource="*")
    deny = stmt("Deny", Action="s3:DeleteObject", Resource="arn:aws:s3:::b/*")
    names = {info.full_name for info in granted_actions(allow, Policies((allow, deny)), "s3:*")}
    assert "s3:DeleteObject" in names


def test_granted_actions_applies_the_boundary() -> None:
    allow = stmt(Action="*", Resource="*")
    boundary = (stmt(Action="sqs:*", Resource="*"),)
    found = granted_actions(allow, Policies((allow,), boundary), "*")
    assert found and {info.service for info in found} == {"sqs"}


def test_granted_actions_on_a_specific_resource() -> None:
    allow = stmt(Action="*", Resource="arn:aws:s3:::b/key")
    deny = stmt("Deny", Action="s3:GetObject", Resource="arn:aws:s3:::b/*")
    names = {info.full_name for info in granted_actions(allow, Policies((allow, deny)), "s3:Get*")}
    assert "s3:GetObject" not in names
    assert "s3:GetObjectAcl" in names


# ------------------------------------------------- unknown resources, by resource type


def test_action_on_an_s3_object_does_not_reach_iam() -> None:
    allow = stmt(Action="*", Resource="arn:aws:s3:::bucket/report.csv")
    assert decide([allow], "iam:PassRole") == "denied"
    assert decide([allow], "s3:GetObject") == "unknown"
    assert decide([allow], "s3:GetObject", "arn:aws:s3:::bucket/report.csv") == "allowed"


def test_action_without_resource_types_needs_star() -> None:
    scoped = stmt(Action="s3:ListAllMyBuckets", Resource="arn:aws:s3:::bucket")
    assert decide([scoped], "s3:ListAllMyBuckets") == "denied"
    star = stmt(Action="s3:ListAllMyBuckets", Resource="*")
    assert decide([star], "s3:ListAllMyBuckets") == "allowed"


def test_sts_assume_role_resources_are_iam_roles() -> None:
    roles = stmt(Action="sts:AssumeRole", Resource="arn:aws:iam::123456789012:role/deploy")
    assert decide([roles], "sts:AssumeRole") == "unknown"
    wrong = stmt(Action="sts:AssumeRole", Resource="arn:aws:sts::123456789012:role/deploy")
    assert decide([wrong], "sts:AssumeRole") == "denied"


@pytest.mark.parametrize(
    ("operator", "cidr", "address", "holds"),
    [
        ("IpAddress", "10.0.0.0/8", "10.1.2.3", True),
        ("IpAddress", "10.0.0.0/8", "203.0.113.7", False),
        ("NotIpAddress", "10.0.0.0/8", "203.0.113.7", True),
        ("IpAddress", "2001:db8::/32", "2001:db8::1", True),
        ("IpAddress", "not-a-range", "10.1.2.3", False),
    ],
)
def test_ip_address_conditions(operator: str, cidr: str, address: str, holds: bool) -> None:
    statement = stmt(
        Action="s3:GetObject", Resource="*", Condition={operator: {"aws:SourceIp": cidr}}
    )
    expected = "allowed" if holds else "denied"
    assert decide([statement], "s3:GetObject", "*", {"aws:SourceIp": address}) == expected
