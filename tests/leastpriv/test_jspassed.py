"""JavaScript/TypeScript clients handed to functions and constructors, and SigV4-signed
requests without an SDK client (`aws4`, `SignatureV4`, `aws4-axios`)."""

from __future__ import annotations

from pathlib import Path

from tests.leastpriv.test_precision import write

from slsguard.discovery import discover
from slsguard.leastpriv.needs import function_needs
from slsguard.loading import LoadOptions, load_all

NODE = "service: app\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n"

REPO = """const { PutItemCommand } = require("@aws-sdk/client-dynamodb");

class Repo {
  constructor(client, docs) {
    this.client = client;
    this.docs = docs;
  }

  async save(item) {
    await this.client.send(new PutItemCommand({ TableName: "orders", Item: item }));
    return this.docs.get({ TableName: "customers", Key: { id: item.customer } }).promise();
  }
}

module.exports = { Repo };
"""

HANDLER = """const AWS = require("aws-sdk");
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");
const { Repo } = require("./repo");

const repo = new Repo(new DynamoDBClient({}), new AWS.DynamoDB.DocumentClient());
const s3 = new AWS.S3();

function archive(storage, key) {
  return storage.putObject({ Bucket: "archive", Key: key, Body: "x" }).promise();
}

async function notify(client) {
  return client.publish({ TopicArn: process.env.TOPIC, Message: "ok" }).promise();
}

function unrelated(client) {
  return client.get("https://example.com/");
}

exports.run = async (event) => {
  await repo.save(event);
  await archive(s3, event.id);
  await notify(new AWS.SNS());
  await unrelated(require("axios"));
};
"""


def _needs(root: Path) -> dict[str, set[tuple[str, str]]]:
    app = load_all(discover([root], root), LoadOptions(), root).apps[0]
    return {
        name: {(n.action, n.target.arn) for n in found.needs}
        | {("?", u.service) for u in found.uncertain}
        for name, found in function_needs(app).items()
    }


def test_clients_passed_to_functions_and_constructors(tmp_path: Path) -> None:
    files = {"repo.js": REPO, "handler.js": HANDLER, "serverless.yml": NODE}
    files["serverless.yml"] += "  run:\n    handler: handler.run\n"
    assert _needs(write(tmp_path, files))["run"] == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/orders"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/customers"),  # this.docs, a parameter
        ("s3:PutObject", "arn:aws:s3:::archive/*"),  # archive(s3, ...)
        ("sns:Publish", "arn:aws:sns:*:*:*"),  # notify(new AWS.SNS())
        # `unrelated`'s `client` is another function's parameter: no SDK call.
    }


def test_typescript_parameter_properties_hold_the_client(tmp_path: Path) -> None:
    store = """import { DynamoDB } from "aws-sdk";

export class Store {
  constructor(private readonly db: DynamoDB.DocumentClient) {}

  read(id: string) {
    return this.db.get({ TableName: "items", Key: { id } }).promise();
  }
}
"""
    handler = """import { DynamoDB } from "aws-sdk";
import { Store } from "./store";

const store = new Store(new DynamoDB.DocumentClient());

export const read = async (event: { id: string }) => store.read(event.id);
"""
    files = {"store.ts": store, "handler.ts": handler, "serverless.yml": NODE}
    files["serverless.yml"] += "  read:\n    handler: handler.read\n"
    assert _needs(write(tmp_path, files))["read"] == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/items")
    }


SIGNED = """const aws4 = require("aws4");
const https = require("https");
const { SignatureV4 } = require("@aws-sdk/signature-v4");
const { aws4Interceptor } = require("aws4-axios");

const host = "abc123.execute-api.eu-west-1.amazonaws.com";

exports.call = async () => https.request(aws4.sign({ host, path: "/prod/orders" }));

exports.api = async () => https.request(aws4.sign({ service: "execute-api", path: "/x" }));

exports.graph = async () => new SignatureV4({ service: "appsync", region: "eu-west-1" });

exports.axios = async () => aws4Interceptor({ options: { service: "execute-api" } });

exports.search = async () => aws4.sign({ service: "es", host: process.env.DOMAIN });
"""


def test_sigv4_signed_requests(tmp_path: Path) -> None:
    names = ("call", "api", "graph", "axios", "search")
    functions = "".join(f"  {n}:\n    handler: handler.{n}\n" for n in names)
    found = _needs(write(tmp_path, {"handler.js": SIGNED, "serverless.yml": NODE + functions}))
    invoke = {("execute-api:Invoke", "arn:aws:execute-api:*:*:*")}
    assert found["call"] == {("?", "")}  # the host is a variable: an unknown service
    assert found["api"] == invoke
    assert found["graph"] == {("appsync:GraphQL", "arn:aws:appsync:*:*:apis/*")}
    assert found["axios"] == invoke
    assert found["search"] == {("?", "es")}  # another service: a call not understood


EXTENSIONS = """const fetch = require("node-fetch");

exports.config = async () =>
  fetch(`http://localhost:2772/applications/${process.env.APP}/environments/prod/configurations/x`);

exports.secret = async () =>
  fetch(`http://localhost:2773/secretsmanager/get?secretId=${process.env.SECRET}`);
"""


def test_requests_to_lambda_extensions_are_calls_not_understood(tmp_path: Path) -> None:
    functions = "  config:\n    handler: handler.config\n  secret:\n    handler: handler.secret\n"
    found = _needs(write(tmp_path, {"handler.js": EXTENSIONS, "serverless.yml": NODE + functions}))
    # The module calls both extensions: each function is uncertain about both services.
    assert found["config"] == found["secret"] == {("?", "appconfig"), ("?", "secretsmanager")}


TRANSLATE = """const AWS = require("aws-sdk");

const translate = new AWS.Translate();

exports.auto = async (event) =>
  translate
    .translateText({ SourceLanguageCode: "auto", TargetLanguageCode: "fr", Text: event.text })
    .promise();

exports.known = async (event) =>
  translate
    .translateText({ SourceLanguageCode: "en", TargetLanguageCode: "fr", Text: event.text })
    .promise();
"""


def test_automatic_source_language_asks_comprehend(tmp_path: Path) -> None:
    functions = "  auto:\n    handler: handler.auto\n  known:\n    handler: handler.known\n"
    found = _needs(write(tmp_path, {"handler.js": TRANSLATE, "serverless.yml": NODE + functions}))
    assert found["auto"] == {
        ("translate:TranslateText", "*"),
        ("comprehend:DetectDominantLanguage", "*"),
    }
    assert found["known"] == {("translate:TranslateText", "*")}
