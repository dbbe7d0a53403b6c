"""Golden-file, schema and escaping tests for the junit, gitlab-sast, markdown and html formats.

The report is the one `test_formats.make_report` builds, plus function summaries, a start
time and one finding whose texts are hostile (markup, mentions, control characters).
Regenerate the golden files with `SLSGUARD_UPDATE_GOLDEN=1 pytest tests/formats`.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from test_formats import NO_AUTH, WILDCARD, check_golden, make_report

from slsguard.findings import Finding, FunctionSummary, Location, Report, Severity
from slsguard.formats import FORMATS, render
from slsguard.formats import junit as junit_format
from slsguard.formats import markdown as markdown_format

JUNIT_XSD = Path(__file__).resolve().parents[1] / "schemas/junit.xsd"
STARTED = datetime(2026, 11, 29, 10, 30, 5, tzinfo=timezone.utc)
HOSTILE_MESSAGE = (
    "GET /x</code><script>alert(1)</script> cc @octocat ![t](http://evil.example/t.png) | a "
    "\x1b[31mred\x07 & done"
)
HOSTILE_FIX = "line one\n\n## not a heading\n<img src=x onerror=alert(1)>"


def hostile_finding() -> Finding:
    """A finding whose message, fix and path try to inject markup into a report."""
    return Finding(
        rule=NO_AUTH,
        severity=Severity.MEDIUM,
        message=HOSTILE_MESSAGE,
        location=Location("template", 'services/orders/"evil"<b>.yml', 30, 3),
        fix=HOSTILE_FIX,
        app="orders-api",
        function="listOrders",
    )


def make_full_report() -> Report:
    """make_report() with function summaries, a start time and a hostile finding."""
    base = make_report()
    orders, billing = base.apps
    orders = replace(
        orders,
        details=(
            FunctionSummary(
                "createOrder",
                "python3.12",
                ("httpApi POST /orders",),
                "OrdersRole",
                ("listOrders",),
                admin=True,
                secrets=("STRIPE_KEY",),
                monitoring=("tracing",),
            ),
            FunctionSummary("listOrders", "python3.12", ("httpApi GET /orders",), "OrdersRole"),
        ),
    )
    return replace(
        base,
        findings=(*base.findings, hostile_finding()),
        apps=(orders, billing),
        started_at=STARTED,
    )


@pytest.mark.parametrize(
    ("fmt", "golden"),
    [
        ("junit", "report.junit.xml"),
        ("gitlab-sast", "report.gitlab-sast.json"),
        ("markdown", "report.md"),
        ("html", "report.html"),
    ],
)
def test_golden(fmt: str, golden: str) -> None:
    check_golden(golden, render(fmt, make_full_report()))


def test_new_formats_are_registered_and_pure() -> None:
    assert {"junit", "gitlab-sast", "markdown", "html"} <= set(FORMATS)
    report = make_full_report()
    for name in ("junit", "gitlab-sast", "markdown", "html"):
        first = render(name, report)
        assert first == render(name, report, color=True)
        assert first.endswith("\n")


# --- JUnit -----------------------------------------------------------------------------


def junit_schema() -> Any:
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(JUNIT_XSD))


@pytest.mark.parametrize("empty", [False, True])
def test_junit_validates_against_schema(empty: bool) -> None:
    schema = junit_schema()
    report = Report(findings=()) if empty else make_full_report()
    schema.validate(render("junit", report))


def test_junit_one_case_per_rule_and_function() -> None:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(render("junit", make_full_report()))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["orders-api", "billing", "legacy/serverless.ts"]
    orders = suites["orders-api"]
    # createOrder, listOrders x the five default rules (SLS009 is opt-in: not listed).
    cases = [(c.get("classname"), c.get("name")) for c in orders.iter("testcase")]
    assert cases[:6] == [
        ("orders-api.createOrder", "SLS004 not-analysed"),
        ("orders-api.createOrder", "SLS101 wildcard-iam-action"),
        ("orders-api.createOrder", "SLS201 hardcoded-secret"),
        ("orders-api.createOrder", "SLS301 unauthenticated-endpoint"),
        ("orders-api.createOrder", "SLS402 log-retention-unset"),
        ("orders-api.listOrders", "SLS004 not-analysed"),
    ]
    assert orders.get("tests") == "10" and orders.get("failures") == "3"
    assert orders.get("timestamp") == "2026-11-29T10:30:05"
    failing = {
        (c.get("classname"), c.get("name")): c.find("failure")
        for c in orders.iter("testcase")
        if c.find("failure") is not None
    }
    assert set(failing) == {
        ("orders-api.createOrder", "SLS101 wildcard-iam-action"),
        ("orders-api.createOrder", "SLS201 hardcoded-secret"),
        ("orders-api.listOrders", "SLS301 unauthenticated-endpoint"),
    }
    wildcard = failing[("orders-api.createOrder", "SLS101 wildcard-iam-action")]
    assert wildcard is not None
    assert wildcard.get("type") == "critical finding"
    assert wildcard.text == (
        "CRITICAL SLS101 wildcard-iam-action\n"
        "at services/orders/serverless.yml:14:11\n"
        "role grants dynamodb:* on * to createOrder, reachable from the internet\n"
        "fix: iamRoleStatements:\n  - Effect: Allow\n    Action: [dynamodb:PutItem]\n"
        "    Resource: !GetAtt OrdersTable.Arn"
    )
    billing = [(c.get("classname"), c.get("name")) for c in suites["billing"].iter("testcase")]
    assert ("billing.(app-wide)", "SLS402 log-retention-unset") in billing
    assert ("billing.(app-wide)", "SLS101 wildcard-iam-action") not in billing


def test_junit_escapes_control_characters_and_markup() -> None:
    import xml.etree.ElementTree as ET

    out = render("junit", Report(findings=(hostile_finding(),)))
    failure = ET.fromstring(out).find(".//failure")
    assert failure is not None
    assert failure.get("message") == HOSTILE_MESSAGE.replace("\x1b", "\\x1b").replace(
        "\x07", "\\x07"
    )
    assert "<script>" not in out and "\x1b" not in out


def test_junit_lists_meta_rules_only_where_they_fired() -> None:
    import xml.etree.ElementTree as ET

    meta = replace(NO_AUTH, id="SLS001", name="parse-error", practice="meta")
    report = replace(make_report(), findings=(), rules=(meta, WILDCARD))
    names = {c.get("name") for c in ET.fromstring(render("junit", report)).iter("testcase")}
    assert names == {"SLS101 wildcard-iam-action"}


def test_junit_timestamp_without_start_time() -> None:
    assert junit_format.NO_TIME in render("junit", make_report())


# --- GitLab SAST ---------------------------------------------------------------------------

# The parts of GitLab's sast-report-format.json (schema 15.x) that slsguard must satisfy:
# required fields, enums, the time pattern and the length limits.
_TOOL = {
    "type": "object",
    "required": ["id", "name", "version", "vendor"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "name": {"type": "string", "minLength": 1},
        "version": {"type": "string", "minLength": 1},
        "vendor": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1}},
        },
        "url": {"type": "string", "pattern": "^https?://.+"},
    },
}
_TIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"}
GITLAB_SAST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "scan", "vulnerabilities"],
    "properties": {
        "version": {"type": "string", "pattern": r"^15\.\d+\.\d+$"},
        "scan": {
            "type": "object",
            "required": ["analyzer", "scanner", "type", "start_time", "end_time", "status"],
            "properties": {
                "analyzer": _TOOL,
                "scanner": _TOOL,
                "type": {"const": "sast"},
                "start_time": _TIME,
                "end_time": _TIME,
                "status": {"enum": ["success", "failure"]},
            },
        },
        "vulnerabilities": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "identifiers", "location", "name", "description", "severity"],
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "category": {"const": "sast"},
                    "name": {"type": "string", "maxLength": 255},
                    "description": {"type": "string", "maxLength": 1048576},
                    "severity": {"enum": ["Info", "Unknown", "Low", "Medium", "High", "Critical"]},
                    "solution": {"type": "string", "maxLength": 7000},
                    "identifiers": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 20,
                        "items": {
                            "type": "object",
                            "required": ["type", "name", "value"],
                            "properties": {
                                "type": {"type": "string", "minLength": 1},
                                "name": {"type": "string", "minLength": 1},
                                "value": {"type": "string", "minLength": 1},
                                "url": {"type": "string", "pattern": "^https?://.+"},
                            },
                        },
                    },
                    "location": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "minLength": 1},
                            "start_line": {"type": "integer"},
                            "end_line": {"type": "integer"},
                        },
                    },
                },
            },
        },
    },
}


@pytest.mark.parametrize("empty", [False, True])
def test_gitlab_sast_matches_the_schema(empty: bool) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    report = Report(findings=()) if empty else make_full_report()
    jsonschema.validate(json.loads(render("gitlab-sast", report)), GITLAB_SAST_SCHEMA)


def test_gitlab_sast_vulnerability() -> None:
    doc = json.loads(render("gitlab-sast", make_full_report()))
    assert doc["scan"]["start_time"] == "2026-11-29T10:30:05"
    assert doc["scan"]["end_time"] == "2026-11-29T10:30:05"
    assert doc["scan"]["analyzer"]["version"] == "0.1.0"
    by_rule = {v["identifiers"][0]["value"]: v for v in doc["vulnerabilities"]}
    wildcard = by_rule["SLS101"]
    critical = make_report().findings[0]
    fingerprint = critical.fingerprint
    assert wildcard["id"] == "-".join(
        (
            fingerprint[:8],
            fingerprint[8:12],
            fingerprint[12:16],
            fingerprint[16:20],
            fingerprint[20:],
        )
    )
    assert wildcard["severity"] == "Critical"
    assert wildcard["name"] == (
        "wildcard-iam-action: An IAM statement allows every action of a service or of AWS."
    )
    assert wildcard["solution"] == critical.fix
    assert wildcard["location"] == {
        "file": "services/orders/serverless.yml",
        "start_line": 14,
        "end_line": 14,
        "method": "createOrder",
    }
    assert wildcard["identifiers"] == [
        {
            "type": "slsguard_rule_id",
            "name": "SLS101 wildcard-iam-action",
            "value": "SLS101",
            "url": "https://github.com/slsguard/slsguard/blob/main/docs/rules/"
            "SLS101-wildcard-iam-action.md",
        },
        {
            "type": "cwe",
            "name": "CWE-732",
            "value": "732",
            "url": "https://cwe.mitre.org/data/definitions/732.html",
        },
        {
            "type": "owasp_serverless",
            "name": "OWASP Serverless Top 10 SAS-4",
            "value": "SAS-4",
            "url": "https://owasp.org/www-project-serverless-top-10/",
        },
    ]
    assert [v["severity"] for v in doc["vulnerabilities"]].count("Info") == 1
    source = by_rule["SLS201"]["location"]
    assert source["file"] == "services/orders/src/handler.py"
    cloud = by_rule["SLS402"]["location"]
    assert cloud == {
        "file": "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/billing-refund"
    }


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_escapes_hostile_text() -> None:
    out = render("markdown", Report(findings=(hostile_finding(),)))
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "@octocat" not in out and "@\u200boctocat" in out
    assert "\x1b" not in out and "\\x1b[31mred\\x07 &amp; done" in out
    block = out[out.index("<details>") :]
    # One HTML block: a blank line would end it and let Markdown parse the rest.
    assert "\n\n" not in block.rstrip("\n")
    assert (
        "<pre>line one&#10;&#10;## not a heading&#10;&lt;img src=x onerror=alert(1)&gt;</pre>"
        in out
    )


def test_markdown_table_cells_escape_markdown() -> None:
    report = replace(make_report(), findings=(replace(hostile_finding(), app="a|b_[x](y)"),))
    out = render("markdown", report)
    assert "| a\\|b\\_\\[x\\]\\(y\\) |  |  | 0 | 0 | 1 | 0 | 0 |" in out


def _many(count: int) -> Report:
    base = make_report().findings[0]
    findings = tuple(
        replace(base, message=f"finding {i} " + "x" * 300, subject=str(i)) for i in range(count)
    )
    return Report(findings=findings)


def test_markdown_stays_within_the_comment_limit() -> None:
    out = render("markdown", _many(1000))
    assert len(out.encode("utf-16-le")) // 2 <= markdown_format.COMMENT_LIMIT
    shown = out.count("<details>")
    assert 0 < shown < 1000
    assert f"{1000 - shown} more findings were left out" in out
    assert out.endswith("(`--format html` or `sarif`).</i></p>\n")


def test_markdown_small_limit_and_no_note_when_everything_fits() -> None:
    report = _many(3)
    full = render("markdown", report)
    assert "left out" not in full and full.count("<details>") == 3
    size = len(full)
    cut = markdown_format.render(report, limit=size - 1)
    assert cut.count("<details>") == 2 and "1 more finding was left out" in cut
    assert len(cut) <= size - 1


def test_markdown_summary_tables() -> None:
    out = render("markdown", make_full_report())
    assert out.startswith(
        "<!-- slsguard -->\n## slsguard\n\n6 findings: 1 critical, 1 high, 2 medium"
    )
    assert "| critical | 1 |\n| high | 1 |\n| medium | 2 |\n| low | 1 |\n| info | 1 |" in out
    assert "| orders\\-api | serverless | 2 | 1 | 1 | 1 | 0 | 0 |" in out
    assert "| \\(no app\\) |  |  | 0 | 0 | 0 | 0 | 1 |" in out


def test_markdown_empty_report() -> None:
    out = render("markdown", Report(findings=(), duration_seconds=0.04))
    assert out == "<!-- slsguard -->\n## slsguard\n\n0 apps analysed; 0.04 s\n\n"


# --- HTML ----------------------------------------------------------------------------------


class _Collector(HTMLParser):
    """Every start tag with its attributes, and the text of h1/h2 headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2"):
            self._in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2"):
            self._in_heading = False

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self.headings[-1] += data


def parse_html(text: str) -> _Collector:
    collector = _Collector()
    collector.feed(text)
    collector.close()
    return collector


def test_html_is_self_contained() -> None:
    out = render("html", make_full_report())
    page = parse_html(out)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base", "form"}
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        href = attrs.get("href")
        assert href is None or href.startswith("#"), href
    assert "@import" not in out and "url(" not in out
    assert re.findall(r"https?://[^\"' <)]+", out) == ["http://www.w3.org/2000/svg"] * 2 + [
        "http://evil.example/t.png"
    ]
    policy = next(a for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    assert policy["content"] == markdown_free_csp()


def markdown_free_csp() -> str:
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def test_html_escapes_hostile_text() -> None:
    out = render("html", make_full_report())
    assert "<script>" not in out and "<img" not in out and "<b>.yml" not in out
    assert "GET /x&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "\\x1b[31mred\\x07 &amp; done" in out
    assert "services/orders/&quot;evil&quot;&lt;b&gt;.yml:30:3" in out


def test_html_sections_and_function_cards() -> None:
    out = render("html", make_full_report())
    page = parse_html(out)
    assert page.headings == [
        "slsguard report",
        "Summary",
        "By severity",
        "By practice",
        "By compliance framework",
        "Functions",
        "Findings",
    ]
    assert out.count('<svg class="chart"') == 2
    assert "<h3>CWE</h3>" in out and "<h3>PCI DSS 4.0</h3>" in out
    assert "<dt>Triggers</dt><dd><ul><li>httpApi POST /orders</li></ul></dd>" in out
    assert 'OrdersRole <span class="flag">admin</span><br>shared with listOrders' in out
    # A card per function; refund has no summary, the billing app-wide finding gets its own.
    cards = re.findall(r'<article class="card[^"]*"><h4>([^<]*)</h4>', out)
    assert cards == ["createOrder", "listOrders", "refund", "(app-wide)"]
    anchors = re.findall(r'<article class="finding [^"]*" id="(finding-\d+)">', out)
    assert anchors == [f"finding-{i}" for i in range(1, 7)]
    for anchor in anchors:
        assert f'href="#{anchor}"' in out


def test_html_empty_report() -> None:
    page = parse_html(render("html", Report(findings=())))
    assert "Findings" in page.headings


def test_markdown_group_by_framework() -> None:
    out = render("markdown", make_full_report(), group_by="cwe")
    headings = [line for line in out.splitlines() if line.startswith("####")]
    assert headings == [
        "#### CWE\\-284",
        "#### CWE\\-306",
        "#### CWE\\-732",
        "#### CWE\\-798",
        "#### not mapped to CWE",
    ]
    # Both SLS301 findings map to CWE-306 and CWE-284: each is shown under both.
    assert out.count("<details>") == 8


def test_html_group_by_framework() -> None:
    out = render("html", make_full_report(), group_by="pci-dss-4.0")
    assert re.findall(r'<h3 class="group">([^<]*)</h3>', out) == [
        "PCI DSS 4.0 7.2.2: Access is assigned based on job classification and function, "
        "with least privileges",
        "not mapped to PCI DSS 4.0",
    ]
    anchors = re.findall(r'<article class="finding [^"]*" id="(finding-\d+)">', out)
    assert sorted(anchors) == [f"finding-{i}" for i in range(1, 7)]


@pytest.mark.parametrize("fmt", ["junit", "gitlab-sast", "markdown", "html"])
def test_cli_writes_the_new_formats(fmt: str, tmp_path: Path) -> None:
    from slsguard.cli import main

    (tmp_path / "serverless.yml").write_text(
        "service: orders\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "  iam:\n    role:\n      statements:\n        - Effect: Allow\n"
        '          Action: "*"\n          Resource: "*"\n'
        "functions:\n  create:\n    handler: handler.create\n"
    )
    out = tmp_path / f"report.{fmt}"
    assert main(["scan", str(tmp_path / "serverless.yml"), "--format", fmt, "-o", str(out)]) == 1
    assert "SLS101" in out.read_text(encoding="utf-8")


def test_html_cards_list_packages_vulnerable_first() -> None:
    from slsguard.findings import AppSummary, FunctionSummary, PackageSummary, Report
    from slsguard.formats import render

    packages = (
        PackageSummary("PyPI", "requests", "2.31.0", "pkg:pypi/requests@2.31.0", "r.txt", 1),
        PackageSummary(
            "PyPI",
            "urllib3",
            "1.26.0",
            "pkg:pypi/urllib3@1.26.0",
            "r.txt",
            2,
            vulnerabilities=("GHSA-v845-jxx5-vc9f",),
        ),
    )
    detail = FunctionSummary("create", packages=packages)
    report = Report(
        findings=(), apps=(AppSummary("orders", "serverless", "s.yml", ("create",), (detail,)),)
    )
    html = render("html", report)
    assert "<dt>Packages</dt>" in html
    first, second = html.index("urllib3 1.26.0"), html.index("requests 2.31.0")
    assert first < second
    assert "GHSA-v845-jxx5-vc9f" in html
