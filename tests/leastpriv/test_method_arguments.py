"""Clients passed as method arguments (`repo.save(client)`, `Store(client).put(...)`,
`helpers.tools.notify(client)`) in Python, JavaScript and TypeScript: the client is followed
into the method, and only the calls a handler reaches pass it (two handlers handing one
helper different clients each need their own)."""

from __future__ import annotations

from pathlib import Path

from tests.leastpriv.test_precision import needs, write

PY_REPO = """class Repo:
    def save(self, table, item):
        table.put_item(Item=item)


class Store:
    def __init__(self, client):
        self.client = client

    def put(self, body):
        self.client.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/jobs",
                                 MessageBody=body)


class Archive:
    def __init__(self, client):
        self.client = client

    def keep(self, body):
        self.client.put_object(Bucket="archive", Key="a.json", Body=body)
"""

PY_HANDLERS = """import boto3

from repo import Archive, Repo, Store

dynamo = boto3.resource("dynamodb")
sqs = boto3.client("sqs")
s3 = boto3.client("s3")
repo = Repo()


def enqueue(event, context):
    repo.save(dynamo.Table("orders"), event)
    Store(sqs).put("x")


def archive(event, context):
    Archive(client=s3).keep("x")
"""

PY_SERVERLESS = """service: app
provider:
  name: aws
  runtime: python3.12
functions:
  enqueue:
    handler: handlers.enqueue
  archive:
    handler: handlers.archive
"""


def test_python_clients_passed_to_methods_and_constructors(tmp_path: Path) -> None:
    files = {"repo.py": PY_REPO, "handlers.py": PY_HANDLERS, "serverless.yml": PY_SERVERLESS}
    assert needs(write(tmp_path, files)) == {
        "enqueue": {
            ("dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/orders"),
            ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs"),
        },
        "archive": {("s3:PutObject", "arn:aws:s3:::archive/a.json")},
    }


PY_SHARED = """import boto3

from store import Store

sns = boto3.client("sns")
events = boto3.client("events")


def first(event, context):
    Store(sns).describe()


def second(event, context):
    Store(events).describe()
"""

PY_STORE = """class Store:
    def __init__(self, client):
        self.client = client

    def describe(self):
        return self.client.list_tags_for_resource(ResourceArn="arn:aws:x")
"""


def test_python_each_handler_passes_its_own_client(tmp_path: Path) -> None:
    functions = "functions:\n  first:\n    handler: h.first\n  second:\n    handler: h.second\n"
    files = {"h.py": PY_SHARED, "store.py": PY_STORE}
    files["serverless.yml"] = PY_SERVERLESS.split("functions:")[0] + functions
    found = needs(write(tmp_path, files))
    assert {a for a, _ in found["first"]} == {"sns:ListTagsForResource"}
    assert {a for a, _ in found["second"]} == {"events:ListTagsForResource"}


JS_REPO = """class Repo {
  async save(client, item) {
    await client.put({ TableName: "orders", Item: item }).promise();
  }
}

class Store {
  constructor(client) {
    this.client = client;
  }

  async put(body) {
    await this.client.sendMessage({ QueueUrl: process.env.QUEUE, MessageBody: body }).promise();
  }
}

module.exports = { Repo, Store };
"""

JS_HELPERS = """module.exports.tools = {
  notify: async (client) => client.publish({ TopicArn: process.env.TOPIC, Message: "x" }).promise(),
};
"""

JS_HANDLER = """const AWS = require("aws-sdk");
const { Repo, Store } = require("./repo");
const helpers = require("./helpers");

const docs = new AWS.DynamoDB.DocumentClient();
const repo = new Repo();

exports.run = async (event) => {
  await repo.save(docs, event);
  await new Store(new AWS.SQS()).put("x");
  await helpers.tools.notify(new AWS.SNS());
};

exports.other = async (event) => {
  await new Store(new AWS.S3()).put("x");
};
"""

TS_REPO = """import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";

export class Reader {
  async load(client: DynamoDBDocumentClient, id: string): Promise<unknown> {
    return client.send(new GetCommand({ TableName: "orders", Key: { id } }));
  }
}
"""

TS_HANDLER = """import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Reader } from "./reader";

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const reader = new Reader();

export const handler = async (event: { id: string }) => reader.load(client, event.id);
"""

NODE = "service: app\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n"


def test_javascript_clients_passed_to_methods(tmp_path: Path) -> None:
    functions = "  run:\n    handler: handler.run\n  other:\n    handler: handler.other\n"
    files = {"repo.js": JS_REPO, "helpers.js": JS_HELPERS, "handler.js": JS_HANDLER}
    found = needs(write(tmp_path, {**files, "serverless.yml": NODE + functions}))
    assert found["run"] == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:*:*:table/orders"),
        ("sqs:SendMessage", "arn:aws:sqs:*:*:*"),
        ("sns:Publish", "arn:aws:sns:*:*:*"),
    }
    assert found["other"] == set()  # S3 has no `sendMessage`: nothing to grant, no SQS


def test_typescript_client_passed_to_a_typed_method(tmp_path: Path) -> None:
    files = {"reader.ts": TS_REPO, "handler.ts": TS_HANDLER}
    functions = "  read:\n    handler: handler.handler\n"
    found = needs(write(tmp_path, {**files, "serverless.yml": NODE + functions}))
    assert found["read"] == {("dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/orders")}


LIB_CLIENT = """import uuid


class LabelClient:
    def __init__(self, client):
        self._client = client

    def labels(self, bucket, key):
        return self._client.detect_labels(Image={"S3Object": {"Bucket": bucket, "Name": key}})

    def video(self, bucket, key, topic, role):
        return self._client.start_label_detection(
            Video={"S3Object": {"Bucket": bucket, "Name": key}},
            ClientRequestToken=str(uuid.uuid4()),
            NotificationChannel={"SNSTopicArn": topic, "RoleArn": role},
        )
"""

LIB_APP = """import boto3

from lib import labels


def handler(event, context):
    client = labels.LabelClient(boto3.client("rekognition"))
    return client.labels(event["Bucket"], event["Key"])
"""


def test_a_client_passed_to_a_class_of_an_imported_module(tmp_path: Path) -> None:
    # chalice-workshop's media-query: `rekognition.RekognitonClient(boto3.client(...))` was
    # "the code calls no AWS API". The class is reached whole, so its video job's role is
    # passed (`iam:PassRole`, Rekognition Video's NotificationChannel.RoleArn) too.
    functions = "functions:\n  labels:\n    handler: app.handler\n"
    files = {"lib/__init__.py": "", "lib/labels.py": LIB_CLIENT, "app.py": LIB_APP}
    files["serverless.yml"] = PY_SERVERLESS.split("functions:")[0] + functions
    assert {action for action, _ in needs(write(tmp_path, files))["labels"]} == {
        "rekognition:DetectLabels",
        "rekognition:StartLabelDetection",
        "s3:GetObject",  # Rekognition reads the image as the caller
        "iam:PassRole",
    }
