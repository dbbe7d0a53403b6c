"""go.mod: the build list of a Go function, with `replace` applied, audited through OSV."""

from __future__ import annotations

from pathlib import Path

from slsguard.deps.go_manifests import parse_go_mod
from slsguard.deps.model import purl
from slsguard.deps.options import DependencyOptions
from slsguard.deps.reading import ReadContext
from slsguard.scan import ScanOptions, scan

GO_MOD = """\
module example.com/orders

go 1.22

require github.com/aws/aws-lambda-go v1.47.0

require (
	golang.org/x/net v0.7.0 // indirect
	example.com/shared v1.0.0
	github.com/old/yaml v2.2.1+incompatible
)

replace example.com/shared => ../shared

replace github.com/old/yaml v2.2.1+incompatible => gopkg.in/yaml.v2 v2.4.0
"""
MAIN = """\
package main

import "github.com/aws/aws-lambda-go/lambda"

func handle() error { return nil }

func main() { lambda.Start(handle) }
"""
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: go1.x
    Properties:
      CodeUri: orders/
      Handler: bootstrap
      Runtime: provided.al2023
"""
OSV_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "osv"


def test_the_build_list_with_replacements(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(GO_MOD)
    manifest = parse_go_mod(tmp_path / "go.mod", ReadContext(tmp_path, tmp_path))
    assert manifest.is_lockfile and manifest.ecosystem == "Go"
    found = [
        (p.name, p.version, p.source, p.direct, p.origin.line, p.purl) for p in manifest.packages
    ]
    assert found == [
        (
            "github.com/aws/aws-lambda-go",
            "1.47.0",
            "registry",
            True,
            5,
            "pkg:golang/github.com/aws/aws-lambda-go@v1.47.0",
        ),
        ("golang.org/x/net", "0.7.0", "registry", False, 8, "pkg:golang/golang.org/x/net@v0.7.0"),
        ("example.com/shared", None, "path", True, 9, "pkg:golang/example.com/shared"),
        ("gopkg.in/yaml.v2", "2.4.0", "registry", True, 10, "pkg:golang/gopkg.in/yaml.v2@v2.4.0"),
    ]
    assert purl("Go", "golang.org/x/net", "0.0.0-20210226172049-e18ecbb05110").endswith(
        "@v0.0.0-20210226172049-e18ecbb05110"
    )


def test_a_go_function_is_audited_through_its_module(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "go.mod").write_text(GO_MOD)
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "main.go").write_text(MAIN)
    options = ScanOptions(dependencies=DependencyOptions(advisory_db=OSV_FIXTURES))
    report = scan([tmp_path / "template.yaml"], options)
    vulnerable = [f for f in report.findings if f.rule.id == "SLS701"]
    assert [(f.location.file, f.location.line) for f in vulnerable] == [("go.mod", 8)]
    assert "golang.org/x/net 0.7.0" in vulnerable[0].message
    assert "GO-2099-0001" in vulnerable[0].message
