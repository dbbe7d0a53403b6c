"""Baselines: accept today's findings, survive unrelated edits, report exactly what is new."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slsguard.cli import main

APP = """\
service: orders
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
    environment:
      DB_PASSWORD: Zq8vN2pLx7Rt
  remove:
    handler: handler.remove
"""
NEW_STATEMENT = """\
        - Effect: Allow
          Action: s3:PutObject
          Resource: "*"
"""


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Fingerprints name files as shown (relative to the working directory), as in CI.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "serverless.yml").write_text(APP)
    return tmp_path


def _new_findings(workdir: Path) -> list[tuple[str, int]]:
    out = workdir / "new.json"
    main(["scan", "app", "--baseline", "baseline.json", "--format", "json", "-o", str(out)])
    document = json.loads(out.read_text())
    return [(f["rule_id"], f["location"]["line"]) for f in document["findings"]]


def test_baseline_survives_shifted_lines_and_reports_only_the_new_problem(workdir: Path) -> None:
    assert main(["scan", "app", "--write-baseline", "baseline.json", "-o", "first.txt"]) == 0
    accepted = json.loads((workdir / "baseline.json").read_text())["findings"]
    assert len(accepted) >= 4
    assert {"SLS101", "SLS102", "SLS104", "SLS301"} <= {entry["rule"] for entry in accepted}
    assert _new_findings(workdir) == []

    template = workdir / "app" / "serverless.yml"
    shifted = "# orders service\n# owned by the payments team\n\n" + APP.replace(
        "functions:\n", "functions:\n  # the public API\n\n"
    ).replace("  runtime: python3.12\n", "  runtime: python3.12 # pinned\n  # IAM below\n")
    template.write_text(shifted)
    assert main(["scan", "app", "--baseline", "baseline.json", "-o", "r.txt"]) == 0
    assert _new_findings(workdir) == []

    template.write_text(
        shifted.replace('          Resource: "*"\n', '          Resource: "*"\n' + NEW_STATEMENT)
    )
    assert _new_findings(workdir) == [("SLS102", 17)]
    assert main(["scan", "app", "--baseline", "baseline.json", "-o", "r.txt"]) == 1
    assert f"; {len(accepted)} in the baseline; " in (workdir / "r.txt").read_text()


def test_baseline_file_is_sorted_stable_and_without_line_numbers(workdir: Path) -> None:
    main(["scan", "app", "--write-baseline", "one.json", "-o", "r.txt"])
    main(["scan", "app", "--write-baseline", "two.json", "-o", "r.txt"])
    first = (workdir / "one.json").read_text()
    assert first == (workdir / "two.json").read_text()
    document = json.loads(first)
    assert document["tool"] == "slsguard" and document["version"] == 2
    entries = document["findings"]
    keys = [(e["file"], e["rule"], e["fingerprint"], e["message"]) for e in entries]
    assert keys == sorted(keys)
    assert all(set(e) == {"fingerprint", "rule", "name", "file", "message"} for e in entries)
    assert "line" not in first
    assert "Zq8vN2pLx7Rt" not in first  # messages are masked like every output


def test_summary_counts_baselined_findings(workdir: Path) -> None:
    main(["scan", "app", "--write-baseline", "baseline.json", "-o", "r.txt"])
    summary = (workdir / "r.txt").read_text().splitlines()[-2]
    written = len(json.loads((workdir / "baseline.json").read_text())["findings"])
    assert summary.startswith(f"No findings in 1 app, 2 functions; {written} in the baseline; ")


def test_baseline_from_config_and_bad_baselines(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["scan", "app", "--write-baseline", "app/accepted.json", "-o", "r.txt"])
    (workdir / "app" / ".slsguard.yml").write_text("baseline: accepted.json\n")
    assert main(["scan", "app", "-o", "r.txt"]) == 0
    (workdir / "app" / "accepted.json").write_text('{"findings": []}')
    assert main(["scan", "app", "-o", "r.txt"]) == 2
    assert "is not a slsguard baseline" in capsys.readouterr().err
    assert main(["scan", "app", "--baseline", "missing.json", "-o", "r.txt"]) == 2
    assert "cannot read baseline missing.json" in capsys.readouterr().err


def test_version_1_baselines_still_match(workdir: Path) -> None:
    """A baseline written before fingerprint v2 (rule + file + key path) still accepts."""
    from slsguard.scan import scan

    findings = scan([workdir / "app"]).findings
    entries = [
        {"fingerprint": f.fingerprint_v1, "rule": f.rule.id, "file": "", "message": ""}
        for f in findings
    ]
    document = {"tool": "slsguard", "version": 1, "findings": entries}
    (workdir / "baseline.json").write_text(json.dumps(document))
    assert _new_findings(workdir) == []


def test_identical_findings_at_one_place_get_distinct_fingerprints() -> None:
    """Fingerprint v2 counts identical keys in file order: never a line number."""
    from slsguard.findings import Finding, Location, RuleInfo, Severity, number_occurrences

    rule = RuleInfo("SLS101", "wildcard-iam-action", Severity.HIGH, "", "P1")
    place = Location("template", "t.tf", 9, 3, address="aws_iam_policy.p.policy")
    first = Finding(rule, Severity.HIGH, "m", place)
    second = Finding(
        rule, Severity.HIGH, "m", Location("template", "t.tf", 4, 1, address=place.address)
    )
    numbered = number_occurrences([first, second])
    assert [f.occurrence for f in numbered] == [1, 0]
    assert numbered[0].fingerprint != numbered[1].fingerprint
    moved = Finding(
        rule, Severity.HIGH, "m", Location("template", "t.tf", 90, 3, address=place.address)
    )
    assert moved.fingerprint == second.fingerprint  # the line number plays no part
