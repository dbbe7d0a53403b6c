"""Safe writes: inside the root, no symlinks, mode kept, parse checked before writing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from slsguard.fixing.files import check_editable, edited_text, read_source, write_atomically
from slsguard.fixing.text import Edit, EditError


def test_write_keeps_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "template.yaml"
    target.write_bytes(b"a: 1\n")
    target.chmod(0o640)
    write_atomically(target, tmp_path, b"a: 1\n", b"a: 2\n")
    assert target.read_bytes() == b"a: 2\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["template.yaml"]


def test_symlinks_and_paths_outside_the_root_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    outside = tmp_path / "outside.yml"
    outside.write_text("a: 1\n")
    link = root / "link.yml"
    os.symlink(outside, link)
    with pytest.raises(EditError, match="symbolic link"):
        check_editable(link, root)
    with pytest.raises(EditError, match="outside the project root"):
        check_editable(outside, root)
    with pytest.raises(EditError, match="symbolic link"):
        write_atomically(link, root, b"a: 1\n", b"a: 2\n")
    assert outside.read_text() == "a: 1\n"


def test_an_edit_that_breaks_the_file_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "t.yml"
    template.write_text("a: 1\nb: 2\n")
    source = read_source(template)
    with pytest.raises(EditError, match="would not load"):
        edited_text(template, source, [Edit(5, 5, "a: 3\n")])  # a duplicate key
    with pytest.raises(EditError, match="would not load"):
        edited_text(template, source, [Edit(0, 0, "[")])
    tf = tmp_path / "main.tf"
    tf.write_text("locals {\n  a = 1\n}\n")
    with pytest.raises(EditError, match="would not parse"):
        edited_text(tf, read_source(tf), [Edit(0, 0, "{")])


def test_duplicates_already_there_do_not_block_an_edit(tmp_path: Path) -> None:
    template = tmp_path / "t.yml"
    template.write_text("a: 1\na: 2\n")
    assert edited_text(template, read_source(template), [Edit(10, 10, "b: 3\n")]).endswith("b: 3\n")


def test_non_utf8_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "t.yml"
    template.write_bytes(b"a: \xff\n")
    with pytest.raises(EditError, match="not UTF-8"):
        read_source(template)


def test_a_duplicate_already_there_may_move(tmp_path: Path) -> None:
    template = tmp_path / "t.yml"
    template.write_text("a: 1\nb: 2\nb: 3\n")
    assert edited_text(template, read_source(template), [Edit(0, 0, "z: 0\n")]).startswith("z: 0")
