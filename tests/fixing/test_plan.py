"""Deciding fixes: safe/unsafe, conflicts, rounds, generated files, the diff."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slsguard.findings import Finding, KeyPath, Location, RuleInfo, Severity
from slsguard.fixing.diffs import mask_secrets
from slsguard.fixing.plan import Proposal, plan

RULE = RuleInfo("SLS401", "tracing-disabled", Severity.LOW, "no tracing", "observability")


@dataclass(frozen=True, slots=True)
class Request:
    """A located request as a dialect makes it."""

    file: str
    anchor: KeyPath
    action: str
    text: str
    key: str = ""


def proposal(request: Request | None, safe: bool = True, title: str = "fix") -> Proposal:
    finding = Finding(RULE, Severity.LOW, "m", Location("template", request and request.file))
    reason = "" if safe else "deletes old log events"
    return Proposal(finding, title, safe, reason, (request,) if request else ())


SERVERLESS = (
    "service: s\nprovider:\n  name: aws  # the cloud\n\nfunctions:\n  f:\n    handler: h.main\n"
)


def test_safe_fixes_apply_and_unsafe_wait(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    tracing = Request("serverless.yml", ("provider",), "set", "lambda: true", "tracing")
    retention = Request("serverless.yml", ("provider",), "set", "30", "logRetentionInDays")
    result = plan([proposal(tracing), proposal(retention, safe=False)], tmp_path, tmp_path, False)
    assert [o.applied for o in result.outcomes] == [True, False]
    assert "use --unsafe-fixes" in result.outcomes[1].reason
    assert result.changed[0].new_text() == SERVERLESS.replace(
        "# the cloud\n", "# the cloud\n  tracing:\n    lambda: true\n"
    )
    assert (tmp_path / "serverless.yml").read_text() == SERVERLESS  # Planning writes nothing.


def test_fixes_of_one_place_merge_in_later_rounds(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    lam = Request("serverless.yml", ("provider",), "set", "lambda: true", "tracing")
    api = Request("serverless.yml", ("provider",), "set", "apiGateway: true", "tracing")
    again = Request("serverless.yml", ("provider",), "set", "lambda: true", "tracing")
    result = plan([proposal(lam), proposal(api), proposal(again)], tmp_path, tmp_path, False)
    assert [o.applied for o in result.outcomes] == [True, True, True]
    assert "  tracing:\n    lambda: true\n    apiGateway: true\n" in result.changed[0].new_text()


def test_two_values_for_one_key_keep_the_first(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    first = Request("serverless.yml", ("provider",), "set", "30", "logRetentionInDays")
    second = Request("serverless.yml", ("provider",), "set", "14", "logRetentionInDays")
    result = plan([proposal(first), proposal(second)], tmp_path, tmp_path, False)
    assert [o.applied for o in result.outcomes] == [True, False]
    assert result.outcomes[1].reason == "an earlier fix already sets this differently"
    assert "logRetentionInDays: 30\n" in result.changed[0].new_text()


def test_what_is_not_applied_says_why(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "Stack.template.json").write_text('{"Resources": {}}\n')
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    generated = Request("cdk.out/Stack.template.json", ("Resources",), "set", "{}", "X")
    missing = Request("serverless.yml", ("functions", "g", "events", 3), "remove", "")
    result = plan(
        [proposal(generated), proposal(missing), proposal(None)], tmp_path, tmp_path, False
    )
    reasons = [o.reason for o in result.outcomes]
    assert "is generated (under cdk.out/)" in reasons[0]
    assert "does not exist" in reasons[1] or "not a list" in reasons[1]
    assert reasons[2] == "no exact edit for this fix"
    assert not result.changed


def test_diff_of_a_crlf_file(tmp_path: Path) -> None:
    (tmp_path / "serverless.yml").write_bytes(SERVERLESS.replace("\n", "\r\n").encode())
    tracing = Request("serverless.yml", ("provider",), "set", "lambda: true", "tracing")
    result = plan([proposal(tracing)], tmp_path, tmp_path, False)
    assert result.changed[0].diff() == (
        "--- a/serverless.yml\n+++ b/serverless.yml\n"
        "@@ -1,6 +1,8 @@\n service: s\n provider:\n   name: aws  # the cloud\n"
        "+  tracing:\n+    lambda: true\n \n functions:\n   f:\n"
    )
    assert result.changed[0].new_bytes().count(b"\r\n") == 9


def test_secrets_in_a_diff_are_masked() -> None:
    diff = "+    STRIPE_KEY: sk_live_4eC39HqLyjWDarjtT1zdp7dc\n+    PASSWORD: 'hunter2hunter2'\n"
    masked = mask_secrets(diff)
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in masked
    assert "hunter2hunter2" not in masked
    assert "+    STRIPE_KEY: sk_l****" in masked
