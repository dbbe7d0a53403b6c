"""The generated rule documentation in docs/rules is current and complete."""

from __future__ import annotations

from pathlib import Path

from slsguard.cli import main
from slsguard.docs import GENERATED, page_name, pages, write
from slsguard.rules import all_rules

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "rules"
REGENERATE = "python -m slsguard.docs  (or: slsguard rules --write-docs docs/rules)"


def _tree(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.md"))}


def test_committed_rule_docs_are_current(tmp_path: Path) -> None:
    write(tmp_path)
    fresh, committed = _tree(tmp_path), _tree(COMMITTED)
    stale = sorted(
        name for name in fresh.keys() | committed.keys() if fresh.get(name) != committed.get(name)
    )
    assert stale == [], f"docs/rules is stale; regenerate with {REGENERATE}"


def test_one_page_per_rule_plus_an_index() -> None:
    generated = pages()
    assert set(generated) == {page_name(rule.info) for rule in all_rules()} | {"README.md"}
    page = generated["SLS101-wildcard-iam-action.md"]
    assert page.startswith(GENERATED + "\n# SLS101 wildcard-iam-action\n")
    assert "| PCI DSS 4.0 | 7.2.5 Application and system accounts" in page
    assert "\n## Why is this bad?\n" in page
    index = generated["README.md"]
    assert "[SLS101](SLS101-wildcard-iam-action.md)" in index
    assert "### PCI DSS 4.0" in index and "### P1 least privilege" in index


def test_write_removes_pages_of_rules_that_are_gone(tmp_path: Path) -> None:
    (tmp_path / "SLS999-old-rule.md").write_text("gone")
    (tmp_path / "notes.md").write_text("kept")
    assert main(["rules", "--write-docs", str(tmp_path)]) == 0
    assert not (tmp_path / "SLS999-old-rule.md").exists()
    assert (tmp_path / "notes.md").read_text() == "kept"
    assert write(tmp_path) == []
