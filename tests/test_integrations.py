"""The CI and editor integrations: the pre-commit hook and the GitHub Action.

The pre-commit test runs `pre-commit try-repo` for real: a copy of this working tree
becomes a throw-away hook repository (try-repo only sees committed or tracked files), and
a sample project in tmp_path is checked with it. pre-commit installs slsguard into its own
virtualenv with pip; the test is skipped when that environment cannot be created.
"""

from __future__ import annotations

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
    assert hook["entry"] == "slsguard scan"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("serverless.yml", True),
        ("services/orders/serverless.yaml", True),
        ("serverless-prod.yml", True),
        ("serverless.json", True),
        ("template.yaml", True),
        ("infra/template.json", True),
        ("cdk.out/OrdersStack.template.json", True),
        ("serverless.ts", False),
        ("src/handler.py", False),
        ("config/app.yml", False),
        ("templates/readme.md", False),
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
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
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
    (sample / "config").mkdir()
    (sample / "config" / "app.yml").write_text(SECRET_APP)
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
    assert "config/app.yml" not in output
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in output


# --- the GitHub Action ----------------------------------------------------------------------


def test_action_is_a_composite_action() -> None:
    action = load_yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/setup-python", "github/codeql-action/upload-sarif"]
    assert set(action["inputs"]) >= {"path", "fail-on", "sarif-file", "comment", "python-version"}
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "--format sarif" in runs and "--format markdown" in runs


def test_action_passes_inputs_through_the_environment() -> None:
    """`${{ inputs.x }}` pasted into a script is a script injection; env variables are not."""
    for step in load_yaml(ACTION)["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
        if "run" in step:
            assert step["shell"] == "bash"
