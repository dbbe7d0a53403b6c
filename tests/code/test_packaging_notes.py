"""Packaging slsguard does not open is said, with the package it would have to open."""

from __future__ import annotations

import zipfile
from pathlib import Path

from slsguard.scan import ScanOptions, scan

TERRAFORM = """
resource "aws_lambda_function" "zip" {
  function_name = "zip"
  role          = "arn:aws:iam::123456789012:role/x"
  runtime       = "python3.12"
  handler       = "z.handler"
  filename      = "${path.module}/dist/z.zip"
}
"""


def test_a_committed_zip_is_not_analysed_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TERRAFORM)
    (tmp_path / "dist").mkdir()
    with zipfile.ZipFile(tmp_path / "dist" / "z.zip", "w") as archive:
        archive.writestr("z.py", "def handler(event, context):\n    return 1\n")
    report = scan([tmp_path], ScanOptions(select=("SLS004",)))
    messages = [f.message for f in report.findings if "committed" in f.message]
    assert len(messages) == 1
    assert messages[0].startswith("the handler of zip is a package committed as ")
    assert messages[0].split(" as ", 1)[1].split(",")[0].endswith("dist/z.zip")
