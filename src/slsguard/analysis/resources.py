"""The CloudFormation resources of an application, found by whatever points at them.

Rules about event sources, transport and data stores ask which bucket, queue, topic or
database a trigger, a policy statement or an environment value designates: `!Ref Queue`,
`!GetAtt Queue.Arn`, `${Bucket.Arn}/*` in a `!Sub`, a literal ARN or a physical name.
`ResourceIndex` indexes an application's resources once and answers those questions; the
resource policies attached to a bucket, queue or topic are parsed with their principals
and conditions (which the IAM model of execution roles does not keep).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from slsguard.findings import Origin
from slsguard.iam import actions
from slsguard.loading.policies import child_origin
from slsguard.loading.yaml import YMap
from slsguard.model import Application, LambdaPermission, render

BUCKET = "AWS::S3::Bucket"
QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"

_GETATT = re.compile(r"!GetAtt ([A-Za-z0-9]+)\.([A-Za-z0-9.]+)")
_REF = re.compile(r"!Ref ([A-Za-z0-9]+)\b(?!::)")
_SUB = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z0-9.]+))?\}")
_S3_ARN = re.compile(r"^arn:[\w-]+:s3:::([^/*${}]+)")
_SERVICE_ARN = re.compile(r"^arn:[\w-]+:(?:sqs|sns):[^:]*:[^:]*:([^:/*${}]+)$")
_QUEUE_URL = re.compile(r"^https://sqs\.[^/]+/\d+/([^/${}]+)$")

_NAME_PROPERTY = {BUCKET: "BucketName", QUEUE: "QueueName", TOPIC: "TopicName"}

_POLICY_TARGETS = {
    "AWS::S3::BucketPolicy": (BUCKET, "Bucket"),
    "AWS::SQS::QueuePolicy": (QUEUE, "Queues"),
    "AWS::SQS::QueueInlinePolicy": (QUEUE, "Queue"),
    "AWS::SNS::TopicPolicy": (TOPIC, "Topics"),
    "AWS::SNS::TopicInlinePolicy": (TOPIC, "TopicArn"),
}


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource of the template: its logical id, type, properties and where it is."""

    logical_id: str
    type: str
    properties: YMap
    origin: Origin
    properties_origin: Origin

    def origin_of(self, key: str) -> Origin:
        """Where property `key` is written (the resource itself when it is not)."""
        if key not in self.properties:
            return self.origin
        return child_origin(self.properties, key, self.properties_origin)

    @property
    def name(self) -> str | None:
        """The physical name the template gives it (`BucketName`, ...), when literal."""
        key = _NAME_PROPERTY.get(self.type)
        value = self.properties.get(key) if key else None
        return value if isinstance(value, str) and "${" not in value else None


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of a policy statement: `{operator: {key: values}}`, key lowercased."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    """A resource-policy statement with its principal and conditions."""

    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    public: bool
    """The principal is anyone: `"*"` or `{"AWS": "*"}`."""
    conditions: tuple[Condition, ...]
    origin: Origin
    principal_origin: Origin
    resources: tuple[str, ...] = ()
    """`Resource` rendered as text (empty when absent)."""

    def applies_to(self, logical_id: str, name: str | None) -> bool:
        """Whether `Resource` can include the given bucket, queue or topic.

        False only when every entry names another resource of the template (a policy may
        be attached to several queues and speak about each in its own statement).
        """
        for text in self.resources or ("*",):
            ids = referenced_ids(text)
            if not ids or logical_id in ids or (name and physical_name(text) == name):
                return True
        return False

    def covers(self, action: str) -> bool:
        """Whether Action (or NotAction) covers the concrete `action`."""
        if self.not_actions:
            return not any(actions.matches(pattern, action) for pattern in self.not_actions)
        return any(actions.matches(pattern, action) for pattern in self.actions)


@dataclass(frozen=True, slots=True)
class ResourcePolicy:
    """A bucket, queue or topic policy resource and its statements."""

    resource: Resource
    statements: tuple[PolicyStatement, ...]


class ResourceIndex:
    """An application's resources by logical id and physical name, with their policies."""

    _last: tuple[Application, ResourceIndex] | None = None

    @classmethod
    def of(cls, app: Application) -> ResourceIndex:
        """The index of `app`, built once while rules run over the same application."""
        last = cls._last
        if last is not None and last[0] is app:
            return last[1]
        index = cls(app)
        cls._last = (app, index)
        return index

    def __init__(self, app: Application) -> None:
        self.by_id: dict[str, Resource] = {}
        self.parameters = _parameter_defaults(app.template)
        section = app.resources if isinstance(app.resources, YMap) else YMap()
        base = app.resources_origin or Origin(app.file, ("Resources",))
        for logical_id, raw in section.items():
            if not isinstance(raw, YMap) or not isinstance(raw.get("Type"), str):
                continue
            origin = section.origin_of(logical_id, base)
            properties = raw.get("Properties")
            properties_origin = child_origin(raw, "Properties", origin)
            if not isinstance(properties, YMap):
                properties = YMap(origin.file, (origin.line, origin.column))
            self.by_id[logical_id] = Resource(
                logical_id, raw["Type"], properties, origin, properties_origin
            )
        self._by_type: dict[str, list[Resource]] = {}
        for resource in self.by_id.values():
            self._by_type.setdefault(resource.type, []).append(resource)
        self._by_name = {
            (resource.type, resource.name): resource
            for resource in self.by_id.values()
            if resource.name
        }

    def of_type(self, *types: str) -> list[Resource]:
        """The resources of the given types (each type in template order)."""
        return [resource for kind in types for resource in self._by_type.get(kind, ())]

    def designated(self, value: object, *types: str) -> Resource | None:
        """The resource of one of `types` that a value points at, by reference, ARN or name."""
        for logical_id in referenced_ids(value):
            found = self.by_id.get(logical_id)
            if found is not None and found.type in types:
                return found
        if isinstance(value, dict | list):
            return None
        name = physical_name(render(value).strip())
        for kind in types:
            found = self._by_name.get((kind, name))
            if found is not None:
                return found
        return None

    def resolve(self, value: object) -> object:
        """`!Ref Parameter` replaced by the parameter's default, when it has one."""
        if isinstance(value, dict) and set(value) == {"Ref"}:
            return self.parameters.get(str(value["Ref"]), value)
        return value

    def policies_of(self, kind: str, logical_id: str, name: str | None) -> list[ResourcePolicy]:
        """The policy resources attached to the bucket, queue or topic `logical_id`."""
        found = []
        for resource in self.by_id.values():
            target = _POLICY_TARGETS.get(resource.type)
            if target is None or target[0] != kind:
                continue
            if self._targets(resource.properties.get(target[1]), kind, logical_id, name):
                found.append(ResourcePolicy(resource, tuple(_policy_statements(resource))))
        return found

    def _targets(self, value: Any, kind: str, logical_id: str, name: str | None) -> bool:
        items = value if isinstance(value, list) else [value]
        for item in items:
            if logical_id in referenced_ids(item):
                return True
            if name and not isinstance(item, dict) and physical_name(render(item)) == name:
                return True
        return False


def referenced_ids(value: object) -> tuple[str, ...]:
    """The logical ids an intrinsic (or its rendered text) points at, in order."""
    text = render(value)
    found: list[str] = []
    for pattern in (_GETATT, _REF, _SUB):
        found.extend(match.group(1) for match in pattern.finditer(text))
    return tuple(dict.fromkeys(item for item in found if item != "AWS"))


def permitted_function(app: Application, permission: LambdaPermission) -> str | None:
    """The function of the application a Lambda permission is about (by the logical id its
    `FunctionName` refers to), or None when it names none of them."""
    logical_ids = (permission.function_logical_id,) if permission.function_logical_id else ()
    for logical_id in logical_ids or referenced_ids(permission.function):
        for fn in app.functions:
            if logical_id in (fn.logical_id, fn.name):
                return fn.name
    return None


def referenced_attributes(value: object) -> Iterator[tuple[str, str]]:
    """(logical id, attribute) for each `!GetAtt X.Attr` or `${X.Attr}` in a value."""
    text = render(value)
    for pattern in (_GETATT, _SUB):
        for match in pattern.finditer(text):
            if match.group(2):
                yield match.group(1), match.group(2)


def physical_name(text: str) -> str:
    """The bucket, queue or topic name in an ARN or queue URL, or the text itself."""
    for pattern in (_S3_ARN, _SERVICE_ARN, _QUEUE_URL):
        match = pattern.match(text)
        if match:
            return match.group(1)
    return text


def _parameter_defaults(template: Any) -> dict[str, Any]:
    parameters = template.get("Parameters") if isinstance(template, YMap) else None
    if not isinstance(parameters, YMap):
        return {}
    return {
        name: spec["Default"]
        for name, spec in parameters.items()
        if isinstance(spec, YMap) and "Default" in spec
    }


def _policy_statements(resource: Resource) -> Iterator[PolicyStatement]:
    yield from document_statements(resource, "PolicyDocument")


def document_statements(resource: Resource, key: str) -> Iterator[PolicyStatement]:
    """The statements of the policy document under property `key` of `resource`.

    An empty `key` reads the properties themselves (`AWS::Events::EventBusPolicy` holds its
    `Statement` directly).
    """
    document = resource.properties.get(key) if key else resource.properties
    if not isinstance(document, YMap):
        return
    where = resource.origin_of(key) if key else resource.properties_origin
    raw = document.get("Statement")
    for item, origin in _items(raw, child_origin(document, "Statement", where)):
        statement = _statement(item, origin)
        if statement is not None:
            yield statement


def _items(value: Any, origin: Origin) -> Iterator[tuple[Any, Origin]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _items(item, child_origin(value, index, origin))
    elif isinstance(value, dict):
        branches = value.get("Fn::If") if len(value) == 1 else None
        if isinstance(branches, list) and len(branches) == 3:
            for index in (1, 2):  # Either branch may be deployed: judge both.
                yield from _items(branches[index], child_origin(branches, index, origin))
        else:
            yield value, origin


def _statement(raw: Any, origin: Origin) -> PolicyStatement | None:
    if not isinstance(raw, dict) or not ({"Action", "NotAction"} & raw.keys()):
        return None
    principal = raw.get("Principal")
    return PolicyStatement(
        effect="Deny" if render(raw.get("Effect")).strip().lower() == "deny" else "Allow",
        actions=_texts(raw.get("Action")),
        not_actions=_texts(raw.get("NotAction")),
        public=_is_public(principal) or "NotPrincipal" in raw,
        conditions=tuple(_conditions(raw.get("Condition"))),
        origin=origin,
        principal_origin=child_origin(raw, "Principal", origin) if principal else origin,
        resources=_texts(raw.get("Resource")),
    )


def _is_public(principal: Any) -> bool:
    if isinstance(principal, dict) and "AWS" in principal:
        principal = principal["AWS"]
    items = principal if isinstance(principal, list) else [principal]
    return any(isinstance(item, str) and item.strip() == "*" for item in items)


def _conditions(value: Any) -> Iterator[Condition]:
    if not isinstance(value, dict):
        return
    for operator, block in value.items():
        if not isinstance(block, dict):
            continue
        for key, values in block.items():
            items = values if isinstance(values, list) else [values]
            yield Condition(str(operator), str(key).lower(), tuple(render(v) for v in items))


def _texts(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(render(item).strip() for item in items if item is not None)


__all__ = [
    "BUCKET",
    "QUEUE",
    "TOPIC",
    "Condition",
    "PolicyStatement",
    "Resource",
    "ResourceIndex",
    "ResourcePolicy",
    "document_statements",
    "physical_name",
    "referenced_attributes",
    "referenced_ids",
]
