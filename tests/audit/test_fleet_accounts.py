"""`slsguard fleet scan --account PROFILE`: an account audited as one task of a fleet run."""

from __future__ import annotations

from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.fleet.store import open_store
from slsguard.fleet.targets import Target


def test_accounts_are_audited_through_their_profiles_and_recorded(
    account_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[member]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    store = str(tmp_path / "fleet.sqlite")
    run = ["fleet", "scan", "--account", "member", "--account", "missing-profile"]
    run += ["--endpoint-url", account_url, "--region", "us-east-1", "--jobs", "1"]
    assert main([*run, "--store", store]) == 1  # the missing profile is a failed task
    recorded = open_store(store)
    (last,) = recorded.runs()
    recorded.close()
    scopes = {scope.target: scope for scope in last.scopes}
    member = scopes[Target("account", "member")]
    assert member.entry is not None and member.entry.account == "123456789012"
    assert member.entry.regions == ("us-east-1",)
    assert {seen.rule for seen in member.entry.findings} >= {"SLS101"}
    assert all(seen.where.startswith("arn:aws:") for seen in member.entry.findings)
    assert "missing-profile" in scopes[Target("account", "missing-profile")].error
