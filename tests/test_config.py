"""Configuration files: where they are found, what they set, how flags override them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.config import Config, ConfigError, excluded, find_config, load_config, resolve
from slsguard.findings import Severity

WILDCARD = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "*"
          Resource: "*"
functions:
  create:
    handler: handler.create
  remove:
    handler: handler.remove
"""


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "serverless.yml").write_text(WILDCARD)
    return tmp_path


def _rules(path: Path) -> list[str]:
    return sorted({f["rule_id"] for f in json.loads(path.read_text())["findings"]})


def test_yaml_config_sets_selection_severity_format_and_fail_on(project: Path) -> None:
    (project / ".slsguard.yml").write_text(
        "select: [SLS101, shared-function-role]\n"
        "severity: {SLS101: low, shared-function-role: info}\n"
        "format: json\n"
        "fail-on: medium\n"
    )
    out = project / "r.json"
    assert main(["scan", str(project), "-o", str(out)]) == 0
    findings = json.loads(out.read_text())["findings"]
    assert sorted((f["rule_id"], f["severity"]) for f in findings) == [
        ("SLS101", "low"),
        ("SLS104", "info"),
    ]


def test_pyproject_table_and_command_line_override(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.slsguard]\nselect = ["SLS104"]\nformat = "json"\n'
    )
    out = project / "r.json"
    main(["scan", str(project), "-o", str(out)])
    assert _rules(out) == ["SLS104"]
    main(["scan", str(project), "-o", str(out), "--select", "SLS101"])
    assert _rules(out) == ["SLS101"]
    main(["scan", str(project), "-o", str(out), "--format", "sarif"])
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_a_fifo_pyproject_is_never_opened_and_is_sls001(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO `pyproject.toml` would block a read: it is not opened, and saying so is a
    finding (a pull request cannot hide its configuration and pass the gate silently)."""
    os.mkfifo(project / "pyproject.toml")
    monkeypatch.chdir(project)
    assert find_config(project) is None
    out = project / "r.json"
    assert main(["scan", ".", "-o", str(out), "--format", "json"]) == 1
    found = [
        f
        for f in json.loads(out.read_text())["findings"]
        if f["rule_id"] == "SLS001" and "configuration" in f["message"]
    ]
    assert [(f["location"]["file"], f["message"]) for f in found] == [
        (
            "pyproject.toml",
            "pyproject.toml is a FIFO, not a regular file, so it is never read: a "
            "[tool.slsguard] configuration in it is not used",
        )
    ]


def test_config_is_read_from_the_first_paths_folder(project: Path) -> None:
    (project / ".slsguard.yml").write_text("fail-on: critical\n")
    assert find_config(project) == project / ".slsguard.yml"
    settings = resolve([project / "serverless.yml"], Config())
    assert settings.fail_on is Severity.CRITICAL
    assert settings.source == project / ".slsguard.yml"
    assert resolve([project], Config(fail_on=Severity.INFO)).fail_on is Severity.INFO


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("selct: [SLS101]\n", "unknown key 'selct'"),
        ("select: [SLS999]\n", "`select` names an unknown rule 'SLS999'"),
        ("fail-on: severe\n", "`fail-on`: unknown severity 'severe'"),
        ("format: pdf\n", "`format` must be one of"),
        ("severity: {SLS101: urgent}\n", "`severity.SLS101`: unknown severity 'urgent'"),
        ("severity: [SLS101]\n", "`severity` must map rules to severities"),
        ("report-unused-ignores: yes please\n", "must be true or false"),
        ("exclude: 3\n", "`exclude` must be a list of strings"),
        ("- just\n- a list\n", "expected a mapping of settings"),
        ("select: [\n", "invalid YAML/JSON"),
    ],
)
def test_bad_configuration_is_a_usage_error(
    project: Path, text: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".slsguard.yml").write_text(text)
    with pytest.raises(ConfigError, match=None) as error:
        load_config(project / ".slsguard.yml")
    assert message in str(error.value)
    assert main(["scan", str(project)]) == 2
    err = capsys.readouterr().err
    assert message in err and ".slsguard.yml" in err


def test_two_configuration_files_and_bad_toml_are_errors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".slsguard.yml").write_text("fail-on: high\n")
    (project / "pyproject.toml").write_text("[tool.slsguard]\nfail-on = 'low'\n")
    assert main(["scan", str(project)]) == 2
    assert "two configuration files" in capsys.readouterr().err
    (project / ".slsguard.yml").unlink()
    (project / "pyproject.toml").write_text("[tool.slsguard\nfail-on = 'low'\n")
    assert main(["scan", str(project)]) == 2
    assert "invalid TOML" in capsys.readouterr().err
    # A pyproject without our table is someone else's business, broken or not.
    (project / "pyproject.toml").write_text("[project\n")
    assert find_config(project) is None


def test_exclude_patterns_read_like_gitignore(tmp_path: Path) -> None:
    root = tmp_path
    file = root / "services" / "legacy" / "serverless.yml"
    assert excluded(file, root, ["legacy"])
    assert excluded(file, root, ["services/legacy"])
    assert excluded(file, root, ["services/*/serverless.yml"])
    assert excluded(file, root, ["**/legacy/"])
    assert excluded(file, root, ["*.yml"])
    assert not excluded(file, root, ["legacy/serverless.yml"])
    assert not excluded(file, root, ["service"])
    assert not excluded(file, root, [])


def test_exclude_skips_files_in_a_scan(project: Path) -> None:
    legacy = project / "legacy"
    legacy.mkdir()
    (legacy / "serverless.yml").write_text(WILDCARD)
    (project / ".slsguard.yml").write_text("exclude: [legacy]\nformat: json\nselect: [SLS101]\n")
    out = project / "r.json"
    main(["scan", str(project), "-o", str(out)])
    files = {f["location"]["file"] for f in json.loads(out.read_text())["findings"]}
    assert files == {"serverless.yml"}  # relative to the project root, the config's folder
    main(["scan", str(project), "-o", str(out), "--exclude", "nothing"])
    files = {f["location"]["file"] for f in json.loads(out.read_text())["findings"]}
    assert len(files) == 2


def test_report_unused_ignores_from_config(project: Path) -> None:
    (project / "serverless.yml").write_text(
        WILDCARD.replace("  remove:\n", "  remove:  # slsguard: ignore[SLS101] stale\n")
    )
    out = project / "r.json"
    main(["scan", str(project), "--select", "SLS101", "--format", "json", "-o", str(out)])
    assert _rules(out) == ["SLS101"]
    flag = ["--select", "SLS101", "--format", "json", "--report-unused-ignores"]
    main(["scan", str(project), *flag, "-o", str(out)])
    assert _rules(out) == ["SLS007", "SLS101"]
    (project / ".slsguard.yml").write_text(
        "report-unused-ignores: true\nselect: [SLS101]\nformat: json\n"
    )
    main(["scan", str(project), "-o", str(out)])
    assert _rules(out) == ["SLS007", "SLS101"]


def test_the_sns_key_note_is_opt_in_and_enabled_by_configuration(project: Path) -> None:
    (project / "serverless.yml").write_text(
        WILDCARD + "resources:\n  Resources:\n    Alerts:\n      Type: AWS::SNS::Topic\n"
    )
    out = project / "r.json"
    main(["scan", str(project), "-o", str(out), "--format", "json"])
    assert "SLS215" not in _rules(out)
    (project / ".slsguard.yml").write_text("enable: [topic-without-cmk]\nformat: json\n")
    main(["scan", str(project), "-o", str(out)])
    assert "SLS215" in _rules(out)
