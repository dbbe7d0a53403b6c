"""The hardened git helper: a hostile repository's config never runs anything."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from slsguard import git

pytestmark = pytest.mark.skipif(not git.available(), reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _hostile_repository(tmp_path: Path) -> tuple[Path, Path]:
    """A committed repository whose config, attributes and hooks each create a marker."""
    repo, markers = tmp_path / "repo", tmp_path / "markers"
    repo.mkdir()
    markers.mkdir()
    _git(repo, "init", "-q")
    (repo / "serverless.yml").write_text("service: a\nprovider:\n  name: aws\n")
    (repo / "app").mkdir()
    (repo / "app" / "handler.py").write_text("def main(event, context):\n    return 1\n")
    (repo / ".gitattributes").write_text("* filter=x diff=x\n")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")

    def marker(name: str) -> str:
        return f"touch {markers / name}; cat"

    for key, name in (
        ("core.fsmonitor", "fsmonitor"),
        ("core.pager", "pager"),
        ("diff.external", "external-diff"),
        ("filter.x.clean", "clean"),
        ("filter.x.smudge", "smudge"),
        ("diff.x.textconv", "textconv"),
        ("core.sshCommand", "ssh"),
    ):
        _git(repo, "config", key, marker(name))
    hooks = repo / ".git" / "hooks"
    for hook in ("post-checkout", "pre-commit", "post-index-change", "reference-transaction"):
        (hooks / hook).write_text(f"#!/bin/sh\ntouch {markers / hook}\n")
        (hooks / hook).chmod(0o755)
    (repo / "app" / "handler.py").write_text("def main(event, context):\n    return 2\n")
    return repo, markers


def test_the_hostile_repository_really_runs_its_config_under_plain_git(tmp_path: Path) -> None:
    """The control: without the hardening, ordinary git commands run the markers."""
    repo, markers = _hostile_repository(tmp_path)
    subprocess.run(["git", "-C", str(repo), "status"], capture_output=True)
    subprocess.run(["git", "-C", str(repo), "diff"], capture_output=True)
    assert {"fsmonitor", "clean"} <= {path.name for path in markers.iterdir()}


def test_no_command_of_the_scanned_repository_ever_runs(tmp_path: Path) -> None:
    repo, markers = _hostile_repository(tmp_path)
    assert git.top_level(repo / "app") == repo
    assert git.tracked_files(repo) == {".gitattributes", "serverless.yml", "app/handler.py"}
    names = sorted(entry.path for entry in git.tree(repo, "HEAD"))
    assert names == [".gitattributes", "app/handler.py", "serverless.yml"]
    written = git.materialise(repo, "HEAD", tmp_path / "copy")
    assert written == 3
    copied = (tmp_path / "copy" / "app" / "handler.py").read_text()
    assert copied == "def main(event, context):\n    return 1\n"  # the committed blob
    git.run(repo, "diff", "--no-textconv", "--no-ext-diff", "--name-only", "HEAD", "HEAD~0")
    git.run(repo, "rev-parse", "--show-toplevel")
    assert list(markers.iterdir()) == []


def test_inherited_git_variables_are_dropped_and_the_hardening_set() -> None:
    env = git.environment({"GIT_DIR": "/elsewhere", "GIT_EXTERNAL_DIFF": "x", "HOME": "/h"})
    assert "GIT_DIR" not in env and "GIT_EXTERNAL_DIFF" not in env
    assert env["HOME"] == "/h" and env["GIT_CONFIG_NOSYSTEM"] == "1"
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["GIT_ATTR_NOSYSTEM"] == "1"
    line = git.command(["ls-files"])
    assert line[:1] == ["git"] and line[-1] == "ls-files"
    assert "core.fsmonitor=false" in line and "core.hooksPath=/dev/null" in line
    assert "protocol.allow=never" in line
    assert "protocol.https.allow=always" in git.command(["clone"], protocols=("https",))


def test_output_is_bounded_and_failures_are_errors(tmp_path: Path) -> None:
    repo, _ = _hostile_repository(tmp_path)
    with pytest.raises(git.GitError, match="more than 10 bytes"):
        git.run(repo, "ls-files", limit=10)
    with pytest.raises(git.GitError, match="failed"):
        git.run(repo, "cat-file", "-p", "no-such-object")
    with pytest.raises(git.GitError):
        git.run(repo, "cat-file", "--batch", stdin=b"HEAD\n" * 100_000, timeout=0.001)


def test_outside_a_repository_nothing_is_tracked_and_no_top_level(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    assert git.top_level(folder) is None
    assert git.tracked_files(folder) is None


def test_work_trees_and_submodules_have_a_git_file(tmp_path: Path) -> None:
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text("gitdir: /somewhere/.git/worktrees/wt\n")
    (tmp_path / "wt" / "sub").mkdir()
    assert git.top_level(tmp_path / "wt" / "sub") == tmp_path / "wt"


def test_a_whole_scan_with_diff_base_runs_nothing_of_the_repository(tmp_path: Path) -> None:
    """Root detection, tracked files and `--diff-base` end to end, through the CLI."""
    from slsguard.cli import main

    repo, markers = _hostile_repository(tmp_path)  # its handler differs from HEAD's
    out = tmp_path / "report.json"
    code = main(["scan", str(repo), "--diff-base", "HEAD", "--format", "json", "-o", str(out)])
    assert code in (0, 1) and out.exists()
    assert list(markers.iterdir()) == []


def test_a_clone_writes_the_committed_files_and_runs_nothing(tmp_path: Path) -> None:
    repo, markers = _hostile_repository(tmp_path)
    files = git.clone(f"file://{repo}", tmp_path / "clone")
    assert sorted(str(p.relative_to(files)) for p in files.rglob("*") if p.is_file()) == [
        ".gitattributes",
        "app/handler.py",
        "serverless.yml",
    ]
    assert list(markers.iterdir()) == []


@pytest.mark.parametrize("url", ["ext::sh -c touch% /tmp/slsguard-ext", "--upload-pack=touch x"])
def test_a_clone_refuses_command_transports_and_options(tmp_path: Path, url: str) -> None:
    with pytest.raises(git.GitError):
        git.clone(url, tmp_path / "clone")
    assert not Path("/tmp/slsguard-ext").exists()
