"""`.gitignore` semantics, compared with git itself on generated trees."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from slsguard import git
from slsguard.gitignore import IgnoreRules

POOL = (
    "*.env",
    "!b.env",
    ".env",
    "d1/",
    "d1",
    "/d0",
    "d0/**",
    "!d0/a.yml",
    "**/d2/*.yml",
    "a.*",
    "!x.txt",
    "[ab].yml",
    "[!a].yml",
    "d?/",
    "d0/**/x.txt",
    "!d1/",
    "!d2",
    "x.txt/",
    "*",
    "!*/",
    "!*.yml",
    "d2/a.yml",
    "/x.txt",
    "**/b.env",
    "d*/**/a.yml",
    "\\#x.txt",
    "b.env   ",
    "#a.yml",
    "",
)
FOLDERS = ("d0", "d1", "d2")
FILES = ("a.yml", "b.yml", "b.env", ".env", "x.txt", "#x.txt")


def _tree(root: Path, rng: random.Random, depth: int = 0) -> None:
    for name in FILES:
        if rng.random() < 0.7:
            (root / name).write_text("x\n")
    if rng.random() < 0.6:
        lines = rng.sample(POOL, rng.randint(1, 5))
        (root / ".gitignore").write_text("\n".join(lines) + "\n")
    if depth < 3:
        for name in FOLDERS:
            if rng.random() < 0.5:
                (root / name).mkdir()
                _tree(root / name, rng, depth + 1)


def _git_untracked_not_ignored(repo: Path) -> set[str]:
    """What git itself lists as untracked and not ignored (only .gitignore files count)."""
    env = {**git.environment(), "HOME": str(repo), "XDG_CONFIG_HOME": str(repo)}
    command = ["git", "-c", "core.excludesFile=/dev/null", "ls-files", "-z", "-o"]
    output = subprocess.run(
        [*command, "--exclude-per-directory=.gitignore"],
        cwd=repo,
        env=env,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return {name for name in output.split("\0") if name}


def _ours(repo: Path) -> set[str]:
    rules = IgnoreRules(repo)
    kept = set()
    for folder, subfolders, names in os.walk(repo):
        base = Path(folder)
        subfolders[:] = [
            name for name in subfolders if name != ".git" and not rules.ignored(base / name, True)
        ]
        for name in names:
            if not rules.ignored(base / name, False):
                kept.add((base / name).relative_to(repo).as_posix())
    return kept


@pytest.mark.skipif(not git.available(), reason="git is not installed")
@pytest.mark.parametrize("seed", range(60))
def test_generated_trees_match_git(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _tree(repo, rng)
    assert _ours(repo) == _git_untracked_not_ignored(repo)


@pytest.mark.skipif(not git.available(), reason="git is not installed")
def test_check_ignore_agrees_on_each_path_whose_folders_are_not_ignored(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    _tree(repo, random.Random(7))
    rules = IgnoreRules(repo)
    paths = [p for p in repo.rglob("*") if ".git" not in p.relative_to(repo).parts]
    visible = [p for p in paths if not any(rules.ignored(a, True) for a in _folders(repo, p))]
    names = "\0".join(p.relative_to(repo).as_posix() for p in visible).encode()
    env = {**git.environment(), "HOME": str(repo)}
    result = subprocess.run(
        ["git", "-c", "core.excludesFile=/dev/null", "check-ignore", "-z", "--stdin"],
        cwd=repo,
        env=env,
        input=names + b"\0",
        capture_output=True,
    )
    by_git = {name for name in result.stdout.decode().split("\0") if name}
    ours = {p.relative_to(repo).as_posix() for p in visible if rules.ignored(p)}
    assert ours == by_git


def _folders(repo: Path, path: Path) -> list[Path]:
    return [folder for folder in path.parents if folder.is_relative_to(repo) and folder != repo]


def test_a_negation_cannot_reinclude_a_file_under_an_ignored_folder(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "keep.yml").write_text("x")
    (tmp_path / ".gitignore").write_text("build/\n!build/keep.yml\n")
    assert IgnoreRules(tmp_path).ignored(tmp_path / "build" / "keep.yml")


def test_nested_files_apply_relative_to_their_folder(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / ".gitignore").write_text("/b/*.env\n!b/keep.env\n")
    rules = IgnoreRules(tmp_path)
    assert rules.ignored(tmp_path / "a" / "b" / "x.env", False)
    assert not rules.ignored(tmp_path / "a" / "b" / "keep.env", False)
    assert not rules.ignored(tmp_path / "b" / "x.env", False)
    assert not rules.ignored(tmp_path / "a" / "c" / "b" / "x.env", False)
