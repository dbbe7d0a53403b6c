"""Zappa projects (`zappa_settings.json`/`.yml`/`.yaml`/`.toml`), one app per stage.

Zappa deploys one function per stage (handler `handler.lambda_handler`, serving the WSGI app
of `app_function`, or Django through `django_settings`) behind a REST API that proxies
every path (`ANY /` and `ANY /{proxy+}`), guarded by `iam_authorization`, an `authorizer`
or `api_key_required`; `function_url_enabled` adds a function URL whose
`function_url_config.authorizer` is `NONE` by default (`use_apigateway: false`, the older
name of `apigateway_enabled`, removes the API; `lambda_handler` replaces the WSGI app).
Its role, when Zappa manages it (`manage_roles`, the default), gets `attach_policy` or else
Zappa's own broad `ATTACH_POLICY` (modelled below), plus `extra_permissions`. `extends`
merges another stage.
The views are the Flask routes of the `app_function` module, or the views Django's
`ROOT_URLCONF` routes (`loading.django_urls`; without one, every function of the `views.py`
files that takes `request`); the function runs each with its request object as the source.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from slsguard.findings import Origin
from slsguard.loading.chalice import (
    ADDRESS,
    GENERATED_POLICY,
    SETTINGS_PATH,
    VIEWS,
    located_tree,
)
from slsguard.loading.chalice_app import parse_python
from slsguard.loading.cloudformation import build_stack, lambda_functions, lambda_permissions
from slsguard.loading.django_urls import django_views
from slsguard.loading.yaml import FileMap, YList, YMap, load_file
from slsguard.model import Application, Document, Trigger

ATTACH_POLICY: tuple[tuple[tuple[str, ...], str], ...] = (
    (("logs:*",), "arn:aws:logs:*:*:*"),
    (("lambda:InvokeFunction",), "*"),
    (("xray:PutTraceSegments", "xray:PutTelemetryRecords"), "*"),
    (
        (
            "ec2:AttachNetworkInterface",
            "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeInstances",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DetachNetworkInterface",
            "ec2:ModifyNetworkInterfaceAttribute",
            "ec2:ResetNetworkInterfaceAttribute",
        ),
        "*",
    ),
    (("s3:*",), "arn:aws:s3:::*"),
    (("kinesis:*",), "arn:aws:kinesis:*:*:*"),
    (("sns:*",), "arn:aws:sns:*:*:*"),
    (("sqs:*",), "arn:aws:sqs:*:*:*"),
    (("dynamodb:*",), "arn:aws:dynamodb:*:*:*"),
    (("route53:*",), "*"),
)
"""Zappa's default policy for the role it manages (`zappa/core.py` `ATTACH_POLICY`)."""
_SETTINGS = {
    "runtime": "Runtime",
    "timeout_seconds": "Timeout",
    "memory_size": "MemorySize",
    "layers": "Layers",
    "lambda_concurrency": "ReservedConcurrentExecutions",
    "aws_kms_key_arn": "KmsKeyArn",
}
_FLASK_VERBS = {"get", "post", "put", "patch", "delete"}


def load_zappa(
    path: Path, display: Callable[[Path], str], scan_root: Path
) -> tuple[list[Application], list[Any]]:
    """One application per stage of a Zappa project, and the settings file's problems."""
    shown = display(path)
    if path.suffix == ".toml":
        root, problems = _toml(path, shown), []
    else:
        loaded = load_file(str(path), shown)
        root, problems = loaded.root, loaded.problems
    if not isinstance(root, YMap):
        return [], problems
    apps = []
    for stage, settings in root.items():
        if isinstance(settings, YMap):
            merged = _extended(root, settings)
            apps.append(_stage(stage, merged, root, path, display, scan_root))
    return apps, problems


def _toml(path: Path, shown: str) -> YMap | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    located = located_tree(data, shown, (1, 1))
    return located if isinstance(located, YMap) else None


def _extended(root: YMap, settings: YMap, depth: int = 0) -> YMap:
    """A stage with the stage it `extends` underneath (its own keys win)."""
    parent = root.get(str(settings.get("extends", "")))
    if not isinstance(parent, YMap) or depth > 8:
        return settings
    merged = YMap(settings.file, settings.position)
    for source in (_extended(root, parent, depth + 1), settings):
        for key, value in source.items():
            merged[key] = value
            merged.key_positions[key] = source.key_positions.get(key, source.position)
    return merged


def _stage(
    stage: str,
    settings: YMap,
    root: YMap,
    path: Path,
    display: Callable[[Path], str],
    scan_root: Path,
) -> Application:
    shown = display(path)
    resources = FileMap(shown, settings.position)
    function = _function(stage, settings, shown, path.parent, scan_root, display)
    function["Properties"]["Role"] = _role(stage, settings, path, display, resources)
    _add(resources, "ZappaFunction", function)
    if settings.get("apigateway_enabled", settings.get("use_apigateway", True)) is not False:
        _api(resources, settings, stage, shown)
    if settings.get("function_url_enabled") is True:
        _function_url(resources, settings, stage, shown)
    template = YMap(shown, settings.position)
    template["Resources"] = resources
    origin = Origin(shown, (stage,), *settings.position)
    stack = build_stack(template, shown, origin)
    functions = [_with_events(fn, settings, shown, stage) for fn in lambda_functions(stack)]
    roles = {fn.role.key: fn.role for fn in functions if fn.role is not None}
    name = str(settings.get("project_name") or path.parent.name)
    return Application(
        name=f"{name} ({stage})",
        kind="zappa",
        file=shown,
        origin=origin,
        functions=tuple(functions),
        roles=tuple(roles.values()),
        permissions=tuple(lambda_permissions(stack)),
        documents=(Document(shown, root),),
        template=template,
        resources=resources,
        resources_origin=origin,
        scan_root=str(scan_root),
    )


def _at(settings: YMap, key: str) -> tuple[int, int]:
    return settings.key_positions.get(key, settings.position)


def _function(
    stage: str,
    settings: YMap,
    shown: str,
    project: Path,
    scan_root: Path,
    display: Callable[[Path], str],
) -> YMap:
    properties = YMap(shown, settings.position)
    # Zappa's own `handler.lambda_handler` serves this module: its code is what runs.
    properties["Handler"] = _served_module(settings)
    properties["Code"] = "."
    for key, name in _SETTINGS.items():
        if key in settings:
            properties[name] = settings[key]
            properties.key_positions[name] = _at(settings, key)
    variables = YMap(shown, settings.position)
    for key in ("aws_environment_variables", "environment_variables"):
        env = settings.get(key)
        if isinstance(env, YMap):
            for name, value in env.items():
                variables[name] = value
                variables.key_positions[name] = env.key_positions.get(name, env.position)
    if variables:
        properties["Environment"] = {"Variables": variables}
        properties.key_positions["Environment"] = variables.position
    if settings.get("xray_tracing") is True:
        properties["TracingConfig"] = {"Mode": "Active"}
        properties.key_positions["TracingConfig"] = _at(settings, "xray_tracing")
    dead_letter = settings.get("dead_letter_arn")
    if isinstance(dead_letter, str):
        properties["DeadLetterConfig"] = {"TargetArn": dead_letter}
        properties.key_positions["DeadLetterConfig"] = _at(settings, "dead_letter_arn")
    vpc = settings.get("vpc_config")
    if isinstance(vpc, YMap):
        properties["VpcConfig"] = vpc
        properties.key_positions["VpcConfig"] = _at(settings, "vpc_config")
    resource = YMap(shown, settings.position)
    resource["Type"] = "AWS::Lambda::Function"
    resource["Properties"] = properties
    views = YList(shown, settings.position)
    views.extend(_views(settings, project, scan_root))
    resource["Metadata"] = {ADDRESS: stage, VIEWS: views, SETTINGS_PATH: [stage]}
    return resource


def _role(
    stage: str, settings: YMap, path: Path, display: Callable[[Path], str], resources: YMap
) -> object:
    shown = display(path)
    if settings.get("manage_roles") is False:
        arn = settings.get("role_arn") or settings.get("role_name")
        return arn if arn is not None else "<role_arn>"
    attach = settings.get("attach_policy")
    document: Any = None
    if isinstance(attach, str):
        target = (path.parent / attach).resolve()
        if target.is_file():
            document = load_file(str(target), display(target)).root
    generated = document is None
    if document is None:
        where = _at(settings, "attach_policy") if attach else settings.position
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": list(actions), "Resource": resource}
                for actions, resource in ATTACH_POLICY
            ],
        }
        document = located_tree(document, shown, where)
    extra = settings.get("extra_permissions")
    if isinstance(extra, list) and isinstance(document, YMap):
        statements = document.get("Statement")
        if isinstance(statements, YList):
            statements.extend(extra)
            statements.item_positions.extend(getattr(extra, "item_positions", []) or [])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "apigateway.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    policies = [{"PolicyName": "zappa-permissions", "PolicyDocument": document}]
    role = YMap(shown, settings.position)
    role["Type"] = "AWS::IAM::Role"
    role["Properties"] = {"AssumeRolePolicyDocument": trust, "Policies": policies}
    role["Metadata"] = {ADDRESS: stage, GENERATED_POLICY: generated}
    _add(resources, "ZappaLambdaExecutionRole", role)
    return {"Fn::GetAtt": ["ZappaLambdaExecutionRole", "Arn"]}


def _api(resources: YMap, settings: YMap, stage: str, shown: str) -> None:
    """The proxy REST API: `ANY /` and `ANY /{proxy+}` with the stage's guards."""
    kind = "NONE"
    where = settings.position
    authorizer = settings.get("authorizer")
    if settings.get("iam_authorization") is True:
        kind, where = "AWS_IAM", _at(settings, "iam_authorization")
    elif isinstance(authorizer, YMap):
        kind, where = "CUSTOM", _at(settings, "authorizer")
    api_key = settings.get("api_key_required") is True
    _add(resources, "Api", located_tree({"Type": "AWS::ApiGateway::RestApi"}, shown, where))
    proxy = {
        "Type": "AWS::ApiGateway::Resource",
        "Properties": {
            "RestApiId": {"Ref": "Api"},
            "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
            "PathPart": "{proxy+}",
        },
    }
    _add(resources, "ProxyResource", located_tree(proxy, shown, where))
    if kind == "CUSTOM":
        custom = {"Type": "AWS::ApiGateway::Authorizer", "Properties": {"Type": "TOKEN"}}
        _add(resources, "Authorizer", located_tree(custom, shown, where))
    for logical, parent in (
        ("ANY0", {"Fn::GetAtt": ["Api", "RootResourceId"]}),
        ("ANY1", {"Ref": "ProxyResource"}),
    ):
        properties: dict[str, Any] = {
            "RestApiId": {"Ref": "Api"},
            "ResourceId": parent,
            "HttpMethod": "ANY",
            "AuthorizationType": kind,
            "ApiKeyRequired": api_key,
            "Integration": {
                "Type": "AWS_PROXY",
                "IntegrationHttpMethod": "POST",
                "Uri": {"Fn::GetAtt": ["ZappaFunction", "Arn"]},
            },
        }
        if kind == "CUSTOM":
            properties["AuthorizerId"] = {"Ref": "Authorizer"}
        method = {"Type": "AWS::ApiGateway::Method", "Properties": properties}
        method["Metadata"] = {ADDRESS: f"{stage}.apigateway_enabled"}
        _add(resources, logical, located_tree(method, shown, where))


def _function_url(resources: YMap, settings: YMap, stage: str, shown: str) -> None:
    config = settings.get("function_url_config")
    auth = config.get("authorizer", "NONE") if isinstance(config, YMap) else "NONE"
    where = _at(settings, "function_url_enabled")
    url = {
        "Type": "AWS::Lambda::Url",
        "Properties": {"TargetFunctionArn": {"Ref": "ZappaFunction"}, "AuthType": auth},
        "Metadata": {SETTINGS_PATH: [stage]},
    }
    _add(resources, "FunctionUrl", located_tree(url, shown, where))


def _with_events(fn: Any, settings: YMap, shown: str, stage: str) -> Any:
    """The triggers of `events` (schedules and event sources) at their entries."""
    events = settings.get("events")
    if not isinstance(events, YList):
        return fn
    triggers = list(fn.triggers)
    for index, event in enumerate(events):
        if not isinstance(event, YMap):
            continue
        positions = events.item_positions
        line, column = positions[index] if index < len(positions) else events.position
        where = Origin(shown, (stage, "events", index), line, column)
        source = event.get("event_source")
        arn = str(source.get("arn", "")) if isinstance(source, YMap) else ""
        kind = "schedule" if "expression" in event else _source_kind(arn)
        triggers.append(Trigger(kind, where, {"arn": arn} if arn else event))
    return replace(fn, triggers=tuple(triggers))


def _source_kind(arn: str) -> str:
    for marker, kind in (("s3", "s3"), ("sqs", "sqs"), ("sns", "sns")):
        if f":{marker}:" in arn:
            return kind
    return "stream" if ":kinesis:" in arn or ":dynamodb:" in arn else "eventbridge"


def _served_module(settings: YMap) -> str:
    """`lambda_handler` when set (a plain handler), `app.app` for `app_function`,
    `mysite.settings.application` for Django."""
    plain = settings.get("lambda_handler")
    if isinstance(plain, str) and "." in plain:
        return plain
    function = settings.get("app_function")
    if isinstance(function, str) and "." in function:
        return function
    django = settings.get("django_settings")
    return f"{django}.application" if isinstance(django, str) else "handler.lambda_handler"


def _views(settings: YMap, project: Path, scan_root: Path) -> list[list[str]]:
    """[view, METHOD, path, file, request] for the Flask routes or Django views."""
    function = settings.get("app_function")
    if isinstance(settings.get("lambda_handler"), str):
        return []  # a plain handler, analysed as such
    if isinstance(function, str) and "." in function:
        module, _, variable = function.rpartition(".")
        return _flask_views(project, module.replace(".", "/") + ".py", variable, scan_root)
    django = settings.get("django_settings")
    if isinstance(django, str) and django:
        routed = django_views(project, django, scan_root)
        return routed if routed is not None else _django_views(project, scan_root)
    return []


def _flask_views(project: Path, file: str, variable: str, scan_root: Path) -> list[list[str]]:
    tree = parse_python(project / file, scan_root)
    views: list[list[str]] = []
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else None
            if not isinstance(target, ast.Attribute) or not isinstance(target.value, ast.Name):
                continue
            if target.value.id != variable or not call or not call.args:
                continue
            if target.attr == "route" or target.attr in _FLASK_VERBS:
                path = call.args[0].value if isinstance(call.args[0], ast.Constant) else "/"
                views.append([node.name, "ANY", str(path), file, "0"])
    return views


def _django_views(project: Path, scan_root: Path) -> list[list[str]]:
    """Without a readable URL configuration: every `views.py` function taking `request`."""
    views: list[list[str]] = []
    for path in sorted(project.rglob("views.py"))[:50]:
        tree = parse_python(path, scan_root)
        functions = [
            node
            for node in (tree.body if tree is not None else [])
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for node in functions:
            if node.args.args and node.args.args[0].arg == "request":
                relative = path.relative_to(project).as_posix()
                views.append([node.name, "ANY", "/", relative, "1"])
    return views


def _add(resources: YMap, logical: str, resource: YMap) -> None:
    resource = located_tree(resource, resource.file, resource.position)
    resources[logical] = resource
    resources.key_positions[logical] = resource.position
