"""SAM policy templates in `slsguard policy --format sam`, only where one fits exactly.

A template replaces the needs on one template resource when its expansion (by
`slsguard.loading.sam_policies`, wildcard actions expanded with the IAM dataset) grants
exactly those actions on exactly those ARNs: `DynamoDBCrudPolicy` only when the code needs
all ten of its actions on the table and its indexes. Everything else stays inline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from slsguard.iam import actions
from slsguard.leastpriv.needs import FunctionNeeds, Need
from slsguard.leastpriv.policy import minimal
from slsguard.leastpriv.resources import from_resource
from slsguard.loading.sam_policies import PolicyTemplatesUnavailableError, expand
from slsguard.model import Application


@dataclass(frozen=True, slots=True)
class Candidate:
    """A single-resource SAM policy template and how its argument is written."""

    template: str
    kind: str
    """Resource kind of `slsguard.leastpriv.resources` (`table`, `queue`...)."""
    parameter: str
    argument: str
    """The argument as YAML, `{}` standing for the logical ID: `!Ref {}`."""
    takes_arn: bool = False
    """The parameter is the whole ARN (`SecretArn`), not the resource's name."""


CANDIDATES: tuple[Candidate, ...] = (
    Candidate("DynamoDBReadPolicy", "table", "TableName", "!Ref {}"),
    Candidate("DynamoDBWritePolicy", "table", "TableName", "!Ref {}"),
    Candidate("DynamoDBCrudPolicy", "table", "TableName", "!Ref {}"),
    Candidate("S3ReadPolicy", "bucket", "BucketName", "!Ref {}"),
    Candidate("S3WritePolicy", "bucket", "BucketName", "!Ref {}"),
    Candidate("S3CrudPolicy", "bucket", "BucketName", "!Ref {}"),
    Candidate("SQSSendMessagePolicy", "queue", "QueueName", "!GetAtt {}.QueueName"),
    Candidate("SNSPublishMessagePolicy", "topic", "TopicName", "!GetAtt {}.TopicName"),
    Candidate(
        "AWSSecretsManagerGetSecretValuePolicy", "secret", "SecretArn", "!Ref {}", takes_arn=True
    ),
    Candidate(
        "StepFunctionsExecutionPolicy", "statemachine", "StateMachineName", "!GetAtt {}.Name"
    ),
)
"""Templates tried, per resource; a template must match the needs exactly to be used."""

_MARKER = "@slsguard@"
_PSEUDO = {"${AWS::Partition}": "aws", "${AWS::Region}": "*", "${AWS::AccountId}": "*"}

Grants = frozenset[tuple[str, str]]
"""(action, ARN pattern) pairs."""


@dataclass(frozen=True, slots=True)
class TemplateUse:
    """A SAM policy template that grants exactly the needs on one resource."""

    candidate: Candidate
    logical_id: str
    reasons: tuple[str, ...]

    def yaml(self, indent: int = 0) -> list[str]:
        """`- Template:` / `    Parameter: argument` lines, after the reasons as comments."""
        pad = " " * indent
        argument = self.candidate.argument.format(self.logical_id)
        return [
            *(f"{pad}# {reason}" for reason in self.reasons),
            f"{pad}- {self.candidate.template}:",
            f"{pad}    {self.candidate.parameter}: {argument}",
        ]


def fit(
    app: Application, needs: FunctionNeeds, *, implied: bool = False
) -> tuple[tuple[TemplateUse, ...], FunctionNeeds]:
    """The templates that fit some resources exactly, and the needs left for inline statements."""
    kept = [n for n in needs.needs if implied or not n.implied]
    uses: list[TemplateUse] = []
    for logical in dict.fromkeys(n.target.logical_id for n in kept if n.target.logical_id):
        mine = [n for n in kept if n.target.logical_id == logical]
        use = _fitting(app, needs.function, logical, mine)
        if use is not None:
            uses.append(use)
            kept = [n for n in kept if n.target.logical_id != logical]
    return tuple(uses), FunctionNeeds(needs.function, tuple(kept), needs.uncertain)


def _fitting(app: Application, function: str, logical: str, mine: list[Need]) -> TemplateUse | None:
    wanted = frozenset((n.action, n.target.arn) for n in mine)
    for candidate in CANDIDATES:
        if expansion(app, candidate, logical) == wanted:
            statements = minimal(FunctionNeeds(function, tuple(mine)))
            reasons = tuple(dict.fromkeys(r for s in statements for r in s.reasons))
            return TemplateUse(candidate, logical, reasons)
    return None


def expansion(app: Application, candidate: Candidate, logical: str) -> Grants | None:
    """What `candidate` grants on resource `logical`, as the ARN patterns needs use;
    None when the resource is not of the template's kind or the templates are unavailable."""
    base = from_resource(app, candidate.kind, logical, "")
    if not base.resolved:
        return None
    value = base.arn if candidate.takes_arn else re.split(r"[:/]", base.arn)[-1]
    try:
        statements = expand(candidate.template, {candidate.parameter: _MARKER}) or []
    except PolicyTemplatesUnavailableError:
        return None
    grants: set[tuple[str, str]] = set()
    for statement in statements:
        resources = [_arn(str(r), value) for r in _listed(statement.get("Resource"))]
        for pattern in _listed(statement.get("Action")):
            names = [f"{a.service}:{a.name}" for a in actions.expand(str(pattern))]
            grants.update((name, arn) for name in names for arn in resources)
    return frozenset(grants)


def _arn(text: str, value: str) -> str:
    for pseudo, replacement in _PSEUDO.items():
        text = text.replace(pseudo, replacement)
    return text.replace(_MARKER, value)


def _listed(value: object) -> Iterable[object]:
    return value if isinstance(value, list) else () if value is None else (value,)


def render_sam(uses: tuple[TemplateUse, ...], statements: str) -> str:
    """SAM `Policies` items: the fitting templates, then a `Statement` with the rest (the
    items the SAM dialect wrote, indented under it)."""
    lines = [line for use in uses for line in use.yaml()]
    if statements.strip():
        lines.append("- Statement:")
        lines.append(statements.rstrip("\n"))
    return "\n".join(lines) + "\n" if lines else ""
