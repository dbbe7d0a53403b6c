"""JavaScript/TypeScript utilities that call AWS for the code, as the SDK calls they make.

- `@middy/ssm` `ssm({ fetchData: { KEY: "/name" } })`: `ssm:GetParameters` per name, and
  `ssm:GetParametersByPath` for a name ending in `/` (the middleware's documented behaviour);
- `@middy/secrets-manager` `secretsManager({ fetchData: { KEY: "name" } })`:
  `secretsmanager:GetSecretValue`;
- Powertools for TypeScript parameters: `getParameter`/`getParameters`/`getParametersByName`/
  `setParameter` (`@aws-lambda-powertools/parameters/ssm`), `getSecret` (`.../secrets`),
  `getAppConfig` (`.../appconfig`), `getItem` of `.../dynamodb`;
- Powertools idempotency `new DynamoDBPersistenceLayer({ tableName })`: the item actions on it;
- SigV4-signed HTTP requests without an SDK client: `aws4.sign({ service, host, ... })`,
  `new SignatureV4({ service })` (`@aws-sdk/signature-v4`, `@smithy/signature-v4`) and
  `aws4Interceptor({ options: { service } })` (`aws4-axios`). `execute-api` is
  `execute-api:Invoke` (API Gateway IAM auth) and `appsync` is `appsync:GraphQL` (AppSync IAM
  auth), as for Python's signers; the service is also read from an `*.execute-api.*` or
  `*.appsync-api.*` host; another or an unknown service is a call not understood.

Each becomes `(service, method, resource parameter, argument, via)`; the caller resolves the
argument and records the call with `via` as its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from slsguard.code.javascript_modules import Node, text_of

Utility = tuple[str, str, str, Node | None, str]
"""(SDK service, method, the parameter naming the resource, its argument node, via)."""

_POWERTOOLS = {
    "@aws-lambda-powertools/parameters/ssm.getParameter": ("ssm", "get_parameter", "Name"),
    "@aws-lambda-powertools/parameters/ssm.getParameters": (
        "ssm",
        "get_parameters_by_path",
        "Path",
    ),
    "@aws-lambda-powertools/parameters/ssm.getParametersByName": ("ssm", "get_parameters", ""),
    "@aws-lambda-powertools/parameters/ssm.setParameter": ("ssm", "put_parameter", "Name"),
    "@aws-lambda-powertools/parameters/secrets.getSecret": (
        "secretsmanager",
        "get_secret_value",
        "SecretId",
    ),
    "@aws-lambda-powertools/parameters/appconfig.getAppConfig": (
        "appconfigdata",
        "get_latest_configuration",
        "",
    ),
}
_IDEMPOTENCY = "@aws-lambda-powertools/idempotency/dynamodb.DynamoDBPersistenceLayer"
_SIGNERS = frozenset(
    {
        "aws4.sign",
        "aws4.default.sign",
        "@aws-sdk/signature-v4.SignatureV4",
        "@smithy/signature-v4.SignatureV4",
        "aws4-axios.aws4Interceptor",
    }
)
_SIGNED = {"execute-api": "invoke", "appsync": "graph_ql"}
"""Services a signed request calls → the pseudo-method `actionmap.IRREGULAR` maps."""
_HOSTS = {".execute-api.": "execute-api", ".appsync-api.": "appsync"}
_ITEM_METHODS = ("get_item", "put_item", "update_item", "delete_item")


def utilities(node: Node, qualified: Callable[[Node], str]) -> Iterator[Utility]:
    """The SDK calls a utility call (or construction) at `node` performs."""
    target = node.child_by_field_name(
        "constructor" if node.type == "new_expression" else "function"
    )
    if target is None:
        return
    name = qualified(target)
    args = _args(node)
    first = args[0] if args else None
    if name in ("@middy/ssm", "@middy/secrets-manager"):
        yield from _middy(name, first)
    elif name in _POWERTOOLS:
        service, method, param = _POWERTOOLS[name]
        yield service, method, param, first, name.rpartition("/")[2]
    elif name in _SIGNERS:
        service = _signed_service(first)
        yield service, _SIGNED.get(service, ""), "", None, name.partition(".")[0]
    elif name == _IDEMPOTENCY:
        table = _property(first, "tableName")
        for method in _ITEM_METHODS:
            yield "dynamodb", method, "TableName", table, "powertools idempotency"


def _signed_service(options: Node | None) -> str:
    """The service a signer signs for: its `service` option (also under `options` for
    aws4-axios), else the one an API Gateway or AppSync host names; empty when unknown."""
    service = _property(options, "service") or _property(_property(options, "options"), "service")
    if service is not None and service.type == "string":
        return text_of(service).strip("'\"")
    for key in ("host", "hostname"):
        host = _property(options, key)
        text = text_of(host) if host is not None else ""
        found = next((s for marker, s in _HOSTS.items() if marker in text), "")
        if found:
            return found
    return ""


def _middy(package: str, options: Node | None) -> Iterator[Utility]:
    fetch = _property(options, "fetchData")
    for value in _values(fetch):
        if package == "@middy/secrets-manager":
            yield "secretsmanager", "get_secret_value", "SecretId", value, package
            continue
        path = text_of(value).strip("'\"`").endswith("/")
        method = "get_parameters_by_path" if path else "get_parameters"
        yield "ssm", method, "Name", value, package


def _args(node: Node) -> list[Node]:
    arguments = node.child_by_field_name("arguments")
    return list(arguments.named_children) if arguments is not None else []


def _property(node: Node | None, key: str) -> Node | None:
    for item in _pairs(node):
        if text_of(item.child_by_field_name("key")).strip("'\"") == key:
            return item.child_by_field_name("value")
    return None


def _values(node: Node | None) -> Iterator[Node]:
    for item in _pairs(node):
        value = item.child_by_field_name("value")
        if value is not None:
            yield value


def _pairs(node: Node | None) -> Iterator[Node]:
    if node is None or node.type != "object":
        return
    yield from (item for item in node.named_children if item.type == "pair")
