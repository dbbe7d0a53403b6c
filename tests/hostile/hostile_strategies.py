"""Hypothesis strategies for hostile projects: every kind of file slsguard reads, malformed.

A drawn `Project` is a folder's worth of files (a Serverless service, a SAM/CloudFormation
template, a Terraform module, dependency manifests, handler code), each built from odd
values where strings are expected, deep nesting, large counts within the bounds, variables
that do not resolve or refer to each other in a cycle, YAML anchors and aliases, bad
encodings. Some files are then broken on purpose in a way that no parser accepts; the
project remembers which, so that the test can ask for a finding on each. A distinctive
secret is planted in every place that holds a value, so that the test can grep the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import yaml
from hypothesis import strategies as st

SECRET = "ghp_Hq7Zx2Mv9Kp4Wr6Tn8Bc1Lf3Dj5Gs0Ya2Ue4"
"""A GitHub token: a format the masking recognises anywhere, in any file."""
PASSWORD = "Vq4sEcr3tPa55Wd9Zk"
"""A value that is a secret only by the name it is assigned to (`DB_PASSWORD`)."""
PLANTED = (SECRET, PASSWORD)

WILDCARD = {"Effect": "Allow", "Action": "*", "Resource": "*"}
MAX_FUNCTIONS = 40
MAX_DEPTH = 6

# Values ---------------------------------------------------------------------------------

_VARIABLES = st.sampled_from(
    [
        "${self:custom.missing}",
        "${self:custom.loop}",  # custom.loop refers to itself
        "${self:custom.a}",  # custom.a and custom.b refer to each other
        "${file(./missing.yml):x}",
        "${file(../../etc/passwd)}",
        "${env:NOT_SET}",
        "${ssm:/a/${self:custom.a}}",
        "${opt:stage, ${self:custom.b}}",
        "${self:provider.${self:custom.a}}",
        "${cf:other-stack.Output}",
        "${unknown:thing}",
        "${self:",
        "${{}}}",
        "!!python/object:os.system",
    ]
)
_ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "*",
        "arn:aws:iam::*:role/*",
        "\u202e\u0000\ufeff",
        "\U0001f600" * 20,
        "a" * 4096,
        "1e999999",
        "9" * 400,
        "-0",
        "NaN",
        "handler.",
        ".main",
        "../../../outside.main",
        "/etc/passwd",
        "nested/../../handler.main",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    _ODD_TEXT,
    _VARIABLES,
)
_INTRINSICS = st.sampled_from(
    [
        {"Ref": "Missing"},
        {"Ref": ["not", "a", "name"]},
        {"Fn::GetAtt": ["Missing", "Arn"]},
        {"Fn::GetAtt": 7},
        {"Fn::Sub": "${Missing}-${AWS::Region}"},
        {"Fn::Sub": [1, 2]},
        {"Fn::Join": ["", {"Ref": "AWS::NoValue"}]},
        {"Fn::If": ["NoCondition", "a"]},
        {"Fn::Select": [99, [1]]},
        {"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}"}},
        {"Fn::Base64": None},
    ]
)


def values(depth: int = MAX_DEPTH) -> st.SearchStrategy[object]:
    """Any JSON/YAML value: odd scalars, intrinsics, lists and mappings nested to `depth`."""
    keys = st.one_of(st.text(max_size=12), _VARIABLES, st.sampled_from(["Type", "Properties"]))
    return st.recursive(
        st.one_of(_SCALARS, _INTRINSICS),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)
        ),
        max_leaves=12 if depth > 2 else 4,
    )


def deep(value: object, levels: int) -> object:
    """`value` wrapped `levels` times alternately in a list and a mapping."""
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


def secret_environment() -> dict[str, object]:
    """Environment variables holding the planted secrets, the way people write them."""
    return {"GITHUB_TOKEN": SECRET, "DB_PASSWORD": PASSWORD, "URL": f"https://x:{PASSWORD}@db/"}


# Files ----------------------------------------------------------------------------------

RUNTIMES = ["python3.12", "nodejs20.x", "go1.x", "provided.al2023", "java21", "python2.7", "?"]


@st.composite
def serverless(draw: st.DrawFn) -> dict[str, object]:
    """A Serverless service: a plain `main` function plus functions, events, IAM and
    custom values drawn from the odd ones."""
    count = draw(st.integers(min_value=0, max_value=MAX_FUNCTIONS))
    functions: dict[object, object] = {"main": {"handler": "handler.main"}}
    for index in range(count):
        functions[f"fn{index}"] = draw(
            st.one_of(
                st.fixed_dictionaries(
                    {"handler": st.one_of(st.just(f"handler.fn{index}"), _SCALARS)},
                    optional={"events": values(), "environment": values(), "role": values()},
                ),
                values(3),
            )
        )
    custom: dict[str, object] = {
        "a": "${self:custom.b}",
        "b": "${self:custom.a}",
        "loop": "${self:custom.loop}",
        "deep": deep(draw(_SCALARS), draw(st.integers(min_value=0, max_value=300))),
        "odd": draw(values()),
    }
    provider: dict[str, object] = {
        "name": draw(st.one_of(st.just("aws"), _SCALARS)),
        "runtime": draw(st.sampled_from(RUNTIMES)),
        "environment": secret_environment(),
        "iam": {"role": {"statements": draw(st.one_of(values(), st.just([WILDCARD])))}},
    }
    return {
        "service": draw(st.one_of(st.just("hostile"), _SCALARS)),
        "provider": provider,
        "custom": custom,
        "functions": functions,
        "resources": {"Resources": draw(resources())},
    }


@st.composite
def resources(draw: st.DrawFn) -> dict[object, object]:
    """CloudFormation resources: Lambda, SAM, IAM and odd types, with odd properties."""
    kinds = st.sampled_from(
        [
            "AWS::Lambda::Function",
            "AWS::Serverless::Function",
            "AWS::Serverless::Api",
            "AWS::IAM::Role",
            "AWS::IAM::Policy",
            "AWS::S3::Bucket",
            "AWS::SQS::Queue",
            "AWS::CloudFormation::Stack",
            "Custom::Thing",
            "AWS::",
        ]
    )
    count = draw(st.integers(min_value=0, max_value=8))
    found: dict[object, object] = {}
    for index in range(count):
        properties = draw(values())
        if isinstance(properties, dict) and draw(st.booleans()):
            properties["Environment"] = {"Variables": secret_environment()}
        found[f"R{index}"] = {"Type": draw(st.one_of(kinds, _SCALARS)), "Properties": properties}
    return found


SAM = "AWS::Serverless-2016-10-31"


@st.composite
def template(draw: st.DrawFn) -> dict[str, object]:
    """A SAM or CloudFormation template."""
    document: dict[str, object] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if draw(st.booleans()):
        document["Transform"] = draw(st.one_of(st.sampled_from([SAM, [SAM, 5]]), _SCALARS))
    document["Globals"] = draw(values(3))
    document["Parameters"] = draw(values(3))
    found = draw(resources())
    found["Bucket"] = {"Type": "AWS::S3::Bucket"}  # always recognised as a template
    document["Resources"] = found
    return document


_TF_EXPRESSIONS = st.sampled_from(
    [
        '"plain"',
        "local.missing",
        "local.a",
        "var.undeclared",
        "module.nothing.output",
        'jsondecode("{\\"a\\": [1, 2, {\\"b\\": null}]}")',
        'jsondecode("not json")',
        "jsondecode(local.a)",
        'replace(local.a, "x", "xx")',
        'format("%s-%s", local.a, local.a)',
        "[for i in range(100) : i]",
        "range(1e9)",
        "1e999999",
        "99999999999999999999999999999999",
        'lookup({}, "k")',
        "null",
        '"${local.a}-${local.a}"',  # a separator: a token glued to itself is no token
        f'"{SECRET}"',
        "try(local.b, 1)",
        "local.a[99999]",
    ]
)


@st.composite
def terraform(draw: st.DrawFn) -> str:
    """A Terraform module: locals in a cycle and odd expressions around a Lambda function."""
    expression = _TF_EXPRESSIONS
    lines = [
        "locals {",
        f"  a = {draw(expression)}",
        "  b = local.c",
        "  c = local.b",
        f"  d = {draw(expression)}",
        "}",
        'resource "aws_lambda_function" "f" {',
        f"  function_name = {draw(expression)}",
        '  handler = "handler.main"',
        f'  runtime = "{draw(st.sampled_from(RUNTIMES))}"',
        f"  role = {draw(expression)}",
        "  environment {",
        f'    variables = {{ DB_PASSWORD = "{PASSWORD}", X = {draw(expression)} }}',
        "  }",
        "}",
    ]
    if draw(st.booleans()):
        lines += ['module "self" {', '  source = "./"', "}"]
    if draw(st.booleans()):
        lines += ['resource "aws_iam_role_policy" "p" {', f"  policy = {draw(expression)}", "}"]
    return "\n".join(lines) + "\n"


_PYTHON_BODIES = st.sampled_from(
    [
        "return event",
        "os.system(event['body'])",
        "eval(event.get('q'))",
        f"token = '{SECRET}'",
        "subprocess.run(event['cmd'], shell=True)",
        "return " + "(" * 150 + "event" + ")" * 150,
        "x = " + " + ".join(["event"] * 500),
        "return f'{event}' * 3",
        "import handler",
        "from . import handler",
        "yield from main(event, context)",
    ]
)
_JS_BODIES = st.sampled_from(
    [
        "return event;",
        "require('child_process').exec(event.body);",
        "eval(event.q);",
        f"const token = '{SECRET}';",
        "return " + "(" * 150 + "event" + ")" * 150 + ";",
        "return `${event}${`${event}`}`;",
        "const m = require('./handler'); return m.main(event);",
    ]
)


@st.composite
def python_handler(draw: st.DrawFn) -> str:
    """A Python handler module with odd bodies, nesting and self-imports."""
    bodies = draw(st.lists(_PYTHON_BODIES, min_size=1, max_size=5))
    lines = ["import os, subprocess", "def main(event, context):"]
    lines += [f"    {body}" for body in bodies]
    lines += [f"def fn{i}(event, context):\n    return main(event, context)" for i in range(3)]
    return "\n".join(lines) + "\n"


@st.composite
def javascript_handler(draw: st.DrawFn) -> str:
    """A JavaScript handler module."""
    bodies = draw(st.lists(_JS_BODIES, min_size=1, max_size=5))
    return "exports.main = async (event) => {\n  " + "\n  ".join(bodies) + "\n};\n"


@st.composite
def package_json(draw: st.DrawFn) -> str:
    """A package.json whose fields have odd types."""
    document = {
        "name": draw(st.one_of(st.just("app"), _SCALARS)),
        "dependencies": draw(
            st.one_of(
                st.dictionaries(
                    st.text(max_size=10), st.one_of(st.just("^1"), _SCALARS), max_size=5
                ),
                values(3),
            )
        ),
        "workspaces": draw(st.one_of(st.just(["packages/*"]), values(2))),
        "config": {"apiToken": SECRET},
    }
    return json.dumps(document, default=str)


_REQUIREMENT_LINES = st.sampled_from(
    [
        "requests==2.0.0",
        "-r requirements.txt",
        "-r ../../../etc/passwd",
        "-e git+https://example.com/x.git#egg=x",
        "--index-url https://user:" + PASSWORD + "@pypi.example/simple",
        "x===",
        "y[extra]>=1,<",
        "\\",
        "z @ file:///etc",
        "1" * 300,
    ]
)


def requirements() -> st.SearchStrategy[str]:
    """A requirements.txt of odd lines, including one that includes itself."""
    return st.lists(_REQUIREMENT_LINES, max_size=8).map(lambda lines: "\n".join(lines) + "\n")


# Damage ---------------------------------------------------------------------------------

ALIASES = "\nbomb:\n  l0: &l0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9)
)
"""A billion laughs: nine levels of aliases, each nine times the one before."""

BREAKS = {
    "unclosed flow": b"\nzzz: [\n",
    "tab indentation": b"\nzzz:\n\t- x\n",
    "bad escape": b'\nzzz: "\\xZZ"\n',
}
"""Appended to a YAML mapping, each makes the whole file unparseable."""
HCL_BREAKS = {"unclosed block": b'\nresource "x" "y" {\n', "stray brace": b"\n}}}\n"}
PYTHON_BREAKS = {"unclosed call": b"\nprint((\n", "bad indent": b"\n  x = 1\n y = 2\n"}


def yaml_text(document: object) -> str:
    """The document as YAML (any value yaml can represent)."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=4096)


@dataclass(slots=True)
class Project:
    """Files by relative path, and the ones broken on purpose (each must get SLS001)."""

    files: dict[str, bytes] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    handler_read: bool = False
    """Whether the service loads and names handler.py as Python code (so it is read)."""
    notes: list[str] = field(default_factory=list)
    """How each file was damaged (shown when an example fails)."""


def _damage(
    draw: st.DrawFn, project: Project, name: str, text: str, breaks: dict[str, bytes]
) -> bool:
    """Store `text` as `name`, maybe re-encoded, maybe with bad bytes, maybe broken; True
    when the file still holds the text."""
    data = text.encode("utf-8")
    how = draw(st.sampled_from(["none", "none", "utf-16", "invalid utf-8", "break", "truncate"]))
    if how == "utf-16":
        data = text.encode("utf-16")  # with its byte-order mark: still a valid file
    elif how == "invalid utf-8":
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + b"\xc3\x28\xff" + data[at:]
        project.broken.add(name)
    elif how == "break":
        reason = draw(st.sampled_from(sorted(breaks)))
        data += breaks[reason]
        project.broken.add(name)
        how = f"break: {reason}"
    elif how == "truncate":  # may or may not still parse: no expectation
        data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
    project.files[name] = data
    project.notes.append(f"{name}: {how}")
    return how in ("none", "utf-16")


@st.composite
def projects(draw: st.DrawFn) -> Project:
    """A hostile project: each kind of file, some of them broken."""
    project = Project()
    document = draw(serverless())
    service = yaml_text(document)
    bomb = draw(st.booleans())
    if bomb:
        service += ALIASES
    intact = _damage(draw, project, "serverless.yml", service, BREAKS)
    provider = document["provider"]
    assert isinstance(provider, dict)
    python = provider["runtime"] == "python3.12" and provider["name"] == "aws"
    project.handler_read = intact and python and not bomb
    if draw(st.booleans()):
        _damage(draw, project, "template.yaml", yaml_text(draw(template())), BREAKS)
    if draw(st.booleans()):
        _damage(draw, project, "infra/main.tf", draw(terraform()), HCL_BREAKS)
    _damage(draw, project, "handler.py", draw(python_handler()), PYTHON_BREAKS)
    if draw(st.booleans()):
        project.files["handler.js"] = draw(javascript_handler()).encode("utf-8")
    if draw(st.booleans()):
        project.files["package.json"] = draw(package_json()).encode("utf-8")
    if draw(st.booleans()):
        project.files["requirements.txt"] = draw(requirements()).encode("utf-8")
    if draw(st.booleans()):
        project.files[".env"] = f"API_TOKEN={SECRET}\nDB_PASSWORD={PASSWORD}\n".encode()
    return project
