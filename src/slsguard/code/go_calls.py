"""AWS SDK for Go calls in a Go handler's package, for least privilege.

Both SDKs are read: v2 (`client.PutItem(ctx, &dynamodb.PutItemInput{...})`, paginators
`dynamodb.NewQueryPaginator(client, ...)`, waiters `s3.NewObjectExistsWaiter(client)`, the
presign client `PresignGetObject`, the transfer manager's `Upload`/`Download`) and v1
(`svc.PutItem(...)`, `PutItemWithContext`, `PutItemRequest`, `QueryPages`, `s3manager`).

A call counts as an SDK operation only when something confirms it: its input is a
`<service>.<Operation>Input` of an imported SDK service package (a literal, or a variable
holding one), or its receiver is a client of that service (declared `*dynamodb.Client`, v1's
`*dynamodb.DynamoDB` or `dynamodbiface.DynamoDBAPI`, or made by `dynamodb.NewFromConfig` /
`dynamodb.New`). A method that merely shares an operation's name is not a call. Resource
arguments (`TableName`, `Bucket`, `QueueUrl`, ...) are kept as constants or environment
variable names, through `aws.String`, `&x`, and local or package variables
(`var table = os.Getenv("TABLE")`).

Every file of the handler's package is read (a Lambda `main` package is the function), and
every file of the packages of its Go module that it imports, directly or through each other
(`go_modules.local_packages`, as the taint analysis follows them). A project package that is
not read (a GOPATH-era folder the import path ends with, one past the package bound, one that
does not parse) and a SigV4 signer for hand-made requests are uncertainties: no grant of the
function is judged unused because of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import cache
from pathlib import Path

from slsguard.code.go_modules import GoFile, GoPackage, GoPackages, Node, module_of, text_of
from slsguard.code.model import HandlerSource, source_location
from slsguard.leastpriv import sdkmodel
from slsguard.leastpriv.pycalls import Arg, Params, SdkCall

_SDK_SERVICE = re.compile(r"^github\.com/aws/aws-sdk-go(?:-v2)?/service/([a-z0-9]+)(?:/\w+iface)?$")
_V1_SUFFIXES = ("PagesWithContext", "WithContext", "Request", "Pages")
_TRANSFERS = {"Upload": "upload_fileobj", "UploadWithContext": "upload_fileobj"}
_TRANSFERS |= {"Download": "download_fileobj", "DownloadWithContext": "download_fileobj"}
"""Transfer-manager methods → the boto3 managed transfer `actionmap` already knows."""
_TRANSFER_INPUTS = frozenset({"PutObjectInput", "GetObjectInput", "UploadInput", "DownloadInput"})
_MAX_HOPS = 4


@cache
def _services_by_package() -> dict[str, str]:
    """Go package name (the `serviceId` in lower case, without spaces) → SDK service name."""
    table: dict[str, str] = {}
    for service in sdkmodel.services():
        name = sdkmodel.service_id(service).lower().replace(" ", "").replace("-", "")
        table.setdefault(name, service)
    for package, service in _RENAMED.items():
        table.setdefault(package, service)
    return table


_RENAMED = {"cloudwatchevents": "events"}
"""Go SDK packages named after a service's former `serviceId` (EventBridge was CloudWatch
Events; v2 still ships `service/cloudwatchevents`)."""


def sdk_calls(
    source: HandlerSource, cwd: Path, packages: GoPackages | None = None
) -> tuple[SdkCall, ...]:
    """The SDK calls of the Go package holding the handler `source` and of the functions of
    its module's packages that its code reaches (as the taint analysis follows them), parsed
    once in `packages`."""
    packages = packages or GoPackages(cwd)
    package = packages.package(source.root, source.scan_root)
    imported = packages.local(package, source.scan_root)
    followed = {path for path, each in imported.items() if each.files and not each.failures}
    calls: list[SdkCall] = []
    for file in package.files:
        calls += _FileCalls(package, file).calls()
    for owner, file, function, certain in _reached(package, imported):
        found = _FileCalls(owner, file).calls_in(function)
        calls += found if certain else [replace(call, optional=True) for call in found]
    unfollowed: dict[str, SdkCall] = {}
    for each in (package, *imported.values()):
        for call in _unfollowed(each, source.scan_root, followed):
            unfollowed.setdefault(call.via, call)
    return (*calls, *unfollowed.values())


_Reached = tuple[GoPackage, GoFile, Node, bool]


def _reached(package: GoPackage, imported: dict[str, GoPackage]) -> list[_Reached]:
    """The functions and methods of module packages that the handler's package reaches:
    called or handed on as values (`lambda.Start(h.Put)`), through each other. A method
    is known by name only (receiver types are not tracked): when several methods share
    the name, each is reached but not certainly (its calls are optional needs)."""
    methods = _methods_by_name(imported.values())
    owners = {id(file): each for each in imported.values() for file in each.files}
    reached: dict[int, _Reached] = {}
    queue: list[tuple[GoPackage, GoFile, Node]] = [
        (package, file, node) for file in package.files for node in _functions(file.root)
    ]
    while queue and len(reached) < _MAX_REACHED:
        owner, file, function = queue.pop()
        for target, certain in _references(owner, file, function, imported, methods):
            target_file, node = target
            known = reached.get(node.id)
            if known is not None and (known[3] or not certain):
                continue
            target_owner = owners.get(id(target_file), owner)
            reached[node.id] = (target_owner, target_file, node, certain)
            if known is None:
                queue.append((target_owner, target_file, node))
    return list(reached.values())


_MAX_REACHED = 2000
"""Module functions followed for one handler (a bound on pathological code)."""


def _references(
    owner: GoPackage,
    file: GoFile,
    function: Node,
    imported: dict[str, GoPackage],
    methods: dict[str, list[tuple[GoFile, Node]]],
) -> list[tuple[tuple[GoFile, Node], bool]]:
    """The module functions one function refers to, each with whether surely that one."""
    found: list[tuple[tuple[GoFile, Node], bool]] = []
    if any(owner is each for each in imported.values()):  # the handler's own are all read
        for node in _descendants(function, "call_expression"):
            callee = node.child_by_field_name("function")
            local = owner.functions.get(text_of(callee)) if callee.type == "identifier" else None
            found += [(local, True)] if local is not None else []
    for node in _descendants(function, "selector_expression"):
        operand = node.child_by_field_name("operand")
        name = text_of(node.child_by_field_name("field"))
        path = file.imports.get(text_of(operand)) if operand.type == "identifier" else None
        if path is not None:
            target = imported[path].functions.get(name) if path in imported else None
            found += [(target, True)] if target is not None else []
            continue
        same = methods.get(name, [])
        found += [(method, len(same) == 1) for method in same]
    return found


def _methods_by_name(packages: Iterable[GoPackage]) -> dict[str, list[tuple[GoFile, Node]]]:
    """Every method of the packages by name (two types' methods of one name both count)."""
    found: dict[str, list[tuple[GoFile, Node]]] = {}
    for package in packages:
        for file in package.files:
            for node in file.root.named_children:
                if node.type == "method_declaration":
                    name = text_of(node.child_by_field_name("name"))
                    found.setdefault(name, []).append((file, node))
    return found


class _FileCalls:
    """The SDK calls of one file, with the package around it to resolve names."""

    def __init__(self, package: GoPackage, file: GoFile) -> None:
        self.package = package
        self.file = file
        self.services = {
            local: _services_by_package().get(match.group(1), "")
            for local, path in file.imports.items()
            if (match := _SDK_SERVICE.match(path)) is not None
        }
        self.clients = _client_names(package, self.services)

    def calls(self) -> list[SdkCall]:
        """Every confirmed SDK call in the file."""
        return [call for node in _functions(self.file.root) for call in self.calls_in(node)]

    def calls_in(self, function: Node) -> list[SdkCall]:
        """The confirmed SDK calls of one function or method of the file."""
        if not self.services:
            return []
        found: list[SdkCall] = []
        for call in _descendants(function, "call_expression"):
            sdk = self._call(call, function)
            if sdk is not None:
                found.append(sdk)
        return found

    def _call(self, call: Node, function: Node) -> SdkCall | None:
        callee = call.child_by_field_name("function")
        if callee is None or callee.type != "selector_expression":
            return None
        method = text_of(callee.child_by_field_name("field"))
        operand = callee.child_by_field_name("operand")
        arguments = list(call.child_by_field_name("arguments").named_children)
        if operand is not None and text_of(operand) in self.services:
            return self._constructor(call, method, text_of(operand), arguments, function)
        inputs = [self._input(argument, function) for argument in arguments]
        for service, operation, body in (found for found in inputs if found is not None):
            python = _operation_method(service, operation, method)
            if python is not None:
                return self._sdk(call, service, python, body, function)
        client = self.clients.get(_last_name(operand), "")
        called = _strip_v1(client, method) if client else None
        if called is None:
            return None
        return self._sdk(call, client, sdkmodel.xform_name(called), None, function)

    def _constructor(
        self, call: Node, name: str, package: str, arguments: list[Node], function: Node
    ) -> SdkCall | None:
        """`dynamodb.NewQueryPaginator(client, &dynamodb.QueryInput{...})`, waiters."""
        service = self.services[package]
        operation = None
        if name.startswith("New") and name.endswith("Paginator"):
            operation = name[3 : -len("Paginator")]
        elif name.startswith("New") and name.endswith("Waiter"):
            operation = sdkmodel.waiter_operation(service, name[3 : -len("Waiter")])
        if operation is None or operation not in sdkmodel.operations(service).values():
            return None
        found = [self._input(argument, function) for argument in arguments]
        body = next((f[2] for f in found if f is not None and f[1] == operation), None)
        return self._sdk(call, service, sdkmodel.xform_name(operation), body, function)

    def _input(self, node: Node, function: Node) -> tuple[str, str, Node] | None:
        """(service, operation, literal body) of an `&<service>.<Operation>Input{...}`."""
        literal = self._literal(node, function, 0)
        if literal is None:
            return None
        kind = literal.child_by_field_name("type")
        if kind is None or kind.type != "qualified_type":
            return None
        package = text_of(kind.child_by_field_name("package"))
        name = text_of(kind.child_by_field_name("name"))
        service = self.services.get(package)
        if not service and package == "s3manager" and name in _TRANSFER_INPUTS:
            service = "s3"
        if not service or not name.endswith("Input"):
            return None
        return service, name.removesuffix("Input"), literal.child_by_field_name("body")

    def _literal(self, node: Node | None, function: Node, hops: int) -> Node | None:
        """The composite literal an expression is (through `&` and variables)."""
        while node is not None and node.type in ("unary_expression", "parenthesized_expression"):
            node = node.child_by_field_name("operand") or (node.named_children or [None])[0]
        if node is None or hops > _MAX_HOPS:
            return None
        if node.type == "composite_literal":
            return node
        if node.type == "identifier":
            return self._literal(self._value_of(text_of(node), function), function, hops + 1)
        return None

    def _value_of(self, name: str, function: Node) -> Node | None:
        """The expression last given to `name` in the function, else in the package."""
        value = _assigned(function, name)
        return value if value is not None else _package_value(self.package, name)

    def _argument(self, node: Node | None, function: Node, hops: int = 0) -> Arg:
        """A resource argument as a constant, an environment variable's name, or unknown."""
        shown = Arg("unknown", text_of(node)[:80])
        while node is not None and node.type in ("unary_expression", "parenthesized_expression"):
            node = node.child_by_field_name("operand") or (node.named_children or [None])[0]
        if node is None or hops > _MAX_HOPS:
            return shown
        if node.type in ("interpreted_string_literal", "raw_string_literal"):
            return Arg("const", text_of(node)[1:-1])
        if node.type == "identifier":
            value = self._value_of(text_of(node), function)
            return self._argument(value, function, hops + 1) if value is not None else shown
        if node.type == "call_expression":
            callee = text_of(node.child_by_field_name("function"))
            arguments = node.child_by_field_name("arguments").named_children
            if callee == "os.Getenv" and arguments:
                inner = self._argument(arguments[0], function, hops + 1)
                return Arg("env", inner.text) if inner.kind == "const" else shown
            if callee in ("aws.String", "aws.StringValue", "string") and arguments:
                return self._argument(arguments[0], function, hops + 1)
        return shown

    def _sdk(
        self, call: Node, service: str, method: str, body: Node | None, function: Node
    ) -> SdkCall:
        params: Params = ()
        if body is not None:
            params = tuple(self._params(body, function))
        line, column, end_line, end_column = self.file.position(call)
        symbol = text_of(function.child_by_field_name("name")) or "func"
        where = source_location(
            self.file.display,
            line,
            column,
            (end_line, end_column),
            symbol,
            self.file.text(call),
        )
        return SdkCall(service, method, params, where)

    def _params(self, body: Node, function: Node) -> list[tuple[str, Arg]]:
        found: list[tuple[str, Arg]] = []
        for element in body.named_children:
            if element.type != "keyed_element":
                continue
            key = text_of(element.child_by_field_name("key"))
            value = self._argument(_inner(element.child_by_field_name("value")), function)
            # Go exports every field with a capital; the SDK models name some members in
            # camel case (Step Functions' `stateMachineArn`): keep both spellings.
            found.append((key, value))
            if key[:1].isupper():
                found.append((key[:1].lower() + key[1:], value))
        return found


def _operation_method(service: str, operation: str, method: str) -> str | None:
    """The boto3-style method an input-typed call performs, when the method fits the input."""
    if operation not in sdkmodel.operations(service).values():
        if service == "s3" and method in _TRANSFERS:
            return _TRANSFERS[method]
        return None
    if service == "s3" and method in _TRANSFERS:
        return _TRANSFERS[method]
    if method.removeprefix("Presign") == operation or _strip_v1(service, method) == operation:
        return sdkmodel.xform_name(operation)
    return None


def _strip_v1(service: str, method: str) -> str | None:
    """The operation a client method calls (`PutItemWithContext` → `PutItem`), if any."""
    operations = set(sdkmodel.operations(service).values())
    if method in operations:
        return method
    for suffix in _V1_SUFFIXES:
        if method.endswith(suffix) and method.removesuffix(suffix) in operations:
            return method.removesuffix(suffix)
    return None


def _client_names(package: GoPackage, services: dict[str, str]) -> dict[str, str]:
    """Names (variables, fields, parameters) holding a client → its SDK service."""
    names: dict[str, str] = {}
    for file in package.files:
        for node in _descendants(file.root, None):
            if node.type in ("field_declaration", "parameter_declaration", "var_spec"):
                service = _client_type(node.child_by_field_name("type"), services)
                for name in node.children_by_field_name("name") if service else ():
                    names[text_of(name)] = service
            if node.type in ("short_var_declaration", "assignment_statement", "var_spec"):
                _constructed(node, services, names)
            if node.type == "keyed_element":  # `&Handler{db: dynamodb.NewFromConfig(cfg)}`
                service = _made_client(_inner(node.child_by_field_name("value")), services)
                if service:
                    names[text_of(node.child_by_field_name("key"))] = service
    return names


def _constructed(node: Node, services: dict[str, str], names: dict[str, str]) -> None:
    left = node.child_by_field_name("left") or node.child_by_field_name("name")
    right = node.child_by_field_name("right") or node.child_by_field_name("value")
    if left is None or right is None:
        return
    targets = left.named_children if left.type == "expression_list" else [left]
    values = right.named_children if right.type == "expression_list" else [right]
    for target, value in zip(targets, values, strict=False):
        service = _made_client(value, services)
        if service:
            names[_last_name(target)] = service


def _made_client(node: Node | None, services: dict[str, str]) -> str:
    """The service of `dynamodb.NewFromConfig(cfg)` / `dynamodb.New(sess)`, else ''."""
    if node is None or node.type != "call_expression":
        return ""
    callee = node.child_by_field_name("function")
    if callee is None or callee.type != "selector_expression":
        return ""
    name = text_of(callee.child_by_field_name("field"))
    if name not in ("New", "NewFromConfig"):
        return ""
    return services.get(text_of(callee.child_by_field_name("operand")), "")


def _client_type(node: Node | None, services: dict[str, str]) -> str:
    """The service of a client type: `*dynamodb.Client`, `*dynamodb.DynamoDB`, `...API`."""
    while node is not None and node.type == "pointer_type":
        node = node.named_children[0] if node.named_children else None
    if node is None or node.type != "qualified_type":
        return ""
    package = text_of(node.child_by_field_name("package"))
    name = text_of(node.child_by_field_name("name"))
    service = services.get(package, "")
    plain = package.removesuffix("iface")
    if name == "Client" or name.lower() in (plain, plain + "api"):
        return service
    return ""


def _assigned(scope: Node, name: str) -> Node | None:
    """The value last given to `name` in `scope` (`:=`, `=`, `var`, `const`)."""
    found: Node | None = None
    for node in _descendants(scope, None):
        if node.type in ("var_spec", "const_spec"):
            targets = [text_of(n) for n in node.children_by_field_name("name")]
            values = node.child_by_field_name("value")
        elif node.type in ("short_var_declaration", "assignment_statement"):
            left = node.child_by_field_name("left")
            targets = [text_of(n) for n in left.named_children] if left is not None else []
            values = node.child_by_field_name("right")
        else:
            continue
        if name in targets and values is not None:
            index = targets.index(name)
            found = values.named_children[index] if index < values.named_child_count else found
    return found


def _package_value(package: GoPackage, name: str) -> Node | None:
    """The value of a package-level `var` or `const` named `name`."""
    for file in package.files:
        for node in file.root.named_children:
            if node.type in ("var_declaration", "const_declaration"):
                value = _assigned(node, name)
                if value is not None:
                    return value
    return None


def _unfollowed(package: GoPackage, scan_root: Path, followed: set[str]) -> list[SdkCall]:
    """An uncertainty per import that may call AWS out of sight: a package of the project
    that was not read (`followed` are read: a go.mod module's packages in the scan; not a
    GOPATH-era folder the import path ends with, nor one cut by the package bound or a
    syntax error), SigV4 signers of hand-made requests, and SDK service packages whose
    service is not known."""
    module = _module_path(package.directory, scan_root)
    seen: dict[str, SdkCall] = {}
    for file in package.files:
        for path in file.imports.values():
            if path in seen or path in followed:
                continue
            sdk = _SDK_SERVICE.match(path)
            unmapped = sdk is not None and sdk.group(1) not in _services_by_package()
            if not (
                unmapped or _signer(path) or _local(path, module, package.directory, scan_root)
            ):
                continue
            what = "a SigV4 signer" if _signer(path) else "package"
            what = "an SDK package not mapped to a service:" if unmapped else what
            where = source_location(file.display, 1, 1, (1, 1), "package", f"import {path}")
            seen[path] = SdkCall("", "", (), where, dynamic=True, via=f"{what} {path}")
    return list(seen.values())


def _module_path(directory: Path, scan_root: Path) -> str | None:
    """The `module` line of the nearest go.mod at or above `directory`, within the root."""
    found = module_of(directory, scan_root)
    return found[0] if found else None


def _signer(path: str) -> bool:
    return path.endswith(("/signer/v4", "/aws/v4")) or "aws_signing_client" in path


def _local(path: str, module: str | None, directory: Path, scan_root: Path) -> bool:
    """Whether an import names a package of the scanned project."""
    if module is not None and (path == module or path.startswith(module + "/")):
        return True
    first = path.split("/", 1)[0]
    if "." not in first or path.startswith("github.com/aws/"):
        return False  # the standard library, or the SDK itself
    parts = path.split("/")
    for folder in (directory, *directory.parents):
        if not folder.is_relative_to(scan_root):
            return False
        for start in range(1, len(parts)):
            if (folder.joinpath(*parts[start:])).is_dir():
                return True
    return False


def _functions(root: Node) -> list[Node]:
    kinds = ("function_declaration", "method_declaration")
    return [node for node in root.named_children if node.type in kinds]


def _inner(node: Node | None) -> Node | None:
    """The expression of a `literal_element` (the grammar wraps keys and values in one)."""
    if node is not None and node.type == "literal_element" and node.named_children:
        return node.named_children[0]
    return node


def _last_name(node: Node | None) -> str:
    """`db` for `h.db`, `svc` for `svc`."""
    if node is not None and node.type == "selector_expression":
        return text_of(node.child_by_field_name("field"))
    return text_of(node)


def _descendants(node: Node, kind: str | None) -> list[Node]:
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if kind is None or current.type == kind:
            found.append(current)
        stack.extend(reversed(current.named_children))
    return found
