"""Catalog handler of the demo app."""


def handler(event, context):
    return {"resized": [record["s3"]["object"]["key"] for record in event["Records"]]}
