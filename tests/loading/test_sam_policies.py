"""Tests for slsguard.loading.sam_policies: SAM policy templates and their expansion."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import resources

from slsguard.loading import sam_policies
from slsguard.loading.sam_policies import (
    expand,
    is_policy_template,
    template_names,
    templates_date,
    templates_version,
)

SQS = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}"
DDB = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}"


def test_dynamodb_crud_with_plain_table_name() -> None:
    assert expand("DynamoDBCrudPolicy", {"TableName": "orders"}) == [
        {
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
                "dynamodb:Scan",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:BatchGetItem",
                "dynamodb:DescribeTable",
                "dynamodb:ConditionCheckItem",
            ],
            "Effect": "Allow",
            "Resource": [f"{DDB}:table/orders", f"{DDB}:table/orders/index/*"],
        }
    ]


def test_s3_read_with_ref_bucket() -> None:
    assert expand("S3ReadPolicy", {"BucketName": {"Ref": "Bucket"}}) == [
        {
            "Action": [
                "s3:GetObject",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetObjectVersion",
                "s3:GetLifecycleConfiguration",
            ],
            "Effect": "Allow",
            "Resource": [
                "arn:${AWS::Partition}:s3:::${Bucket}",
                "arn:${AWS::Partition}:s3:::${Bucket}/*",
            ],
        }
    ]


def test_sqs_send_message_with_getatt_queue_name() -> None:
    expected = [
        {
            "Action": ["sqs:SendMessage*"],
            "Effect": "Allow",
            "Resource": f"{SQS}:${{Queue.QueueName}}",
        }
    ]
    arguments = {"QueueName": {"Fn::GetAtt": ["Queue", "QueueName"]}}
    assert expand("SQSSendMessagePolicy", arguments) == expected
    assert expand("SQSSendMessagePolicy", {"QueueName": {"Fn::GetAtt": "Queue.QueueName"}}) == (
        expected
    )


def test_secrets_manager_get_secret_value() -> None:
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
    assert expand("AWSSecretsManagerGetSecretValuePolicy", {"SecretArn": arn}) == [
        {"Action": ["secretsmanager:GetSecretValue"], "Effect": "Allow", "Resource": arn}
    ]
    assert expand("AWSSecretsManagerGetSecretValuePolicy", {"SecretArn": {"Ref": "Secret"}}) == [
        {"Action": ["secretsmanager:GetSecretValue"], "Effect": "Allow", "Resource": "${Secret}"}
    ]


def test_template_without_parameters() -> None:
    assert expand("CloudWatchPutMetricPolicy", {}) == [
        {"Action": ["cloudwatch:PutMetricData"], "Effect": "Allow", "Resource": "*"}
    ]


def test_unknown_template() -> None:
    assert expand("NoSuchPolicy", {"TableName": "x"}) is None
    assert not is_policy_template("NoSuchPolicy")
    assert not is_policy_template("dynamodbcrudpolicy")
    assert is_policy_template("DynamoDBCrudPolicy")


def test_template_names() -> None:
    names = template_names()
    assert len(names) > 70
    assert names == tuple(sorted(names))
    assert "S3ReadPolicy" in names
    assert all(is_policy_template(n) for n in names)


def test_missing_argument_is_named_placeholder() -> None:
    (statement,) = expand("SQSPollerPolicy", {}) or []
    assert statement["Resource"] == f"{SQS}:${{QueueName}}"


def test_sub_join_and_unrenderable_arguments() -> None:
    def resource(value: object) -> object:
        (statement,) = expand("SNSPublishMessagePolicy", {"TopicName": value}) or []
        return statement["Resource"]

    prefix = "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:"
    assert resource({"Fn::Sub": "${AWS::StackName}-events"}) == prefix + "${AWS::StackName}-events"
    assert resource({"Fn::Sub": ["${env}-t", {"env": {"Ref": "Env"}}]}) == prefix + "${Env}-t"
    assert resource({"Fn::Join": ["-", [{"Ref": "Env"}, "t", 1]]}) == prefix + "${Env}-t-1"
    assert resource({"Fn::ImportValue": "shared-topic"}) == prefix + "${TopicName}"
    assert resource(12345) == prefix + "12345"


def test_extra_arguments_ignored_and_results_are_fresh() -> None:
    first = expand("S3ReadPolicy", {"BucketName": "b", "Other": "x"})
    assert first is not None
    first[0]["Action"] = "mutated"
    second = expand("S3ReadPolicy", {"BucketName": "b"})
    assert second is not None and second[0]["Action"] != "mutated"


def test_multi_parameter_and_condition() -> None:
    statements = expand("EFSWriteAccessPolicy", {"FileSystem": "fs-1", "AccessPoint": "fsap-2"})
    assert statements is not None
    (statement,) = statements
    efs = "arn:${AWS::Partition}:elasticfilesystem:${AWS::Region}:${AWS::AccountId}"
    assert statement["Resource"] == f"{efs}:file-system/fs-1"
    assert statement["Condition"] == {
        "StringEquals": {"elasticfilesystem:AccessPointArn": f"{efs}:access-point/fsap-2"}
    }


def test_every_template_expands_to_plain_statements() -> None:
    for name in template_names():
        statements = expand(name, {})
        assert statements, name
        for statement in statements:
            assert statement.get("Effect") == "Allow", name
            assert "Fn::" not in repr(statement) and "'Ref'" not in repr(statement), name


def test_intrinsic_evaluation_edge_cases() -> None:
    evaluate = sam_policies._evaluate
    scope = {"P": "val"}
    assert evaluate({"Fn::If": ["C", "arn:x", "*"]}, scope) == "*"
    assert evaluate({"Fn::If": ["C", "arn:x", "arn:y"]}, scope) == "arn:x"
    assert evaluate(["a", {"Ref": "AWS::NoValue"}, {"Ref": "P"}], scope) == ["a", "val"]
    assert evaluate({"Fn::Sub": "${P}/${!Literal}/${AWS::Region}"}, scope) == (
        "val/${Literal}/${AWS::Region}"
    )
    assert evaluate({"Fn::Join": ["", ["a", {"Fn::Select": [0, ["x"]]}]]}, scope) == {
        "Fn::Join": ["", ["a", {"Fn::Select": [0, ["x"]]}]]
    }


def test_version_and_date() -> None:
    assert re.fullmatch(r".+ \(aws-sam-translator \d+\.\d+\.\d+.*\)", templates_version())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", templates_date())


def test_the_templates_are_data_with_their_source_version_date_and_licence() -> None:
    data = resources.files("slsguard").joinpath("data")
    document = json.loads(data.joinpath("sam_policy_templates.json").read_text("utf-8"))
    assert document["source"] == "aws-sam-translator"
    release = f"aws-sam-translator {document['version']}"
    assert templates_version() == f"{document['Version']} ({release})"
    assert templates_date() == document["date"]
    assert document["license"].startswith("Apache-2.0")
    licence = data.joinpath("sam_policy_templates.LICENSE.txt").read_text("utf-8")
    assert "Apache License" in licence and "Version 2.0" in licence


def test_samtranslator_is_never_imported() -> None:
    code = (
        "import sys\n"
        "from slsguard.loading import sam_policies as s\n"
        "assert s.expand('S3ReadPolicy', {'BucketName': 'b'})\n"
        "s.templates_version(); s.templates_date()\n"
        "assert 'samtranslator' not in sys.modules, sorted(sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
