"""`scan --diff-base REF`: only what a change introduces, on a git repository built here.

Two apps: `services/orders` and `services/billing`, each with a problem at the base. The
tests change one thing at a time on a branch and check which findings are new, that an
untouched app is not scanned, that a finding the change fixes is not reported, and that a
shallow clone without the merge base says how to fetch it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from slsguard.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

ORDERS = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  environment: ${file(./env.yml)}
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "dynamodb:*"
          Resource: "*"
functions:
  create:
    handler: handler.create
    events:
      - httpApi: POST /orders
"""
ENV = "TABLE_NAME: orders\n"
HANDLER = """\
import json


def create(event, context):
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""
INJECTED_HANDLER = """\
import subprocess


def create(event, context):
    subprocess.run(event["body"], shell=True)
    return {"statusCode": 200}
"""
BILLING = """\
service: billing
provider:
  name: aws
  runtime: python3.12
  environment:
    DB_PASSWORD: Billing-Pa55word-2024
functions:
  charge:
    handler: handler.charge
"""


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    identity = ("-c", "user.name=slsguard tests", "-c", "user.email=tests@example.invalid")
    command = ("git", *identity, "-c", "commit.gpgsign=false", "-c", "protocol.file.allow=always")
    result = subprocess.run(
        (*command, *args), cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    orders, billing = root / "services" / "orders", root / "services" / "billing"
    orders.mkdir(parents=True)
    billing.mkdir(parents=True)
    (orders / "serverless.yml").write_text(ORDERS)
    (orders / "env.yml").write_text(ENV)
    (orders / "handler.py").write_text(HANDLER)
    (billing / "serverless.yml").write_text(BILLING)
    (billing / "handler.py").write_text("def charge(event, context):\n    return {}\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    _git(root, "checkout", "-q", "-b", "feature")
    return root


def _diff_scan(repo: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / "report.json"
    args = ["scan", str(repo), "--diff-base", "main", "--format", "json", "-o", str(out)]
    code = main([*args, *extra])
    return code, json.loads(out.read_text()) if out.exists() else {}


def _rules(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["rule_id"], f["location"]["file"]) for f in report["findings"])


def _apps(report: dict[str, Any]) -> set[str]:
    return {app["name"] for app in report["apps"]}


def test_nothing_changed_reports_nothing(repo: Path, tmp_path: Path) -> None:
    code, report = _diff_scan(repo, tmp_path)
    assert (code, report["findings"], _apps(report)) == (0, [], set())


def test_a_changed_handler_reports_only_its_new_finding(repo: Path, tmp_path: Path) -> None:
    (repo / "services" / "orders" / "handler.py").write_text(INJECTED_HANDLER)
    code, report = _diff_scan(repo, tmp_path, "--select", "SLS601,SLS301,SLS101")
    assert _rules(report) == [("SLS601", "services/orders/handler.py")]
    assert _apps(report) == {"orders"}  # billing, untouched, was not scanned
    assert code == 1


def test_a_changed_include_counts_for_its_app(repo: Path, tmp_path: Path) -> None:
    (repo / "services" / "orders" / "env.yml").write_text(
        ENV + "API_TOKEN: sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc\n"
    )
    _git(repo, "commit", "-qam", "token")  # committed changes count as well as local ones
    _, report = _diff_scan(repo, tmp_path, "--select", "SLS301")
    assert [rule for rule, _ in _rules(report)] == ["SLS301"]
    assert _apps(report) == {"orders"}


def test_a_changed_lockfile_touches_its_app(repo: Path, tmp_path: Path) -> None:
    lock = {"name": "orders", "lockfileVersion": 3, "packages": {"": {"name": "orders"}}}
    (repo / "services" / "orders" / "package-lock.json").write_text(json.dumps(lock))
    _, report = _diff_scan(repo, tmp_path)
    assert _apps(report) == {"orders"}


def test_a_fixed_finding_is_not_reported_and_a_new_one_is(repo: Path, tmp_path: Path) -> None:
    template = repo / "services" / "orders" / "serverless.yml"
    fixed = ORDERS.replace('"dynamodb:*"', "dynamodb:PutItem").replace(
        "  environment: ${file(./env.yml)}\n",
        "  environment:\n    DB_PASSWORD: Orders-Pa55word-2024\n",
    )
    template.write_text(fixed)
    _, report = _diff_scan(repo, tmp_path, "--select", "SLS101,SLS301")
    assert _rules(report) == [("SLS301", "services/orders/serverless.yml")]


def test_a_changed_shared_file_scans_every_app(repo: Path, tmp_path: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "util.py").write_text("X = 1\n")
    _, report = _diff_scan(repo, tmp_path)
    assert _apps(report) == {"orders", "billing"}
    assert report["findings"] == []  # every app scanned, nothing new


def test_the_base_revisions_configuration_is_used(repo: Path, tmp_path: Path) -> None:
    (repo / ".slsguard.yml").write_text("ignore: [SLS601]\n")
    _git(repo, "add", ".slsguard.yml")
    (repo / "services" / "orders" / "handler.py").write_text(INJECTED_HANDLER)
    _, report = _diff_scan(repo, tmp_path)
    rules = [rule for rule, _ in _rules(report)]
    assert "SLS601" in rules  # the change's own config cannot silence its finding
    (note,) = [f for f in report["findings"] if f["rule_id"] == "SLS004"]
    assert note["location"]["file"] == ".slsguard.yml" and note["severity"] == "low"


def test_a_baseline_the_change_rewrites_is_reported_and_not_used(
    repo: Path, tmp_path: Path
) -> None:
    """A pull request that adds its new finding to the baseline does not silence it: the
    base revision's baseline is used, and the changed one is itself reported."""
    baseline = repo / "slsguard-baseline.json"
    _git(repo, "checkout", "-q", "main")
    main(["scan", str(repo), "--write-baseline", str(baseline), "-o", str(tmp_path / "r")])
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "baseline")
    _git(repo, "checkout", "-q", "-B", "feature")
    (repo / "services" / "orders" / "handler.py").write_text(INJECTED_HANDLER)
    main(["scan", str(repo), "--write-baseline", str(baseline), "-o", str(tmp_path / "r")])
    _, report = _diff_scan(repo, tmp_path, "--baseline", str(baseline))
    assert _rules(report) == [
        ("SLS004", "slsguard-baseline.json"),
        ("SLS601", "services/orders/handler.py"),
    ]
    (note,) = [f for f in report["findings"] if f["rule_id"] == "SLS004"]
    assert "the base revision's version was used" in note["message"]
    assert note["severity"] == "low"


def test_a_shallow_clone_without_the_merge_base_says_how_to_fix_it(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "services" / "orders" / "handler.py").write_text(INJECTED_HANDLER)
    _git(repo, "commit", "-qam", "change")
    shallow = tmp_path / "shallow"
    _git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{repo}",
        str(shallow),
    )
    _git(shallow, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    code = main(["scan", str(shallow), "--diff-base", "origin/main"])
    assert code == 2
    assert "fetch-depth: 0" in capsys.readouterr().err


def test_diff_base_needs_git(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "serverless.yml").write_text(BILLING)
    assert main(["scan", str(tmp_path), "--diff-base", "main"]) == 2
    assert "git repository" in capsys.readouterr().err
