"""Command-line options behave as people expect: repeated flags add up, colour follows the
environment, `--quiet`, `--fail-on never`, `--no-inline-ignores`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slsguard.cli import build_parser, main, use_color

APP = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "dynamodb:*"  # slsguard: ignore[SLS101] reviewed: table admin tool
          Resource: "*"
functions:
  create:
    handler: handler.create
    environment:
      DB_PASSWORD: Zq8vN2pLx7Rt
"""


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    (tmp_path / "serverless.yml").write_text(APP)
    return tmp_path


def _rules(args: list[str], out: Path) -> set[str]:
    main(["scan", *args, "--format", "json", "-o", str(out)])
    return {f["rule_id"] for f in json.loads(out.read_text())["findings"]}


def test_repeated_rule_flags_accumulate_and_accept_comma_lists() -> None:
    parser = build_parser()
    rules = ["--select", "SLS101,SLS102", "--select", "SLS301", "--ignore", "SLS1"]
    rules += ["--ignore", "SLS3", "--enable", "a", "--enable", "b,c"]
    paths = ["--exclude", "x/,y", "--exclude", "z"]
    accounts = ["--trusted-accounts", "1", "--trusted-accounts", "2,3"]
    args = parser.parse_args(["scan", ".", *rules, *paths, *accounts])
    assert args.select == ("SLS101", "SLS102", "SLS301")
    assert args.ignore == ("SLS1", "SLS3")
    assert args.enable == ("a", "b", "c")
    assert args.exclude == ("x/", "y", "z")
    assert args.trusted_accounts == ("1", "2", "3")
    assert parser.parse_args(["scan", "."]).select is None  # unset: the config file decides


def test_repeated_select_scans_every_named_rule(app: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    both = _rules([str(app), "--select", "SLS102", "--select", "SLS301"], out)
    assert both == {"SLS102", "SLS301"}
    assert _rules([str(app), "--select", "SLS102,SLS301", "--ignore", "SLS102"], out) == {"SLS301"}
    ignored = _rules([str(app), "--ignore", "SLS102", "--ignore", "SLS301"], out)
    assert not {"SLS102", "SLS301"} & ignored


def test_colour_follows_no_color_and_force_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert use_color("auto", to_stdout=True) is False  # pytest's stdout is not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color("auto", to_stdout=True) is True
    assert use_color("auto", to_stdout=False) is False  # never into a file
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", to_stdout=True) is False
    assert use_color("always", to_stdout=True) is True  # the flag wins over the environment
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "0")
    assert use_color("auto", to_stdout=True) is False
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color("never", to_stdout=True) is False


def test_force_color_colours_the_text_report(
    app: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["scan", str(app), "--select", "SLS301"])
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["scan", str(app), "--select", "SLS301"])
    assert "\x1b[" not in capsys.readouterr().out


def test_quiet_prints_only_findings_and_errors(
    app: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "b.json"
    main(["scan", str(app), "--select", "SLS301", "--quiet", "--write-baseline", str(baseline)])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # nothing new, nothing said
    main(["scan", str(app), "--select", "SLS301", "-q"])
    out = capsys.readouterr().out
    assert "SLS301" in out
    assert "finding" not in out.splitlines()[-1]  # no summary line
    assert "reference data" not in out
    assert main(["scan", str(tmp_path / "missing"), "-q"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_fail_on_never_fails_only_on_internal_errors(app: Path, tmp_path: Path) -> None:
    assert main([str(x) for x in ("scan", app, "-o", tmp_path / "r.txt")]) == 1
    assert main(["scan", str(app), "--fail-on", "never", "-o", str(tmp_path / "r.txt")]) == 0
    (app / ".slsguard.yml").write_text("fail-on: never\n")
    assert main(["scan", str(app), "-o", str(tmp_path / "r.txt")]) == 0
    assert main(["scan", str(app), "--fail-on", "sometimes"]) == 2


def test_no_inline_ignores_reports_suppressed_findings_but_keeps_the_baseline(
    app: Path, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    assert "SLS101" not in _rules([str(app)], out)
    assert "SLS101" in _rules([str(app), "--no-inline-ignores"], out)
    baseline = tmp_path / "b.json"
    main(["scan", str(app), "--no-inline-ignores", "--write-baseline", str(baseline), "-q"])
    assert _rules([str(app), "--no-inline-ignores", "--baseline", str(baseline)], out) == set()
