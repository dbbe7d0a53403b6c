"""The provider-neutral, function-centric model every loader produces and every rule reads.

An `Application` holds its `Function`s; each function knows its effective `Role`, its
environment (`EnvVar`s with their provenance), its triggers and where each fact was
written (`Origin`). Values that only exist at deploy time or that slsguard could not
resolve are explicit `Reference`s, never guesses and never silently dropped.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from slsguard.delivery import DotenvFile, Pipeline
from slsguard.findings import Origin, Violation

Dialect = Literal[
    "serverless",
    "sam",
    "cloudformation",
    "terraform",
    "cdk",
    "live",
    "openapi",
    "chalice",
    "zappa",
]
"""The one vocabulary for "which syntax": the syntax a place is written in (and its fix must
use). `live` is a deployed account (places are ARNs); `openapi` an OpenAPI body a template
uses (`x-amazon-apigateway-*` extensions); `chalice` and `zappa` are frameworks
whose loaders join later. Each has one home under `slsguard.dialects`."""

DIALECTS: tuple[Dialect, ...] = typing.get_args(Dialect)

AppKind = Literal[Dialect, "pipeline"]
"""What an application was loaded from: a dialect, or `pipeline` for a CI file (see
`slsguard.delivery`; it has no functions, only `pipeline`)."""


@dataclass(frozen=True, slots=True)
class Reference:
    """A value known only at deploy time, or one slsguard could not resolve.

    `source` is the variable source or intrinsic: `ssm`, `cf`, `env`, `opt`, `param`,
    `self`, `file`, `aws`, `s3`, `output`, `sls`, `cfn` (a CloudFormation intrinsic such as
    `!Ref` or `!GetAtt`), `resolve` (`{{resolve:...}}` dynamic references), `var` and
    `terraform` (a Terraform variable without a value, or an expression known at apply) or
    `unknown`.
    """

    source: str
    address: str
    text: str
    """The expression as written, with the parts slsguard could resolve filled in."""
    resolvable: bool = True
    """False when slsguard failed to resolve it (rather than it being deploy-time data)."""
    reason: str = ""


class ParameterDefault(str):
    """Text a default filled in: a template parameter's `Default` for `!Ref Param` or
    `${Param}`, a Terraform variable's `default` for `var.name`.

    It reads as the text it is; `named_by` ("parameter Param", "variable var.name")
    remembers that a deployment may pass another value, so a finding that rests on it can
    say so (lower confidence, not silence).
    """

    named_by: str

    def __new__(cls, text: str, named_by: str) -> ParameterDefault:
        """The text, remembering the parameter or variable whose default it is."""
        made = super().__new__(cls, text)
        made.named_by = named_by
        return made

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        """Both arguments, so that a copy or a pickle (a `--jobs` worker's) keeps it."""
        return str(self), self.named_by


@dataclass(frozen=True, slots=True)
class Deferred:
    """A string that mixes literal text with one or more `Reference`s."""

    text: str
    references: tuple[Reference, ...]


@dataclass(frozen=True, slots=True)
class AccountArn:
    """An ARN in the region and account that deploy the app (`arn:aws:sqs:<region>:<account>:
    jobs`): how a policy names a resource known by its name only. Each dialect writes the
    region and account its way (`${AWS::Region}` in a `!Sub`, `${aws:region}`, Terraform's
    `data.aws_region.current.name`); a plain IAM document writes them as `*`."""

    service: str
    resource: str
    """Everything after the account: `jobs`, `table/orders`, `role/api`."""
    regional: bool = True
    """False for global services, whose ARNs have no region (`arn:aws:iam::<account>:...`)."""

    @property
    def pattern(self) -> str:
        """The ARN with `*` for the region and the account (`arn:aws:sqs:*:*:jobs`)."""
        return self.written("*", "*")

    def written(self, region: str, account: str) -> str:
        """The ARN with the region and account written as given."""
        where = region if self.regional else ""
        return f"arn:aws:{self.service}:{where}:{account}:{self.resource}"

    @staticmethod
    def parse(arn: str) -> AccountArn | None:
        """The ARN pattern whose account (and region, if it has one) is `*` as an
        `AccountArn`; None for any other text (a literal ARN, `*`)."""
        parts = arn.split(":", 5)
        if len(parts) != 6 or parts[:2] != ["arn", "aws"] or parts[4] != "*" or not parts[5]:
            return None
        if parts[3] not in ("*", ""):
            return None
        return AccountArn(parts[2], parts[5], regional=parts[3] == "*")


def render(value: object) -> str:
    """Readable text for any model value: literals as they are, references as written."""
    if isinstance(value, Reference | Deferred):
        return value.text
    if isinstance(value, dict):
        return render_intrinsic(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(render(item) for item in value)
    return str(value)


def render_intrinsic(value: dict[str, Any]) -> str:
    """`!GetAtt Table.Arn`-style text for a CloudFormation intrinsic left in a value."""
    if len(value) != 1:
        return "{…}"
    ((name, argument),) = value.items()
    if name == "Ref":
        return f"!Ref {render(argument)}"
    if name == "Fn::GetAtt":
        parts = argument if isinstance(argument, list) else [argument]
        return "!GetAtt " + ".".join(render(part) for part in parts)
    if name == "Fn::Sub":
        template = argument[0] if isinstance(argument, list) and argument else argument
        return render(template)
    if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        items = argument[1] if isinstance(argument[1], list) else [argument[1]]
        return render(argument[0]).join(render(item) for item in items)
    short = name.removeprefix("Fn::")
    return f"!{short} {render(argument)}"


def is_literal(value: object) -> bool:
    """True for plain text and numbers, false for references and intrinsics."""
    return isinstance(value, str | int | float) and not isinstance(value, bool)


EnvProvenance = Literal["literal", "ssm", "secretsmanager", "cfn", "variable", "unresolved"]
EnvScope = Literal["function", "provider", "globals"]


@dataclass(frozen=True, slots=True)
class EnvVar:
    """One environment variable of a function, with where its value comes from."""

    name: str
    value: object
    origin: Origin
    provenance: EnvProvenance
    scope: EnvScope = "function"


PrincipalKind = Literal["role", "user", "group"]
GrantedBy = Literal["user", "framework", "policy-template", "managed-policy"]


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of a statement's `Condition` block: `{operator: {key: values}}`.

    `operator` is written as in the policy (`StringEquals`, `ForAnyValue:StringLike`,
    `ArnLikeIfExists`); `values` are rendered as text. `known` is False when a value is a
    reference or intrinsic only known at deploy time, or when the block could not be read
    (then `operator` and `key` are `"<unknown>"`).
    """

    operator: str
    key: str
    values: tuple[str, ...]
    known: bool = True


@dataclass(frozen=True, slots=True)
class Statement:
    """One IAM policy statement, with actions and resources rendered as text."""

    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    condition_keys: tuple[str, ...]
    origin: Origin
    policy: str
    """Which policy it belongs to, for messages: `provider.iam.role.statements`, a logical id."""
    granted_by: GrantedBy = "user"
    resource_references: tuple[bool, ...] = ()
    """Per resource: True when it came from a reference/intrinsic (so it is not a literal `*`)."""
    action_origin: Origin | None = None
    """Where `Action` (or `NotAction`) is written."""
    resource_origin: Origin | None = None
    """Where `Resource` (or `NotResource`) is written."""
    conditions: tuple[Condition, ...] = ()
    """The `Condition` block, one entry per operator and key (see `slsguard.iam.evaluate`)."""
    resource_values: tuple[object, ...] = ()
    """`Resource` as written (intrinsics kept), for a dialect to name in its own syntax."""
    assumed: tuple[str, ...] = ()
    """What the rendered `Action`/`Resource` assume that a deployment may change: a
    parameter's default, both branches of an `!If` (said in words, for a finding's
    confidence reason)."""

    @property
    def is_allow(self) -> bool:
        """An Allow statement."""
        return self.effect == "Allow"

    def literal_star_resource(self) -> bool:
        """Whether `Resource` is a literal `*` (not a reference that renders to text)."""
        for index, resource in enumerate(self.resources):
            from_reference = (
                index < len(self.resource_references) and self.resource_references[index]
            )
            if resource == "*" and not from_reference:
                return True
        return False


@dataclass(frozen=True, slots=True)
class PolicyRef:
    """A managed policy attached to a role (or used as its permissions boundary)."""

    arn: str
    """The ARN or name as written, rendered."""
    origin: Origin
    aws_managed: bool
    statements: tuple[Statement, ...] = ()
    """The policy document when the template defines it (customer-managed)."""
    known: bool = False
    """True when `statements` are the whole document (defined in the template)."""

    @property
    def name(self) -> str:
        """The policy name: the last path segment of the ARN."""
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Role:
    """An execution role and everything that grants it permissions."""

    key: str
    """Identity within the application: a logical id, `provider`, or an ARN."""
    name: str
    origin: Origin
    statements: tuple[Statement, ...] = ()
    managed_policies: tuple[PolicyRef, ...] = ()
    boundary: PolicyRef | None = None
    external: bool = False
    """Defined outside the scanned files (an ARN or name): its permissions are unknown."""
    kind: PrincipalKind = "role"
    """An IAM user or group is modelled like a role: its policies, managed policies, boundary."""
    assumed_by: tuple[str, ...] = ()
    """For a role: the principals its trust policy names (`codebuild.amazonaws.com`, an ARN)."""

    def all_statements(self) -> Iterator[Statement]:
        """Inline statements and those of customer-managed policies defined in the template."""
        yield from self.statements
        for policy in self.managed_policies:
            yield from policy.statements


@dataclass(frozen=True, slots=True)
class Trigger:
    """An event source of a function: how it is invoked, and the raw settings."""

    kind: str
    """http, httpApi, websocket, url, alb, s3, sqs, sns, stream, schedule, eventbridge, ..."""
    origin: Origin
    settings: object = None


@dataclass(frozen=True, slots=True)
class Function:
    """One Lambda function with its effective configuration."""

    name: str
    origin: Origin
    handler: str | None = None
    runtime: str | None = None
    environment: tuple[EnvVar, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    role: Role | None = None
    kms_key: object = None
    """The environment's customer-managed KMS key, when one is set."""
    logical_id: str | None = None
    """The CloudFormation logical id of the function resource (`CreateLambdaFunction` in sls)."""
    settings: Any = None
    """The function's resolved settings as written (a `YMap`): the Serverless function block,
    the SAM properties with `Globals.Function` merged in, or the CloudFormation `Properties`.
    Rules read settings the model does not name yet from here, with positions."""
    runtime_origin: Origin | None = None
    """Where the runtime is set (the provider or `Globals` when inherited)."""


@dataclass(frozen=True, slots=True)
class LambdaPermission:
    """An `AWS::Lambda::Permission` (or an equivalent resource-policy statement)."""

    origin: Origin
    function: str
    """The function it targets, rendered (a logical id, name or ARN)."""
    principal: str
    action: str
    source_arn: object = None
    source_account: object = None
    principal_org_id: object = None
    function_url_auth_type: str | None = None
    logical_id: str = ""
    """The permission's own logical id, when it is a resource of the template."""
    function_logical_id: str = ""
    """The logical id of the function it targets, when the template names one of its own."""


@dataclass(frozen=True, slots=True)
class Note:
    """A finding a loader makes about an application (not-analysed, unresolved, ...)."""

    rule_id: str
    violation: Violation


@dataclass(frozen=True, slots=True)
class Document:
    """A loaded file of an application, kept for rules that look at the whole template."""

    file: str
    root: Any


@dataclass(frozen=True, slots=True)
class Application:
    """One serverless application: a Serverless service, a SAM or CloudFormation stack."""

    name: str
    kind: AppKind
    file: str
    origin: Origin
    functions: tuple[Function, ...] = ()
    roles: tuple[Role, ...] = ()
    permissions: tuple[LambdaPermission, ...] = ()
    documents: tuple[Document, ...] = ()
    template: Any = None
    """The resolved root document: the Serverless config with its variables resolved, or the
    SAM/CloudFormation template."""
    resources: Any = None
    """The resolved CloudFormation `Resources` mapping (sls `resources:` merged in)."""
    resources_origin: Origin | None = None
    framework_version: str | None = None
    notes: tuple[Note, ...] = field(default=())
    """Loader findings tied to this app: unresolved values, not-analysed parts."""
    pipeline: Pipeline | None = None
    """For kind `pipeline`: the CI file's jobs, deploys and credentials."""
    dotenv_files: tuple[DotenvFile, ...] = ()
    """For Serverless apps: the `.env*` files the config makes the framework load."""
    cdk_language: str | None = None
    """For kind `cdk`: the CDK app's language from `cdk.json` `app` (`typescript`, `python`,
    `java`, `csharp`, `go`), which its fixes are written in."""
    scan_root: str | None = None
    """The folder local files a template names (OpenAPI bodies) must be under: the project
    root of a scan."""
    stack_functions: tuple[tuple[str, str], ...] = ()
    """Functions of other stacks this one references (`Child.Outputs.FnArn` or
    `import:<export name>` → function name), linked by `analysis.stacks`."""
    caller_apps: tuple[Application, ...] = ()
    """The applications whose APIs run this one's functions (nested parents, importers)."""
    stack_outputs: tuple[tuple[str, Application, str], ...] = ()
    """Values of other stacks this one reads (`Child.Outputs.QueueArn` or `import:<export
    name>`), the application that defines each and the logical id of the resource its value
    names; linked by `analysis.stacks`."""
    project_root: str | None = None
    """The folder its file names are relative to (the project root); None: the working
    directory."""

    def names_folder(self) -> Path:
        """The folder its file names are relative to: the project root (the working directory
        for an application built without one)."""
        return Path(self.project_root) if self.project_root else Path.cwd()

    def functions_using(self, role: Role) -> tuple[Function, ...]:
        """The functions whose execution role is `role`."""
        return tuple(fn for fn in self.functions if fn.role is not None and fn.role.key == role.key)
