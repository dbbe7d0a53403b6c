"""Public data stores' fixes as intents (issue 17), written in each file's syntax.

A public bucket policy gets an `aws:SourceArn` condition for the CloudFront distribution
(a placeholder: never applied) and Block Public Access back on; a public ACL gets ACLs
disabled; a public topic, queue, secret or key statement gets an `aws:PrincipalAccount`
condition naming the own account. Terraform writes a bucket's Block Public Access and
object ownership as resources of their own, which `slsguard fix` never appends.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import hcl2

from slsguard.cli import main
from slsguard.findings import Finding
from slsguard.scan import ScanOptions, scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"


def _fixes(path: Path, rule: str) -> dict[int, str]:
    report = scan([path], ScanOptions(select=(rule,)))
    return {f.location.line or 0: f.fix for f in report.findings if isinstance(f, Finding)}


def test_public_bucket_policy_in_cloudformation() -> None:
    fixes = _fixes(FIXTURES / "public-bucket" / "cloudformation.yaml", "SLS211")
    fix = fixes[43]
    assert "# under UploadsPolicy.Properties.PolicyDocument.Statement[0]" in fix
    assert "aws:SourceArn: <ARN of the CloudFront distribution that serves the bucket>" in fix
    block = fix[fix.index("# under Uploads.Properties") :]
    assert "# in place of the bucket's current Block Public Access settings" in block
    assert "PublicAccessBlockConfiguration:" in block
    assert block.count(": true") == 4


def test_public_acl_in_cloudformation_disables_acls() -> None:
    fix = _fixes(FIXTURES / "public-bucket" / "cloudformation.yaml", "SLS211")[51]
    assert "OwnershipControls:\n  Rules:\n    - ObjectOwnership: BucketOwnerEnforced" in fix
    assert "PublicAccessBlockConfiguration:" in fix


def test_public_bucket_in_terraform_is_hcl_with_its_own_resources() -> None:
    fixes = _fixes(FIXTURES / "public-bucket" / "terraform", "SLS211")
    policy, acl = fixes[37], fixes[66]
    assert '"aws:SourceArn" = "<ARN of the CloudFront distribution' in policy
    assert 'resource "aws_s3_bucket_public_access_block" "uploads"' in policy
    assert 'resource "aws_s3_bucket_ownership_controls" "site"' in acl
    for fix in (policy, acl):
        hcl2.loads(fix + "\n")


def test_public_topic_statement_is_narrowed_to_the_own_account() -> None:
    cfn = _fixes(FIXTURES / "public-resource-policy" / "cloudformation.yaml", "SLS212")[32]
    assert "Condition:\n  StringEquals:\n    aws:PrincipalAccount: !Ref AWS::AccountId" in cfn
    terraform = _fixes(FIXTURES / "public-resource-policy" / "terraform", "SLS212")
    assert any(
        '"aws:PrincipalAccount" = data.aws_caller_identity.current.account_id' in fix
        for fix in terraform.values()
    )


def test_applied_conditions_leave_no_public_statement(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "public-resource-policy" / "cloudformation.yaml", tmp_path / "t.yaml")
    main(["fix", str(tmp_path / "t.yaml"), "--select", "SLS212", "--unsafe-fixes"])
    fixed = (tmp_path / "t.yaml").read_text(encoding="utf-8")
    assert fixed.count("aws:PrincipalAccount: !Ref AWS::AccountId") >= 4
    assert not scan([tmp_path], ScanOptions(select=("SLS212",))).findings


def test_terraform_bucket_resources_are_not_appended(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "public-bucket" / "terraform", tmp_path / "tf")
    before = (tmp_path / "tf" / "main.tf").read_text(encoding="utf-8")
    main(["fix", str(tmp_path / "tf"), "--select", "SLS211", "--unsafe-fixes"])
    assert (tmp_path / "tf" / "main.tf").read_text(encoding="utf-8") == before
