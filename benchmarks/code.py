#!/usr/bin/env python3
"""Time slsguard's handler code analysis on generated serverless applications.

``generate`` writes services into a directory until their handler code reaches a number of
lines: Python and Node.js services, deployed with ``serverless.yml`` or a SAM
``template.yaml``, each a handler package whose flows cross modules (handler → service →
repository) from API, SQS and S3 triggers into SQL, shell, file and HTTP sinks. Two handlers
in three reach a vulnerable sink; every handler also reaches safe look-alikes (bound SQL
parameters, an argument list without a shell, ``basename``, a constant URL). Vulnerable sinks
carry the fixtures' ``ruleid`` annotation, so the expected findings are known.

``main`` times the whole ``slsguard scan`` process (interpreter start-up included) at each
size, one warm-up run and then the median of ``--runs``, and prints a Markdown table (or
``--json``). Lines per second should stay flat if the analysis grows linearly.

Usage::

    python benchmarks/code.py [--sizes 25000 50000 100000] [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

KINDS = ("sql", "command", "path", "ssrf")
RULES = {
    "sql": "sql-injection",
    "command": "os-command-injection",
    "path": "path-traversal",
    "ssrf": "server-side-request-forgery",
}
TRIGGERS = ("api", "sqs", "s3")
HANDLERS = 4
HELPERS = 12
_ANNOTATION = re.compile(r"(?:#|//)\s*ruleid:\s*([\w-]+)")


@dataclass(frozen=True, slots=True)
class Expected:
    """A line of generated code that a rule must report."""

    file: str
    line: int
    rule: str


@dataclass(frozen=True, slots=True)
class Generated:
    """What ``generate`` wrote: handler code size and the findings it must produce."""

    root: Path
    services: int
    files: int
    lines: int
    expected: tuple[Expected, ...]


@dataclass(frozen=True, slots=True)
class Timing:
    """The timed scans of one generated size."""

    lines: int
    files: int
    services: int
    seconds: float
    findings: int
    baseline: float = 0.0

    @property
    def analysis(self) -> float:
        """Seconds above the scan of an empty directory (start-up, imports, reference data)."""
        return max(self.seconds - self.baseline, 0.0)

    @property
    def lines_per_second(self) -> float:
        """Handler lines per second of wall time above the empty scan."""
        return self.lines / self.analysis if self.analysis else 0.0


# --- Python services -------------------------------------------------------------------


def _py_helpers(prefix: str, count: int = HELPERS) -> list[str]:
    """Filler: realistic helper functions that touch no event data."""
    lines: list[str] = []
    for index in range(count):
        lines += [
            "",
            "",
            f"def {prefix}_normalise_{index}(record: dict) -> dict:",
            f'    """Normalise the fields of a {prefix} record (variant {index})."""',
            "    result = {}",
            "    for key, value in sorted(record.items()):",
            "        if isinstance(value, str):",
            "            result[key.lower()] = value.strip()",
            "        elif isinstance(value, (int, float)):",
            f"            result[key.lower()] = round(value * {index + 1}, 2)",
            "        else:",
            "            result[key.lower()] = value",
            f'    result["variant"] = {index}',
            "    return result",
        ]
    return lines


def _py_repository(kind: str) -> list[str]:
    """The module holding the sinks: one vulnerable, one safe look-alike per kind."""
    head = [
        "import os",
        "import subprocess",
        "",
        "import psycopg2",
        "import requests",
        "",
        'connection = psycopg2.connect("dbname=app")',
        "",
        "",
        "def save(value):",
        '    """Store or use `value` the unsafe way."""',
    ]
    unsafe = {
        "sql": [
            "cursor = connection.cursor()",
            "# ruleid: sql-injection",
            "cursor.execute(f\"SELECT * FROM items WHERE name = '{value}'\")",
            "return cursor.fetchall()",
        ],
        "command": [
            "# ruleid: os-command-injection",
            'return subprocess.run(f"convert {value} /tmp/out.png", shell=True)',
        ],
        "path": [
            "# ruleid: path-traversal",
            'with open(f"/tmp/uploads/{value}") as handle:',
            "    return handle.read()",
        ],
        "ssrf": [
            "# ruleid: server-side-request-forgery",
            "return requests.get(value, timeout=5).text",
        ],
    }[kind]
    safe = {
        "sql": [
            "cursor = connection.cursor()",
            'cursor.execute("SELECT * FROM items WHERE name = %s", (value,))',
            "return cursor.fetchall()",
        ],
        "command": ['return subprocess.run(["convert", value, "/tmp/out.png"], check=True)'],
        "path": [
            'with open(os.path.join("/tmp/uploads", os.path.basename(value))) as handle:',
            "    return handle.read()",
        ],
        "ssrf": [
            'return requests.get("https://api.example.com/items", params={"q": value},'
            " timeout=5).text"
        ],
    }[kind]
    body = [*head, *(f"    {line}" for line in unsafe)]
    body += ["", "", "def save_safely(value):", '    """The same, done safely."""']
    return body + [f"    {line}" for line in safe] + _py_helpers("repository")


def _py_service(service: int) -> list[str]:
    """The middle module: handlers call it, it calls the repository."""
    lines = ["from lib import repository", "", ""]
    lines += [
        "def process(value, unsafe):",
        '    """Prepare the value and hand it to the repository."""',
        "    cleaned = value.strip()",
        "    if unsafe:",
        "        return repository.save(cleaned)",
        "    return repository.save_safely(cleaned)",
        "",
        "",
        "def audit(value):",
        '    """Always safe: only the bound-parameter path."""',
        "    return repository.save_safely(value)",
    ]
    return lines + _py_helpers(f"service{service}")


def _py_handler(trigger: str, unsafe: bool) -> list[str]:
    """A handler reading the trigger's attacker field and calling the service."""
    read = {
        "api": ['payload = json.loads(event["body"] or "{}")', 'values = [payload["name"]]'],
        "sqs": ['values = [json.loads(r["body"])["name"] for r in event["Records"]]'],
        "s3": ['values = [r["s3"]["object"]["key"] for r in event["Records"]]'],
    }[trigger]
    lines = ["import json", "", "from lib import service", "", "", "def handler(event, context):"]
    lines += [f"    {line}" for line in read]
    lines += [
        "    results = []",
        "    for value in values:",
        f"        results.append(service.process(value, {unsafe}))",
        "        results.append(service.audit(value))",
        '    request_id = context.aws_request_id if context else "local"',
        '    return {"statusCode": 200, "body": json.dumps({"id": request_id})}',
    ]
    return lines + _py_helpers("handler", 4)


# --- JavaScript services ---------------------------------------------------------------


def _js_helpers(prefix: str) -> list[str]:
    """Filler helpers for JavaScript modules."""
    lines: list[str] = []
    for index in range(HELPERS):
        lines += [
            "",
            f"function {prefix}Normalise{index}(record) {{",
            "  const result = {};",
            "  for (const [key, value] of Object.entries(record)) {",
            '    if (typeof value === "string") {',
            "      result[key.toLowerCase()] = value.trim();",
            '    } else if (typeof value === "number") {',
            f"      result[key.toLowerCase()] = Math.round(value * {index + 1});",
            "    } else {",
            "      result[key.toLowerCase()] = value;",
            "    }",
            "  }",
            f"  result.variant = {index};",
            "  return result;",
            "}",
        ]
    names = ", ".join(f"{prefix}Normalise{index}" for index in range(HELPERS))
    return [*lines, "", f"module.exports.helpers = {{ {names} }};"]


def _js_repository(kind: str) -> list[str]:
    """The module holding the sinks, in JavaScript."""
    head = [
        'const { exec, execFile } = require("child_process");',
        'const fs = require("fs");',
        'const path = require("path");',
        'const axios = require("axios");',
        'const { Pool } = require("pg");',
        "",
        "const pool = new Pool();",
        "",
        "async function save(value) {",
    ]
    unsafe = {
        "sql": [
            "// ruleid: sql-injection",
            "return pool.query(`SELECT * FROM items WHERE name = '${value}'`);",
        ],
        "command": [
            "// ruleid: os-command-injection",
            "return exec(`convert ${value} /tmp/o.png`);",
        ],
        "path": ["// ruleid: path-traversal", "return fs.readFileSync(`/tmp/uploads/${value}`);"],
        "ssrf": ["// ruleid: server-side-request-forgery", "return axios.get(value);"],
    }[kind]
    safe = {
        "sql": ['return pool.query("SELECT * FROM items WHERE name = $1", [value]);'],
        "command": ['return execFile("convert", [value, "/tmp/o.png"]);'],
        "path": ['return fs.readFileSync(path.join("/tmp/uploads", path.basename(value)));'],
        "ssrf": ['return axios.get("https://api.example.com/items", { params: { q: value } });'],
    }[kind]
    lines = [
        *head,
        *(f"  {line}" for line in unsafe),
        "}",
        "",
        "async function saveSafely(value) {",
    ]
    lines += [*(f"  {line}" for line in safe), "}", "", "module.exports = { save, saveSafely };"]
    return lines + _js_helpers("repository")


def _js_service(service: int) -> list[str]:
    """The middle module in JavaScript."""
    lines = [
        'const repository = require("./repository");',
        "",
        "async function process(value, unsafe) {",
        "  const cleaned = String(value).trim();",
        "  if (unsafe) {",
        "    return repository.save(cleaned);",
        "  }",
        "  return repository.saveSafely(cleaned);",
        "}",
        "",
        "async function audit(value) {",
        "  return repository.saveSafely(value);",
        "}",
        "",
        "module.exports = { process, audit };",
    ]
    return lines + _js_helpers(f"service{service}")


def _js_handler(trigger: str, unsafe: bool) -> list[str]:
    """A Node.js handler reading the trigger's attacker field."""
    read = {
        "api": [
            'const payload = JSON.parse(event.body || "{}");',
            "const values = [payload.name];",
        ],
        "sqs": ["const values = event.Records.map((r) => JSON.parse(r.body).name);"],
        "s3": ["const values = event.Records.map((r) => r.s3.object.key);"],
    }[trigger]
    lines = [
        'const service = require("../lib/service");',
        "",
        "exports.handler = async (event, context) => {",
    ]
    lines += [f"  {line}" for line in read]
    lines += [
        "  const results = [];",
        "  for (const value of values) {",
        f"    results.push(await service.process(value, {str(unsafe).lower()}));",
        "    results.push(await service.audit(value));",
        "  }",
        "  return { statusCode: 200, body: JSON.stringify({ id: context.awsRequestId }) };",
        "};",
    ]
    return lines + _js_helpers("handler")


# --- templates -------------------------------------------------------------------------


def _serverless(name: str, runtime: str, triggers: list[str]) -> str:
    events = {
        "api": "      - httpApi: POST /{name}/{index}",
        "sqs": "      - sqs: arn:aws:sqs:us-east-1:123456789012:{name}-{index}",
        "s3": "      - s3: {name}-uploads-{index}",
    }
    lines = [f"service: {name}", "provider:", "  name: aws", f"  runtime: {runtime}", "functions:"]
    for index, trigger in enumerate(triggers):
        lines += [f"  h{index}:", f"    handler: handlers/h{index}.handler", "    events:"]
        lines.append(events[trigger].format(name=name, index=index))
    return "\n".join(lines) + "\n"


def _sam(name: str, runtime: str, triggers: list[str]) -> str:
    lines = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        "Transform: AWS::Serverless-2016-10-31",
        "Globals:",
        "  Function:",
        f"    Runtime: {runtime}",
        "    CodeUri: .",
        "Resources:",
        "  Uploads:",
        "    Type: AWS::S3::Bucket",
    ]
    python = runtime.startswith("python")
    for index, trigger in enumerate(triggers):
        handler = f"handlers.h{index}.handler" if python else f"handlers/h{index}.handler"
        event = {
            "api": ["Type: HttpApi", "Properties:", f"  Path: /{name}/{index}", "  Method: post"],
            "sqs": [
                "Type: SQS",
                "Properties:",
                f"  Queue: arn:aws:sqs:us-east-1:123456789012:{name}-{index}",
            ],
            "s3": [
                "Type: S3",
                "Properties:",
                "  Bucket: !Ref Uploads",
                "  Events: s3:ObjectCreated:*",
            ],
        }[trigger]
        lines += [
            f"  H{index}Function:",
            "    Type: AWS::Serverless::Function",
            "    Properties:",
            f"      Handler: {handler}",
            "      Events:",
            "        Trigger:",
        ]
        lines += [f"          {line}" for line in event]
    return "\n".join(lines) + "\n"


# --- generation ------------------------------------------------------------------------


def _service_files(index: int) -> dict[str, list[str]]:
    """The code files of service `index`: Python for even, JavaScript for odd indices."""
    kind = KINDS[index % len(KINDS)]
    triggers = [TRIGGERS[(index + h) % len(TRIGGERS)] for h in range(HANDLERS)]
    if index % 2 == 0:
        files = {
            "lib/__init__.py": [],
            "lib/repository.py": _py_repository(kind),
            "lib/service.py": _py_service(index),
            "handlers/__init__.py": [],
        }
        for h, trigger in enumerate(triggers):
            files[f"handlers/h{h}.py"] = _py_handler(trigger, (index + h) % 3 != 0)
        return files
    files = {"lib/repository.js": _js_repository(kind), "lib/service.js": _js_service(index)}
    for h, trigger in enumerate(triggers):
        files[f"handlers/h{h}.js"] = _js_handler(trigger, (index + h) % 3 != 0)
    return files


def _write_service(root: Path, index: int) -> tuple[int, int]:
    """Write one service; its (code files, code lines)."""
    name = f"svc{index:04d}"
    folder = root / name
    triggers = [TRIGGERS[(index + h) % len(TRIGGERS)] for h in range(HANDLERS)]
    runtime = "python3.12" if index % 2 == 0 else "nodejs20.x"
    files = _service_files(index)
    for relative, lines in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n" if lines else "", encoding="utf-8")
    if index % 3 == 2:
        (folder / "template.yaml").write_text(_sam(name, runtime, triggers), encoding="utf-8")
    else:
        template = _serverless(name, runtime, triggers)
        (folder / "serverless.yml").write_text(template, encoding="utf-8")
    return len(files), sum(len(lines) for lines in files.values())


def _expected(root: Path) -> Iterator[Expected]:
    """The `ruleid` lines actually reachable from a handler that passes `unsafe=True`."""
    for service in sorted(p for p in root.iterdir() if p.is_dir()):
        handlers = sorted(p for p in (service / "handlers").iterdir() if p.stem.startswith("h"))
        if not any(re.search(r"process\(value, (True|true)\)", p.read_text()) for p in handlers):
            continue
        for file in sorted(service.joinpath("lib").glob("repository.*")):
            lines = file.read_text(encoding="utf-8").splitlines()
            for number, text in enumerate(lines, start=1):
                match = _ANNOTATION.search(text)
                if match:
                    rel = file.relative_to(root).as_posix()
                    yield Expected(rel, number + 1, match.group(1))


def generate(root: Path, lines: int) -> Generated:
    """Write services under `root` until their handler code holds at least `lines` lines."""
    root.mkdir(parents=True, exist_ok=True)
    services = files = written = 0
    while written < lines:
        count, size = _write_service(root, services)
        services, files, written = services + 1, files + count, written + size
    return Generated(root, services, files, written, tuple(_expected(root)))


# --- timing ----------------------------------------------------------------------------


def scan_once(root: Path, report: Path) -> tuple[float, dict[str, object]]:
    """Wall time of one whole `slsguard scan` process, and its JSON report."""
    command = [
        sys.executable,
        "-m",
        "slsguard",
        "scan",
        str(root),
        "--format",
        "json",
        "--output",
        str(report),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"slsguard failed ({done.returncode}): {done.stderr[-2000:]}")
    data: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))
    return elapsed, data


def time_size(lines: int, runs: int) -> Timing:
    """Generate `lines` lines of handler code and time its scan: warm-up, then median."""
    with tempfile.TemporaryDirectory(prefix="slsguard-code-") as tmp:
        generated = generate(Path(tmp) / "apps", lines)
        report = Path(tmp) / "report.json"
        _, data = scan_once(generated.root, report)
        times = [scan_once(generated.root, report)[0] for _ in range(runs)]
    findings = data.get("findings", [])
    count = len(findings) if isinstance(findings, list) else 0
    return Timing(
        generated.lines, generated.files, generated.services, statistics.median(times), count
    )


def empty_scan(runs: int) -> float:
    """Median wall time of a scan of an empty directory: the fixed cost of every scan."""
    with tempfile.TemporaryDirectory(prefix="slsguard-code-") as tmp:
        report = Path(tmp) / "report.json"
        scan_once(Path(tmp), report)
        return statistics.median(scan_once(Path(tmp), report)[0] for _ in range(runs))


def markdown(timings: list[Timing]) -> str:
    """The README table."""
    rows = [
        "| handler lines | files | services | whole scan (s) | above empty scan (s) | lines/s |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {t.lines:,} | {t.files} | {t.services} | {t.seconds:.2f} | {t.analysis:.2f} "
        f"| {t.lines_per_second:,.0f} |"
        for t in timings
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Time each size and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)
    baseline = empty_scan(args.runs)
    timings = [
        dataclasses.replace(time_size(size, args.runs), baseline=baseline) for size in args.sizes
    ]
    if args.json:
        payload = [
            {
                "lines": t.lines,
                "files": t.files,
                "services": t.services,
                "seconds": round(t.seconds, 3),
                "empty_scan_seconds": round(t.baseline, 3),
                "lines_per_second": round(t.lines_per_second),
                "findings": t.findings,
            }
            for t in timings
        ]
        print(json.dumps(payload, indent=2))
    else:
        print(markdown(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
