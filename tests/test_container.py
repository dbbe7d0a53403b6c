"""The container image: what its Dockerfile promises, checked without a Docker engine.

`scripts/docker-smoke.sh` builds and runs the image where a Docker engine exists; this test
checks the properties a reviewer relies on: a slim base pinned by digest, the package from
this source tree, git trusted for the mounted folder, a non-root user, `slsguard` as the
entry point.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    ))  # fmt: skip
    pairs = []
    for line in logical.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            pairs.append((instruction.upper(), " ".join(arguments.split())))
    return pairs


def test_base_is_a_slim_python_pinned_by_digest() -> None:
    bases = [arguments for instruction, arguments in _instructions() if instruction == "FROM"]
    assert len(bases) == 1
    assert re.fullmatch(r"python:3\.\d+-slim@sha256:[0-9a-f]{64}", bases[0])


def test_runs_as_a_non_root_user() -> None:
    users = [arguments for instruction, arguments in _instructions() if instruction == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_entrypoint_is_slsguard() -> None:
    entrypoints = [a for instruction, a in _instructions() if instruction == "ENTRYPOINT"]
    assert [json.loads(entrypoint) for entrypoint in entrypoints] == [["slsguard"]]


def test_git_is_installed_and_trusts_the_mounted_folder() -> None:
    runs = " ".join(a for instruction, a in _instructions() if instruction == "RUN")
    assert "install -y --no-install-recommends git" in runs
    assert "safe.directory /src" in runs


def test_installs_the_package_from_the_local_source() -> None:
    instructions = _instructions()
    copies = [a for instruction, a in instructions if instruction == "COPY"]
    assert any(copy.startswith("src ") for copy in copies)
    installs = [a for i, a in instructions if i == "RUN" and "pip install" in a]
    assert len(installs) == 1 and "/tmp/slsguard" in installs[0]
    assert "pip install slsguard" not in installs[0]


def test_smoke_script_refuses_clearly_without_a_docker_engine(tmp_path: Path) -> None:
    """No engine here: the script must say so and stop, not fail half-way through a build."""
    fake_docker = tmp_path / "docker"
    fake_docker.write_text("#!/bin/sh\nexit 1\n")
    fake_docker.chmod(0o755)
    result = subprocess.run(
        [str(ROOT / "scripts" / "docker-smoke.sh")],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3
    assert "no Docker engine" in result.stderr
