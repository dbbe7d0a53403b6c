"""The Terraform loader: attribute-level positions, evaluation, references and bounds."""

from __future__ import annotations

from pathlib import Path

from slsguard.loading.terraform import load_root_module
from slsguard.loading.terraform.hcl import HclError, parse_hcl
from slsguard.model import Application, Reference


def _load(tmp_path: Path, files: dict[str, str]) -> Application:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return load_root_module(tmp_path, tmp_path, lambda p: p.relative_to(tmp_path).as_posix())


def test_parser_gives_every_attribute_its_own_line() -> None:
    body = parse_hcl('resource "a" "b" {\n  x = 1\n\n  inner {\n    y = "z"\n  }\n}\n')
    block = body.blocks[0]
    assert block.pos == (1, 1)
    assert block.body.attributes["x"].pos == (2, 3)
    inner = block.body.block("inner")
    assert inner is not None and inner.body.attributes["y"].pos == (5, 5)


def test_parse_error_has_a_position() -> None:
    try:
        parse_hcl("a = {\n  b = = 1\n}\n")
    except HclError as error:
        assert error.position[0] == 2
    else:  # pragma: no cover
        raise AssertionError("no error")


def test_heredoc_closing_marker_may_carry_trailing_whitespace() -> None:
    # Terraform accepts `EOF  ` as the closing marker (found in aws-samples/serverless-patterns).
    text = 'a = <<EOF\n{"EOF  ": 1}\nEOF  \nb = 1\nc = <<-POLICY\n  body\n  POLICY\t\r\nd = 2\n'
    body = parse_hcl(text)
    assert sorted(body.attributes) == ["a", "b", "c", "d"]
    assert body.attributes["a"].expr.parts == ('{"EOF  ": 1}\n',)
    assert body.attributes["d"].expr.pos == (8, 5)


def test_a_word_after_the_marker_keeps_the_heredoc_open() -> None:
    body = parse_hcl("a = <<EOF\nEOF x\nEOF\n")
    assert body.attributes["a"].expr.parts == ("EOF x\n",)


def test_variables_locals_templates_and_tfvars(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        {
            "main.tf": (
                'variable "stage" {\n  default = "dev"\n}\n'
                'variable "token" {}\n'
                'locals {\n  name = "api-${var.stage}"\n}\n'
                'resource "aws_lambda_function" "api" {\n'
                "  function_name = local.name\n"
                '  runtime       = "python3.12"\n'
                "  environment {\n    variables = {\n"
                "      NAME  = local.name\n"
                "      TOKEN = var.token\n"
                "      OTHER = var.missing\n"
                "    }\n  }\n}\n"
            ),
            "terraform.tfvars": 'stage = "prod"\n',
        },
    )
    (fn,) = app.functions
    env = {variable.name: variable for variable in fn.environment}
    assert env["NAME"].value == "api-prod"
    assert env["NAME"].origin.line == 13
    token = env["TOKEN"].value
    assert isinstance(token, Reference) and token.text == "var.token"
    assert fn.runtime == "python3.12" and fn.runtime_origin is not None
    assert fn.runtime_origin.line == 10


def test_reference_chain_from_function_to_role_policy(tmp_path: Path) -> None:
    app = _load(
        tmp_path,
        {
            "main.tf": (
                'resource "aws_lambda_function" "f" {\n  role = aws_iam_role.r.arn\n}\n'
                'resource "aws_iam_role" "r" {\n  name = "r"\n}\n'
                'resource "aws_iam_role_policy" "p" {\n'
                "  role   = aws_iam_role.r.id\n"
                '  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject",'
                ' Resource = "*" }] })\n}\n'
            )
        },
    )
    (fn,) = app.functions
    assert fn.role is not None and not fn.role.external
    (statement,) = fn.role.statements
    assert statement.actions == ("s3:GetObject",)
    assert statement.policy == "aws_iam_role_policy.p"
    assert statement.origin.line == 9


def test_file_outside_the_scan_root_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "app"
    (tmp_path / "secret.json").write_text('{"Statement": []}')
    root.mkdir()
    (root / "main.tf").write_text(
        'resource "aws_lambda_function" "f" {\n'
        '  environment {\n    variables = { X = file("../secret.json") }\n  }\n}\n'
    )
    app = load_root_module(root, root, lambda p: p.name)
    (variable,) = app.functions[0].environment
    assert isinstance(variable.value, Reference) and not variable.value.resolvable


def test_called_local_module_is_not_a_second_app(tmp_path: Path) -> None:
    from slsguard.loading.terraform import load_terraform

    _load(
        tmp_path,
        {
            "main.tf": 'module "m" {\n  source = "./modules/m"\n  name = "x"\n}\n',
            "modules/m/main.tf": (
                'variable "name" {}\nresource "aws_lambda_function" "f" {\n'
                "  function_name = var.name\n}\n"
            ),
        },
    )
    apps, _ = load_terraform(
        [tmp_path, tmp_path / "modules" / "m"], tmp_path, lambda p: p.as_posix()
    )
    assert [app.name for app in apps] == [tmp_path.name]
    (fn,) = apps[0].functions
    assert fn.name == "module.m.f"
    assert fn.settings["FunctionName"] == "x"
