"""Rules of the user's own: `--rules-dir`, installed `slsguard.rules` entry points, and the
trust rules around them (loading a rule runs its code)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from slsguard.cli import main

APP = """\
service: shop
provider:
  name: aws
  runtime: python3.12
functions:
  api:
    handler: app.handler
    timeout: 900
"""

RULE_MODULE = '''\
"""long-timeout-house-limit (ACME002): a function may run longer than the house limit.

## What it does
Reports functions whose timeout is above 300 seconds.
"""

from slsguard.findings import Severity, Violation
from slsguard.rules import rule


@rule("ACME002", "long-timeout-house-limit", Severity.LOW, "timeout above the house limit",
      practice="P5", mappings={})
def RULE(app, context):
    for fn in app.functions:
        timeout = fn.settings.get("timeout") if hasattr(fn.settings, "get") else None
        if isinstance(timeout, int) and timeout > 300:
            yield Violation(fn.origin, f"{fn.name} may run {timeout} s", function=fn.name)
'''


def _rules_dir(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "house-rules"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(text))
    return folder


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "serverless.yml").write_text(APP)
    return project


def _scan(project: Path, tmp_path: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    out = tmp_path / "report.json"
    code = main(["scan", str(project), "--format", "json", "--output", str(out), *args])
    findings = json.loads(out.read_text())["findings"] if out.exists() else []
    return code, findings


def test_a_rules_dir_adds_its_rules_to_the_scan(tmp_path: Path) -> None:
    project = _project(tmp_path)
    folder = _rules_dir(tmp_path, "timeouts", RULE_MODULE)
    code, findings = _scan(project, tmp_path, "--rules-dir", str(folder))
    house = [f for f in findings if f["rule_id"] == "ACME002"]
    assert [f["message"] for f in house] == ["api may run 900 s"]
    assert code == 1


def test_user_rules_are_selectable_and_listed_with_their_origin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path)
    folder = _rules_dir(tmp_path, "timeouts", RULE_MODULE)
    _, findings = _scan(project, tmp_path, "--rules-dir", str(folder), "--select", "ACME002")
    assert {f["rule_id"] for f in findings} == {"ACME002"}
    capsys.readouterr()
    assert main(["rules", "--rules-dir", str(folder)]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if "ACME002" in line]
    assert len(listed) == 1 and f"[{folder / 'timeouts.py'}]" in listed[0]


def test_a_rules_dir_inside_the_project_needs_trust(tmp_path: Path) -> None:
    project = _project(tmp_path)
    folder = project / "rules"
    folder.mkdir()
    (folder / "timeouts.py").write_text(RULE_MODULE)
    code, _ = _scan(project, tmp_path, "--rules-dir", str(folder))
    assert code == 2
    code, findings = _scan(project, tmp_path, "--rules-dir", str(folder), "--trust-project-rules")
    assert code == 1 and any(f["rule_id"] == "ACME002" for f in findings)


def test_a_rule_that_cannot_load_is_an_internal_error_and_the_scan_goes_on(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    folder = _rules_dir(tmp_path, "broken", "import does_not_exist_anywhere\n")
    _rules_dir(tmp_path, "timeouts", RULE_MODULE)
    code, findings = _scan(project, tmp_path, "--rules-dir", str(folder))
    errors = [f for f in findings if f["rule_id"] == "SLS003"]
    assert len(errors) == 1 and "broken.py" in str(errors[0]["message"])
    assert "ModuleNotFoundError" in str(errors[0]["message"])
    assert any(f["rule_id"] == "ACME002" for f in findings)  # the good rule still ran
    assert any(f["rule_id"] == "SLS404" for f in findings)  # and the built-in rules
    assert code == 2


def test_user_rule_ids_must_not_start_with_sls(tmp_path: Path) -> None:
    project = _project(tmp_path)
    text = RULE_MODULE.replace('"ACME002"', '"SLS999"')
    folder = _rules_dir(tmp_path, "impostor", text)
    code, findings = _scan(project, tmp_path, "--rules-dir", str(folder))
    assert not any(f["rule_id"] == "SLS999" for f in findings)
    (error,) = [f for f in findings if f["rule_id"] == "SLS003"]
    assert "reserved for slsguard" in str(error["message"])
    assert code == 2


def test_a_rule_that_raises_is_an_internal_error_for_that_rule_only(tmp_path: Path) -> None:
    project = _project(tmp_path)
    text = RULE_MODULE.replace(
        "    for fn in app.functions:", "    raise KeyError('boom')\n    for fn in app.functions:"
    )
    folder = _rules_dir(tmp_path, "raises", text)
    code, findings = _scan(project, tmp_path, "--rules-dir", str(folder))
    (error,) = [f for f in findings if f["rule_id"] == "SLS003"]
    assert "ACME002" in str(error["message"]) and "KeyError" in str(error["message"])
    assert any(f["rule_id"] == "SLS404" for f in findings)
    assert code == 2


def test_installed_entry_points_are_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real distribution on sys.path (dist-info with entry_points.txt), found by importlib."""
    site = tmp_path / "site"
    package = site / "acme_rules_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(RULE_MODULE)
    dist_info = site / "acme_rules_pkg-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-rules-pkg\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text("[slsguard.rules]\nacme = acme_rules_pkg\n")
    monkeypatch.syspath_prepend(str(site))
    project = _project(tmp_path)
    _, findings = _scan(project, tmp_path)
    assert [f["message"] for f in findings if f["rule_id"] == "ACME002"] == ["api may run 900 s"]
    sys.modules.pop("acme_rules_pkg", None)


def test_repository_configuration_cannot_load_rules(tmp_path: Path) -> None:
    project = _project(tmp_path)
    folder = _rules_dir(tmp_path, "timeouts", RULE_MODULE)
    (project / ".slsguard.yml").write_text(f"rules-dir: {folder}\n")
    code, findings = _scan(project, tmp_path)
    assert not any(f["rule_id"] == "ACME002" for f in findings)
    assert code == 2  # an unknown configuration key is a usage error
