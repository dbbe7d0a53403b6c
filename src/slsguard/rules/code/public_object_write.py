"""public-object-write (SLS612): handler code stores objects that anyone can read.

## What it does
Reports handler code that stores S3 objects with a public canned ACL: Python
`ACL="public-read"` or `"public-read-write"` (in `put_object`, `copy_object`,
`create_multipart_upload`, `ExtraArgs={"ACL": ...}` of `upload_file`/`upload_fileobj`,
the `Params` of `generate_presigned_url`, the `Fields` of `generate_presigned_post`), the
same in JavaScript/TypeScript (`ACL: "public-read"`, an `x-amz-acl` header) and Go
(`ACL: types.ObjectCannedACLPublicRead`, `aws.String("public-read")`). When the
target bucket is defined in the scan, its settings decide: with ACLs disabled (object
ownership `BucketOwnerEnforced`, the default for new buckets) the call fails with
`AccessControlListNotSupported`, and with `BlockPublicAcls` on it fails with
`AccessDenied`; either is reported at low, as a broken call, naming the setting.

## Why is this bad?
Each object becomes readable by anyone on the internet who learns or guesses its key,
whatever the bucket policy says; uploads are often personal documents and images.

## Example
```yaml
service: photos
provider:
  name: aws
  runtime: python3.12
functions:
  upload:
    handler: handler.upload
    events:
      - httpApi: POST /photos
```

```python
# file: handler.py
import boto3

s3 = boto3.client("s3")


def upload(event, context):
    s3.put_object(Bucket="photos-bucket", Key="a.jpg", Body=event["body"], ACL="public-read")
    return {"statusCode": 201}
```

## Fix
Store the object privately; hand out a pre-signed URL, or serve it through CloudFront.
```yaml
service: photos
provider:
  name: aws
  runtime: python3.12
functions:
  upload:
    handler: handler.upload
    events:
      - httpApi: POST /photos
```

```python
# file: handler.py
import boto3

s3 = boto3.client("s3")


def upload(event, context):
    s3.put_object(Bucket="photos-bucket", Key="a.jpg", Body=event["body"])
    return {"statusCode": 201}
```

## References
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
"""

from collections.abc import Iterator
from dataclasses import replace

from slsguard.analysis.code_findings import code_violations
from slsguard.analysis.public_access import bucket_access
from slsguard.analysis.resources import BUCKET, Resource, ResourceIndex
from slsguard.analysis.targets import resource_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import FreeText, SetSetting, unsafe
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule
from slsguard.tf_address import resource_name


@rule(
    "SLS612",
    "public-object-write",
    Severity.HIGH,
    "Handler code stores S3 objects with a public ACL",
    practice="P6",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-732",
    },
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Public canned ACLs in handler code, judged against the bucket when it is known."""
    index = ResourceIndex.of(app)
    for violation in code_violations(app, "public-object-write", Severity.HIGH):
        bucket = _target(app, index, violation)
        yield _judged(app, violation, bucket) if bucket is not None else violation


def _target(app: Application, index: ResourceIndex, violation: Violation) -> Resource | None:
    """The bucket of the template the call writes to: a literal name or an environment value."""
    written = violation.subject.removeprefix("bucket:")
    if written.startswith("env:"):
        name = written.removeprefix("env:")
        values = [
            variable.value
            for fn in app.functions
            if fn.name in violation.functions
            for variable in fn.environment
            if variable.name == name
        ]
        found = [index.designated(value, BUCKET) for value in values]
        return next((bucket for bucket in found if bucket is not None), None)
    return index.designated(written, BUCKET) if written else None


def _acls_disabled(app: Application, bucket: Resource) -> SetSetting:
    """The bucket's ACLs disabled: S3 then refuses every public ACL, whoever sends it."""
    return SetSetting(
        resource_target(app, bucket.logical_id, bucket.origin),
        "object-ownership",
        "BucketOwnerEnforced",
        unsafe("the call fails (AccessControlListNotSupported) until its ACL argument goes"),
        note="and remove the bucket's public ACL, if it has one",
    )


def _judged(app: Application, violation: Violation, bucket: Resource) -> Violation:
    access = bucket_access(bucket)
    name = resource_name(app, bucket.logical_id)
    if access.ownership == "BucketOwnerEnforced":
        why = (
            f"bucket {name} has ACLs disabled (object ownership BucketOwnerEnforced, the "
            "default): the call fails with AccessControlListNotSupported"
        )
    elif access.block_public_acls:
        why = f"bucket {name} has BlockPublicAcls on: the call fails with AccessDenied"
    else:
        return replace(
            violation,
            message=f"{violation.message} (bucket {name})",
            fix="",
            intents=(FreeText(violation.fix), _acls_disabled(app, bucket)),
        )
    return replace(
        violation,
        message=f"broken call: {violation.message}, but {why}",
        fix="remove the ACL argument: the bucket's own settings already keep the objects private",
        severity=Severity.LOW,
    )
