"""The package as users get it: metadata ready to publish, and a wheel that installs offline.

`.ci/run` builds a wheelhouse (this project's wheel and all its dependencies) into
`.wheelhouse/`; the install test puts the wheel into a fresh virtualenv with
`--no-index --find-links` (nothing from the network) and scans the example apps with it.
Without a wheelhouse (a plain `pytest` run on a laptop) that test is skipped, saying why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import slsguard

ROOT = Path(__file__).resolve().parents[1]
WHEELHOUSE = Path(os.environ.get("SLSGUARD_WHEELHOUSE", ROOT / ".wheelhouse"))


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        project: dict[str, object] = tomllib.load(file)["project"]
    return project


def test_license_metadata_follows_pep_639() -> None:
    project = _project()
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    classifiers = project["classifiers"]
    assert isinstance(classifiers, list)
    assert not [c for c in classifiers if c.startswith("License ::")]


def test_version_lives_in_one_place() -> None:
    project = _project()
    assert "version" not in project and project["dynamic"] == ["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {slsguard.__version__}" in changelog


def _wheel() -> Path:
    wheels = sorted(WHEELHOUSE.glob("slsguard-*.whl"))
    if not wheels:
        pytest.skip(f"no slsguard wheel in {WHEELHOUSE}: `.ci/run` builds the wheelhouse")
    return wheels[-1]


def test_wheel_carries_the_license_and_the_data_files() -> None:
    with zipfile.ZipFile(_wheel()) as wheel:
        names = wheel.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = wheel.read(metadata_name).decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "slsguard/data/lambda_runtimes.json" in names
    assert "slsguard/data/sam_policy_templates.json" in names
    assert "slsguard/data/sam_policy_templates.LICENSE.txt" in names
    assert "slsguard/py.typed" in names


def test_sdist_carries_the_source_the_license_and_the_changelog() -> None:
    sdists = sorted(WHEELHOUSE.glob("slsguard-*.tar.gz"))
    if not sdists:
        pytest.skip(f"no slsguard sdist in {WHEELHOUSE}: `.ci/run` builds it with python -m build")
    with tarfile.open(sdists[-1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"LICENSE", "pyproject.toml", "README.md", "src/slsguard/__init__.py"} <= names
    assert "src/slsguard/data/lambda_runtimes.json" in names


def test_wheel_installs_offline_and_scans(tmp_path: Path) -> None:
    wheel = _wheel()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [*install, "--no-index", "--find-links", str(WHEELHOUSE), str(wheel)],
        check=True,
        timeout=600,
    )
    result = subprocess.run(
        [str(venv / "bin" / "slsguard"), "scan", str(ROOT / "examples"), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert {"SLS101", "SLS301"} <= {finding["rule_id"] for finding in findings}
