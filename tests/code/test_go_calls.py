"""AWS SDK for Go calls found for least privilege: confirmed calls only, with their resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from slsguard.code.go_calls import sdk_calls
from slsguard.code.model import HandlerSource
from slsguard.leastpriv.pycalls import Arg

HEADER = """\
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"example.com/shop/internal/store"
)

"""


def _calls(
    tmp_path: Path, body: str, go_mod: str = "module example.com/shop\n", header: str = ""
) -> list[str]:
    folder = tmp_path / "fn"
    folder.mkdir()
    (tmp_path / "go.mod").write_text(go_mod)
    (folder / "main.go").write_text(
        HEADER.replace('"context"\n\t', '"context"\n\t' + header) + body
    )
    source = HandlerSource("fn", "go", folder / "main.go", "fn/main.go", "main", folder, tmp_path)
    found = []
    for call in sdk_calls(source, tmp_path):
        params = {name: arg for name, arg in call.params if name[:1].isupper()}
        shown = ",".join(f"{k}={v.kind}:{v.text}" for k, v in sorted(params.items()))
        found.append(f"{call.service}.{call.method}({shown})@{call.location.line}" + call.via)
    return found


def test_calls_are_confirmed_by_their_input_type_or_their_client(tmp_path: Path) -> None:
    body = """\
const machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:orders"

type cache struct{}

func (cache) GetItem(key string) string { return key }

func handle(ctx context.Context, db *dynamodb.Client, flows *sfn.Client) error {
	var c cache
	c.GetItem("x")
	table := os.Getenv("TABLE")
	db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table)})
	flows.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine)})
	db.DescribeTable(ctx, nil)
	db.Options()
	return nil
}

func main() { lambda.Start(handle) }
"""
    assert _calls(tmp_path, body) == [
        "dynamodb.get_item(TableName=env:TABLE)@24",
        "stepfunctions.start_execution(StateMachineArn=const:"
        "arn:aws:states:eu-west-1:123456789012:stateMachine:orders)@25",
        "dynamodb.describe_table()@26",
        ".()@1package example.com/shop/internal/store",
    ]


def test_step_functions_members_keep_their_model_spelling(tmp_path: Path) -> None:
    body = """\
func handle(ctx context.Context, flows *sfn.Client) error {
	flows.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn")})
	return nil
}
"""
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "main.go").write_text(HEADER + body)
    source = HandlerSource("fn", "go", folder / "main.go", "fn/main.go", "main", folder, tmp_path)
    (call,) = sdk_calls(source, tmp_path)
    assert dict(call.params)["stateMachineArn"] == Arg("const", "arn")


def test_without_a_go_mod_no_package_is_taken_for_a_local_one(tmp_path: Path) -> None:
    body = "func main() { lambda.Start(func() {}) }\n"
    assert _calls(tmp_path, body, go_mod="") == []


def test_project_packages_and_signers_are_uncertain_without_a_go_mod(tmp_path: Path) -> None:
    (tmp_path / "internal" / "store").mkdir(parents=True)
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "main.go").write_text(
        'package main\n\nimport (\n\t"github.com/acme/shop/internal/store"\n'
        '\t"github.com/aws/aws-sdk-go-v2/aws/signer/v4"\n\t"github.com/pkg/errors"\n)\n'
    )
    source = HandlerSource("fn", "go", folder / "main.go", "fn/main.go", "main", folder, tmp_path)
    assert [call.via for call in sdk_calls(source, tmp_path)] == [
        "package github.com/acme/shop/internal/store",
        "a SigV4 signer github.com/aws/aws-sdk-go-v2/aws/signer/v4",
    ]


def test_module_packages_are_followed_as_the_taint_analysis_follows_them(tmp_path: Path) -> None:
    store = tmp_path / "internal" / "store"
    store.mkdir(parents=True)
    (store / "store.go").write_text(
        'package store\n\nimport (\n\t"context"\n\n'
        '\t"github.com/aws/aws-sdk-go-v2/aws"\n'
        '\t"github.com/aws/aws-sdk-go-v2/service/dynamodb"\n'
        '\t"example.com/shop/internal/audit"\n)\n\n'
        "func Put(ctx context.Context, db *dynamodb.Client) error {\n"
        '\t_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders")})\n'
        "\treturn err\n}\n\n"
        "type Archive struct{ db *dynamodb.Client }\n\n"
        "func (a Archive) Handle(ctx context.Context) error { return drop(ctx, a.db) }\n\n"
        "func drop(ctx context.Context, db *dynamodb.Client) error {\n"
        '\t_, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("old")})\n'
        "\treturn err\n}\n\n"
        "func Scan(ctx context.Context, db *dynamodb.Client) {\n"
        '\tdb.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("orders")})\n}\n'
    )
    body = """\
func main() {
	var db *dynamodb.Client
	store.Put(context.TODO(), db)
	lambda.Start(store.Archive{}.Handle)
}
"""
    # Put is called and Handle handed on (then drop, through it); Scan is never reached.
    assert _calls(tmp_path, body) == [
        "dynamodb.put_item(TableName=const:orders)@12",
        "dynamodb.delete_item(TableName=const:old)@21",
        # Not in the scan: still an uncertainty, reached through the package that imports it.
        ".()@1package example.com/shop/internal/audit",
    ]


def test_a_package_is_parsed_once_per_application(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slsguard.code import go_modules
    from slsguard.scan import scan

    parsed: list[Path] = []
    load = go_modules.load_package

    def counted(directory: Path, scan_root: Path, cwd: Path) -> go_modules.GoPackage:
        parsed.append(directory.resolve())
        return load(directory, scan_root, cwd)

    monkeypatch.setattr(go_modules, "load_package", counted)
    app = Path(__file__).resolve().parents[1] / "fixtures/rules/os-command-injection/go-sam"
    scan([app])  # every rule: the taint analysis and least privilege both read the code
    assert parsed and len(parsed) == len(set(parsed))


def test_sdk_packages_named_after_a_former_service_id_are_mapped(tmp_path: Path) -> None:
    body = """\
func handle(ctx context.Context, bus *cloudwatchevents.Client) error {
	_, err := bus.PutEvents(ctx, &cloudwatchevents.PutEventsInput{})
	return err
}
"""
    header = '"github.com/aws/aws-sdk-go-v2/service/cloudwatchevents"\n\t'
    assert _calls(tmp_path, body, header=header)[0] == "events.put_events()@16"
