"""AWS Lambda Powertools utilities and the Parameters and Secrets Lambda extension, as the
SDK calls they perform on the function's behalf.

* `aws_lambda_powertools.utilities.parameters`: `get_parameter` (`ssm.get_parameter`),
  `get_parameters` (`ssm.get_parameters_by_path`), `get_parameters_by_name`
  (`ssm.get_parameters`, one per literal name), `set_parameter` (`ssm.put_parameter`),
  `get_secret` (`secretsmanager.get_secret_value`), `get_app_config` (AppConfig data
  `start_configuration_session` + `get_latest_configuration`);
* idempotency's `DynamoDBPersistenceLayer(table_name=...)`: item get/put/update/delete;
* HTTP calls to the extension (`localhost:2773`): `/systemsmanager/parameters/get?name=`
  (`ssm.get_parameter`) and `/secretsmanager/get?secretId=` (`secretsmanager.get_secret_value`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from urllib.parse import unquote

from slsguard.code.python_modules import Module
from slsguard.leastpriv.pycalls import Arg, Params, SdkCall, call_location

Evaluate = Callable[[ast.expr], Arg]
"""An expression as a constant, an environment variable's name or unknown text."""

_ROOT = "aws_lambda_powertools."
_PARAMETER_FUNCTIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "get_parameter": (("ssm", "get_parameter", "Name"),),
    "get_parameters": (("ssm", "get_parameters_by_path", "Name"),),
    "set_parameter": (("ssm", "put_parameter", "Name"),),
    "get_secret": (("secretsmanager", "get_secret_value", "SecretId"),),
    "get_app_config": (
        ("appconfigdata", "start_configuration_session", "ConfigurationProfileIdentifier"),
        ("appconfigdata", "get_latest_configuration", "ConfigurationProfileIdentifier"),
    ),
}
"""Powertools parameters function → (SDK service, method, parameter naming the resource)."""

_IDEMPOTENCY_METHODS = ("get_item", "put_item", "update_item", "delete_item")
_EXTENSION_PATHS: dict[str, tuple[str, str, str]] = {
    "/systemsmanager/parameters/get": ("ssm", "get_parameter", "name"),
    "/secretsmanager/get": ("secretsmanager", "get_secret_value", "secretId"),
}
"""Extension path → (SDK service, method, query parameter naming the resource)."""
_QUOTE = frozenset({"quote", "quote_plus", "parse.quote", "urllib.parse.quote"})


def utility_calls(module: Module, evaluate: Evaluate, symbol: str, node: ast.Call) -> list[SdkCall]:
    """The SDK calls a Powertools utility or an extension request at `node` performs."""
    qualified = _qualified(node.func, module)
    if qualified.startswith(_ROOT + "utilities.parameters."):
        found = _parameter_calls(qualified.rpartition(".")[2], node, evaluate)
    elif qualified.startswith(_ROOT) and qualified.endswith(".DynamoDBPersistenceLayer"):
        found = _idempotency_calls(node, evaluate)
    else:
        found = _extension_calls(node, evaluate)
    location = call_location(module, node, symbol) if found else None
    return [
        SdkCall(service, method, params, location, via=via)
        for service, method, params, via in found
        if location is not None
    ]


Found = list[tuple[str, str, Params, str]]
"""(SDK service, method, resource parameters, reason) of each call performed."""


def _parameter_calls(name: str, node: ast.Call, evaluate: Evaluate) -> Found:
    via = f"powertools parameters.{name}"
    if name == "get_parameters_by_name":
        names = _literal_keys(_argument(node, 0, "parameters"))
        return [("ssm", "get_parameters", (("Name", n),), via) for n in names]
    arg = _argument(node, 0, "name" if name != "get_parameters" else "path")
    resource = evaluate(arg) if arg is not None else Arg("unknown", "a missing argument")
    return [
        (service, method, ((param, resource),), via)
        for service, method, param in _PARAMETER_FUNCTIONS.get(name, ())
    ]


def _idempotency_calls(node: ast.Call, evaluate: Evaluate) -> Found:
    arg = _argument(node, 0, "table_name")
    table = evaluate(arg) if arg is not None else Arg("unknown", "a missing table_name")
    via = "powertools idempotency DynamoDBPersistenceLayer"
    return [("dynamodb", m, (("TableName", table),), via) for m in _IDEMPOTENCY_METHODS]


def _extension_calls(node: ast.Call, evaluate: Evaluate) -> Found:
    for url in (*node.args[:2], *(k.value for k in node.keywords if k.arg == "url")):
        found = _extension_call(node, _url_parts(url, evaluate), evaluate)
        if found:
            return found
    return []


def _extension_call(node: ast.Call, parts: list[str | Arg], evaluate: Evaluate) -> Found:
    """`requests.get(url)`, `Request(url)`, `http.request("GET", url)` with `url` in `parts`."""
    text = "".join(p if isinstance(p, str) else f"\x00{i}\x00" for i, p in enumerate(parts))
    probe = "".join(p if isinstance(p, str) else p.text for p in parts)
    for path, (service, method, query) in _EXTENSION_PATHS.items():
        if path not in probe:
            continue
        match = re.search(rf"[?&]{query}=([^&]*)", text)
        if match is not None:
            resource = _query_value(match.group(1), parts)
        else:
            resource = _params_value(node, query, evaluate)
        via = f"Parameters and Secrets extension {path}"
        return [(service, method, ((_PARAM_OF[service], resource),), via)]
    return []


_PARAM_OF = {"ssm": "Name", "secretsmanager": "SecretId"}


def _query_value(raw: str, parts: list[str | Arg]) -> Arg:
    placeholder = re.fullmatch(r"\x00(\d+)\x00", raw)
    if placeholder is not None:
        part = parts[int(placeholder.group(1))]
        return part if isinstance(part, Arg) else Arg("const", part)
    if "\x00" in raw or not raw:
        return Arg("unknown", "a name built at run time")
    return Arg("const", unquote(raw))


def _params_value(node: ast.Call, query: str, evaluate: Evaluate) -> Arg:
    """The resource named in `requests.get(url, params={"name": ...})`."""
    params = next((k.value for k in node.keywords if k.arg == "params"), None)
    if isinstance(params, ast.Dict):
        for key, value in zip(params.keys, params.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == query:
                return evaluate(_unquoted(value))
    return Arg("unknown", query)


def _url_parts(node: ast.expr, evaluate: Evaluate) -> list[str | Arg]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [p for value in node.values for p in _url_parts(value, evaluate)]
    if isinstance(node, ast.FormattedValue):
        return [_as_part(evaluate(_unquoted(node.value)))]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _url_parts(node.left, evaluate) + _url_parts(node.right, evaluate)
    return [_as_part(evaluate(node))]


def _as_part(value: Arg) -> str | Arg:
    return value.text if value.kind == "const" else value


def _unquoted(node: ast.expr) -> ast.expr:
    """`quote(x)` → `x`: URL encoding does not change the resource named."""
    if isinstance(node, ast.Call) and node.args and _dotted(node.func) in _QUOTE:
        return node.args[0]
    return node


def _argument(node: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for item in node.keywords:
        if item.arg == keyword:
            return item.value
    return node.args[position] if len(node.args) > position else None


def _literal_keys(node: ast.expr | None) -> list[Arg]:
    if not isinstance(node, ast.Dict):
        return [Arg("unknown", "parameter names built at run time")]
    return [
        Arg("const", k.value)
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
        else Arg("unknown", "a computed parameter name")
        for k in node.keys
        if k is not None
    ]


def _qualified(func: ast.expr, module: Module) -> str:
    dotted = _dotted(func)
    head, _, rest = dotted.partition(".")
    qualified = module.imports.get(head)
    if qualified is None:
        return ""
    return qualified + ("." + rest if rest else "")


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""
