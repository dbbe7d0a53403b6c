"""Fix intents: what a rule wants changed, in model terms, for a dialect to write.

A rule never writes the lines of a fix itself: it yields a `Violation` with one or more
*intents* from the small closed set below, and the dialect of the place renders them in
the user's own syntax (`slsguard.dialects`): HCL for Terraform, `provider:`/`functions:`
YAML for Serverless, CloudFormation properties, CDK construct props, console/CLI steps for
a live account. `slsguard fix` asks the same dialect for the exact edits.

The set is closed on purpose: a new kind of fix is a new intent type here plus one render
(and edit) in every dialect (see `docs/dialects.md`), never a syntax branch in a rule.

| intent | what it says |
|---|---|
| `SetSetting` | set a setting (tracing, KMS key, retention, runtime, ...) on a target |
| `AddResource` | add a resource for a target (log group, alarm, queue policy, DLQ, WAF) |
| `ReplaceStatements` | replace a policy's statements with the minimal ones |
| `RemoveGrant` | remove a statement or a whole policy the code does not need |
| `MoveToSecret` | move an environment value to a secrets-store reference |
| `FreeText` | the exception: advice no intent can express yet |

Every intent carries an `Applicability`: safe (no behaviour or deploy risk) or unsafe, with
the reason, as ruff marks its fixes, and the `Grant`s the change needs on the function's
role (X-Ray write for tracing, `kms:Decrypt` for a key, `sqs:SendMessage` for a DLQ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slsguard.findings import Origin
from slsguard.model import AccountArn

TargetKind = Literal[
    "function", "api", "stage", "route", "resource", "role", "policy", "service", "setting"
]
"""What a fix changes. `service` is the service-wide block (`provider:`, SAM `Globals`);
`setting` the mapping that holds a setting already written (to change it in place)."""


@dataclass(frozen=True, slots=True)
class Target:
    """The model thing a fix changes, and where it is written.

    `origin` is the key that opens the thing (the function key, the resource's logical id,
    the event, the stage); a dialect names it natively from there. `resource_type` is the
    CloudFormation type the model knows it as (`AWS::Lambda::Function`), `name` the model's
    name for it (the function name, a logical id).
    """

    kind: TargetKind
    name: str
    origin: Origin
    resource_type: str = ""
    logical_id: str = ""
    """The CloudFormation logical id (generated ones too: `CreateLambdaFunction`)."""
    deployed_name: str = ""
    """The deployed name when the template says it (`orders-dev-create`)."""
    functions: tuple[str, ...] = ()
    """For `service` targets: the functions the service-wide setting covers."""
    variant: str = ""
    """What distinguishes targets of one kind that dialects write differently: the API kind
    of a stage (`rest`, `http`, `websocket`), the event kind of a trigger (`http`, `sqs`)."""

    def lookup_keys(self) -> tuple[str, ...]:
        """What dialect tables are searched by, most specific first: the resource type,
        `kind:variant`, the kind."""
        keys = [self.resource_type] if self.resource_type else []
        if self.variant:
            keys.append(f"{self.kind}:{self.variant}")
        keys.append(self.kind)
        return tuple(keys)


Setting = Literal[
    "tracing",
    "api-tracing",
    "kms-key",
    "log-retention",
    "access-logging",
    "data-trace",
    "auth",
    "authorization",
    "tls-policy",
    "throttling",
    "redrive-policy",
    "runtime",
    "timeout",
    "reserved-concurrency",
    "code-signing",
    "vpc",
    "failure-destination",
    "request-validation",
    "cors-origins",
    "secure-transport",
    "execution-logging",
    "deployment-role",
    "web-acl",
    "principal",
    "encryption",
    "mfa",
    "mfa-methods",
    "password-policy",
    "iam-actions",
    "iam-resources",
    "role",
    "source-account",
    "source-arn",
    "iam-condition",
    "public-access-block",
    "object-ownership",
]
"""The settings a fix can set, named once for every dialect (each dialect knows its key)."""

AddedKind = Literal[
    "log-group",
    "alarm",
    "queue-policy",
    "topic-policy",
    "bucket-policy",
    "dlq",
    "waf-association",
    "cdn-with-waf",
    "lambda-permission-condition",
    "method-settings",
    "public-access-block",
    "ownership-controls",
]
"""The resources a fix can add for a target."""


@dataclass(frozen=True, slots=True)
class Grant:
    """Permissions a fix needs on the role of the function it changes."""

    actions: tuple[str, ...]
    resource: str = "*"
    managed_policy: str = ""
    """An AWS managed policy that grants it (`AWSXRayDaemonWriteAccess`), when there is one."""


@dataclass(frozen=True, slots=True)
class Applicability:
    """Whether `slsguard fix` may apply an intent without `--unsafe-fixes`, and why not."""

    safe: bool
    reason: str = ""
    """For unsafe intents: the behaviour or deploy risk (`deletes log events older than …`)."""


SAFE = Applicability(True)
REMOVES_ACCESS = Applicability(False, "a removed permission fails any call nobody traced")
NEEDS_SECRET = Applicability(
    False, "the secret must be stored first and the handler changed to read it at run time"
)
ADVICE_ONLY = Applicability(False, "free-text advice has no exact edit")


def unsafe(reason: str) -> Applicability:
    """An unsafe applicability with its reason."""
    return Applicability(False, reason)


@dataclass(frozen=True, slots=True)
class SetSetting:
    """Set `setting` to `value` on `target` (`tracing` = `Active` on function create)."""

    target: Target
    setting: Setting
    value: object
    applicability: Applicability = SAFE
    grants: tuple[Grant, ...] = ()
    note: str = ""
    """A clause the rendering appends, in model terms (`the newest python runtime`)."""

    @property
    def title(self) -> str:
        """One line for lists of fixes: `set tracing on function create`."""
        return f"set {self.setting} on {self.target.kind} {self.target.name}"


@dataclass(frozen=True, slots=True)
class AddResource:
    """Add a resource of `kind` for `target` (a log group for a function, a DLQ, ...).

    `properties` are the model-level facts the resource needs, by neutral name
    (`log-retention`, `metric`, `threshold`, `queue`, `web_acl`): each dialect maps them.
    """

    target: Target
    kind: AddedKind
    properties: tuple[tuple[str, object], ...] = ()
    applicability: Applicability = SAFE
    grants: tuple[Grant, ...] = ()
    note: str = ""

    def value_of(self, name: str, default: object = None) -> object:
        """The value of one neutral property."""
        return next((value for key, value in self.properties if key == name), default)

    @property
    def title(self) -> str:
        """`add a log-group for function create`."""
        return f"add a {self.kind} for {self.target.kind} {self.target.name}"


@dataclass(frozen=True, slots=True)
class PolicyResource:
    """A resource a minimal statement allows, named every way slsguard knows it, so that each
    dialect writes it its own way: a resource of the app's template (`ref`, `!GetAtt T.Arn`),
    any resource of the app by its logical id (`resource`, Terraform's `aws_x.y.arn`), the
    text of the Serverless config with its variables (`serverless`), else the ARN (`arn`)."""

    arn: str | AccountArn
    ref: ResourceRef | None = None
    resource: str = ""
    serverless: str = ""
    """`arn:aws:dynamodb:${aws:region}:${aws:accountId}:table/${sls:stage}-orders`: right for
    every stage, where the resolved ARN is right for one."""

    @property
    def pattern(self) -> str:
        """The ARN as a plain IAM document writes it (`*` for an unknown region and account)."""
        return self.arn.pattern if isinstance(self.arn, AccountArn) else self.arn


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    """A minimal statement: what to allow on which resources, and why (code evidence)."""

    actions: tuple[str, ...]
    resources: tuple[str | ResourceRef | PolicyResource, ...]
    evidence: tuple[str, ...] = ()
    """Comment lines (`handler.py:14 dynamodb.put_item`) a dialect may write above it."""
    effect: Literal["Allow", "Deny"] = "Allow"


@dataclass(frozen=True, slots=True)
class ReplaceStatements:
    """Replace the statements of a policy (`target`, kind `policy` or `role`) with these, or
    (`add`) add them to it."""

    target: Target
    statements: tuple[PolicyStatement, ...]
    applicability: Applicability = REMOVES_ACCESS
    note: str = ""
    add: bool = False

    @property
    def title(self) -> str:
        """`replace the statements of policy X with the minimal ones`."""
        name = f"{self.target.kind} {self.target.name}"
        if self.add:
            return f"add the missing statements to {name}"
        return f"replace the statements of {name} with the minimal ones"


@dataclass(frozen=True, slots=True)
class RemoveGrant:
    """Remove a statement (target kind `policy`, at the statement's origin) or a policy."""

    target: Target
    what: Literal["statement", "policy", "managed-policy"]
    applicability: Applicability = REMOVES_ACCESS
    note: str = ""

    @property
    def title(self) -> str:
        """`remove the statement of policy X`."""
        return f"remove the {self.what} {self.target.name}"


@dataclass(frozen=True, slots=True)
class MoveToSecret:
    """Move the environment variable `variable` of `target` to a secrets store: the value
    leaves the environment, which carries the secret's name instead (`reference`), and the
    handler reads the value at run time. Never a reference the deploy resolves into the
    environment (`${ssm:...}`, `{{resolve:...}}`): that puts the plaintext back in the
    function's configuration (secret-materialized-in-environment).

    `target` is the environment mapping that holds the variable."""

    target: Target
    variable: str
    store: Literal["ssm", "secretsmanager"] = "ssm"
    parameter: str = ""
    """The parameter or secret name to reference (`/orders/prod/STRIPE_KEY`); empty when the
    user chooses it."""
    applicability: Applicability = NEEDS_SECRET
    grants: tuple[Grant, ...] = ()
    reference: str = ""
    """The variable that carries the secret's name (`STRIPE_KEY_ARN`)."""

    @property
    def reference_name(self) -> str:
        """The variable that carries the secret's name, `<VARIABLE>_PARAMETER` or
        `<VARIABLE>_SECRET_ID` (a secret's name or ARN) unless the rule names it."""
        suffix = "_PARAMETER" if self.store == "ssm" else "_SECRET_ID"
        return self.reference or self.variable + suffix

    @property
    def reference_value(self) -> object:
        """The secret's name as the environment carries it (a placeholder when unknown)."""
        if self.parameter:
            return self.parameter
        return Placeholder("parameter name" if self.store == "ssm" else "secret ARN")

    @property
    def title(self) -> str:
        """`move STRIPE_KEY of charge to ssm`."""
        return f"move {self.variable} of {self.target.name} to {self.store}"


@dataclass(frozen=True, slots=True)
class FreeText:
    """The exception: advice in words, the same in every dialect. Never applied by `fix`."""

    text: str
    applicability: Applicability = ADVICE_ONLY

    @property
    def title(self) -> str:
        """The first line of the advice."""
        return self.text.splitlines()[0] if self.text else ""


Intent = SetSetting | AddResource | ReplaceStatements | RemoveGrant | MoveToSecret | FreeText
"""Every fix a rule can yield."""


def grants_of(intent: Intent) -> tuple[Grant, ...]:
    """The permissions an intent needs on the role it concerns (none for most)."""
    if isinstance(intent, SetSetting | AddResource | MoveToSecret):
        return intent.grants
    return ()


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A value the user must supply (`<KMS key ARN>`): rendered as a placeholder in every
    dialect, and never applied by `slsguard fix`."""

    text: str


@dataclass(frozen=True, slots=True)
class Authorizer:
    """The value of an `authorization` setting: who the gateway lets through.

    `kind` is API Gateway's authorization type (`AWS_IAM`, `COGNITO_USER_POOLS`, `CUSTOM`,
    `JWT`); `name` the authorizer the API already declares (its logical id or the name the
    template gives it), empty for `AWS_IAM` or when the user must choose one."""

    kind: str
    name: str = ""

    def __str__(self) -> str:
        return f"{self.kind} authorizer {self.name}" if self.name else self.kind


@dataclass(frozen=True, slots=True)
class ConditionTest:
    """The value of an `iam-condition` setting: one test of a statement's `Condition`
    (`StringEquals` `aws:PrincipalAccount` = the own account), for each dialect to write."""

    operator: str
    key: str
    value: object
    """A value, `OWN_ACCOUNT`, or a `Placeholder` the user must fill in."""


ALL_BLOCKED = "all-blocked"
"""The value of a `public-access-block` setting: the four Block Public Access settings on."""

OWN_ACCOUNT = "own-account"
"""The value of a `source-account` setting: the account that deploys the app (each dialect
names it its way: `!Ref AWS::AccountId`, `data.aws_caller_identity.current.account_id`)."""


def has_placeholder(value: object) -> bool:
    """Whether a value, or anything nested in it, is a `Placeholder` (never applied)."""
    if isinstance(value, Placeholder):
        return True
    if isinstance(value, dict):
        return any(has_placeholder(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(has_placeholder(item) for item in value)
    return False


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """A resource of the application named in a fix (`Table`'s `Arn`): each dialect writes it
    its way (`!GetAtt Table.Arn`, `aws_dynamodb_table.orders.arn`, the deployed ARN)."""

    logical_id: str
    attribute: str = "Arn"
    suffix: str = ""
    """Text after the reference (`/*` for the objects of a bucket)."""
