"""AWS SDK calls in JavaScript and TypeScript handler code (SDK v2 and v3), via tree-sitter.

v3: every `new XCommand(...)` whose class is imported from `@aws-sdk/client-*` is the
operation `X` of that package's service (the client sending it does not matter);
`@aws-sdk/lib-dynamodb` commands are DynamoDB's item operations and `@aws-sdk/lib-storage`
`Upload` is a managed S3 upload. v2 (and v3 aggregated clients such as `new S3()`): clients
and document clients bound to names (`new AWS.S3()`, `new AWS.DynamoDB.DocumentClient()`,
`DynamoDBDocument.from(...)`) and their method calls, also where a client is handed to a
function or constructor (`jspassed`). Modules imported with relative paths are read too.
Arguments naming resources become constants or `process.env` names.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

from slsguard.code.javascript_modules import JsModule, JsModules, Node, text_of
from slsguard.code.model import source_location
from slsguard.leastpriv import sdkmodel, wrappers
from slsguard.leastpriv.actionmap import Coverage, actions_for, unmappable
from slsguard.leastpriv.jspassed import Scope, passed_clients, scoped_value
from slsguard.leastpriv.jsreach import Reachability
from slsguard.leastpriv.jsutilities import utilities
from slsguard.leastpriv.pycalls import Arg, Params, SdkCall

HandleKind = Literal["client", "document"]

DOCUMENT_METHODS: dict[str, str] = {
    "get": "get_item",
    "put": "put_item",
    "update": "update_item",
    "delete": "delete_item",
    "query": "query",
    "scan": "scan",
    "batchGet": "batch_get_item",
    "batchWrite": "batch_write_item",
    "transactGet": "transact_get_items",
    "transactWrite": "transact_write_items",
    "executeStatement": "execute_statement",
    "batchExecuteStatement": "batch_execute_statement",
    "executeTransaction": "execute_transaction",
}
"""Document-client methods (v2 `DocumentClient`, v3 `DynamoDBDocument`) → DynamoDB methods."""

DOCUMENT_COMMANDS: dict[str, str] = {
    f"{name[0].upper()}{name[1:]}Command": method for name, method in DOCUMENT_METHODS.items()
}
"""`@aws-sdk/lib-dynamodb` commands (`PutCommand`, `QueryCommand`, ...) → DynamoDB methods."""

PACKAGES: dict[str, str] = {
    "sfn": "stepfunctions",
    "cloudwatch-logs": "logs",
    "cloudwatch-events": "events",
    "eventbridge": "events",
    "cognito-identity-provider": "cognito-idp",
    "elastic-load-balancing-v2": "elbv2",
    "elastic-load-balancing": "elb",
    "api-gateway": "apigateway",
    "database-migration-service": "dms",
    "iot-data-plane": "iot-data",
    "iot-jobs-data-plane": "iot-jobs-data",
    "lex-runtime-v2": "lexv2-runtime",
    "lex-models-v2": "lexv2-models",
    "lex-runtime-service": "lex-runtime",
    "lex-model-building-service": "lex-models",
    "application-auto-scaling": "application-autoscaling",
    "auto-scaling-plans": "autoscaling-plans",
    "cost-explorer": "ce",
    "config-service": "config",
    "cost-and-usage-report-service": "cur",
    "application-discovery-service": "discovery",
    "directory-service": "ds",
    "directory-service-data": "ds-data",
    "elasticsearch-service": "es",
    "marketplace-entitlement-service": "marketplace-entitlement",
    "marketplace-metering": "meteringmarketplace",
    "migration-hub": "mgh",
    "serverlessapplicationrepository": "serverlessrepo",
    "service-catalog-appregistry": "servicecatalog-appregistry",
}
"""v3 package suffixes (`@aws-sdk/client-sfn`) that are not the SDK service name."""

V2_CLASSES: dict[str, str] = {
    "stepfunctions": "stepfunctions",
    "cloudwatchlogs": "logs",
    "cloudwatchevents": "events",
    "cognitoidentityserviceprovider": "cognito-idp",
    "iotdata": "iot-data",
    "elbv2": "elbv2",
    "rdsdataservice": "rds-data",
    "lexruntimev2": "lexv2-runtime",
}
"""v2 class names (lower case) that are not the SDK service name."""

_V2_METHODS: dict[str, str] = {"upload": "upload_file", "listObjectsV2": "list_objects_v2"}
_NOT_OPERATIONS = frozenset({"send", "promise", "on", "config", "destroy", "makeRequest"})
_UNWRAP = ("await_expression", "parenthesized_expression", "as_expression", "non_null_expression")


@dataclass(frozen=True, slots=True)
class JsHandle:
    """An SDK object bound to a name: a v2-style client or a DynamoDB document client."""

    kind: HandleKind
    service: str


Bound = JsHandle | Arg


def service_of_package(package: str) -> str:
    """The SDK service of a v3 client package (`@aws-sdk/client-s3` → `s3`); empty if unknown."""
    suffix = package.removeprefix("@aws-sdk/client-")
    if suffix == package:
        return ""
    known = sdkmodel.services()
    for candidate in (PACKAGES.get(suffix), suffix, suffix.replace("-", "")):
        if candidate and candidate in known:
            return candidate
    return _service_ids().get(suffix.replace("-", ""), "")  # client-simpledb → sdb


def service_of_class(name: str) -> str:
    """The SDK service of a v2 class name (`S3`, `DynamoDB`, `SecretsManager`,
    `TranscribeService`): the service name, else the model's `serviceId` without spaces
    (with or without a `Service` suffix)."""
    lowered = name.lower()
    candidate = V2_CLASSES.get(lowered, lowered)
    if candidate in sdkmodel.services():
        return candidate
    by_id = _service_ids()
    return by_id.get(lowered) or by_id.get(lowered.removesuffix("service"), "")


@functools.cache
def _service_ids() -> dict[str, str]:
    found: dict[str, str] = {}
    for service in sdkmodel.services():
        found.setdefault(sdkmodel.service_id(service).replace(" ", "").lower(), service)
    return found


def command_method(qualified: str) -> tuple[str, str] | None:
    """(service, method) of a v3 command class given its import (`@aws-sdk/client-s3.X`)."""
    package, _, name = qualified.rpartition(".")
    if package == "@aws-sdk/lib-dynamodb" and name in DOCUMENT_COMMANDS:
        return "dynamodb", DOCUMENT_COMMANDS[name]
    if package == "@aws-sdk/lib-storage" and name == "Upload":
        return "s3", "upload_file"
    if not name.endswith("Command") or not package.startswith("@aws-sdk/client-"):
        return None
    return service_of_package(package), sdkmodel.xform_name(name.removesuffix("Command"))


def package_of(service: str) -> str:
    """The v3 client package generated for an SDK service (`@aws-sdk/client-secrets-manager`)."""
    return "@aws-sdk/client-" + sdkmodel.service_id(service).lower().replace(" ", "-")


def coverage() -> Coverage:
    """The v3 commands mapped to IAM actions: one `<Operation>Command` per operation of every
    service model, in the package named after its `serviceId`, plus the `@aws-sdk/lib-dynamodb`
    commands. A command counts when its package resolves back to the service and its
    operation maps to IAM actions; one whose operation is listed unmappable is counted apart."""
    mapped = listed = total = 0
    commands = [
        (f"{package_of(service)}.{operation}Command")
        for service in sdkmodel.services()
        for operation in sdkmodel.operations(service).values()
    ]
    commands += [f"@aws-sdk/lib-dynamodb.{name}" for name in DOCUMENT_COMMANDS]
    for command in commands:
        total += 1
        found = command_method(command)
        if found is not None and actions_for(*found) is not None:
            mapped += 1
        elif found is not None and unmappable(*found):
            listed += 1
    return Coverage(mapped, listed, total)


class JavaScriptCalls:
    """Collects the SDK calls of a handler module and the local modules it imports."""

    def __init__(self, modules: JsModules) -> None:
        self.modules = modules
        self.names: dict[int, dict[str, Bound]] = {}
        self.calls: list[SdkCall] = []
        self._seen: list[JsModule] = []
        self.scoped: dict[Scope, object] = {}
        """Clients handed to functions and constructors (`jspassed`)."""

    def run(
        self, handler: JsModule, entry: tuple[JsModule, Node] | None = None
    ) -> tuple[SdkCall, ...]:
        """The SDK calls of the code the `entry` function (in its module) can reach, or of all
        of `handler` and the local modules it imports when no entry is given."""
        self._collect(handler)
        if entry is not None:
            self._collect(entry[0])
        for module in self._seen:
            self._bind(module)
        reach = Reachability(self.modules, self._seen) if entry is not None else None
        reached = reach.from_entry(*entry) if reach is not None and entry is not None else set()

        def reaches(module: JsModule, node: Node) -> bool:
            return reach is None or reach.owner_of(module, node) in reached

        self.scoped = passed_clients(self.modules, self._seen, self.eval, _is_handle, reaches)
        for module in self._seen:
            for node in _walk(module.root, ("new_expression", "call_expression")):
                if reaches(module, node):
                    self._call(module, node)
            self._wrappers(module)
        return tuple(self.calls)

    def _wrappers(self, module: JsModule) -> None:
        """A call not understood for each SDK-wrapping library the module imports."""
        specifiers = iter(set(module.imports.values()))
        for package, service in wrappers.imported(specifiers, wrappers.JAVASCRIPT, "/"):
            location = wrappers.where(module.display, module.lines, package)
            self.calls.append(SdkCall(service, "", (), location, True, via=package))
        table = wrappers.JAVASCRIPT_EXTENSIONS
        for service, via, location in wrappers.extensions(module.display, module.lines, table):
            self.calls.append(SdkCall(service, "", (), location, True, via=via))

    def _collect(self, module: JsModule) -> None:
        if any(m is module for m in self._seen):
            return
        self._seen.append(module)
        self.names[id(module)] = {}
        for specifier in set(module.imports.values()):
            for candidate in (specifier, specifier.rpartition(".")[0]):
                found = self.modules.resolve(candidate, module) if candidate else None
                if found is not None:
                    self._collect(found)

    def _bind(self, module: JsModule) -> None:
        names = self.names[id(module)]
        _captured_sdk(module)
        for node in _walk(module.root, ("variable_declarator", "assignment_expression")):
            declared = node.type == "variable_declarator"
            target = node.child_by_field_name("name" if declared else "left")
            value = node.child_by_field_name("value" if declared else "right")
            if target is None or value is None:
                continue
            if target.type == "object_pattern" and _env_object(value):
                for item in target.named_children:
                    if item.type == "shorthand_property_identifier_pattern":
                        names[text_of(item)] = Arg("env", text_of(item))
                continue
            bound = self.eval(value, module)
            if bound is not None and target.type in ("identifier", "member_expression"):
                names[text_of(target)] = bound

    def eval(self, node: Node, module: JsModule) -> Bound | None:
        """What an expression holds, as far as SDK clients and resource names go."""
        while node.type in _UNWRAP and node.named_children:
            node = node.named_children[0]
        if node.type == "string":
            return Arg("const", text_of(node)[1:-1])
        if node.type == "template_string":
            text = text_of(node)
            return Arg("unknown" if "${" in text else "const", text.strip("`"))
        if node.type in ("member_expression", "subscript_expression") and _env_object(
            node.child_by_field_name("object")
        ):
            key = node.child_by_field_name("property") or node.child_by_field_name("index")
            return Arg("env", text_of(key).strip("'\"`"))
        if node.type == "binary_expression":
            return self.eval(node.child_by_field_name("left"), module)
        if node.type in ("identifier", "member_expression", "this"):
            passed = scoped_value(self.scoped, module, node) if self.scoped else None
            return passed if isinstance(passed, JsHandle) else self._name(text_of(node), module)
        if node.type == "new_expression":
            return self._constructed(node.child_by_field_name("constructor"), module)
        if node.type == "call_expression":
            return self._from_call(node, module)
        return None

    def _name(self, dotted: str, module: JsModule) -> Bound | None:
        names = self.names.get(id(module), {})
        if dotted in names:
            return names[dotted]
        qualified = _qualified(dotted, module)
        whole = self.modules.resolve(qualified, module) if qualified.startswith(".") else None
        if whole is not None:  # `const db = require("./db")` where `module.exports = client`
            exported = self.names.get(id(whole), {})
            return exported.get("module.exports") or exported.get("exports")
        owner, _, name = qualified.rpartition(".")
        found = self.modules.resolve(owner, module) if owner.startswith(".") else None
        return self.names.get(id(found), {}).get(name) if found is not None else None

    def _constructed(self, constructor: Node | None, module: JsModule) -> JsHandle | None:
        qualified = _qualified(text_of(constructor), module) if constructor is not None else ""
        parts = qualified.replace("/", ".").split(".")
        if qualified.startswith("@aws-sdk/client-"):
            name = parts[-1]
            service = service_of_package(qualified.rpartition(".")[0])
            aggregated = service and not name.endswith(("Client", "Command"))
            return JsHandle("client", service) if aggregated else None
        if parts[0] != "aws-sdk" or len(parts) < 2:
            return None
        if parts[-1] == "DocumentClient":
            return JsHandle("document", "dynamodb")
        # An unknown class is still a client: its calls are listed as not understood.
        return JsHandle("client", service_of_class(parts[-1]))

    def _from_call(self, node: Node, module: JsModule) -> JsHandle | None:
        func = node.child_by_field_name("function")
        qualified = _qualified(text_of(func), module) if func is not None else ""
        if qualified == "@aws-sdk/lib-dynamodb.DynamoDBDocument.from":
            return JsHandle("document", "dynamodb")
        arguments = node.child_by_field_name("arguments")
        args = arguments.named_children if arguments is not None else []
        if qualified.rpartition(".")[2] in _CAPTURE and args:
            found = self.eval(args[0], module)  # X-Ray returns the client it instruments
            return found if isinstance(found, JsHandle) else None
        return None

    def _call(self, module: JsModule, node: Node) -> None:
        for service, method, param, value, via in utilities(
            node, lambda target: _qualified(text_of(target), module)
        ):
            named: Params = ((param, self._arg(value, module)),) if param and value else ()
            self._add(module, node, service, method, named, via)
        arguments = node.child_by_field_name("arguments")
        args = arguments.named_children if arguments is not None else []
        if node.type == "new_expression":
            constructor = node.child_by_field_name("constructor")
            found = command_method(_qualified(text_of(constructor), module))
            if found is not None:
                params = self._params(args[0] if args else None, module, found[1])
                self._add(module, node, found[0], found[1], params)
            return
        func = node.child_by_field_name("function")
        if func is None or func.type != "member_expression":
            return
        owner = self.eval(func.child_by_field_name("object"), module)
        if isinstance(owner, JsHandle):
            self._method(module, node, owner, text_of(func.child_by_field_name("property")), args)

    def _method(
        self, module: JsModule, node: Node, owner: JsHandle, name: str, args: list[Node]
    ) -> None:
        if name in _NOT_OPERATIONS:
            return
        if owner.kind == "document":
            method = DOCUMENT_METHODS.get(name, sdkmodel.xform_name(name))
        elif name in ("getSignedUrl", "getSignedUrlPromise") and args:
            method, args = sdkmodel.xform_name(self._const(args[0], module)), args[1:]
        elif name == "waitFor" and args:
            waiter = sdkmodel.xform_name(self._const(args[0], module))
            operation = sdkmodel.waiter_operation(owner.service, waiter) or ""
            method, args = sdkmodel.xform_name(operation), args[1:]
        else:
            method = _V2_METHODS.get(name, sdkmodel.xform_name(name))
        self._add(module, node, owner.service, method, self._params(_first(args), module, ""))

    def _params(self, node: Node | None, module: JsModule, method: str) -> Params:
        while node is not None and node.type in _UNWRAP and node.named_children:
            node = node.named_children[0]
        if node is not None and node.type == "identifier":  # `sns.publish(params)`
            node = _declared_object(node)
        if node is None or node.type != "object":
            return ()
        pairs: list[tuple[str, Arg]] = []
        for item in node.named_children:
            if item.type == "shorthand_property_identifier":
                pairs.append((text_of(item), self._arg(item, module)))
            elif item.type == "pair":
                key = text_of(item.child_by_field_name("key")).strip("'\"")
                value = item.child_by_field_name("value")
                if method == "upload_file" and key == "params":
                    pairs.extend(self._params(value, module, ""))
                else:
                    pairs.append((key, self._arg(value, module)))
        return tuple(pairs)

    def _const(self, node: Node, module: JsModule) -> str:
        """The constant text of an argument (an operation or waiter name), or empty."""
        value = self.eval(node, module)
        return value.text if isinstance(value, Arg) and value.kind == "const" else ""

    def _arg(self, node: Node, module: JsModule) -> Arg:
        value = self.eval(node, module)
        return value if isinstance(value, Arg) else Arg("unknown", text_of(node))

    def _add(
        self,
        module: JsModule,
        node: Node,
        service: str,
        method: str,
        params: Params,
        via: str = "",
    ) -> None:
        line, column, end_line, end_column = module.position(node)
        location = source_location(
            module.display, line, column, (end_line, end_column), _symbol(node), module.text(node)
        )
        dynamic = not service or not method
        if not via and method:
            # Messages name the call the way JavaScript spells it (`s3.listBuckets`), not
            # by the snake_case operation key the action map is indexed by.
            via = f"{service}.{_js_name(service, method)}"
        self.calls.append(SdkCall(service, method, params, location, dynamic, via=via))


def _js_name(service: str, method: str) -> str:
    """`listBuckets` for `list_buckets`: the SDK model's operation name with a lower-case
    first letter (so acronyms stay as AWS spells them), else the snake_case name in camel
    case for the managed transfers that are no operation (`upload_file` → `uploadFile`)."""
    operation = sdkmodel.operations(service).get(method)
    if operation:
        return operation[:1].lower() + operation[1:]
    head, *rest = method.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _is_handle(value: object) -> bool:
    return isinstance(value, JsHandle)


_CAPTURE = frozenset({"captureAWSv3Client", "captureAWSClient"})
"""X-Ray functions that instrument a client and return it."""


def _captured_sdk(module: JsModule) -> None:
    """`const AWS = AWSXRay.captureAWS(require("aws-sdk"))`: `AWS` is the SDK (v2)."""
    for node in _walk(module.root, ("variable_declarator",)):
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name is None or value is None or value.type != "call_expression":
            continue
        func = text_of(value.child_by_field_name("function"))
        if func.rpartition(".")[2] == "captureAWS" and '"aws-sdk"' in text_of(value).replace(
            "'", '"'
        ):
            module.imports.setdefault(text_of(name), "aws-sdk")


def _qualified(dotted: str, module: JsModule) -> str:
    """`AWS.S3` with `AWS` imported from `aws-sdk` → `aws-sdk.S3`; unimported names as is."""
    head, _, rest = dotted.partition(".")
    imported = module.imports.get(head)
    if imported is None:
        return dotted
    return f"{imported}.{rest}" if rest else imported


def _env_object(node: Node | None) -> bool:
    return node is not None and text_of(node).replace("?", "") in ("process.env", "env")


def _first(args: list[Node]) -> Node | None:
    return args[0] if args else None


def _symbol(node: Node) -> str:
    """The name of the function enclosing `node` (`<module>` at top level)."""
    current = node.parent
    while current is not None:
        name = current.child_by_field_name("name")
        if current.type in ("function_declaration", "method_definition") and name is not None:
            return text_of(name)
        if current.type == "variable_declarator" and current.child_by_field_name("value"):
            value = current.child_by_field_name("value")
            if value.type in ("arrow_function", "function_expression", "function"):
                return text_of(name)
        current = current.parent
    return "<module>"


def _walk(root: Node, types: tuple[str, ...]) -> list[Node]:
    """The nodes of these types under `root`, in source order."""
    found: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in types:
            found.append(node)
        stack.extend(reversed(node.named_children))
    return found


def _declared_object(name: Node) -> Node | None:
    """The object literal a name is declared with in an enclosing block, before its use
    (`const params = { PhoneNumber: ... }; sns.publish(params)`), or None."""
    wanted = text_of(name)
    current: Node | None = name.parent
    while current is not None:
        found: Node | None = None
        for statement in current.named_children:
            if statement.start_byte >= name.start_byte:
                break
            if statement.type not in ("lexical_declaration", "variable_declaration"):
                continue
            for declarator in statement.named_children:
                target = declarator.child_by_field_name("name")
                value = declarator.child_by_field_name("value")
                if target is not None and text_of(target) == wanted and value is not None:
                    found = value if value.type == "object" else None
        if found is not None:
            return found
        current = current.parent
    return None
