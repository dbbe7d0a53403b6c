"""The named hostile inputs: one builder per input class of the robustness promise.

Every builder writes a small project whose one hostile part is named by the case; the
rest of the project is ordinary, so that a case also shows the rest of the scan survives.
Run this file directly (`python tests/hostile/hostile_cases.py [NAME...]`) to print what each case
produces, with its time and peak memory.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path

Builder = Callable[[Path], list[str]]

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also run as a script
from hostile_harness import Case, run  # noqa: E402

WILDCARD_ROLE = """\
  iam:
    role:
      statements:
        - Effect: Allow
          Action: "*"
          Resource: "*"
"""


def serverless(
    folder: Path, *, custom: str = "", runtime: str = "python3.12", functions: str = ""
) -> None:
    """A Serverless service with a wildcard role (SLS101), plus what the case adds."""
    body = functions or "  main:\n    handler: handler.main\n"
    text = (
        f"service: hostile\nprovider:\n  name: aws\n  runtime: {runtime}\n{WILDCARD_ROLE}"
        f"{custom}functions:\n{body}"
    )
    (folder / "serverless.yml").write_text(text, encoding="utf-8")


def write(folder: Path, name: str, text: str) -> Path:
    """Write `text` to `folder/name`, creating folders."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# Special files ------------------------------------------------------------------------


_USES_OTHER = "  main:\n    handler: handler.main\n    description: ${self:custom.other}\n"


def _fifo(
    name: str,
    rule: str | None = "SLS001",
    says: str = "not a regular file",
    *,
    with_service: bool = True,
    runtime: str = "python3.12",
) -> Case:
    def build(folder: Path) -> list[str]:
        if with_service:
            serverless(
                folder,
                custom="custom:\n  other: ${file(./other.yml)}\n",
                runtime=runtime,
                functions=_USES_OTHER,
            )
            write(
                folder,
                "handler.py",
                "import helpers\ndef main(event, context):\n    helpers.run(event)\n",
            )
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        os.mkfifo(target)
        return []

    also = ("SLS101",) if with_service else ()
    label = f"fifo {name}" + ("" if runtime == "python3.12" else f" ({runtime})")
    return Case(label, build, rule, says if rule else "", also=also)


def _fifo_js_import(folder: Path) -> list[str]:
    """A Node handler whose imported module is a FIFO (a `require` and an `import`)."""
    serverless(folder, runtime="nodejs20.x")
    write(
        folder,
        "handler.js",
        "const helpers = require('./helpers');\nimport { run } from './lib/run.mjs';\n"
        "exports.main = async (event) => helpers.run(run(event));\n",
    )
    os.mkfifo(folder / "helpers.js")
    (folder / "lib").mkdir()
    os.mkfifo(folder / "lib" / "run.mjs")
    return []


def _socket_template(folder: Path) -> list[str]:
    serverless(folder)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "template.yaml"))  # left bound: the file stays a socket
    server.close()
    return []


def _symlink_loop(folder: Path) -> list[str]:
    serverless(folder)
    (folder / "a.yml").symlink_to(folder / "b.yml")
    (folder / "b.yml").symlink_to(folder / "a.yml")
    (folder / "sub").mkdir()
    (folder / "sub" / "loop").symlink_to(folder)
    return []


def _unreadable(folder: Path) -> list[str]:
    serverless(folder)
    write(folder, "template.yaml", "Resources: {}\n").chmod(0)
    return []


def _device_as(option: str) -> Case:
    def build(folder: Path) -> list[str]:
        serverless(folder)
        return [option, "/dev/zero"]

    return Case(f"/dev/zero as {option}", build, None, exit_codes=(2,), stderr_says="regular")


SPECIAL = [
    _fifo("serverless.yml", with_service=False),
    _fifo("template.yaml"),
    _fifo("package-lock.json", None),  # a Python service reads no npm lockfile
    _fifo("requirements.txt", "SLS001", "dependencies not analysed"),
    _fifo("package-lock.json", "SLS001", "never read", runtime="nodejs20.x"),
    _fifo("poetry.lock", "SLS001", "never read"),
    _fifo(".github/workflows/ci.yml"),
    Case(
        "fifo .slsguard.yml",
        _fifo(".slsguard.yml").build,
        None,
        exit_codes=(2,),
        stderr_says="a FIFO, not a regular file",
    ),
    _fifo("pyproject.toml", "SLS001", "pyproject.toml is a FIFO"),
    _fifo("pyproject.toml", "SLS001", "configuration in it is not used", runtime="nodejs20.x"),
    Case("fifo JavaScript imports", _fifo_js_import, "SLS001", "helpers.js", also=("SLS101",)),
    _fifo("other.yml", "SLS001", "the included file is a FIFO"),
    _fifo("handler.py", "SLS001", "handler code not analysed"),
    _fifo("helpers.py", "SLS001", "helpers.py was not read"),
    Case("socket template.yaml", _socket_template, "SLS001", "not a regular file"),
    Case("symlink loops", _symlink_loop, "SLS101"),
    Case("unreadable file", _unreadable, "SLS001", "cannot read", root_can_read=False),
    _device_as("--config"),
    _device_as("--baseline"),
]
"""A FIFO's name is what matters: each is a file some part of slsguard reads."""

# Deep nesting -------------------------------------------------------------------------

DEPTH = 50_000


def _python_handler(source: str) -> Builder:
    def build(folder: Path) -> list[str]:
        serverless(folder)
        write(folder, "handler.py", source)
        return []

    return build


def _js_handler(source: str) -> Builder:
    def build(folder: Path) -> list[str]:
        serverless(folder, runtime="nodejs20.x")
        write(folder, "handler.js", source)
        return []

    return build


_PY_DEEP = {
    "chain": "x = " + " + ".join(["event"] * DEPTH),
    "calls": "x = " + "f(" * DEPTH + "event" + ")" * DEPTH,
    "parentheses": "x = " + "(" * DEPTH + "event" + ")" * DEPTH,
    "f-strings": "x = " + " + ".join(['f"{event}"'] * DEPTH),
    "ternaries": "x = " + " if event else ".join(["event"] * DEPTH),
    "attributes": "x = event" + ".a" * DEPTH,
}
_JS_DEEP = {
    "chain": "const x = " + " + ".join(["event"] * DEPTH) + ";",
    "calls": "const x = " + "f(" * DEPTH + "event" + ")" * DEPTH + ";",
    "parentheses": "const x = " + "(" * DEPTH + "event" + ")" * DEPTH + ";",
    "template literals": "const x = " + "`${" * DEPTH + "event" + "}`" * DEPTH + ";",
    "ternaries": "const x = " + " ? event : ".join(["event"] * DEPTH) + ";",
}


def _py_case(kind: str, body: str) -> Case:
    source = f"def main(event, context):\n    {body}\n    eval(event['body'])\n"
    return Case(f"python {kind} x{DEPTH}", _python_handler(source), "SLS001", "", also=("SLS101",))


def _js_case(kind: str, body: str) -> Case:
    source = f"exports.main = async (event) => {{\n  {body}\n  eval(event.body);\n}};\n"
    return Case(f"javascript {kind} x{DEPTH}", _js_handler(source), "SLS001", "", also=("SLS101",))


def _deep_toml(folder: Path) -> list[str]:
    serverless(folder)
    write(folder, "requirements.txt", "requests==2.0.0\n")
    write(
        folder,
        "pyproject.toml",
        "[project]\nname='x'\nversion='1'\nx = " + "[" * DEPTH + "]" * DEPTH + "\n",
    )
    return []


def _deep_jsondecode(folder: Path) -> list[str]:
    nested = "[" * DEPTH + "]" * DEPTH
    used = _TF_FUNCTION.replace(
        'handler = "handler.main"',
        'handler = "handler.main"\n  environment {\n    variables = { X = local.deep }\n  }',
    )
    write(folder, "main.tf", used + f'locals {{\n  deep = jsondecode("{nested}")\n}}\n')
    return []


def _deep_zipfile(folder: Path) -> list[str]:
    code = "def handler(event, context):\n  x = " + "(" * DEPTH + "event" + ")" * DEPTH
    lines = "\n".join("          " + line for line in code.splitlines())
    write(
        folder,
        "template.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n"
        "      Role: arn:aws:iam::123456789012:role/x\n      Code:\n        ZipFile: |\n"
        f"{lines}\n",
    )
    return []


NESTING = [
    *(_py_case(kind, body) for kind, body in _PY_DEEP.items()),
    *(_js_case(kind, body) for kind, body in _JS_DEEP.items()),
    Case("toml nesting", _deep_toml, None, also=("SLS101",)),
    Case("jsondecode nesting", _deep_jsondecode, "SLS001", "jsondecode", also=("SLS101",)),
    Case("inline ZipFile nesting", _deep_zipfile, "SLS001", "handler code"),
]

# Amplification -----------------------------------------------------------------------

_TF_FUNCTION = """\
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRole",
    Principal = {Service = "lambda.amazonaws.com"}}]})
}
resource "aws_iam_role_policy" "p" {
  role = aws_iam_role.r.id
  policy = jsonencode({Statement = [{Effect = "Allow", Action = "*", Resource = "*"}]})
}
resource "aws_lambda_function" "f" {
  function_name = "f"
  handler = "handler.main"
  runtime = "python3.12"
  role = aws_iam_role.r.arn
  filename = "f.zip"
}
"""


def _self_dag(folder: Path) -> list[str]:
    steps = ["    v0: x"]
    steps += [
        f"    v{i}: ${{self:custom.vars.v{i - 1}}}${{self:custom.vars.v{i - 1}}}"
        for i in range(1, 64)
    ]
    custom = "custom:\n  vars:\n" + "\n".join(steps) + "\n  top: ${self:custom.vars.v63}\n"
    serverless(folder, custom=custom)
    return []


def _file_dag(folder: Path) -> list[str]:
    for level in range(40):
        nxt = f"${{file(./f{level + 1}.yml):v}}"
        write(folder, f"f{level}.yml", f"v: {nxt}{nxt}\na: {nxt}\nb: {nxt}\n")
    write(folder, "f40.yml", "v: end\n")
    serverless(folder, custom="custom:\n  top: ${file(./f0.yml):v}\n")
    return []


def _tf_locals(folder: Path) -> list[str]:
    lines = ['  l0 = "x"'] + [
        f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"' for i in range(1, 64)
    ]
    used = _TF_FUNCTION.replace(
        'handler = "handler.main"',
        'handler = "handler.main"\n  environment {\n    variables = { V = local.l63 }\n  }',
    )
    write(folder, "main.tf", used + "locals {\n" + "\n".join(lines) + "\n}\n")
    return []


def _tf_replace(folder: Path) -> list[str]:
    lines = ['  r0 = "xx"'] + [f'  r{i} = replace(local.r{i - 1}, "x", "xx")' for i in range(1, 64)]
    used = _TF_FUNCTION.replace(
        'handler = "handler.main"',
        'handler = "handler.main"\n  environment {\n    variables = { V = local.r63 }\n  }',
    )
    write(folder, "main.tf", used + "locals {\n" + "\n".join(lines) + "\n}\n")
    return []


def _fan_out(folder: Path) -> list[str]:
    """The handler calls 24 functions that each call the same 24 functions, that each call
    the same 24 again: 24^3 call paths through 48 functions (memoised, not walked)."""
    width = 24
    lines = ["import os", ""]
    for i in range(width):
        calls = "; ".join(f"g{j}(event)" for j in range(width))
        lines.append(f"def f{i}(event):\n    {calls}")
        inner = "; ".join(f"h{k}(event)" for k in range(width))
        lines.append(f"def g{i}(event):\n    {inner}")
        lines.append(f"def h{i}(event):\n    os.system(event['body'])")
    body = "; ".join(f"f{i}(event)" for i in range(width))
    lines.append(f"def main(event, context):\n    {body}")
    functions = "  main:\n    handler: handler.main\n    events:\n      - httpApi: POST /x\n"
    serverless(folder, functions=functions)
    write(folder, "handler.py", "\n".join(lines) + "\n")
    return []


def _pnpm_aliases(folder: Path) -> list[str]:
    serverless(folder, runtime="nodejs20.x")
    write(folder, "package.json", '{"name": "x", "dependencies": {"p0": "1.0.0"}}')
    packages = []
    for i in range(60):
        packages.append(
            f"  /p{i}@1.0.0:\n    resolution: {{integrity: sha512-x}}\n    dependencies:\n"
            f"      p{i + 1}: 1.0.0\n      q{i + 1}: /p{i + 1}@1.0.0\n"
            f"      r{i + 1}: /p{i + 1}@1.0.0\n"
        )
    write(
        folder,
        "pnpm-lock.yaml",
        "lockfileVersion: '6.0'\ndependencies:\n  p0:\n    specifier: 1.0.0\n    version: 1.0.0\n"
        "packages:\n" + "".join(packages),
    )
    return []


AMPLIFICATION = [
    Case("serverless ${self:} DAG 2^63", _self_dag, "SLS001", "cut short", also=("SLS101",)),
    Case("serverless ${file()} DAG 3^40", _file_dag, "SLS001", "cut short", also=("SLS101",)),
    Case("terraform locals doubling 2^63", _tf_locals, "SLS001", "cut short", also=("SLS101",)),
    Case("terraform replace() growth", _tf_replace, "SLS001", "cut short", also=("SLS101",)),
    Case("handler fan-out 24x24", _fan_out, "SLS601", also=("SLS101",)),
    Case("pnpm alias graph", _pnpm_aliases, None, also=("SLS101",)),
]

# Numbers, strings and encodings --------------------------------------------------------

_HUGE = "1" + "0" * 100_000


def _yaml_numbers(folder: Path) -> list[str]:
    custom = f"custom:\n  big: {_HUGE}\n  inf: 1e999999\n  list: [a, b]\n"
    fns = (
        "  main:\n    handler: handler.main\n    timeout: 1e999999\n"
        f"    memorySize: {_HUGE}\n"
        f"    description: ${{self:custom.list.{_HUGE}}}\n"
        "    reservedConcurrency: ${opt:x, 1e999999}\n"
    )
    serverless(folder, custom=custom, functions=fns)
    return []


def _hcl_numbers(folder: Path) -> list[str]:
    text = _TF_FUNCTION.replace(
        'filename = "f.zip"', f'filename = "f.zip"\n  timeout = {_HUGE}\n  memory_size = 1e999999'
    )
    write(
        folder,
        "main.tf",
        text + f"locals {{\n  i = [1, 2][{_HUGE}]\n  e = 1e999999 * 1e999999\n}}\n",
    )
    return []


def _bad_escapes(folder: Path) -> list[str]:
    serverless(folder)
    write(
        folder,
        "bad/serverless.yml",
        'service: b\nprovider:\n  name: aws\nx: "\\uD800 \\U99999999"\n',
    )
    write(
        folder, "template.json", '{"Resources": {"A": {"Type": "AWS::S3::Bucket", "X": "\\uZZZZ"}}}'
    )
    return []


def _invalid_utf8(folder: Path) -> list[str]:
    serverless(folder)
    (folder / "template.yaml").write_bytes(
        b"Resources:\n  A:\n    Type: AWS::S3::Bucket\n    X: \xff\xfe\xc3(\n"
    )
    (folder / "handler.py").write_bytes(b"def main(event, context):\n    x = '\xff\xfe'\n")
    return []


def _invalid_utf16(folder: Path) -> list[str]:
    serverless(folder)
    text = "Resources:\n  A:\n    Type: AWS::S3::Bucket\n"
    lone_surrogate = b"\x00\xd8"
    (folder / "template.yaml").write_bytes(b"\xff\xfe" + text.encode("utf-16-le") + lone_surrogate)
    return []


def _utf16_template(folder: Path) -> list[str]:
    text = (
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Role:\n    Type: AWS::IAM::Role\n"
        "    Properties:\n      AssumeRolePolicyDocument: {}\n      Policies:\n"
        "        - PolicyName: p\n          PolicyDocument:\n            Statement:\n"
        "              - {Effect: Allow, Action: '*', Resource: '*'}\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n"
        "      Handler: index.handler\n      Role: !GetAtt Role.Arn\n      Code: {ZipFile: 'x'}\n"
    )
    (folder / "template.yaml").write_bytes(text.encode("utf-16"))
    return []


def _undecodable_names(folder: Path) -> list[str]:
    serverless(folder)
    odd = os.fsencode(folder) + b"/odd-\xff\xfe"
    os.mkdir(odd)
    with open(odd + b"/serverless.yml", "wb") as handle:
        handle.write((folder / "serverless.yml").read_bytes())
    with open(odd + b"/handler-\xff.py", "wb") as handle:
        handle.write(b"x = 1\n")
    return []


ENCODINGS = [
    Case("huge numbers in YAML and variables", _yaml_numbers, None, also=("SLS101",)),
    Case("huge numbers in HCL", _hcl_numbers, None, also=("SLS101",)),
    Case("bad unicode escapes", _bad_escapes, "SLS001", "unicode", also=("SLS101",)),
    Case("invalid UTF-8", _invalid_utf8, "SLS001", "utf-8", also=("SLS101",)),
    Case("invalid UTF-16", _invalid_utf16, "SLS001", "utf-16", also=("SLS101",)),
    Case("UTF-16 template decoded", _utf16_template, "SLS101"),
    Case("non-UTF-8 file names", _undecodable_names, "SLS101"),
]

# Terraform module cycles -----------------------------------------------------------------


def _self_module(folder: Path) -> list[str]:
    write(folder, "main.tf", _TF_FUNCTION + 'module "me" {\n  source = "./"\n}\n')
    return []


def _mutual_modules(folder: Path) -> list[str]:
    write(folder, "main.tf", _TF_FUNCTION + 'module "a" {\n  source = "./a"\n}\n')
    write(folder, "a/main.tf", 'module "b" {\n  source = "../b"\n}\n')
    write(folder, "b/main.tf", 'module "a" {\n  source = "../a"\n}\n')
    return []


CYCLES = [
    Case("terraform module calls itself", _self_module, "SLS001", "cycle", also=("SLS101",)),
    Case("terraform modules call each other", _mutual_modules, "SLS001", "cycle", also=("SLS101",)),
]

# Scale ---------------------------------------------------------------------------------


def many_functions(count: int) -> Case:
    """`count` functions sharing the provider's one role and one handler module, each with
    its own route: what was quadratic (role sharing, per-function walks of the module)."""

    def build(folder: Path) -> list[str]:
        body = "".join(
            f"  fn{i}:\n    handler: handler.fn{i}\n    events:\n      - httpApi: GET /fn{i}\n"
            for i in range(count)
        )
        serverless(folder, functions=body)
        code = "".join(
            f"def fn{i}(event, context):\n    return table.get_item(Key={{'id': {i}}})\n"
            for i in range(count)
        )
        write(
            folder,
            "handler.py",
            f"import boto3\ntable = boto3.resource('dynamodb').Table('t')\n{code}",
        )
        return []

    return Case(f"{count} functions sharing one role and one handler", build, "SLS101")


def _flow_mapping(folder: Path) -> list[str]:
    """A template that is one 4 MB flow mapping of small values: a million YAML nodes."""
    head = "{AWSTemplateFormatVersion: '2010-09-09', Resources: {B: {Type: AWS::S3::Bucket}}"
    entries = "".join(f", k{i}: [a, b, {{c: d}}]" for i in range(200_000))
    text = (head + entries)[: 4 * 1024 * 1024 - 100]
    text = text[: text.rindex(",")] + "}\n"
    (folder / "template.yaml").write_text(text, encoding="utf-8")
    serverless(folder)
    return []


SCALE = [
    Case("4 MB flow mapping", _flow_mapping, "SLS001", "values", also=("SLS101",)),
]
"""The cases of many functions are `many_functions`, whose growth `test_scale` measures."""

ALL: list[Case] = [*SPECIAL, *NESTING, *AMPLIFICATION, *ENCODINGS, *CYCLES, *SCALE]


def main(names: list[str]) -> None:
    """Print what each case (or the named ones) produces."""
    import tempfile

    for case in ALL:
        if names and not any(name in case.name for name in names):
            continue
        with tempfile.TemporaryDirectory() as folder:
            outcome = run(case, Path(folder))
        rules = sorted({f["rule_id"] for f in outcome.findings})
        first = next(
            (f["message"][:110] for f in outcome.findings if f["rule_id"] == case.rule), ""
        )
        print(
            f"{case.name[:38]:<38} exit={outcome.exit_code:<3} {outcome.cpu_seconds:6.1f}s cpu "
            f"{outcome.rss_mib:7.0f}MiB killed={outcome.killed!s:<5} {','.join(rules)[:60]}"
            f"\n    {first or outcome.stderr.strip().splitlines()[-1:]}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
