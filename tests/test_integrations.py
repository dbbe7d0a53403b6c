"""The CI and editor integrations: the pre-commit hook and the GitHub Action.

The pre-commit test runs `pre-commit try-repo` for real: a copy of this working tree
becomes a throw-away hook repository (try-repo only sees committed or tracked files), and
a sample project in tmp_path is checked with it. pre-commit installs slsguard into its own
virtualenv with pip; the test is skipped when that environment cannot be created.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
ACTION = ROOT / "action.yml"

SECRET_APP = """\
service: payments
provider:
  name: aws
  runtime: python3.12
  environment:
    STRIPE_SECRET_KEY: sk_live_4eC39HqLyjWDarjtT1zdp7dc
functions:
  charge:
    handler: handler.charge
"""
NOT_A_TEMPLATE = '{"name": "email template", "subject": "Your order"}\n'


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- the hook definition ------------------------------------------------------------------


def test_pre_commit_hook_definition() -> None:
    (hook,) = load_yaml(HOOKS)
    assert hook["id"] == "slsguard"
    # In the entry, not in `args:`: users' own args add to it instead of replacing it.
    assert hook["entry"] == "slsguard scan --fail-on high"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    # pre-commit ANDs `types` with `files`, and identify has no type for .env or lockfiles.
    assert "types" not in hook and "types_or" not in hook


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("serverless.yml", True),
        ("services/orders/serverless.yaml", True),
        ("serverless-prod.yml", True),
        ("serverless.json", True),
        ("serverless.ts", True),
        ("template.yaml", True),
        ("infra/stack.json", True),
        ("cdk.out/OrdersStack.template.json", True),
        ("infra/main.tf", True),
        ("infra/prod.tfvars", True),
        ("infra/main.tf.json", True),
        ("src/handler.py", True),
        ("src/handler.mjs", True),
        ("src/handler.cjs", True),
        ("src/handler.ts", True),
        ("cmd/api/main.go", True),
        (".env", True),
        ("services/api/.env.production", True),
        ("package-lock.json", True),
        ("yarn.lock", True),
        ("pnpm-lock.yaml", True),
        ("requirements.txt", True),
        ("requirements-dev.in", True),
        ("poetry.lock", True),
        ("Pipfile.lock", True),
        ("go.mod", True),
        ("go.sum", True),
        (".chalice/config.json", True),
        ("zappa_settings.toml", True),
        (".github/workflows/deploy.yml", True),
        (".gitlab-ci.yml", True),
        ("bitbucket-pipelines.yml", True),
        ("keys/deploy.pem", True),
        ("README.md", False),
        ("docs/diagram.png", False),
        ("environment.txt", False),
        ("Cargo.lock", False),
    ],
)
def test_pre_commit_hook_files_pattern(path: str, matches: bool) -> None:
    (hook,) = load_yaml(HOOKS)
    assert bool(re.search(hook["files"], path)) is matches


# --- pre-commit try-repo --------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    identity = ("-c", "user.name=slsguard tests", "-c", "user.email=tests@example.invalid")
    command = ("git", *identity, "-c", "commit.gpgsign=false", *args)
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)


def _hook_repo(tmp_path: Path) -> Path:
    """A git repository holding this working tree's package and hook definition."""
    repo = tmp_path / "hook-repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", repo / "src", ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, repo / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "hook repo")
    return repo


def _sample_repo(tmp_path: Path) -> Path:
    sample = tmp_path / "sample"
    (sample / "payments").mkdir(parents=True)
    (sample / "payments" / "serverless.yml").write_text(SECRET_APP)
    # Matches the hook's file pattern, but slsguard recognises files by content: no app.
    (sample / "mail").mkdir()
    (sample / "mail" / "template.json").write_text(NOT_A_TEMPLATE)
    # Not a file name the hook matches: never passed to slsguard.
    (sample / "notes").mkdir()
    (sample / "notes" / "README.md").write_text("sk_live_4eC39HqLyjWDarjtT1zdp7dc\n")
    _git(sample, "init", "-q")
    _git(sample, "add", "-A")
    return sample


def _try_repo(sample: Path, hook_repo: Path, home: Path, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(home),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
    }
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "slsguard"]
    result = subprocess.run(
        [*command, "--color", "never", *args],
        cwd=sample,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    if "An unexpected error has occurred" in output and "Installing environment" in output:
        pytest.skip(f"pre-commit could not create its environment:\n{output[-2000:]}")
    return result.returncode, output


def test_pre_commit_try_repo(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit is not installed (test extra)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    hook_repo = _hook_repo(tmp_path)
    sample = _sample_repo(tmp_path)
    home = tmp_path / "pre-commit-home"

    code, output = _try_repo(sample, hook_repo, home, "--files", "mail/template.json")
    assert code == 0, output
    assert re.search(r"^slsguard\.+Passed$", output, re.MULTILINE), output

    code, output = _try_repo(sample, hook_repo, home, "--all-files")
    assert code == 1, output
    assert re.search(r"^slsguard\.+Failed$", output, re.MULTILINE), output
    assert "SLS301 plaintext-secret-in-environment  payments/serverless.yml:6:5" in output
    assert "notes/README.md" not in output
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in output


# --- the GitHub Action ----------------------------------------------------------------------


def _action_steps() -> list[dict[str, Any]]:
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    steps: list[dict[str, Any]] = action["runs"]["steps"]
    return steps


def _runs() -> str:
    return "\n".join(step.get("run", "") for step in _action_steps())


def test_action_inputs() -> None:
    inputs = set(load_yaml(ACTION)["inputs"])
    assert inputs >= {"path", "fail-on", "diff-base", "config", "baseline", "comment"}
    assert "python-version" not in inputs


def test_action_scans_once_and_derives_every_report_from_that_run() -> None:
    runs = _runs()
    assert runs.count("slsguard scan") + runs.count("/slsguard\" scan") == 1, runs
    assert '--also "sarif=$SARIF_FILE"' in runs
    assert '--also "markdown=$RUNNER_TEMP/slsguard.md"' in runs
    assert "$GITHUB_STEP_SUMMARY" in runs


def test_action_leaves_the_callers_python_alone() -> None:
    """setup-python changes PATH for the caller's later steps: a private venv does not."""
    uses = [step["uses"] for step in _action_steps() if "uses" in step]
    assert not any(use.startswith("actions/setup-python") for use in uses)
    runs = _runs()
    assert 'python3 -m venv "$venv"' in runs
    assert '"$RUNNER_TEMP/slsguard-venv/bin/slsguard" scan' in runs


def test_action_pins_third_party_actions_by_commit_sha() -> None:
    text = ACTION.read_text(encoding="utf-8")
    pins = re.findall(r"uses:\s*([\w./-]+)@(\S+)(.*)", text)
    assert pins, "the action uses no other action?"
    for name, ref, rest in pins:
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{name} is pinned by {ref}, not a commit"
        assert re.fullmatch(r"\s*# v\d+\.\d+\.\d+", rest), f"{name}: no `# vX.Y.Z` comment"


def test_action_skips_sarif_upload_on_forks_and_dependabot_with_a_notice() -> None:
    steps = {step["name"]: step for step in _action_steps()}
    upload = steps["Upload SARIF to code scanning"]
    condition = " ".join(upload["if"].split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "github.actor != 'dependabot[bot]'" in condition
    notice = steps["Explain a skipped SARIF upload"]
    assert "::notice" in notice["run"]
    assert "github.event.pull_request.head.repo.full_name != github.repository" in " ".join(
        notice["if"].split()
    )


def test_action_updates_only_its_own_comment() -> None:
    step = {step["name"]: step for step in _action_steps()}["Comment on the pull request"]
    run = step["run"]
    assert "slsguard-action:" in run  # a marker of its own, not the report's generic one
    assert "--edit-last" not in run  # would edit the token's last comment, whoever wrote it
    assert "select(.body | startswith(" in run


def test_action_passes_inputs_through_the_environment() -> None:
    """`${{ inputs.x }}` pasted into a script is a script injection; env variables are not."""
    for step in _action_steps():
        assert "${{" not in step.get("run", ""), step.get("name")
        if "run" in step:
            assert step["shell"] == "bash"


def test_one_scan_writes_several_reports(tmp_path: Path) -> None:
    from slsguard.cli import main

    (tmp_path / "serverless.yml").write_text(SECRET_APP)
    sarif, markdown = tmp_path / "r.sarif", tmp_path / "r.md"
    report = tmp_path / "r.json"
    code = main(
        [
            "scan", str(tmp_path), "--format", "json", "--output", str(report),
            "--also", f"sarif={sarif}", "--also", f"markdown={markdown}",
        ]
    )  # fmt: skip
    assert code == 1
    findings = json.loads(report.read_text())["findings"]
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert sorted(f["rule_id"] for f in findings) == sorted(r["ruleId"] for r in results)
    assert markdown.read_text().startswith("<!-- slsguard -->")


def test_also_rejects_an_unknown_format(tmp_path: Path) -> None:
    from slsguard.cli import main

    assert main(["scan", str(tmp_path), "--also", "pdf=out.pdf"]) == 2


def test_action_suggests_fixes_only_where_the_token_can_write() -> None:
    step = {step["name"]: step for step in _action_steps()}["Suggest fixes on the pull request"]
    condition = " ".join(step["if"].split())
    assert "inputs.suggest-fixes == 'true'" in condition
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    assert "-m slsguard.review" in step["run"]


def test_action_never_loads_rules_from_a_fork() -> None:
    scan = {step["name"]: step for step in _action_steps()}["Scan"]
    assert "head.repo.full_name != github.repository" in scan["env"]["FROM_FORK"]
    run = scan["run"]
    fork_branch = run[run.index('if [ "$FROM_FORK" = "true" ]') : run.index("else")]
    assert "--rules-dir" not in fork_branch and "::notice" in fork_branch


def test_a_named_handler_scans_the_app_it_belongs_to(tmp_path: Path) -> None:
    """pre-commit passes the changed files: a handler stands for its app, scanned whole."""
    from slsguard.cli import main

    (tmp_path / ".git").mkdir()  # the project root is the repository's top level
    app = tmp_path / "services" / "payments"
    app.mkdir(parents=True)
    (app / "serverless.yml").write_text(SECRET_APP)
    (app / "handler.py").write_text("def charge(event, context):\n    return {}\n")
    other = tmp_path / "services" / "mail"
    other.mkdir()
    (other / "serverless.yml").write_text(SECRET_APP.replace("payments", "mail"))
    out = tmp_path / "report.json"
    code = main(["scan", str(app / "handler.py"), "--format", "json", "-o", str(out)])
    report = json.loads(out.read_text())
    assert {a["name"] for a in report["apps"]} == {"payments"}
    assert any(f["rule_id"] == "SLS301" for f in report["findings"])
    assert code == 1
