"""Order handlers of the demo app (not analysed yet: handler code analysis comes later)."""

import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def create(event, context):
    order = json.loads(event["body"])
    TABLE.put_item(Item=order)
    return {"statusCode": 201, "body": json.dumps(order)}


def list(event, context):
    return {"statusCode": 200, "body": json.dumps(TABLE.scan()["Items"])}


def refund(event, context):
    TABLE.delete_item(Key={"id": event["pathParameters"]["id"]})
    return {"statusCode": 204}
