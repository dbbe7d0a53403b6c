"""Serverless variable resolution: exact values, references kept typed, and every bound held.

Each test writes a small `serverless.yml` (and any included files) into `tmp_path` and
resolves it with `Resolver`, as the loader does, without running anything.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from slsguard.loading.variables import MAX_STRING, Resolver, VariableContext
from slsguard.loading.yaml import YList, YMap, load_file
from slsguard.model import Deferred, Reference


def resolve(
    directory: Path,
    text: str,
    *,
    stage: str | None = None,
    region: str | None = None,
    environ: Mapping[str, str] | None = None,
    files: Mapping[str, str] | None = None,
    scan_root: Path | None = None,
    config: str = "serverless.yml",
) -> tuple[YMap, VariableContext]:
    """The resolved config written as `text` in `directory`, and the context used."""
    directory = directory.resolve()
    for name, content in (files or {}).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    config_path = directory / config
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text)
    loaded = load_file(str(config_path), config)
    assert isinstance(loaded.root, YMap), loaded.problems
    root = (scan_root or directory).resolve()
    context = VariableContext(
        root=loaded.root,
        config_path=config_path,
        scan_root=root,
        display=lambda path: os.path.relpath(path, root),
        stage=stage,
        region=region,
        environ=environ,
    )
    return Resolver(context).resolve_config(), context


def plain(value: Any) -> Any:
    """YMap/YList trees as plain dicts and lists, for exact comparisons."""
    if isinstance(value, YMap):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, YList):
        return [plain(item) for item in value]
    return value


def unresolved(value: Any) -> Reference:
    assert isinstance(value, Reference), value
    assert not value.resolvable, value
    return value


# ------------------------------------------------------------------------------ self


def test_self_references_resolve_through_chains_lists_and_resources(tmp_path: Path) -> None:
    config, context = resolve(
        tmp_path,
        """
service: orders
provider:
  name: aws
  environment:
    TABLE: ${self:custom.table}
    FIRST_TOPIC: ${self:custom.topics.0}
    SERVICE: ${self:service}
custom:
  table: ${self:custom.prefix}-table
  prefix: ${self:custom.base}
  base: orders
  topics: [created, shipped]
  copy: ${self:custom.topics}
resources:
  Resources:
    Table:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: ${self:custom.table}
        Tags:
          - Key: service
            Value: ${self:service}
""",
    )
    assert plain(config["provider"]["environment"]) == {
        "TABLE": "orders-table",
        "FIRST_TOPIC": "created",
        "SERVICE": "orders",
    }
    assert plain(config["custom"]["copy"]) == ["created", "shipped"]
    properties = config["resources"]["Resources"]["Table"]["Properties"]
    assert properties["TableName"] == "orders-table"
    assert properties["Tags"][0]["Value"] == "orders"
    assert context.problems == []


def test_resolved_containers_keep_positions(tmp_path: Path) -> None:
    config, _ = resolve(
        tmp_path,
        "service: a\nprovider:\n  name: aws\n  environment:\n    X: ${self:service}\n",
    )
    environment = config["provider"]["environment"]
    assert isinstance(environment, YMap)
    assert environment.key_positions["X"] == (5, 5)


def test_missing_self_key_without_fallback_is_unresolved(tmp_path: Path) -> None:
    config, context = resolve(tmp_path, "service: a\ncustom:\n  x: ${self:custom.nope}\n")
    reference = unresolved(config["custom"]["x"])
    assert reference.source == "self"
    assert reference.reason == "no value and no fallback"
    assert reference in context.problems


# ------------------------------------------------------------------------------ opt / sls


@pytest.mark.parametrize(("stage", "expected"), [(None, "dev"), ("prod", "prod")])
def test_opt_stage_with_default(tmp_path: Path, stage: str | None, expected: str) -> None:
    config, _ = resolve(
        tmp_path, "service: a\ncustom:\n  stage: ${opt:stage, 'dev'}\n", stage=stage
    )
    assert config["custom"]["stage"] == expected


def test_opt_without_value_or_fallback_is_unresolved(tmp_path: Path) -> None:
    config, context = resolve(tmp_path, "service: a\ncustom:\n  stage: ${opt:stage}\n")
    reference = unresolved(config["custom"]["stage"])
    assert reference.source == "opt"
    assert reference.text == "${opt:stage}"
    assert context.problems == [reference]


def test_opt_region_from_the_command_line(tmp_path: Path) -> None:
    text = (
        "service: a\ncustom:\n  region: ${opt:region, self:provider.region}\n"
        "provider:\n  region: eu-west-1\n"
    )
    assert resolve(tmp_path / "a", text)[0]["custom"]["region"] == "eu-west-1"
    assert resolve(tmp_path / "b", text, region="us-east-2")[0]["custom"]["region"] == "us-east-2"


@pytest.mark.parametrize(
    ("provider_stage", "stage", "expected"),
    [
        (None, None, "dev"),
        (None, "prod", "prod"),
        ("qa", None, "qa"),
        ("${opt:stage, 'staging'}", None, "staging"),
        ("qa", "prod", "prod"),
    ],
)
def test_sls_stage(
    tmp_path: Path, provider_stage: str | None, stage: str | None, expected: str
) -> None:
    provider = f"provider:\n  name: aws\n  stage: {provider_stage}\n" if provider_stage else ""
    text = f"service: a\n{provider}custom:\n  stage: ${{sls:stage}}\n  name: a-${{sls:stage}}\n"
    config, _ = resolve(tmp_path, text, stage=stage)
    assert config["custom"]["stage"] == expected
    assert config["custom"]["name"] == f"a-{expected}"


# ------------------------------------------------------------------------------ fallbacks


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${self:custom.none, opt:stage, 'c'}", "c"),
        ("${self:custom.none, self:custom.value}", "v"),
        ("${opt:stage, self:custom.none, self:custom.value, 'c'}", "v"),
        ("${opt:foo, 'a, b'}", "a, b"),
        ('${opt:foo, "double"}', "double"),
        ("${opt:foo, 5}", 5),
        ("${opt:foo, 1.5}", 1.5),
        ("${opt:foo, true}", True),
        ("${opt:foo, ''}", ""),
        ("${env:SLSGUARD_UNSET, opt:foo, 'last'}", "last"),
    ],
)
def test_fallback_chains(tmp_path: Path, expression: str, expected: object) -> None:
    text = f'service: a\ncustom:\n  value: v\n  x: "{expression}"\n'
    if '"' in expression:
        text = f"service: a\ncustom:\n  value: v\n  x: '{expression}'\n"
    config, context = resolve(tmp_path, text)
    assert config["custom"]["x"] == expected
    assert context.problems == []


def test_nested_variable_inside_an_address(tmp_path: Path) -> None:
    config, _ = resolve(
        tmp_path,
        """
service: a
custom:
  memory:
    dev: 128
    prod: 1024
  size: ${self:custom.memory.${opt:stage, 'dev'}}
""",
        stage="prod",
    )
    assert config["custom"]["size"] == 1024


# ------------------------------------------------------------------------------ env


def test_env_uses_the_default_unless_an_environment_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLSGUARD_TEST_VAR", "from-process")
    text = (
        "service: a\ncustom:\n  x: ${env:SLSGUARD_TEST_VAR, 'd'}\n  y: ${env:SLSGUARD_TEST_VAR}\n"
    )
    config, context = resolve(tmp_path / "default", text)
    assert config["custom"]["x"] == "d"  # the process environment is never read implicitly
    missing = unresolved(config["custom"]["y"])
    assert missing.source == "env"
    assert missing in context.problems
    config, context = resolve(tmp_path / "given", text, environ={"SLSGUARD_TEST_VAR": "explicit"})
    assert config["custom"]["x"] == "explicit"
    assert config["custom"]["y"] == "explicit"
    assert context.problems == []


# ------------------------------------------------------------------------------ file


def test_file_include_with_key_and_whole_json(tmp_path: Path) -> None:
    config, context = resolve(
        tmp_path,
        """
service: a
custom:
  db: ${file(./config/settings.yml):database.host}
  all: ${file(./config/flags.json)}
  stage: ${file(./config/settings.yml):stages.${sls:stage}}
  fromIncluded: ${file(./config/settings.yml):service}
""",
        files={
            "config/settings.yml": (
                "database:\n  host: db.internal\nstages:\n  dev: small\n"
                "service: ${self:service}-included\n"
            ),
            "config/flags.json": '{"beta": true, "limits": [1, 2]}',
        },
    )
    assert config["custom"]["db"] == "db.internal"
    assert plain(config["custom"]["all"]) == {"beta": True, "limits": [1, 2]}
    assert config["custom"]["stage"] == "small"
    # `${self:...}` inside an included file refers to the including config.
    assert config["custom"]["fromIncluded"] == "a-included"
    assert context.included == {
        str(tmp_path.resolve() / "config/settings.yml"),
        str(tmp_path.resolve() / "config/flags.json"),
    }
    assert context.problems == []


def test_included_values_keep_the_included_file_in_positions(tmp_path: Path) -> None:
    config, _ = resolve(
        tmp_path,
        "service: a\nprovider:\n  environment: ${file(./env.yml):prod}\n",
        files={"env.yml": "prod:\n  API_URL: https://api.internal\n"},
    )
    environment = config["provider"]["environment"]
    assert isinstance(environment, YMap)
    assert environment.file == "env.yml"
    assert environment.key_positions["API_URL"] == (2, 3)


def test_missing_key_in_included_file_uses_the_fallback(tmp_path: Path) -> None:
    config, _ = resolve(
        tmp_path,
        "service: a\ncustom:\n  x: ${file(./c.yml):nope, 'fallback'}\n",
        files={"c.yml": "yes: 1\n"},
    )
    assert config["custom"]["x"] == "fallback"


def test_file_outside_the_scan_root_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "secrets.yml").write_text("password: hunter22\n")
    config, context = resolve(
        tmp_path / "project",
        "service: a\ncustom:\n  x: ${file(../secrets.yml):password}\n",
    )
    reference = unresolved(config["custom"]["x"])
    assert reference.source == "file"
    assert "scan root" in reference.reason
    assert context.included == set()
    assert reference in context.problems


def test_missing_include_is_unresolved(tmp_path: Path) -> None:
    config, context = resolve(tmp_path, "service: a\ncustom:\n  x: ${file(./nope.yml):key}\n")
    reference = unresolved(config["custom"]["x"])
    assert reference.source == "file"
    assert "does not exist" in reference.reason
    assert reference in context.problems


@pytest.mark.parametrize("name", ["config.js", "config.cjs", "config.mjs", "config.ts"])
def test_javascript_includes_are_never_executed(tmp_path: Path, name: str) -> None:
    marker = tmp_path / "executed"
    script = f"require('fs').writeFileSync({str(marker)!r}, 'yes'); module.exports = {{a: 1}};\n"
    config, context = resolve(
        tmp_path,
        f"service: a\ncustom:\n  x: ${{file(./{name}):a}}\n  y: ${{file(./{name}):a, 'd'}}\n",
        files={name: script},
    )
    reference = unresolved(config["custom"]["x"])
    assert reference.source == "file"
    assert "JavaScript" in reference.reason
    assert config["custom"]["y"] == "d"
    assert not marker.exists()
    assert context.included == set()


def test_self_including_file_does_not_loop(tmp_path: Path) -> None:
    config, _ = resolve(
        tmp_path,
        "service: a\ncustom: ${file(./loop.yml)}\n",
        files={"loop.yml": "again: ${file(./loop.yml)}\nvalue: 1\n"},
    )
    custom = config["custom"]
    assert isinstance(custom, YMap)
    assert custom["value"] == 1
    again = unresolved(custom["again"])
    assert (again.source, again.text) == ("file", "${file(loop.yml)}")  # no absolute path


# ------------------------------------------------------------------------------ params


PARAMS = """
service: a
params:
  prod:
    domain: example.com
  default:
    domain: dev.example.com
    bucket: ${sls:stage}-assets
custom:
  domain: ${param:domain}
  bucket: ${param:bucket}
  missing: ${param:nope, 'none'}
"""


@pytest.mark.parametrize(
    ("stage", "domain", "bucket"),
    [(None, "dev.example.com", "dev-assets"), ("prod", "example.com", "prod-assets")],
)
def test_params_for_the_stage_then_default(
    tmp_path: Path, stage: str | None, domain: str, bucket: str
) -> None:
    config, context = resolve(tmp_path, PARAMS, stage=stage)
    assert config["custom"]["domain"] == domain
    assert config["custom"]["bucket"] == bucket
    assert config["custom"]["missing"] == "none"
    assert context.problems == []


# ------------------------------------------------------------------------------ deploy time


@pytest.mark.parametrize(
    ("expression", "source", "address"),
    [
        ("${ssm:/app/db-password}", "ssm", "/app/db-password"),
        ("${ssm:/app/db-password~true}", "ssm", "/app/db-password~true"),
        (
            "${ssm:/aws/reference/secretsmanager/prod/db}",
            "ssm",
            "/aws/reference/secretsmanager/prod/db",
        ),
        ("${cf:network-stack.VpcId}", "cf", "network-stack.VpcId"),
        ("${output:network.VpcId}", "output", "network.VpcId"),
        ("${aws:accountId}", "aws", "accountId"),
        ("${aws:region}", "aws", "region"),
        ("${s3:my-bucket/config.json}", "s3", "my-bucket/config.json"),
    ],
)
def test_deploy_time_sources_stay_typed_references(
    tmp_path: Path, expression: str, source: str, address: str
) -> None:
    config, context = resolve(tmp_path, f"service: a\ncustom:\n  x: '{expression}'\n")
    assert config["custom"]["x"] == Reference(source, address, expression)
    assert context.problems == []


def test_ssm_with_a_region_argument(tmp_path: Path) -> None:
    config, _ = resolve(tmp_path, "service: a\ncustom:\n  x: ${ssm(us-east-1):/app/key}\n")
    reference = config["custom"]["x"]
    assert isinstance(reference, Reference)
    assert (reference.source, reference.address, reference.resolvable) == ("ssm", "/app/key", True)
    assert reference.text == "${ssm(us-east-1):/app/key}"


def test_deploy_time_reference_with_resolved_parts(tmp_path: Path) -> None:
    config, _ = resolve(
        tmp_path, "service: orders\ncustom:\n  x: ${ssm:/${self:service}/${sls:stage}/key}\n"
    )
    assert config["custom"]["x"] == Reference("ssm", "/orders/dev/key", "${ssm:/orders/dev/key}")


def test_deploy_time_value_wins_over_its_fallback(tmp_path: Path) -> None:
    config, _ = resolve(tmp_path, "service: a\ncustom:\n  x: ${ssm:/app/key, 'local'}\n")
    reference = config["custom"]["x"]
    assert isinstance(reference, Reference)
    assert (reference.source, reference.address) == ("ssm", "/app/key")


def test_unsupported_source_is_unresolved(tmp_path: Path) -> None:
    config, _ = resolve(tmp_path, "service: a\ncustom:\n  x: ${vault:secret/data/app}\n")
    reference = unresolved(config["custom"]["x"])
    assert reference.source == "vault"
    assert "not supported" in reference.reason


# ------------------------------------------------------------------------------ interpolation


def test_interpolation_of_literals_gives_a_string(tmp_path: Path) -> None:
    config, _ = resolve(
        tmp_path,
        "service: orders\ncustom:\n"
        "  bucket: ${self:service}-${opt:stage, 'dev'}-${opt:region, 'us-east-1'}\n"
        "  port: db:${self:custom.number}\n  number: 5432\n",
    )
    assert config["custom"]["bucket"] == "orders-dev-us-east-1"
    assert config["custom"]["port"] == "db:5432"


def test_interpolation_with_references_is_deferred(tmp_path: Path) -> None:
    config, _ = resolve(
        tmp_path,
        "service: orders\ncustom:\n  url: postgres://app:${ssm:/db/pw}@${cf:db.Host}/${self:service}\n",
    )
    value = config["custom"]["url"]
    assert value == Deferred(
        "postgres://app:${ssm:/db/pw}@${cf:db.Host}/orders",
        (Reference("ssm", "/db/pw", "${ssm:/db/pw}"), Reference("cf", "db.Host", "${cf:db.Host}")),
    )


def test_interpolating_a_map_is_unresolved(tmp_path: Path) -> None:
    config, _ = resolve(tmp_path, "service: a\ncustom:\n  m: {a: 1}\n  s: x-${self:custom.m}\n")
    value = config["custom"]["s"]
    assert isinstance(value, Deferred)
    assert value.text == "x-${self:custom.m}"
    assert [ref.resolvable for ref in value.references] == [False]


# ------------------------------------------------------------------------------ bounds


def test_circular_references_are_unresolved(tmp_path: Path) -> None:
    started = time.perf_counter()
    config, context = resolve(
        tmp_path,
        """
service: a
custom:
  a: ${self:custom.b}
  b: ${self:custom.a}
  me: ${self:custom.me}
  whole: ${self:}
  text: x-${self:custom.text}
""",
    )
    assert time.perf_counter() - started < 5
    for key in ("a", "b", "me"):
        assert "circular" in unresolved(config["custom"][key]).reason
    # Written as the variable that loops, not as a bare key path.
    assert unresolved(config["custom"]["me"]).text == "${self:custom.me}"
    assert isinstance(config["custom"]["whole"], Reference)
    text = config["custom"]["text"]
    assert isinstance(text, Deferred | Reference)
    assert context.problems


def test_exponential_string_growth_is_bounded(tmp_path: Path) -> None:
    levels = ["  a0: xxxxxxxxxxxxxxxx"]
    levels += [f"  a{i}: ${{self:custom.a{i - 1}}}${{self:custom.a{i - 1}}}" for i in range(1, 60)]
    started = time.perf_counter()
    config, _ = resolve(tmp_path, "service: a\ncustom:\n" + "\n".join(levels) + "\n")
    assert time.perf_counter() - started < 10
    custom = config["custom"]
    assert custom["a10"] == "x" * 16 * 1024  # small levels resolve exactly
    for index in range(60):
        value = custom[f"a{index}"]
        text = value if isinstance(value, str) else value.text
        assert len(text) <= MAX_STRING
        references = value.references if isinstance(value, Deferred) else ()
        assert len(references) <= MAX_STRING
    assert isinstance(custom["a59"], Reference | Deferred)
    assert any(
        isinstance(custom[f"a{i}"], Reference) and "too large" in custom[f"a{i}"].reason
        for i in range(60)
    )


def test_deep_nesting_is_bounded(tmp_path: Path) -> None:
    chain = [f"  k{i}: ${{self:custom.k{i + 1}}}" for i in range(200)] + ["  k200: end"]
    config, _ = resolve(tmp_path, "service: a\ncustom:\n" + "\n".join(chain) + "\n")
    # Every value is either resolved or explicitly unresolved: nothing raised.
    for i in range(201):
        value = config["custom"][f"k{i}"]
        assert value == "end" or isinstance(value, Reference)


# ------------------------------------------------------------------------------ Fn::Sub


def test_cloudformation_sub_syntax_is_left_alone(tmp_path: Path) -> None:
    config, context = resolve(
        tmp_path,
        """
service: orders
resources:
  Resources:
    Policy:
      Properties:
        Arn:
          Fn::Sub: arn:aws:s3:::${AWS::Region}-${self:service}/${AWS::AccountId}
        Short: !Sub "${Table.Arn}/index/*"
        Name: !Sub "${Table}"
        Both: !Sub "${AWS::StackName}-${opt:stage, 'dev'}"
""",
    )
    properties = config["resources"]["Resources"]["Policy"]["Properties"]
    assert properties["Arn"] == {"Fn::Sub": "arn:aws:s3:::${AWS::Region}-orders/${AWS::AccountId}"}
    assert properties["Short"] == {"Fn::Sub": "${Table.Arn}/index/*"}
    assert properties["Name"] == {"Fn::Sub": "${Table}"}
    assert properties["Both"] == {"Fn::Sub": "${AWS::StackName}-dev"}
    assert context.problems == []
