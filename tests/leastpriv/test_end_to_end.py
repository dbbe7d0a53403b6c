"""End to end, per language: an app with two functions sharing a helper module, a traced
function with its own role, and an SQS-triggered function with a dead-letter destination and
a KMS-encrypted queue. The policies `slsguard policy --format json` prints, run through the
one IAM evaluator, allow every call the code makes and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.discovery import discover
from slsguard.findings import Origin
from slsguard.iam.evaluate import Policies, evaluate
from slsguard.leastpriv.compare import requested
from slsguard.leastpriv.needs import FunctionNeeds, function_needs
from slsguard.loading import LoadOptions, load_all
from slsguard.loading.policies import parse_statements

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "leastpriv"
APPS = {
    "python": (
        FIXTURES / "e2e-python",
        ("ReadFunction", "WriteFunction", "TracedFunction", "QueueFunction"),
    ),
    "node": (FIXTURES / "e2e-node", ("read", "write", "traced", "worker")),
}
EXPECTED = {
    "read": {"dynamodb:GetItem"},
    "write": {"dynamodb:PutItem", "s3:PutObject"},
    "traced": {"s3:GetObject", "xray:PutTraceSegments", "xray:PutTelemetryRecords"},
    "worker": {
        "sns:Publish",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:SendMessage",
        "kms:Decrypt",
    },
}


def _deployed(arn: str) -> str:
    """One ARN the deployed resource may have: generated names, region and account filled in
    (the printed policy must allow the call whatever they turn out to be)."""
    return arn if arn == "*" else arn.replace("*", "gen7x")


def _needs(app_dir: Path) -> dict[str, FunctionNeeds]:
    cwd = Path.cwd()
    return function_needs(load_all(list(discover([app_dir], cwd)), LoadOptions(), cwd).apps[0])


def _printed(app_dir: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Policies]:
    assert main(["policy", str(app_dir), "--format", "json"]) == 0
    documents = json.loads(capsys.readouterr().out)
    return {
        name: Policies(tuple(parse_statements(doc["Statement"], Origin("printed"), name)))
        for name, doc in documents.items()
    }


@pytest.mark.parametrize("language", sorted(APPS))
def test_printed_policies_allow_exactly_what_the_code_needs(
    language: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app_dir, names = APPS[language]
    needs = _needs(app_dir)
    printed = _printed(app_dir, capsys)
    assert sorted(printed) == sorted(names)
    for role, name in zip(("read", "write", "traced", "worker"), names, strict=True):
        own = needs[name].needs
        assert {n.action for n in own} == EXPECTED[role], name
        for need in own:
            decision = evaluate(printed[name], need.action, _deployed(need.target.arn))
            assert decision.allowed, (name, need.action, need.target.arn)
        granted = {a for s in printed[name].identity for a in s.actions}
        assert granted == EXPECTED[role], name
        for other in names:
            for need in needs[other].needs:
                if need.action not in EXPECTED[role]:
                    assert evaluate(printed[name], need.action, requested(need)).denied
