"""The project root: results, fingerprints and baselines do not depend on where a scan starts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from slsguard import git
from slsguard.cli import main
from slsguard.discovery import discover
from slsguard.project import ProjectError, detect_root, find

needs_git = pytest.mark.skipif(not git.available(), reason="git is not installed")

APP = """\
service: orders
useDotenv: true
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "dynamodb:*"
          Resource: "*"
functions:
  create:
    handler: handler.create
"""

CDK_TEMPLATE = '{"Resources": {"F": {"Type": "AWS::Lambda::Function"}}}'


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _repository(root: Path, files: dict[str, str]) -> Path:
    """A git repository holding `files`, all committed."""
    root.mkdir(parents=True, exist_ok=True)
    _write(root, files)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    return root


def _json(args: list[str], out: Path) -> dict[str, object]:
    main([*args, "--format", "json", "-o", str(out)])
    document: dict[str, object] = json.loads(out.read_text())
    return document


def _files(document: dict[str, object]) -> set[str]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return {f["location"]["file"] for f in findings}


# --------------------------------------------------------------------------- detection


def test_without_git_or_configuration_the_first_path_is_the_root(tmp_path: Path) -> None:
    _write(tmp_path, {"a/b/serverless.yml": APP})
    assert find([tmp_path / "a" / "b" / "serverless.yml"]).root == tmp_path / "a" / "b"
    assert find([tmp_path / "a"]).root == tmp_path / "a"


def test_the_nearest_configuration_wins_below_the_git_top_level(tmp_path: Path) -> None:
    _write(tmp_path, {"repo/.git/HEAD": "", "repo/services/.slsguard.yml": "", "x/y": ""})
    repo = tmp_path / "repo"
    (repo / "services" / "a").mkdir()
    (repo / "other").mkdir()
    assert detect_root(repo / "services" / "a") == repo / "services"
    assert detect_root(repo / "other") == repo  # no configuration: the git top level


def test_pyproject_with_a_slsguard_table_is_a_configuration(tmp_path: Path) -> None:
    _write(tmp_path, {".git": "gitdir: elsewhere\n", "app/pyproject.toml": "[tool.slsguard]\n"})
    _write(tmp_path, {"lib/pyproject.toml": "[tool.black]  # not [tool.slsguard]\n"})
    assert detect_root(tmp_path / "app") == tmp_path / "app"
    assert detect_root(tmp_path / "lib") == tmp_path  # a .git file: a work tree or submodule


def test_detection_never_climbs_above_the_git_top_level_or_home(tmp_path: Path) -> None:
    _write(tmp_path, {".slsguard.yml": "", "repo/.git/HEAD": "", "home/me/app/x": ""})
    (tmp_path / "repo" / "src").mkdir()
    assert detect_root(tmp_path / "repo" / "src") == tmp_path / "repo"
    home = tmp_path / "home" / "me"
    assert detect_root(home / "app", home=home) == home / "app"
    (tmp_path / "home" / ".git").mkdir()  # a work tree above $HOME is not the project
    assert detect_root(home / "app", home=home) == home / "app"


def test_every_path_must_be_under_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, {"a/serverless.yml": APP, "b/serverless.yml": APP})
    with pytest.raises(ProjectError, match="outside the project root"):
        find([tmp_path / "a", tmp_path / "b"])
    assert main(["scan", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "outside the project root" in capsys.readouterr().err
    assert main(["scan", str(tmp_path / "a"), str(tmp_path / "b"), "--root", str(tmp_path)]) == 1
    assert main(["scan", str(tmp_path / "a"), "--root", str(tmp_path / "b")]) == 2


# --------------------------------------------------------------------------- names and baselines


@needs_git
def test_names_are_the_same_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repository(tmp_path / "repo", {"services/orders/serverless.yml": APP})
    out = tmp_path / "out.json"
    seen = []
    for folder, target in (
        (repo, "services/orders"),
        (repo / "services" / "orders", "."),
        (repo / "services", "orders/serverless.yml"),
        (tmp_path, str(repo / "services" / "orders")),
    ):
        monkeypatch.chdir(folder)
        document = _json(["scan", target], out)
        seen.append((_files(document), [f["fingerprint"] for f in document["findings"]]))
    assert seen[0][0] == {"services/orders/serverless.yml"}
    assert all(item == seen[0] for item in seen)


@needs_git
def test_a_baseline_written_at_the_root_matches_from_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repository(tmp_path / "repo", {"services/orders/serverless.yml": APP})
    monkeypatch.chdir(repo)
    assert main(["scan", ".", "--write-baseline", "baseline.json", "-o", "r.txt"]) == 0
    baseline = repo / "baseline.json"
    for folder, target in ((repo / "services", "orders"), (tmp_path, str(repo / "services"))):
        monkeypatch.chdir(folder)
        out = tmp_path / "new.json"
        document = _json(["scan", target, "--baseline", str(baseline)], out)
        assert document["findings"] == []


@needs_git
def test_sarif_names_files_from_the_git_top_level(tmp_path: Path) -> None:
    repo = _repository(
        tmp_path / "repo",
        {"services/.slsguard.yml": "select: [SLS101]\n", "services/orders/serverless.yml": APP},
    )
    out = tmp_path / "r.sarif"
    main(["scan", str(repo / "services" / "orders"), "--format", "sarif", "-o", str(out)])
    [result] = json.loads(out.read_text())["runs"][0]["results"]
    where = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "services/orders/serverless.yml", "uriBaseId": "%SRCROOT%"}
    text_out = tmp_path / "r.json"
    assert _files(_json(["scan", str(repo / "services" / "orders")], text_out)) == {
        "orders/serverless.yml"  # other formats: relative to the project root
    }


# --------------------------------------------------------------------------- file arguments


@needs_git
def test_file_arguments_use_the_root_configuration_and_gitignore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As pre-commit runs it: named files, started at the top level."""
    repo = _repository(
        tmp_path / "repo",
        {
            ".gitignore": ".env\n",
            ".slsguard.yml": "ignore: [SLS102]\n",
            "api/serverless.yml": APP,
        },
    )
    _write(repo, {"api/.env": "STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n"})
    monkeypatch.chdir(repo)
    document = _json(["scan", "api/serverless.yml"], tmp_path / "r.json")
    rules = {f["rule_id"] for f in document["findings"]}
    assert "SLS101" in rules
    assert "SLS102" not in rules  # the root's configuration applies
    assert "SLS802" not in rules  # .env is ignored, hence not committed


@needs_git
def test_an_untracked_dotenv_is_not_committed_and_a_tracked_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n"
    repo = _repository(tmp_path / "repo", {"api/serverless.yml": APP})
    _write(repo, {"api/.env": secret})
    monkeypatch.chdir(repo)
    rules = {f["rule_id"] for f in _json(["scan", "api"], tmp_path / "a.json")["findings"]}
    assert "SLS802" not in rules
    subprocess.run(["git", "add", "api/.env"], check=True)
    rules = {f["rule_id"] for f in _json(["scan", "api"], tmp_path / "b.json")["findings"]}
    assert "SLS802" in rules


# --------------------------------------------------------------------------- discovery


def test_discovery_skips_what_gitignore_excludes(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".gitignore": "build/\n!build/serverless.yml\ngenerated.yml\n",
            "serverless.yml": APP,
            "build/serverless.yml": APP,
            "nested/.gitignore": "/local/\n",
            "nested/local/serverless.yml": APP,
            "nested/generated.yml": APP,
            "nested/kept/serverless.yml": APP,
            "infra/cdk.json": "{}",
            "infra/.gitignore": "cdk.out\n",
            "infra/cdk.out/App.template.json": CDK_TEMPLATE,
        },
    )
    names = {c.display for c in discover([tmp_path], tmp_path)}
    assert names == {
        "serverless.yml",
        "nested/kept/serverless.yml",
        "infra/cdk.json",
        "infra/cdk.out/App.template.json",  # CDK output is read even though it is ignored
    }
    project = find([tmp_path], tmp_path)
    assert not project.ignored(tmp_path / "infra" / "cdk.out", is_folder=True)
    named = {c.display for c in discover([tmp_path / "build"], tmp_path)}
    assert named == {"build/serverless.yml"}  # a folder the user names is scanned


@needs_git
def test_tracked_files_are_scanned_even_under_an_ignored_folder(tmp_path: Path) -> None:
    repo = _repository(tmp_path / "repo", {"vendor/serverless.yml": APP})
    _write(repo, {".gitignore": "vendor/\n", "vendor/other/serverless.yml": APP})
    names = {c.display for c in discover([repo])}
    assert names == {"vendor/serverless.yml"}
