"""The code-analysis benchmark's generator makes a scannable app with the expected findings.

Only the generator is tested here (at a small size); timing is a benchmark, never a test.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from slsguard.scan import scan

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "code.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("slsguard_benchmark_code", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_generated_apps_give_exactly_the_annotated_code_findings(tmp_path: Path) -> None:
    bench = _load()
    generated = bench.generate(tmp_path / "apps", 3000)
    assert generated.lines >= 3000
    assert generated.services >= 4  # Python and JavaScript, serverless.yml and SAM
    assert list(generated.root.glob("*/template.yaml"))
    assert list(generated.root.glob("*/handlers/*.js"))
    report = scan([generated.root])
    code = {
        (
            f.location.file,  # relative to the project root: the generated folder
            f.location.line,
            f.rule.name,
        )
        for f in report.findings
        if f.rule.id.startswith("SLS6")
    }
    expected = {(e.file, e.line, e.rule) for e in generated.expected}
    assert {rule for _, _, rule in expected} == set(bench.RULES.values())
    assert code == expected
    assert not [f for f in report.findings if f.rule.id in ("SLS001", "SLS004")]
