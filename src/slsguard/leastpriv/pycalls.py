"""AWS SDK calls in Python handler code (boto3, aioboto3), found with the standard `ast`.

Clients and resources are followed through assignments (module globals, locals, `self.x`),
`with ... as`, imports of local modules (`from db import table`) and arguments passed to
functions, constructors and methods of the package (`save(table)`, `Store(client)`,
`repo.save(client)`) by the calls the handler reaches. Resource objects (`Table`, `Bucket`,
`Object`, `Queue`), batch writers, paginators and waiters become the client operation they
perform. Arguments naming resources are kept as constants or environment variable names when
they are.
"""

from __future__ import annotations

import ast
import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from slsguard.code.model import source_location
from slsguard.code.python_modules import FunctionNode, Module, Modules
from slsguard.findings import Location
from slsguard.leastpriv import sdkmodel, wrappers
from slsguard.leastpriv.pyreach import Owner, Reachability, owned_nodes, owners

ArgKind = Literal["const", "env", "unknown"]
HandleKind = Literal[
    "client", "resource", "table", "bucket", "object", "queue", "batch", "paginator", "waiter"
]
Params = tuple[tuple[str, "Arg"], ...]
_EVERY_ENTRY: Owner = (0, "")
"""The owner of calls every entry makes (the SDK-wrapping libraries a module imports)."""

_SDK_ROOTS = frozenset({"boto3", "aioboto3", "session", "Session"})
_TABLE_METHODS = frozenset({"put_item", "get_item", "update_item", "delete_item", "query", "scan"})
_RESOURCE_TYPES: dict[str, tuple[HandleKind, tuple[str, ...]]] = {
    "Table": ("table", ("TableName",)),
    "Bucket": ("bucket", ("Bucket",)),
    "Object": ("object", ("Bucket", "Key")),
    "Queue": ("queue", ("QueueUrl",)),
}


_SIGNERS: dict[str, tuple[str, int]] = {
    "BotoAWSRequestsAuth": ("aws_service", 99),
    "AWSRequestsAuth": ("aws_service", 99),
    "AWS4Auth": ("service", 3),
    "SigV4Auth": ("service_name", 1),
}
"""SigV4 signers of HTTP requests: the keyword and position of the service name."""
_SIGNED = {"execute-api": "invoke", "appsync": "graph_ql"}
"""Services a signed request calls → the pseudo-method `actionmap.IRREGULAR` maps."""

_POSITIONAL: dict[tuple[HandleKind, str], tuple[str, ...]] = {
    ("client", "upload_file"): ("Filename", "Bucket", "Key"),
    ("client", "upload_fileobj"): ("Fileobj", "Bucket", "Key"),
    ("client", "download_file"): ("Bucket", "Key", "Filename"),
    ("client", "download_fileobj"): ("Bucket", "Key", "Fileobj"),
    ("bucket", "upload_file"): ("Filename", "Key"),
    ("bucket", "upload_fileobj"): ("Fileobj", "Key"),
    ("bucket", "download_file"): ("Key", "Filename"),
    ("bucket", "download_fileobj"): ("Key", "Fileobj"),
}
"""The positional parameters of boto3's managed transfers, as boto3 defines them
(https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/s3/client/
download_file.html): `download_file(Bucket, Key, Filename)`, the file is never a resource."""


@dataclass(frozen=True, slots=True)
class Arg:
    """A resolved argument: a constant, an environment variable's name, or unknown text."""

    kind: ArgKind
    text: str


@dataclass(frozen=True, slots=True)
class Handle:
    """An SDK object bound to a name: a client, a resource object, a paginator, ..."""

    kind: HandleKind
    service: str
    """The SDK service name (`s3`); empty when computed at run time."""
    params: Params = ()
    method: str = ""
    """For paginators and waiters: the method or waiter name."""


@dataclass(frozen=True, slots=True)
class SdkCall:
    """One call of an SDK client operation, with the arguments that name resources."""

    service: str
    method: str
    params: Params
    location: Location
    dynamic: bool = False
    """The client's service or the method name is computed at run time."""
    via: str = ""
    """What performs the call when the code does not call the SDK itself
    (`powertools parameters.get_secret`); the reason shown instead of `service.method`."""
    optional: bool = False
    """The call may not run for this function (Go: reached through a method name several
    types share): its grants are not unused, nor reported missing."""


Value = Handle | Arg | None


class PythonCalls:
    """Collects the SDK calls of one handler module and the local modules it imports.

    One instance serves every entry function of its handler module: the modules are read,
    bound and their calls found once, and each entry then only walks the code it reaches,
    so that N functions sharing one handler file cost N times their own code, not N times
    the file."""

    def __init__(
        self, modules: Modules, handler: Module, passing: frozenset[Owner] | None = frozenset()
    ) -> None:
        self.modules = modules
        self.handler = handler
        self._passing = passing
        """The owners whose calls pass SDK objects on to package functions (None: all)."""
        self._passers: set[Owner] = set()
        """The owners holding a call that passed an SDK object to a package function."""
        self._always_passers: frozenset[Owner] | None = None
        self._variants: dict[frozenset[Owner] | None, PythonCalls] = {}
        self._call_owners: dict[int, dict[int, str]] = {}
        self._methods: dict[str, list[tuple[Module, FunctionNode]]] | None = None
        self.names: dict[int, dict[str, Handle | Arg]] = {}
        self.calls: list[SdkCall] = []
        self._owners: list[Owner | None] = []
        """The owner whose code holds each call (`_EVERY_ENTRY` for a module's wrappers)."""
        self._by_owner: dict[Owner, list[int]] = {}
        self._always: list[int] | None = None
        self._reach: Reachability | None = None
        self._seen: list[Module] = []
        self._scope = ""
        self._line = 0
        """The line of the code being read: a name rebound in its scope (`s3` a client, then
        a resource) has, at a line, the value last assigned before it."""
        self._history: dict[tuple[int, str], list[tuple[int, Value]]] = {}
        """The function whose code is being read (its local names come first)."""
        self._depth = 0

    def run(self, entry: FunctionNode | None = None) -> tuple[SdkCall, ...]:
        """The SDK calls of the code the `entry` function of the handler can reach (all the
        code of the handler and the local modules it imports when no entry is given)."""
        reach = self._prepared()
        if entry is None:
            return tuple(self.calls) if self._passing is None else self._variant(None).run()
        own = reach.beyond(self.handler, entry)
        if self._passing == frozenset():  # the instance the entries share
            passing = self._always_passing() | {o for o in own if o in self._passers_anywhere()}
            if passing:
                # Calls this entry reaches pass SDK objects to package functions: the names
                # those bind are this entry's own (another handler may pass another client).
                return self._variant(frozenset(passing)).run(entry)
        if self._always is None:  # the top levels and what they call: reached by every entry
            self._always = self._indexes([*reach.always(), _EVERY_ENTRY])
        mine = self._indexes(own)
        return tuple(self.calls[index] for index in heapq.merge(self._always, mine))

    def _passers_anywhere(self) -> set[Owner]:
        """The owners with a call that passes an SDK object to a package function when every
        call passes its arguments (a superset of those of any one entry)."""
        everything = self._variant(None)
        everything._prepared()
        return everything._passers

    def _always_passing(self) -> frozenset[Owner]:
        """The owners every entry reaches that pass SDK objects on (computed once)."""
        if self._always_passers is None:
            reached = self._prepared().always()
            self._always_passers = frozenset(reached & self._passers_anywhere())
        return self._always_passers

    def _variant(self, passing: frozenset[Owner] | None) -> PythonCalls:
        """The calls as bound when the calls of the `passing` owners pass their arguments on
        (None: every call), made once per set of owners and shared by the entries with it."""
        found = self._variants.get(passing)
        if found is None:
            found = self._variants[passing] = PythonCalls(self.modules, self.handler, passing)
        return found

    def _prepared(self) -> Reachability:
        """Read, bind and find the calls of every module once; the owners' reachability."""
        if self._reach is not None:
            return self._reach
        self._collect(self.handler)
        for _ in range(2):  # bindings, then arguments passed to package functions
            for module in self._seen:
                self._bind(module)
        for module in self._seen:
            owner_of = self._owner_of_calls(module)
            for symbol, node in _calls_by_function(module.tree):
                self._call(module, node, symbol)
                name = owner_of.get(id(node))
                self._own(None if name is None else (id(module), name))
            self._wrappers(module)
            self._own(_EVERY_ENTRY)
        for index, held_by in enumerate(self._owners):
            if held_by is not None:
                self._by_owner.setdefault(held_by, []).append(index)
        self._reach = Reachability(self.modules, self._seen)
        return self._reach

    def _own(self, owner: Owner | None) -> None:
        """Record `owner` as the owner of the calls found since the last record."""
        self._owners.extend([owner] * (len(self.calls) - len(self._owners)))

    def _indexes(self, reached: Iterable[Owner]) -> list[int]:
        """The positions in `calls` of the calls the `reached` owners hold, in order."""
        return sorted(index for owner in reached for index in self._by_owner.get(owner, ()))

    def _wrappers(self, module: Module) -> None:
        """A call not understood for each SDK-wrapping library the module imports."""
        specifiers = iter(set(module.imports.values()))
        for package, service in wrappers.imported(specifiers, wrappers.PYTHON, "."):
            location = wrappers.where(module.display, module.lines, package)
            self.calls.append(SdkCall(service, "", (), location, True, via=package))
        for service, via, location in wrappers.extensions(module.display, module.lines):
            self.calls.append(SdkCall(service, "", (), location, True, via=via))

    def _collect(self, module: Module) -> None:
        if any(m is module for m in self._seen):
            return
        self._seen.append(module)
        self.names[id(module)] = {}
        for qualified in set(module.imports.values()):
            for candidate in (qualified, qualified.rpartition(".")[0]):
                found = self.modules.resolve(candidate, module) if candidate else None
                if found is not None:
                    self._collect(found)

    def _owner_of_calls(self, module: Module) -> dict[int, str]:
        """id of each call of `module` → the owner (`pyreach`) whose code holds it."""
        found = self._call_owners.get(id(module))
        if found is None:
            found = self._call_owners[id(module)] = {
                id(node): name
                for name, root in owners(module)
                for node in owned_nodes(root, name)
                if isinstance(node, ast.Call)
            }
        return found

    def _passes(self, module: Module, call: ast.Call) -> bool:
        """Whether `call` passes its arguments on: its owner is one of the `passing` owners
        (the entry reaches it; another handler may hand a helper another client)."""
        if self._passing is None or not self._passing:
            return self._passing is None
        return (id(module), self._owner_of_calls(module).get(id(call), "")) in self._passing

    def _bind(self, module: Module) -> None:
        """Bind names to what they hold; arguments are passed only by the calls of the
        `passing` owners."""
        names = self.names[id(module)]
        scopes = self._scopes_of(module)
        for node in sorted(_nodes(module.tree), key=lambda n: getattr(n, "lineno", 0)):
            scope = scopes.get(id(node), ("", frozenset()))
            self._scope = scope[0]
            self._line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
                value = self.eval(node.value, module)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    key = _store(names, target, value, scope)
                    if key:
                        self._history.setdefault((id(module), key), []).append((self._line, value))
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        value = self.eval(item.context_expr, module)
                        _store(names, item.optional_vars, value, scope)
            elif isinstance(node, ast.Call) and self._passes(module, node):
                self._pass_arguments(node, module)
        self._scope = ""
        self._line = 0

    def _scopes_of(self, module: Module) -> dict[int, tuple[str, frozenset[str]]]:
        """id of each node → (its innermost function's name, the names it declares global)."""
        found: dict[int, tuple[str, frozenset[str]]] = {}

        def visit(node: ast.AST, scope: tuple[str, frozenset[str]]) -> None:
            for child in ast.iter_child_nodes(node):
                inner = scope
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    declared = {
                        name
                        for n in ast.walk(child)
                        if isinstance(n, ast.Global | ast.Nonlocal)
                        for name in n.names
                    }
                    inner = (child.name, frozenset(declared))
                found[id(child)] = inner
                visit(child, inner)

        visit(module.tree, ("", frozenset()))
        return found

    def _pass_arguments(self, call: ast.Call, module: Module) -> None:
        """Bind the SDK objects a call passes to the parameters of the package functions it
        may call (`save(table)`, `Store(client)`'s `__init__`, `repo.save(client)`)."""
        passed = [(i, self.eval(a, module)) for i, a in enumerate(call.args)]
        named = [(k.arg, self.eval(k.value, module)) for k in call.keywords if k.arg]
        if not any(isinstance(v, Handle) for _, v in (*passed, *named)):
            return
        callees = self._callees(call.func, module)
        if callees:
            self._passers.add((id(module), self._owner_of_calls(module).get(id(call), "")))
        for callee, definition in callees:
            params = [a.arg for a in (*definition.args.posonlyargs, *definition.args.args)]
            if params and params[0] in ("self", "cls"):
                params = params[1:]
            pairs = [(params[i], v) for i, v in passed if i < len(params)] + named
            for name, value in pairs:
                if isinstance(value, Handle) and name is not None:
                    self.names[id(callee)].setdefault(name, value)

    def _callees(self, func: ast.expr, module: Module) -> list[tuple[Module, FunctionNode]]:
        """The package functions a call may run: a function or a class's `__init__` by name,
        a function of an imported module, or, for a method call on an object, every method of
        that name in the package (the object's class is not tracked: err towards more)."""
        if isinstance(func, ast.Name):
            found = self._function(func, module) or self._function(func, module, "__init__")
            return [found] if found is not None else []
        if not isinstance(func, ast.Attribute) or isinstance(self.eval(func.value, module), Handle):
            return []
        qualified = module.imports.get(_dotted(func.value), "")
        imported = self.modules.resolve(qualified, module) if qualified else None
        if imported is not None and id(imported) in self.names:  # `module.f()`, `module.C()`
            functions = imported.functions
            member = functions.get(func.attr) or functions.get(f"{func.attr}.__init__")
            return [(imported, member)] if member is not None else []
        if self._methods is None:  # indexed once: every call of every module asks
            self._methods = {}
            for seen in self._seen:
                for name, node in seen.functions.items():
                    if name.count(".") == 1:
                        method = name.partition(".")[2]
                        self._methods.setdefault(method, []).append((seen, node))
        return self._methods.get(func.attr, [])

    def _function(
        self, func: ast.expr, module: Module, member: str = ""
    ) -> tuple[Module, FunctionNode] | None:
        """The package function a name calls (its method `member` when given: a class's
        `__init__`), in `module` or in the local module it is imported from."""
        if not isinstance(func, ast.Name):
            return None
        suffix = f".{member}" if member else ""
        if func.id + suffix in module.functions:
            return module, module.functions[func.id + suffix]
        qualified = module.imports.get(func.id, "")
        owner, _, name = qualified.rpartition(".")
        found = self.modules.resolve(owner, module) if owner else None
        if found is not None and name + suffix in found.functions and id(found) in self.names:
            return found, found.functions[name + suffix]
        return None

    def eval(self, node: ast.expr, module: Module) -> Value:
        """What an expression holds, as far as SDK objects and resource names go."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return Arg("const", node.value)
        if isinstance(node, ast.Await):
            return self.eval(node.value, module)
        if isinstance(node, ast.Name | ast.Attribute):
            return self._name(node, module)
        if isinstance(node, ast.Subscript):
            key = _constant(node.slice)
            if key is not None and _dotted(node.value) in ("os.environ", "environ"):
                return Arg("env", key)
            return None
        if isinstance(node, ast.Call):
            return self._call_value(node, module)
        if isinstance(node, ast.BoolOp) and node.values:
            return self.eval(node.values[0], module)
        return Arg("unknown", ast.unparse(node)) if isinstance(node, ast.JoinedStr) else None

    def _name(self, node: ast.Name | ast.Attribute, module: Module) -> Value:
        dotted = _dotted(node)
        names = self.names.get(id(module), {})
        local = f"{self._scope}::{dotted}" if self._scope else ""
        if local in names:
            return self._at_line(module, local, names[local])
        if dotted in names and self._scope:
            return names[dotted]  # a module name read in a function: its last value
        if dotted in names:
            return self._at_line(module, dotted, names[dotted])
        meta = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
        if meta and dotted.endswith(".meta.client"):  # `resource.meta.client`: its client
            resource = self.eval(node.value.value, module)  # type: ignore[union-attr]
            if isinstance(resource, Handle) and resource.service:
                return Handle("client", resource.service)
        head, _, rest = dotted.partition(".")
        qualified = module.imports.get(head)
        if qualified is None:
            return None
        owner, _, name = (qualified + ("." + rest if rest else "")).rpartition(".")
        found = self.modules.resolve(owner, module) if owner else None
        return self.names.get(id(found), {}).get(name) if found is not None else None

    def _at_line(self, module: Module, key: str, final: Value) -> Value:
        """The value `key` holds at the line being read when its scope rebinds it (a module
        name read at module level, a function's own name in that function); else `final`
        (a function may run after a module name's last assignment)."""
        history = self._history.get((id(module), key), [])
        earlier = [value for line, value in history if line < self._line]
        return earlier[-1] if len(history) > 1 and self._line and earlier else final

    def _call_value(self, call: ast.Call, module: Module) -> Value:
        func = call.func
        if _dotted(func) in ("os.getenv", "os.environ.get", "environ.get", "getenv"):
            key = _constant(call.args[0]) if call.args else None
            return Arg("env", key) if key is not None else None
        if isinstance(func, ast.Name):
            return self._returned(func, module)
        if not isinstance(func, ast.Attribute):
            return None
        owner = self.eval(func.value, module)
        if func.attr in ("client", "resource") and _sdk_root(func.value, owner):
            return _client(call, "client" if func.attr == "client" else "resource")
        if not isinstance(owner, Handle):
            return None
        return self._derived(owner, func.attr, call, module)

    def _returned(self, func: ast.Name, module: Module) -> Value:
        """What a local factory function returns (`def s3(): return boto3.client("s3")`)."""
        target = self._function(func, module)
        if target is None or self._depth > 3:
            return None
        callee, definition = target
        self._depth += 1
        try:
            for node in ast.walk(definition):
                if isinstance(node, ast.Return) and node.value is not None:
                    value = self.eval(node.value, callee)
                    if isinstance(value, Handle):
                        return value
        finally:
            self._depth -= 1
        return None

    def _derived(self, owner: Handle, attr: str, call: ast.Call, module: Module) -> Value:
        if owner.kind == "resource" and attr in _RESOURCE_TYPES:
            kind, names = _RESOURCE_TYPES[attr]
            args = [self._arg(a, module) for a in call.args]
            return Handle(kind, owner.service, tuple(zip(names, args, strict=False)))
        if owner.kind == "bucket" and attr == "Object":
            key = self._arg(call.args[0], module) if call.args else Arg("unknown", "key")
            return Handle("object", owner.service, (*owner.params, ("Key", key)))
        if owner.kind == "table" and attr == "batch_writer":
            return Handle("batch", owner.service, owner.params)
        if owner.kind == "client" and attr in ("get_paginator", "get_waiter") and call.args:
            name = _constant(call.args[0]) or ""
            return Handle(
                "paginator" if attr == "get_paginator" else "waiter", owner.service, method=name
            )
        return None

    def _arg(self, node: ast.expr, module: Module) -> Arg:
        value = self.eval(node, module)
        return value if isinstance(value, Arg) else Arg("unknown", ast.unparse(node))

    def _call(self, module: Module, node: ast.Call, symbol: str) -> None:
        """The SDK calls that the call `node` (in function `symbol`) performs."""
        from slsguard.leastpriv.powertools import utility_calls

        def evaluate(expression: ast.expr) -> Arg:
            return self._arg(expression, module)

        self._scope = "" if symbol == "<module>" else symbol
        self._line = node.lineno
        if self._signed_request(module, node, symbol):
            return
        self.calls.extend(utility_calls(module, evaluate, symbol, node))
        func = node.func
        if isinstance(func, ast.Call) and _dotted(func.func) == "getattr" and func.args:
            owner = self.eval(func.args[0], module)
            if isinstance(owner, Handle):
                self._add(module, node, symbol, owner.service, "", (), dynamic=True)
            return
        if not isinstance(func, ast.Attribute):
            return
        owner = self.eval(func.value, module)
        if isinstance(owner, Handle):
            self._operation(module, node, symbol, owner, func.attr)

    def _signed_request(self, module: Module, node: ast.Call, symbol: str) -> bool:
        """A SigV4 signer for HTTP requests (`BotoAWSRequestsAuth(aws_service="execute-api")`,
        `AWS4Auth(key, secret, region, "appsync")`, botocore `SigV4Auth(creds, service,
        region)`): the signed requests call the service without an SDK client."""
        dotted = _dotted(node.func)
        head, _, rest = dotted.partition(".")
        qualified = module.imports.get(head, head) + (f".{rest}" if rest else "")
        position = (
            _SIGNERS.get(qualified.rpartition(".")[2])
            if qualified.startswith(("aws_requests_auth", "requests_aws4auth", "botocore.auth"))
            else None
        )
        if position is None:
            return False
        keyword, index = position
        value = next((k.value for k in node.keywords if k.arg == keyword), None)
        if value is None and len(node.args) > index:
            value = node.args[index]
        service = _constant(value) if value is not None else None
        method = _SIGNED.get(service or "", "")
        params = (("Signer", Arg("const", qualified)),)
        self._add(module, node, symbol, service or "", method, params, dynamic=not method)
        return True

    def _operation(
        self, module: Module, node: ast.Call, symbol: str, owner: Handle, attr: str
    ) -> None:
        keywords = [(k.arg, k.value) for k in node.keywords if k.arg]
        keywords += _unpacked(module, node, symbol)
        params = owner.params + tuple((name, self._arg(v, module)) for name, v in keywords)
        method = _method(owner, attr, params)
        if method is None:
            return
        names = _POSITIONAL.get((owner.kind, attr), ())
        positional = [self._arg(a, module) for a in node.args[: len(names)]]
        params = params + tuple(zip(names, positional, strict=False))
        if owner.kind == "client" and attr == "generate_presigned_url":
            target = next((a for k, a in params if k == "ClientMethod"), None)
            method = target.text if target and target.kind == "const" else ""
        self._add(module, node, symbol, owner.service, method, params, dynamic=not method)

    def _add(
        self,
        module: Module,
        node: ast.Call,
        symbol: str,
        service: str,
        method: str,
        params: Params,
        *,
        dynamic: bool,
    ) -> None:
        location = call_location(module, node, symbol)
        self.calls.append(SdkCall(service, method, params, location, dynamic or not service))


def call_location(module: Module, node: ast.Call, symbol: str) -> Location:
    """Where a call is, inside function `symbol` of `module`."""
    line, column, end_line, end_column = module.position(node)
    return source_location(
        module.display, line, column, (end_line, end_column), symbol, module.text(node)
    )


def _unpacked(module: Module, call: ast.Call, symbol: str) -> list[tuple[str, ast.expr]]:
    """The keywords a call unpacks from a dict literal assigned before it in the same function
    (`params = {"PhoneNumber": ...}; sns.publish(**params)`)."""
    names = {k.value.id for k in call.keywords if k.arg is None and isinstance(k.value, ast.Name)}
    scope: ast.AST | None = module.tree if symbol == "<module>" else module.functions.get(symbol)
    if not names or scope is None:
        return []
    found: dict[str, ast.Dict] = {}
    for node in ast.walk(scope):
        if not isinstance(node, ast.Assign) or node.lineno >= call.lineno:
            continue
        target = node.targets[0] if len(node.targets) == 1 else None
        if isinstance(target, ast.Name) and target.id in names and isinstance(node.value, ast.Dict):
            found[target.id] = node.value
    return [
        (key, value)
        for literal in found.values()
        for key_node, value in zip(literal.keys, literal.values, strict=False)
        if key_node is not None and (key := _constant(key_node))
    ]


def _method(owner: Handle, attr: str, params: Params) -> str | None:
    """The client method a call on `owner` performs (None when it performs none)."""
    if owner.kind == "client":
        skip = attr in ("get_paginator", "get_waiter", "can_paginate", "close", "meta")
        return None if skip else attr
    if owner.kind == "paginator":
        return owner.method if attr == "paginate" else None
    if owner.kind == "waiter":
        operation = sdkmodel.waiter_operation(owner.service, owner.method)
        return sdkmodel.xform_name(operation) if attr == "wait" and operation else None
    if owner.kind == "table":
        return attr if attr in _TABLE_METHODS else None
    if owner.kind == "batch":
        return "batch_write_item" if attr in ("put_item", "delete_item") else None
    if owner.kind == "bucket":
        mapped = {
            "put_object": "put_object",
            "upload_file": "upload_file",
            "upload_fileobj": "upload_fileobj",
            "download_file": "download_file",
            "download_fileobj": "download_fileobj",
            "delete_objects": "delete_objects",
        }
        return mapped.get(attr)
    if owner.kind == "object":
        mapped = {
            "get": "get_object",
            "put": "put_object",
            "delete": "delete_object",
            "upload_file": "upload_file",
            "upload_fileobj": "upload_fileobj",
            "download_file": "download_file",
            "download_fileobj": "download_fileobj",
        }
        return mapped.get(attr)
    if owner.kind == "queue":
        mapped = {
            "send_message": "send_message",
            "send_messages": "send_message_batch",
            "receive_messages": "receive_message",
            "delete_messages": "delete_message_batch",
        }
        return mapped.get(attr)
    return None


def _client(call: ast.Call, kind: HandleKind) -> Handle:
    name = _constant(call.args[0]) if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "service_name":
            name = _constant(keyword.value)
    known = name is not None and name in sdkmodel.services()
    return Handle(kind, name if known and name else "")


def _sdk_root(node: ast.expr, owner: Value) -> bool:
    root = _dotted(node).split(".", 1)[0]
    return root in _SDK_ROOTS or isinstance(node, ast.Call) or owner is None


def _store(
    names: dict[str, Handle | Arg],
    target: ast.expr,
    value: Value,
    scope: tuple[str, frozenset[str]],
) -> str:
    """Bind `target` to `value`; a plain name assigned in a function is that function's own
    (`global` aside): `client` may be an S3 client at module level and SQS in `send`. The key
    bound, or empty."""
    if value is None:
        return ""
    key = _dotted(target)
    function, declared_global = scope
    if key and function and isinstance(target, ast.Name) and key not in declared_global:
        key = f"{function}::{key}"
    if key:
        names[key] = value
    return key


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def _constant(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _nodes(tree: ast.AST) -> list[ast.AST]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign | ast.AnnAssign | ast.With | ast.AsyncWith | ast.Call)
    ]


def _calls_by_function(tree: ast.Module) -> list[tuple[str, ast.Call]]:
    found: list[tuple[str, ast.Call]] = []

    def visit(node: ast.AST, symbol: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
            else:
                if isinstance(child, ast.Call):
                    found.append((symbol, child))
                visit(child, symbol)

    visit(tree, "<module>")
    return found
