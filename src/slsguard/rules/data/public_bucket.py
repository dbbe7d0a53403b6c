"""public-bucket (SLS211): an S3 bucket the project defines that anyone can read or write.

## What it does
Judges every S3 bucket in a Serverless `resources:` section, a SAM or CloudFormation
template, or a Terraform module (including the split `aws_s3_bucket_policy`,
`aws_s3_bucket_acl`, `aws_s3_bucket_public_access_block`,
`aws_s3_bucket_ownership_controls` and `aws_s3_bucket_website_configuration`) with the
platform's own semantics. Since April 2023 new buckets have Block Public Access on and
ACLs disabled, so a bucket without a `PublicAccessBlockConfiguration` is not public; a
setting left out of a block that is present is off. A bucket is reported when:

- its bucket policy allows principal `*` (`"*"` or `{AWS: "*"}`) with no condition that
  narrows the caller (`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`, a private
  `aws:SourceIp` range, ... with fixed values and a positive operator), while
  `BlockPublicPolicy` and `RestrictPublicBuckets` are both off; or
- its canned ACL is `PublicRead` or `PublicReadWrite` while object ownership is not
  `BucketOwnerEnforced` and `BlockPublicAcls` and `IgnorePublicAcls` are both off.

The severity is high when anyone can write, when a function of the project writes to the
bucket (its role grants `s3:PutObject` on it), or when the bucket serves a website;
medium otherwise. A website configuration alone is not a finding, and a CloudFront origin
reached through an origin access control or identity is not public. The finding names the
functions that use the bucket. Account-level Block Public Access, when turned on, still
blocks the access: the message says so.

## Why is this bad?
Everything in a public bucket can be listed and downloaded by anyone on the internet, and a
bucket anyone can write to serves their files under your name and runs up your bill.
Uploads that functions store are often personal data.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicPolicy: false
        RestrictPublicBuckets: false
  UploadsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Uploads
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !Sub "${Uploads.Arn}/*"
```

## Fix
Keep Block Public Access on and serve the files through CloudFront with an origin access
control.
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Uploads:
    Type: AWS::S3::Bucket
  UploadsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Uploads
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: cloudfront.amazonaws.com}
            Action: s3:GetObject
            Resource: !Sub "${Uploads.Arn}/*"
            Condition:
              ArnEquals:
                "aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
```

## References
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
- https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
- https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
- https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html
"""

from collections.abc import Iterator

from slsguard.analysis.public_access import (
    BucketAccess,
    bucket_access,
    public_acl,
    public_actions,
    public_allows,
)
from slsguard.analysis.resources import BUCKET, PolicyStatement, Resource, ResourceIndex
from slsguard.analysis.store_users import StoreUsers, store_users
from slsguard.analysis.targets import policy_statement_target, resource_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import (
    ALL_BLOCKED,
    ConditionTest,
    Intent,
    Placeholder,
    SetSetting,
    Target,
    unsafe,
)
from slsguard.model import Application
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name

_ACCOUNT_NOTE = (
    " Account-level Block Public Access, when turned on in the account, still blocks this."
)
_NOT_PUBLIC = unsafe("whoever reads the bucket without being named loses access")
_ORIGIN_ACCESS = (
    "serve the objects through CloudFront with an origin access control, whose requests "
    "this condition admits (or name the role or account that needs them)"
)


@rule(
    "SLS211",
    "public-bucket",
    Severity.MEDIUM,
    "An S3 bucket the project defines that anyone can read or write",
    practice="P1",
    mappings={
        "owasp-serverless": "S6",
        "cwe": "CWE-732",
        "fsbp": ("S3.2", "S3.3", "S3.8"),
        "pci-dss-4.0": "1.4.4",
        "hipaa": "164.312(a)(1)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Buckets whose policy or ACL makes them public, Block Public Access permitting."""
    index = ResourceIndex.of(app)
    for bucket in index.of_type(BUCKET):
        access = bucket_access(bucket)
        users = store_users(app, index, bucket, "s3:PutObject")
        if access.policy_may_be_public:
            yield from _public_policy(app, index, bucket, access, users)
        if access.acl_may_be_public:
            yield from _public_acl(app, bucket, access, users)


def _public_policy(
    app: Application,
    index: ResourceIndex,
    bucket: Resource,
    access: BucketAccess,
    users: StoreUsers,
) -> Iterator[Violation]:
    name = resource_name(app, bucket.logical_id)
    for policy in index.policies_of(BUCKET, bucket.logical_id, bucket.name):
        statements = [s for s in policy.statements if s.applies_to(bucket.logical_id, bucket.name)]
        for statement in public_allows(statements, service="s3"):
            anyone_writes = bool(public_allows([statement], "s3:PutObject"))
            policy_name = resource_name(app, policy.resource.logical_id)
            yield Violation(
                statement.principal_origin,
                f"S3 bucket {name} is public: the policy {policy_name} "
                f"lets anyone (principal `*`) call {public_actions(statement)} with no condition "
                "narrowing the caller, and the bucket's Block Public Access does not stop it "
                f"({access.off('BlockPublicPolicy', 'RestrictPublicBuckets')})"
                f"{_website(bucket)}{users.clause()}.{_ACCOUNT_NOTE}",
                severity=_severity(bucket, users, anyone_writes),
                intents=_named_reader(app, bucket, statement, policy_name),
                functions=users.functions,
                subject=f"{bucket.logical_id}:policy",
            )


def _public_acl(
    app: Application, bucket: Resource, access: BucketAccess, users: StoreUsers
) -> Iterator[Violation]:
    acl = public_acl(bucket)
    if acl is None:
        return
    who = "write and read" if acl == "PublicReadWrite" else "read (list)"
    yield Violation(
        bucket.origin_of("AccessControl"),
        f"S3 bucket {resource_name(app, bucket.logical_id)} is public: its ACL {acl} lets anyone "
        f"{who} it, with ACLs enabled (ownership {access.ownership}) and Block Public Access "
        f"turned off ({access.off('BlockPublicAcls', 'IgnorePublicAcls')})"
        f"{_website(bucket)}{users.clause()}.{_ACCOUNT_NOTE}",
        severity=_severity(bucket, users, acl == "PublicReadWrite"),
        intents=_acls_disabled(_bucket(app, bucket), access),
        functions=users.functions,
        subject=f"{bucket.logical_id}:acl",
    )


def _bucket(app: Application, bucket: Resource) -> Target:
    return resource_target(app, bucket.logical_id, bucket.origin)


def _named_reader(
    app: Application, bucket: Resource, statement: PolicyStatement, policy_name: str
) -> tuple[Intent, ...]:
    """Only the CloudFront distribution (origin access control) reads, and Block Public
    Access back on: `*` narrowed by `aws:SourceArn` is not public, and admits CloudFront."""
    target = policy_statement_target(policy_name, statement.origin)
    distribution = Placeholder("ARN of the CloudFront distribution that serves the bucket")
    return (
        SetSetting(
            target,
            "iam-condition",
            ConditionTest("ArnEquals", "aws:SourceArn", distribution),
            _NOT_PUBLIC,
            note=_ORIGIN_ACCESS,
        ),
        _blocked(_bucket(app, bucket), bucket_access(bucket)),
    )


def _blocked(bucket: Target, access: BucketAccess) -> SetSetting:
    """Every Block Public Access setting on (replacing the block the bucket has, if any)."""
    note = "in place of the bucket's current Block Public Access settings"
    return SetSetting(
        bucket,
        "public-access-block",
        ALL_BLOCKED,
        _NOT_PUBLIC,
        note=note if access.explicit_block else "",
    )


def _acls_disabled(bucket: Target, access: BucketAccess) -> tuple[Intent, ...]:
    """Object ownership `BucketOwnerEnforced` (ACLs off) and Block Public Access back on."""
    return (
        SetSetting(
            bucket,
            "object-ownership",
            "BucketOwnerEnforced",
            _NOT_PUBLIC,
            note="and remove the bucket's public ACL: with ACLs disabled S3 refuses it",
        ),
        _blocked(bucket, access),
    )


def _website(bucket: Resource) -> str:
    if "WebsiteConfiguration" not in bucket.properties:
        return ""
    return "; it also serves a static website, so its content is published at a public URL"


def _severity(bucket: Resource, users: StoreUsers, anyone_writes: bool) -> Severity:
    if anyone_writes or users.writers or "WebsiteConfiguration" in bucket.properties:
        return Severity.HIGH
    return Severity.MEDIUM
