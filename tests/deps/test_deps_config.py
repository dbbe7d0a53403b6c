"""The dependency audit options in `.slsguard.yml` / `[tool.slsguard]`, and flags winning
over them."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
from conftest import OSV_FIXTURES

from slsguard.cli import main
from slsguard.config import Config, ConfigError, load_config, resolve
from slsguard.deps import cli as dependency_cli
from slsguard.deps.options import DependencyOptions


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", type=Path)
    dependency_cli.add_flags(parser)
    return parser.parse_args(argv)


def _options(root: Path, argv: list[str]) -> DependencyOptions:
    args = _parse([str(root), *argv])
    settings = resolve(args.paths, dependency_cli.config_flags(args))
    return dependency_cli.options(args, settings)


def test_yaml_and_pyproject_set_the_audit_options(tmp_path: Path) -> None:
    yaml = tmp_path / "a" / ".slsguard.yml"
    yaml.parent.mkdir()
    yaml.write_text("audit-dependencies: true\noffline: true\nadvisory-db: osv\n")
    assert load_config(yaml) == Config(
        audit_dependencies=True, offline=True, advisory_db=yaml.parent / "osv"
    )
    pyproject = tmp_path / "b" / "pyproject.toml"
    pyproject.parent.mkdir()
    pyproject.write_text('[tool.slsguard]\naudit-dependencies = true\nadvisory-db = "/db"\n')
    assert load_config(pyproject) == Config(audit_dependencies=True, advisory_db=Path("/db"))


@pytest.mark.parametrize(
    "text", ["offline: yes-please\n", "audit-dependencies: 1\n", "advisory-db: ''\n"]
)
def test_bad_audit_values_are_errors(tmp_path: Path, text: str) -> None:
    (tmp_path / ".slsguard.yml").write_text(text)
    with pytest.raises(ConfigError, match=r"offline|audit-dependencies|advisory-db"):
        load_config(tmp_path / ".slsguard.yml")


def test_flags_win_over_the_file(tmp_path: Path) -> None:
    assert _options(tmp_path, []) == DependencyOptions()
    (tmp_path / ".slsguard.yml").write_text(
        "audit-dependencies: true\noffline: true\nadvisory-db: osv\n"
    )
    (tmp_path / "osv").mkdir()  # a repository's config names only what is inside the project
    from_file = _options(tmp_path, [])
    assert (from_file.audit, from_file.offline) == (True, True)
    assert from_file.advisory_db == tmp_path.resolve() / "osv"
    flags = _options(tmp_path, ["--no-audit-dependencies", "--no-offline", "--advisory-db", "x"])
    assert (flags.audit, flags.offline, flags.advisory_db) == (False, False, Path("x"))
    (tmp_path / ".slsguard.yml").write_text("offline: false\n")
    assert _options(tmp_path, ["--offline"]).offline is True


def test_scan_and_inventory_read_the_advisory_db_from_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  f:\n    handler: handler.main\n"
    )
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\n")
    # A repository's config may name an advisory database inside the project only.
    shutil.copytree(OSV_FIXTURES, tmp_path / "osv")
    (tmp_path / ".slsguard.yml").write_text("advisory-db: osv\n")
    main(["scan", str(tmp_path), "--format", "json", "--select", "SLS701,SLS703"])
    assert "SLS701" in capsys.readouterr().out
    main(["scan", str(tmp_path), "--format", "json", "--advisory-db", str(tmp_path / "none")])
    assert "SLS701" not in capsys.readouterr().out
    main(["inventory", str(tmp_path), "--format", "json"])
    assert '"vulnerabilities"' in capsys.readouterr().out
