"""AWS Chalice projects (`.chalice/config.json` + `app.py` + `chalicelib/`), one app per stage.

Chalice deploys every `@app.route` view in one function (`APIHandler`, handler `app.app`)
behind a REST API, and each event decorator as a function of its own; all share the
default role unless `manage_iam_role` is false (`iam_role_arn`). The role's policy is the
stage's `iam_policy_file` when `autogen_policy` is false, else the policy Chalice generates:
CloudWatch Logs plus, for each boto3 client call its analyser finds in the code, that
service action on `*`. Stage settings override the top-level ones (`environment_variables`
merge). The project is written into CloudFormation-shaped resources, each value keeping
the line of `config.json` or `app.py` it came from, so every rule reads it unchanged; the
resources record their Chalice address (`stages.prod`, `@app.route("/users")`) for the
dialect (`slsguard.dialects.chalice`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from slsguard.findings import Origin
from slsguard.loading.chalice_app import (
    ChaliceApp,
    EventFunction,
    Route,
    app_name,
    read_chalice_app,
)
from slsguard.loading.cloudformation import build_stack, lambda_functions, lambda_permissions
from slsguard.loading.yaml import FileMap, YList, YMap, load_file
from slsguard.model import Application, Document, Trigger

ADDRESS = "slsguard:address"
"""The Metadata key under which a translated resource keeps its native address (the
dialects read it: `slsguard.dialects.settings_file.ADDRESS`)."""
VIEWS = "slsguard:views"
"""The Metadata key listing the views (`[view, METHOD, path]`) the API handler runs."""
SETTINGS_PATH = "slsguard:settings"
"""The Metadata key with the config path of a function's own settings
(`stages.dev.lambda_functions.api_handler`): where a fix of that function is written."""
EVENT_ROOT = "slsguard:event-root"
"""The Metadata key with the event keys a Chalice event object stands for."""
EVENT_ROOTS = {
    "s3": ("Records", "[]", "s3", "object"),  # `event.key`, `event.bucket`
    "sqs": ("Records",),  # `for record in event: record.body`
    "sns": ("Records", "[]", "Sns"),  # `event.message`, `event.subject`
    "stream": ("Records",),
}
_SETTINGS = {
    "lambda_timeout": "Timeout",
    "lambda_memory_size": "MemorySize",
    "reserved_concurrency": "ReservedConcurrentExecutions",
    "layers": "Layers",
}
API_HANDLER = "api_handler"
"""The name `lambda_functions` gives the function that runs every `@app.route` view."""
_LOGS = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
_XRAY = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
_NETWORK_INTERFACES = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DetachNetworkInterface",
    "ec2:DeleteNetworkInterface",
)
GENERATED_POLICY = "slsguard:generated-policy"
"""The role Metadata key saying the framework writes its policy (Chalice's auto-generated
one, Zappa's `ATTACH_POLICY`), which grants what framework settings need (X-Ray)."""


def load_chalice(
    config: Path, display: Callable[[Path], str], scan_root: Path
) -> tuple[list[Application], list[Any]]:
    """One application per stage of a Chalice project, and the config's load problems."""
    loaded = load_file(str(config), display(config))
    root = loaded.root
    if not isinstance(root, YMap):
        return [], loaded.problems
    project = config.parent.parent
    code = read_chalice_app(project, scan_root)
    name = str(root.get("app_name") or app_name(project, scan_root) or project.name)
    stages = root.get("stages")
    names = list(stages) if isinstance(stages, YMap) and stages else ["dev"]
    apps = [_stage(root, stage, name, code, config, display, scan_root) for stage in names]
    return apps, loaded.problems


def _stage(
    root: YMap,
    stage: str,
    name: str,
    code: ChaliceApp,
    config: Path,
    display: Callable[[Path], str],
    scan_root: Path,
) -> Application:
    shown = display(config)
    stages = root.get("stages")
    settings = stages.get(stage) if isinstance(stages, YMap) else None
    settings = settings if isinstance(settings, YMap) else YMap(shown, root.position)
    resources = FileMap(shown, root.position)
    role = _role(root, settings, stage, code, config, display, resources)
    if code.routes:
        api = _function(root, (stage, API_HANDLER), "app.app", role, shown)
        views = YList(shown, root.position)
        project = config.parent.parent
        views.extend(
            [r.view, method, r.path, r.file.relative_to(project).as_posix(), "0"]
            for r in code.routes
            for method in r.methods
        )
        api["Metadata"][VIEWS] = views
        _add(resources, "APIHandler", api)
        _log_group(resources, "APIHandler", root, (stage, API_HANDLER))
        _routes(resources, code.routes, display)
    for event in code.events:
        function = _function(root, (stage, event.name), f"app.{event.name}", role, shown)
        function["Metadata"][ADDRESS] = f"@app.{event.kind} {event.name}"
        function["Metadata"][EVENT_ROOT] = list(EVENT_ROOTS.get(event.kind, ()))
        _add(resources, event.name, function)
        _log_group(resources, event.name, root, (stage, event.name))
    template = YMap(shown, root.position)
    template["Resources"] = resources
    origin = Origin(shown)
    stack = build_stack(template, shown, origin)
    functions = [_with_triggers(fn, code.events, display) for fn in lambda_functions(stack)]
    roles = {fn.role.key: fn.role for fn in functions if fn.role is not None}
    documents = [Document(shown, root)]
    return Application(
        name=f"{name} ({stage})",
        kind="chalice",
        file=shown,
        origin=origin,
        functions=tuple(functions),
        roles=tuple(roles.values()),
        permissions=tuple(lambda_permissions(stack)),
        documents=tuple(documents),
        template=template,
        resources=resources,
        resources_origin=origin,
        scan_root=str(scan_root),
    )


def _scopes(root: YMap, stage: str, name: str) -> list[YMap]:
    """Where a function's settings are written, first match wins: the stage's
    `lambda_functions.<name>`, the top-level `lambda_functions.<name>`, the stage, the top."""
    stages = root.get("stages")
    settings = stages.get(stage) if isinstance(stages, YMap) else None
    settings = settings if isinstance(settings, YMap) else YMap(root.file, root.position)
    scopes = []
    for where in (settings, root):
        functions = where.get("lambda_functions")
        own = functions.get(name) if isinstance(functions, YMap) else None
        if isinstance(own, YMap):
            scopes.append(own)
    return [*scopes, settings, root]


def _setting(scopes: list[YMap], key: str) -> tuple[Any, YMap] | None:
    """A setting from the first scope that writes it, with the map it is written in."""
    for where in scopes:
        if key in where:
            return where[key], where
    return None


def _function(
    root: YMap, function: tuple[str, str], handler: str, role: object, shown: str
) -> YMap:
    """An `AWS::Lambda::Function` with its settings, each at its config key.

    `function` is (stage, name in `lambda_functions`)."""
    stage, name = function
    scopes = _scopes(root, stage, name)
    position = scopes[-2].position
    properties = YMap(shown, position)
    properties["Handler"] = handler
    properties["Role"] = role
    properties["Code"] = ".."  # the project folder, next to `.chalice/`
    for key, property_name in _SETTINGS.items():
        found = _setting(scopes, key)
        if found is not None:
            properties[property_name] = found[0]
            properties.key_positions[property_name] = found[1].key_positions.get(key, (1, 1))
    variables = YMap(shown, position)
    for where in reversed(scopes):  # the most specific variables override the others
        env = where.get("environment_variables")
        if isinstance(env, YMap):
            for key, value in env.items():
                variables[key] = value
                variables.key_positions[key] = env.key_positions.get(key, env.position)
    if variables:
        environment = YMap(shown, variables.position)
        environment["Variables"] = variables
        properties["Environment"] = environment
    xray = _setting(scopes[-2:], "xray")  # a stage setting only
    if xray is not None and xray[0] is True:
        tracing = YMap(shown, xray[1].key_positions.get("xray", (1, 1)))
        tracing["Mode"] = "Active"
        properties["TracingConfig"] = tracing
        properties.key_positions["TracingConfig"] = tracing.position
    subnets = _setting(scopes, "subnet_ids")
    if subnets is not None:
        vpc = YMap(shown, subnets[1].key_positions.get("subnet_ids", (1, 1)))
        vpc["SubnetIds"] = subnets[0]
        groups = _setting(scopes, "security_group_ids")
        vpc["SecurityGroupIds"] = groups[0] if groups is not None else []
        properties["VpcConfig"] = vpc
    resource = YMap(shown, position)
    resource["Type"] = "AWS::Lambda::Function"
    resource["Properties"] = properties
    metadata = YMap(shown, position)
    metadata[ADDRESS] = f"stages.{stage}"
    metadata[SETTINGS_PATH] = ["stages", stage, "lambda_functions", name]
    resource["Metadata"] = metadata
    return resource


def _log_group(resources: YMap, logical: str, root: YMap, function: tuple[str, str]) -> None:
    """The log group `chalice package` adds for `log_retention_in_days`, at that key."""
    found = _setting(_scopes(root, *function), "log_retention_in_days")
    if found is None:
        return
    days, where = found
    group = YMap(where.file, where.key_positions.get("log_retention_in_days", where.position))
    group["Type"] = "AWS::Logs::LogGroup"
    group["Properties"] = {
        "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{{logical}}}"},
        "RetentionInDays": days,
    }
    _add(resources, f"{logical}LogGroup", group)


def _role(
    root: YMap,
    settings: YMap,
    stage: str,
    code: ChaliceApp,
    config: Path,
    display: Callable[[Path], str],
    resources: YMap,
) -> object:
    """The role reference every function uses (adding the default role when Chalice makes it)."""
    shown = display(config)
    manage = _setting([settings, root], "manage_iam_role")
    if manage is not None and manage[0] is False:
        arn = _setting([settings, root], "iam_role_arn")
        return arn[0] if arn is not None else "<iam_role_arn>"
    autogen = _setting([settings, root], "autogen_policy")
    if autogen is not None and autogen[0] is False:
        found = _setting([settings, root], "iam_policy_file")
        policy_name = str(found[0]) if found is not None else f"policy-{stage}.json"
        path = config.parent / policy_name
        loaded = load_file(str(path), display(path)) if path.is_file() else None
        document = loaded.root if loaded is not None else None
    else:
        document = _autogen(code, display, shown, settings.position)
        _framework_grants(document, [settings, root], shown)
    properties = YMap(shown, settings.position)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    properties["AssumeRolePolicyDocument"] = trust
    if document is not None:
        policy = YMap(shown, settings.position)
        policy["PolicyName"] = "DefaultRolePolicy"
        policy["PolicyDocument"] = document
        policies = YList(shown, settings.position)
        policies.append(policy)
        properties["Policies"] = policies
    resource = YMap(shown, settings.position)
    resource["Type"] = "AWS::IAM::Role"
    resource["Properties"] = properties
    metadata = YMap(shown, settings.position)
    metadata[ADDRESS] = f"stages.{stage}"
    metadata[GENERATED_POLICY] = autogen is None or autogen[0] is not False
    resource["Metadata"] = metadata
    _add(resources, "DefaultRole", resource)
    return {"Fn::GetAtt": ["DefaultRole", "Arn"]}


def _autogen(
    code: ChaliceApp, display: Callable[[Path], str], shown: str, position: tuple[int, int]
) -> YMap:
    """The policy Chalice generates: logs, then each service action the code calls, on `*`."""
    document = YMap(shown, position)
    document["Version"] = "2012-10-17"
    statements = YList(shown, position)
    logs = YMap(shown, position)
    logs.update({"Effect": "Allow", "Action": list(_LOGS), "Resource": "arn:*:logs:*:*:*"})
    statements.append(logs)
    statements.item_positions.append(position)
    by_service: dict[str, YMap] = {}
    for call in code.calls:
        action = f"{call.service}:{_camel(call.method)}"
        statement = by_service.get(call.service)
        if statement is None:
            statement = YMap(display(call.file), (call.line, 1))
            statement.update({"Effect": "Allow", "Action": [], "Resource": ["*"]})
            by_service[call.service] = statement
            statements.append(statement)
            statements.item_positions.append((call.line, 1))
        if action not in statement["Action"]:
            statement["Action"].append(action)
    document["Statement"] = statements
    return document


def _framework_grants(document: YMap, scopes: list[YMap], shown: str) -> None:
    """What Chalice adds to the policy it generates: X-Ray write with `xray`, the network
    interface actions with `subnet_ids` and `security_group_ids`."""
    statements = document["Statement"]
    added: list[tuple[list[str], tuple[int, int]]] = []
    xray = _setting(scopes, "xray")
    if xray is not None and xray[0] is True:
        added.append((list(_XRAY), xray[1].key_positions.get("xray", xray[1].position)))
    subnets = _setting(scopes, "subnet_ids")
    if subnets is not None and _setting(scopes, "security_group_ids") is not None:
        where = subnets[1].key_positions.get("subnet_ids", subnets[1].position)
        added.append((list(_NETWORK_INTERFACES), where))
    for actions, position in added:
        statement = YMap(shown, position)
        statement.update({"Effect": "Allow", "Action": actions, "Resource": "*"})
        statements.append(statement)
        statements.item_positions.append(position)


def _camel(method: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in method.split("_"))


def _routes(resources: YMap, routes: list[Route], display: Callable[[Path], str]) -> None:
    """A REST API with one method per route and method, each at its decorator."""
    api = YMap(display(routes[0].file), (routes[0].line, 1))
    api["Type"] = "AWS::ApiGateway::RestApi"
    api["Properties"] = {"Name": "RestAPI"}
    _add(resources, "RestAPI", api)
    for route in routes:
        file = display(route.file)
        parent = _path_resources(resources, route.path, file, (route.line, route.column))
        for method in route.methods:
            properties = YMap(file, (route.line, route.column))
            properties.update(
                {
                    "RestApiId": {"Ref": "RestAPI"},
                    "ResourceId": parent,
                    "HttpMethod": method,
                    "AuthorizationType": route.authorizer,
                    "ApiKeyRequired": route.api_key_required,
                    "Integration": {
                        "Type": "AWS_PROXY",
                        "IntegrationHttpMethod": "POST",
                        "Uri": {"Fn::GetAtt": ["APIHandler", "Arn"]},
                    },
                }
            )
            for key in properties:
                properties.key_positions[key] = (route.line, route.column)
            if route.authorizer in ("CUSTOM", "COGNITO_USER_POOLS"):
                properties["AuthorizerId"] = {"Ref": _authorizer(resources, route, file)}
            method_resource = YMap(file, (route.line, route.column))
            method_resource["Type"] = "AWS::ApiGateway::Method"
            method_resource["Properties"] = properties
            metadata = YMap(file, (route.line, route.column))
            metadata[ADDRESS] = f"@app.route({route.path!r}) {route.view}"
            method_resource["Metadata"] = metadata
            _add(resources, f"Method{method}{_logical(route.path)}", method_resource)
            if route.cors is not None and method == route.methods[0]:
                _add(
                    resources,
                    f"MethodOPTIONS{_logical(route.path)}",
                    _preflight(route, parent, file),
                )


def _authorizer(resources: YMap, route: Route, file: str) -> str:
    logical = f"Authorizer{_logical(route.authorizer_name)}"
    resource = YMap(file, (route.line, route.column))
    resource["Type"] = "AWS::ApiGateway::Authorizer"
    kind = "COGNITO_USER_POOLS" if route.authorizer == "COGNITO_USER_POOLS" else "TOKEN"
    resource["Properties"] = {
        "Type": kind,
        "Name": route.authorizer_name,
        "RestApiId": {"Ref": "RestAPI"},
    }
    _add(resources, logical, resource)
    return logical


def _preflight(route: Route, parent: object, file: str) -> YMap:
    """The OPTIONS method Chalice adds for `cors=`, allowing the configured origin."""
    origin = f"'{route.cors}'"
    resource = YMap(file, (route.line, route.column))
    resource["Type"] = "AWS::ApiGateway::Method"
    resource["Properties"] = {
        "RestApiId": {"Ref": "RestAPI"},
        "ResourceId": parent,
        "HttpMethod": "OPTIONS",
        "AuthorizationType": "NONE",
        "Integration": {
            "Type": "MOCK",
            "IntegrationResponses": [
                {
                    "StatusCode": "200",
                    "ResponseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": origin
                    },
                }
            ],
        },
    }
    return resource


def _path_resources(resources: YMap, path: str, file: str, position: tuple[int, int]) -> object:
    """The `ResourceId` of a path, adding one `AWS::ApiGateway::Resource` per segment."""
    parent: object = {"Fn::GetAtt": ["RestAPI", "RootResourceId"]}
    built = ""
    for segment in [part for part in path.split("/") if part]:
        built += "/" + segment
        logical = f"Resource{_logical(built)}"
        if logical not in resources:
            resource = YMap(file, position)
            resource["Type"] = "AWS::ApiGateway::Resource"
            resource["Properties"] = {
                "RestApiId": {"Ref": "RestAPI"},
                "ParentId": parent,
                "PathPart": segment,
            }
            _add(resources, logical, resource)
        parent = {"Ref": logical}
    return parent


def _logical(text: str) -> str:
    return "".join(ch for ch in text.title() if ch.isalnum()) or "Root"


def located_tree(value: Any, file: str, position: tuple[int, int]) -> Any:
    """Plain dicts and lists as located maps and lists (every key at `position`)."""
    if isinstance(value, dict) and not isinstance(value, YMap):
        node = YMap(file, position)
        for key, item in value.items():
            node[key] = located_tree(item, file, position)
            node.key_positions[key] = position
        return node
    if isinstance(value, YMap):
        for key in list(value):
            value[key] = located_tree(value[key], value.file or file, value.position)
        return value
    if isinstance(value, list) and not isinstance(value, YList):
        items = YList(file, position)
        items.extend(located_tree(item, file, position) for item in value)
        items.item_positions.extend([position] * len(value))
        return items
    return value


def _add(resources: YMap, logical: str, resource: YMap) -> None:
    resource = located_tree(resource, resource.file, resource.position)
    resources[logical] = resource
    resources.key_positions[logical] = resource.position
    if isinstance(resources, FileMap) and resource.file:
        resources.key_files[logical] = resource.file


def _with_triggers(fn: Any, events: list[EventFunction], display: Callable[[Path], str]) -> Any:
    """The trigger of an event function, at its decorator."""
    for event in events:
        if event.name == fn.name and event.kind != "direct":
            where = Origin(display(event.file), (), event.line, event.column)
            settings = {"source": event.source}
            return replace(fn, triggers=(Trigger(event.kind, where, settings),))
    return fn
