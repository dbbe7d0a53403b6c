"""Each function's needed permissions: its SDK calls as IAM actions on resources, plus
what its stream and queue triggers need, and what the analysis could not resolve.

Computed once per application (cached like the code facts), only for functions whose
handler code was found and analysed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from slsguard.code.javascript_handlers import Followed, follow_handler
from slsguard.code.javascript_modules import JsModules
from slsguard.code.locate import locate
from slsguard.code.model import HandlerSource
from slsguard.code.python_modules import Modules
from slsguard.findings import Location, Origin
from slsguard.iam import actions
from slsguard.leastpriv import athena, sdkmodel
from slsguard.leastpriv.actionmap import OPTIONAL, TRIGGER_ACTIONS, actions_for
from slsguard.leastpriv.indirect import (
    DESTINATION_SERVICES,
    call_needs,
    detects_language,
    generated_role,
    may_reach_s3,
    pass_role,
    sets_acl,
    setting_needs,
)
from slsguard.leastpriv.jscalls import JavaScriptCalls
from slsguard.leastpriv.kms import key_actions
from slsguard.leastpriv.pycalls import Arg, PythonCalls, SdkCall
from slsguard.leastpriv.resources import (
    ANY,
    Target,
    from_resource,
    other_stack,
    resolve,
    unresolved,
)
from slsguard.model import Application, Function, Trigger

_PARAMS: dict[str, tuple[str, str]] = {
    "dynamodb": ("TableName", "table"),
    "s3": ("Bucket", "bucket"),
    "sqs": ("QueueUrl", "queue"),
    "sns": ("TopicArn", "topic"),
    "secretsmanager": ("SecretId", "secret"),
    "ssm": ("Name", "parameter"),
    "lambda": ("FunctionName", "function"),
    "kinesis": ("StreamName", "stream"),
    "stepfunctions": ("stateMachineArn", "statemachine"),
    "kms": ("KeyId", "key"),
}
"""SDK service → (the parameter naming the resource, its kind)."""


_SIGNED_RESOURCES = {
    "execute-api": ("API", "arn:aws:execute-api:*:*:*"),
    "appsync": ("GraphQL API", "arn:aws:appsync:*:*:apis/*"),
}
"""Resources of signed HTTP requests (the URL is rarely a template reference)."""


@dataclass(frozen=True, slots=True)
class Need:
    """One action on one resource, and the code line (or trigger) that needs it."""

    action: str
    target: Target
    location: Location | None
    reason: str
    """`s3.upload_file` or `the sqs trigger`."""
    implied: bool = False
    """Needed by a trigger's event source mapping rather than by the code."""
    optional: bool = False
    """Used when granted, not required (`actionmap.OPTIONAL`): never reported missing."""
    origin: Origin | None = None
    """For a need of a setting (tracing, VPC, a dead-letter queue): where it is written."""


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """A call the analysis could not map: its service's grants cannot be judged unused."""

    service: str
    """IAM service prefix, or empty when even the service is unknown."""
    message: str
    location: Location


@dataclass(frozen=True, slots=True)
class FunctionNeeds:
    """What one analysed function needs."""

    function: str
    needs: tuple[Need, ...]
    uncertain: tuple[Uncertainty, ...] = ()

    def uncertain_about(self, service: str) -> bool:
        """Whether an unresolved call may use `service` (an IAM prefix)."""
        return any(u.service in ("", service.lower()) for u in self.uncertain)


_cache: OrderedDict[int, tuple[Application, dict[str, FunctionNeeds]]] = OrderedDict()


def function_needs(app: Application) -> dict[str, FunctionNeeds]:
    """The needs of every function of `app` whose Python, JavaScript, TypeScript or Go
    handler code was analysed."""
    cached = _cache.get(id(app))
    if cached is not None and cached[0] is app:
        return cached[1]
    result: dict[str, FunctionNeeds] = {}
    loaders = _Loaders(app, app.names_folder())
    for fn in app.functions:
        located = locate(app, fn, loaders.cwd)
        calls = loaders.calls(located) if isinstance(located, HandlerSource) else None
        if calls is not None:
            result[fn.name] = needs_of(app, fn, calls)
    _cache[id(app)] = (app, result)
    while len(_cache) > 16:
        _cache.popitem(last=False)
    return result


class _Loaders:
    """Module loaders shared by the functions of one application, per code root."""

    def __init__(self, app: Application, cwd: Path) -> None:
        self.app = app
        self.cwd = cwd
        self.python: dict[tuple[Path, Path], Modules] = {}
        self.javascript: dict[tuple[Path, Path], JsModules] = {}
        self.python_calls: dict[int, PythonCalls] = {}
        """The calls of each handler module, shared by the functions it serves."""

    def calls(self, located: HandlerSource) -> tuple[SdkCall, ...] | None:
        """The SDK calls of a handler; None when its code is not analysable."""
        key = (located.root, located.scan_root)
        if located.language == "python":
            loader = self.python.setdefault(key, Modules(*key, self.cwd))
            module = loader.handler(located)
            if module is None or located.symbol not in module.functions:
                return None
            calls = self.python_calls.get(id(module))
            if calls is None or calls.handler is not module:
                calls = self.python_calls[id(module)] = PythonCalls(loader, module)
            return calls.run(module.functions[located.symbol])
        if located.language == "go":
            from slsguard.code.go_calls import sdk_calls  # tree-sitter-go only for Go code
            from slsguard.code.go_modules import packages_of

            return sdk_calls(located, self.cwd, packages_of(self.app, self.cwd))
        if located.language not in ("javascript", "typescript"):
            return None
        js = self.javascript.setdefault(key, JsModules(*key, self.cwd))
        handler = js.handler(located)
        followed = follow_handler(handler, located.symbol, js) if handler is not None else None
        if handler is None or not isinstance(followed, Followed):
            return None
        return JavaScriptCalls(js).run(handler, (followed.module, followed.node))


def needs_of(app: Application, fn: Function, calls: tuple[SdkCall, ...]) -> FunctionNeeds:
    """The needs of `fn` given the SDK calls of its code."""
    needs: list[Need] = []
    uncertain: list[Uncertainty] = []
    for call in calls:
        prefix = sdkmodel.iam_prefix(call.service) if call.service else ""
        mapped = None if call.dynamic else actions_for(call.service, call.method)
        if mapped is None:
            what = f"{call.service or 'an SDK'} client"
            how = f"`{call.method}`" if call.method else "a method computed at run time"
            message = f"{how} on {what}: not mapped to IAM actions"
            if call.via and not call.method:
                message = f"`{call.via}` calls {call.service or 'AWS'} itself (not followed)"
            uncertain.append(Uncertainty(prefix.lower(), message, call.location))
            continue
        if may_reach_s3(call.service, call.method, _texts(call)):
            message = f"`{call.method}` may read S3 as the caller; its arguments are not visible"
            uncertain.append(Uncertainty("s3", message, call.location))
        for action, bucket in call_needs(call.service, call.method, _texts(call)):
            param = dict(call.params).get(bucket) if bucket else None
            target = resolve(app, fn, "bucket", param).child("/*")
            reason = f"{call.service}.{call.method} reads or writes S3 as the caller"
            needs.append(Need(action, target, call.location, reason))
        needs.extend(_passed_roles(app, fn, call))
        if call.service == "athena":
            needs.extend(_query_needs(call))
            if call.method == athena.READS_TABLE_DATA:
                message = f"`{call.method}` reads the tables' data in S3 as the caller"
                uncertain.append(Uncertainty("s3", message, call.location))
            if athena.hidden_query(call.method, _texts(call)):
                message = f"`{call.method}` runs SQL the code does not show (it may write)"
                uncertain.append(Uncertainty("glue", message, call.location))
        if detects_language(call.service, call.method, dict(call.params)):
            reason = f"{call.service}.{call.method} may detect the language with Comprehend"
            detect = "comprehend:DetectDominantLanguage"
            needs.append(Need(detect, ANY, call.location, reason, optional=True))
        if sets_acl(call.service, call.method, _texts(call)):
            target = _target(app, fn, call, "s3:PutObject")
            reason = f"{call.service}.{call.method} with an ACL"
            needs.append(Need("s3:PutObjectAcl", target, call.location, reason))
        for action in mapped:
            target = _target(app, fn, call, action)
            reason = call.via or f"{call.service}.{call.method}"
            optional = action in OPTIONAL or call.optional
            needs.append(Need(action, target, call.location, reason, optional=optional))
    for trigger in fn.triggers:
        needs.extend(_trigger_needs(app, trigger))
    generated = generated_role(app, fn)
    for action, target, reason, origin in setting_needs(app, fn):
        if not action:
            where = Location("template", origin.file, origin.line, origin.column)
            message = f"{reason} may be any of {', '.join(DESTINATION_SERVICES)}: not resolved"
            uncertain.extend(Uncertainty(s, message, where) for s in DESTINATION_SERVICES)
            continue
        needs.append(Need(action, target, None, reason, implied=generated, origin=origin))
    needs.extend(_key_needs(app, needs))
    return FunctionNeeds(fn.name, tuple(needs), tuple(uncertain))


def _passed_roles(app: Application, fn: Function, call: SdkCall) -> list[Need]:
    """`iam:PassRole` on the role a call hands to a service (`indirect.PASS_ROLE`)."""
    found = pass_role(call.service, call.method, _texts(call))
    if found is None:
        return []
    param, certain = found
    arg = dict(call.params).get(param) if param else None
    if arg is not None and arg.kind == "const" and arg.text.startswith("arn:"):
        target = Target(arg.text, label=f'"{arg.text}"')
    else:
        target = unresolved("role", "the role is named at run time")
    reason = f"{call.service}.{call.method} passes a role"
    return [Need("iam:PassRole", target, call.location, reason, optional=not certain)]


def _query_needs(call: SdkCall) -> list[Need]:
    """The Glue catalog and S3 result-location needs of an Athena call (`athena`)."""
    reason = athena.REASONS.get(call.method, "")
    return [
        Need(n.action, n.target, call.location, n.reason or reason, optional=not n.required)
        for n in athena.query_needs(call.method, _texts(call))
    ]


def _texts(call: SdkCall) -> dict[str, str]:
    return {name: arg.text for name, arg in call.params}


def _key_needs(app: Application, needs: list[Need]) -> list[Need]:
    """The KMS actions on customer-managed keys that the data needs imply."""
    found: list[Need] = []
    for need in needs:
        for action, key in key_actions(app, need.action, need.target):
            reason = f"{need.reason} ({_name(need.target)} is encrypted with {_name(key)})"
            # A key of a stack not in the scan may be AWS managed: written, never reported.
            optional = not key.resolved
            found.append(Need(action, key, need.location, reason, need.implied, optional))
    return found


def _name(target: Target) -> str:
    """A resource's name in a reason: its logical id, another stack's resource as its label
    says (`OrdersKey of orders/serverless.yml`), else its ARN pattern."""
    if target.logical_id:
        return target.logical_id
    return target.label.split(" (")[0] if target.resolved and target.label else target.arn


def _target(app: Application, fn: Function, call: SdkCall, action: str) -> Target:
    info = actions.lookup(action)
    if info is None or not info.resource_types:
        return ANY
    if call.service in _SIGNED_RESOURCES:
        kind, pattern = _SIGNED_RESOURCES[call.service]
        return Target(
            pattern, label=f"unresolved: the {kind} is named by a URL at run time", resolved=False
        )
    if call.service == "appconfigdata":
        return unresolved("configuration", "AppConfig ARNs hold IDs; the code names a profile")
    if call.service == "sns" and _sms(dict(call.params)):
        return ANY  # an SMS to a phone number has no resource: IAM evaluates `*`
    spec = _PARAMS.get(call.service)
    if spec is None:
        return unresolved(None, f"no resource resolution for {call.service} yet")
    param, kind = spec
    args = dict(call.params)
    if call.service == "s3" and action == "s3:GetObject" and call.method in _COPIES:
        return _copy_source(app, fn, args.get("CopySource"))
    if call.service == "stepfunctions" and "executionArn" in args:
        return unresolved(None, "execution ARNs are created at run time")
    target = resolve(app, fn, kind, args.get(param))
    if call.service == "s3" and "object" in info.resource_types:
        key = args.get("Key")
        suffix = "/" + key.text if key is not None and key.kind == "const" else "/*"
        return target.child(suffix)
    if call.service == "dynamodb" and "IndexName" in args:
        return target.child("/index/*")
    return target


_COPIES = frozenset({"copy_object", "copy", "upload_part_copy"})
"""S3 copies: `s3:GetObject` is on the source object, `s3:PutObject` on the destination."""


def _copy_source(app: Application, fn: Function, source: Arg | None) -> Target:
    """The object a copy reads: `CopySource="bucket/key"` (a constant), else unresolved."""
    text = source.text.lstrip("/") if source is not None and source.kind == "const" else ""
    bucket, _, key = text.partition("/")
    if not bucket or not key:
        return unresolved("bucket", "the copy source is built at run time")
    return resolve(app, fn, "bucket", Arg("const", bucket)).child("/" + key.split("?")[0])


def _sms(params: dict[str, Arg]) -> bool:
    """Whether an SNS publish sends an SMS to a phone number rather than to a topic or an
    endpoint (https://docs.aws.amazon.com/sns/latest/dg/sms_sending-overview.html)."""
    return "PhoneNumber" in params and not {"TopicArn", "TargetArn"} & set(params)


def _trigger_source(settings: object) -> object:
    """The queue or stream a trigger reads: Serverless `arn` (or the value itself), SAM
    `Properties.Queue`/`Properties.Stream`, an event source mapping's `EventSourceArn`."""
    if not isinstance(settings, dict):
        return settings
    properties = settings.get("Properties")
    if isinstance(properties, dict):
        settings = properties
    for key in ("arn", "Queue", "Stream", "EventSourceArn"):
        if key in settings:
            return settings[key]
    return None


def _trigger_needs(app: Application, trigger: Trigger) -> list[Need]:
    source = _trigger_source(trigger.settings)
    if trigger.kind == "sqs":
        kind, key = "sqs", "queue"
    elif trigger.kind == "stream":
        text = str(source)
        kind, key = ("kinesis", "stream") if "kinesis" in text else ("dynamodb-stream", "")
    else:
        return []
    target = _trigger_target(app, key, source)
    reason = f"the {trigger.kind} trigger"
    return [Need(a, target, None, reason, implied=True) for a in TRIGGER_ACTIONS[kind]]


def _trigger_target(app: Application, kind: str, source: object) -> Target:
    if isinstance(source, str) and source.startswith("arn:"):
        return Target(source, label="the trigger's ARN", cfn=source)
    other = other_stack(app, kind or "table", source, "the trigger")
    if other is not None:  # a DynamoDB stream (no `kind`) is its table's `/stream/*`
        return other if kind or not other.resolved else other.child("/stream/*")
    if isinstance(source, dict) and source:
        logical = next(iter(source.values()))
        parts = logical if isinstance(logical, list) else str(logical).split(".")
        name, attribute = str(parts[0]), str(parts[-1])
        if kind:
            return from_resource(app, kind, name, "the trigger")
        if attribute == "StreamArn":
            table = from_resource(app, "table", name, "the trigger")
            stream = table.child("/stream/*")
            cfn = f"!GetAtt {name}.StreamArn" if table.resolved else ""
            return Target(stream.arn, stream.logical_id, stream.label, stream.resolved, cfn)
    return unresolved(kind or None, "the trigger's source is computed at deploy time")
