"""A repository's own configuration cannot widen the scanner's reach.

Whoever writes the project (a pull request) writes `.slsguard.yml` and `[tool.slsguard]`: its
paths are used only inside the project root, and it can never turn network access on. A
socket guard proves no connection is even attempted.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from slsguard.cli import main
from slsguard.config import Config, resolve

TEMPLATE = """\
service: orders
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
"""


class NetworkUsed(AssertionError):
    """The scan tried to reach the network."""


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every attempt to resolve or connect, recorded and refused."""
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise NetworkUsed(f"network used: {args[:2]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "serverless.yml").write_text(TEMPLATE, encoding="utf-8")
    (folder / "handler.py").write_text("def create(event, context):\n    return 1\n")
    (folder / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    (tmp_path / "outside.json").write_text("{}", encoding="utf-8")
    (folder / "link.json").symlink_to(tmp_path / "outside.json")
    return folder


HOSTILE_CONFIG = """\
audit-dependencies: true
offline: false
advisory-db: /
baseline: link.json
"""


def _ignored(report: Path) -> list[str]:
    findings = json.loads(report.read_text(encoding="utf-8"))["findings"]
    return [f["message"] for f in findings if f["rule_id"] == "SLS004" and f["severity"] == "low"]


@pytest.mark.parametrize("named_by_flag", [False, True])
def test_a_repository_config_cannot_enable_the_network_or_leave_the_root(
    project: Path, tmp_path: Path, no_network: list[str], named_by_flag: bool
) -> None:
    config = project / (".slsguard.yml" if not named_by_flag else "ci/scan.yml")
    config.parent.mkdir(exist_ok=True)
    config.write_text(HOSTILE_CONFIG, encoding="utf-8")
    report = tmp_path / "report.json"
    flags = ["--config", str(config)] if named_by_flag else []
    code = main(["scan", str(project), "--format", "json", "-o", str(report), *flags])
    assert no_network == []
    assert code in (0, 1)
    ignored = _ignored(report)
    assert len(ignored) == 4
    assert any("`audit-dependencies: true` is ignored" in text for text in ignored)
    assert any("`offline: false` is ignored" in text for text in ignored)
    assert any("`advisory-db: /` is ignored" in text for text in ignored)
    assert any("`baseline: " in text and "link.json` is ignored" in text for text in ignored)


def test_pyproject_table_is_repository_content_too(project: Path, no_network: list[str]) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.slsguard]\naudit-dependencies = true\n", encoding="utf-8"
    )
    settings = resolve([project], Config())
    assert settings.audit_dependencies is False
    assert settings.ignored == (
        "pyproject.toml: `audit-dependencies: true` is ignored: a configuration file inside the "
        "project cannot turn network access on (use --audit-dependencies on the command line)",
    )


def test_the_command_line_still_turns_the_audit_on(project: Path) -> None:
    (project / ".slsguard.yml").write_text("audit-dependencies: true\n", encoding="utf-8")
    settings = resolve([project], Config(audit_dependencies=True))
    assert settings.audit_dependencies is True


def test_paths_inside_the_root_and_configs_outside_it_are_used(
    project: Path, tmp_path: Path
) -> None:
    (project / "baseline.json").write_text("{}", encoding="utf-8")
    (project / "advisories").mkdir()
    (project / ".slsguard.yml").write_text(
        "baseline: baseline.json\nadvisory-db: advisories\n", encoding="utf-8"
    )
    inside = resolve([project], Config())
    assert inside.baseline == project / "baseline.json"
    assert inside.advisory_db == project / "advisories"
    assert inside.ignored == ()
    own = tmp_path / "mine.yml"  # the user's own file, outside the project: trusted
    own.write_text("audit-dependencies: true\nadvisory-db: /\n", encoding="utf-8")
    mine = resolve([project], Config(), own)
    assert mine.audit_dependencies is True and mine.advisory_db == Path("/")
    assert mine.ignored == ()


def test_the_guard_sees_an_audit_the_command_line_asks_for(
    project: Path, tmp_path: Path, no_network: list[str]
) -> None:
    """The socket guard is real: an online audit from the command line trips it."""
    report = tmp_path / "report.json"
    main(["scan", str(project), "--audit-dependencies", "--format", "json", "-o", str(report)])
    assert no_network != []
