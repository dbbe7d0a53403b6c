"""Payments handlers (a demo for slsguard: not meant to be deployed)."""

import json
import os
import subprocess

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def charge(event, context):
    body = json.loads(event["body"])
    TABLE.put_item(Item={"id": body["id"], "amount": body["amount"]})
    # Deliberate: the receipt printer is called through a shell with request data.
    subprocess.run(f"lp -t receipt-{body['id']}", shell=True, check=False)
    return {"statusCode": 201, "body": json.dumps({"id": body["id"]})}


def refund(event, context):
    TABLE.delete_item(Key={"id": event["pathParameters"]["id"]})
    return {"statusCode": 204}
