"""`slsguard fix` on copies of the example apps, in every dialect they are written in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.fixing.files import check_parses, is_hcl
from slsguard.scan import scan

APPS = ["orders-api", "thumbnails", "terraform-app", "inventory"]
TEMPLATE_SUFFIXES = (".yml", ".yaml", ".json", ".tf")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def templates(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.suffix in TEMPLATE_SUFFIXES and p.is_file()]


def comment_lines(path: Path) -> list[str]:
    marker = "#" if not is_hcl(path) else ("#", "//")
    return [line for line in path.read_text().splitlines() if line.strip().startswith(marker)]


@pytest.mark.parametrize("app", APPS)
def test_diff_changes_nothing_on_disk(
    workspace: Path, app: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(workspace)
    code = main(["fix", app, "--diff", "--unsafe-fixes"])
    out = capsys.readouterr().out
    assert snapshot(workspace) == before
    assert code == 1
    # Names are relative to the project root: the app's folder (no git, no configuration).
    first = out.splitlines()[0].removeprefix("--- a/")
    assert (workspace / app / first).is_file()
    assert "\n+" in out


@pytest.mark.parametrize("app", APPS)
def test_fix_applies_what_it_can_and_breaks_nothing(
    workspace: Path, app: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = scan([Path(app)])
    comments = {path: comment_lines(path) for path in templates(workspace / app)}
    main(["fix", app, "--unsafe-fixes"])
    out = capsys.readouterr().out
    assert "fixed: " in out
    for path in templates(workspace / app):
        check_parses(path, path.read_text(encoding="utf-8-sig"))
        assert set(comments.get(path, [])) <= set(comment_lines(path))
    after = scan([Path(app)])
    remaining = Counter(finding.rule.id for finding in after.findings)
    assert remaining["SLS402"] == remaining["SLS404"] == remaining["SLS501"] == 0
    known = {finding.fingerprint for finding in before.findings}
    new = [f for f in after.findings if f.fingerprint not in known]
    assert not new, [f"{f.rule.id} {f.location.display} {f.message}" for f in new]
    assert remaining["SLS110"] == 0
    assert len(after.findings) < len(before.findings)


def test_safe_fixes_only_without_the_flag(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["fix", "orders-api", "--select", "SLS402"])
    out = capsys.readouterr().out
    assert "fixed: serverless.yml" in out  # relative to the project root, the app folder
    assert "  tracing:\n    lambda: true\n" in (workspace / "orders-api/serverless.yml").read_text()


def test_usage_errors_exit_2(workspace: Path) -> None:
    assert main(["fix", "missing-folder"]) == 2
    assert main(["fix", "orders-api", "--select", "SLS999"]) == 2


def test_findings_drop_by_at_least_30_percent(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for app in APPS:
        before = len(scan([Path(app)]).findings)
        main(["fix", app, "--unsafe-fixes"])
        after = len(scan([Path(app)]).findings)
        assert after <= before * 0.7, f"{app}: {before} -> {after}"


def test_exit_code_is_what_remains(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "orders-api", "--select", "SLS402"]) == 0  # Nothing selected remains.
    assert main(["fix", "orders-api", "--select", "SLS402", "--diff"]) == 0  # Nothing to do.
    assert main(["fix", "orders-api", "--select", "SLS404"]) == 1  # Unsafe: not applied.
    assert "use --unsafe-fixes" in capsys.readouterr().out


def test_a_linked_template_is_not_edited(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = workspace / "orders-api/serverless.source"  # Linked to, not discovered.
    template = workspace / "orders-api/serverless.yml"
    outside.write_bytes(template.read_bytes())
    template.unlink()
    template.symlink_to(outside)
    main(["fix", "orders-api", "--select", "SLS402"])
    out = capsys.readouterr().out
    assert "not applied: " in out and "symbolic link" in out
    assert outside.read_bytes() == template.read_bytes()
    assert "tracing:" not in outside.read_text()


SECRET = "sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUv"
WITH_SECRET = f"""service: billing
provider:
  name: aws
  runtime: python3.12
functions:
  charge:
    handler: handler.charge
    environment:
      STRIPE_KEY: {SECRET}
"""


def test_diff_masks_the_secrets_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "serverless.yml").write_text(WITH_SECRET)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", ".", "--diff", "--select", "SLS402"]) == 1  # It would change a file.
    out = capsys.readouterr().out
    assert "+    tracing: Active\n" in out
    assert f"       STRIPE_KEY: {SECRET[:4]}****\n" in out  # A context line, masked.
    assert SECRET not in out
    assert (tmp_path / "serverless.yml").read_text() == WITH_SECRET


def test_an_internal_error_exits_2_with_and_without_diff(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from slsguard import rules
    from slsguard.findings import RuleInfo, Severity, Violation
    from slsguard.rules import Rule

    def broken(app: object, context: object) -> Iterator[Violation]:
        raise KeyError("boom")
        yield  # pragma: no cover

    builtin = rules.builtin_rules()
    crashing = Rule(RuleInfo("SLS998", "crashing", Severity.LOW, "crashes", "P1"), broken)
    monkeypatch.setattr(rules, "builtin_rules", lambda: (*builtin, crashing))
    assert main(["fix", "orders-api", "--select", "SLS998,SLS402", "--diff"]) == 2
    assert main(["fix", "orders-api", "--select", "SLS998,SLS402"]) == 2
    out = capsys.readouterr().out
    assert "fixed: serverless.yml" in out  # The rest of the fixes still apply.
