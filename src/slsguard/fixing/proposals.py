"""A finding's fix intents as proposals, each asked of the dialect of the place it changes.

The dialect (`slsguard.dialects`) answers with a located edit or the reason it has none.
An intent that needs permissions on the function's role (X-Ray write for tracing) gets
them only on a role the project defines and only where the framework does not grant them
itself: a managed policy attached to that role, in the role's own syntax. A role defined
elsewhere, or a grant without a managed policy, leaves the fix "not applied" with the
reason: a fix that would fail at run time is not a fix. Free-text advice is not a fix
`slsguard fix` can apply and is not proposed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from slsguard import dialects
from slsguard.findings import Finding, KeyPath, Origin
from slsguard.fixes import FreeText, Grant, Intent, SetSetting, grants_of
from slsguard.fixing.plan import Proposal
from slsguard.fixing.requests import Request
from slsguard.model import Application, Function, Role
from slsguard.tf_address import local_address, terraform_address


@dataclass(frozen=True, slots=True)
class GrantRequest:
    """A located request that attaches a managed policy to a role (see `requests.Request`)."""

    file: str
    anchor: KeyPath
    action: str
    text: str
    key: str = ""


def proposals_of(finding: Finding, app: Application) -> list[Proposal]:
    """The proposals of one finding's intents, in order."""
    intents = [intent for intent in finding.intents if not isinstance(intent, FreeText)]
    if not intents:
        return []
    origin = Origin(finding.location.file or "", finding.location.key_path)
    edits = dialects.edits(app, intents, origin)
    return [_proposal(finding, app, i, e) for i, e in zip(intents, edits, strict=True)]


def _proposal(
    finding: Finding, app: Application, intent: Intent, edit: dialects.Edit | dialects.NotApplied
) -> Proposal:
    applicability = intent.applicability
    title = intent.title
    if isinstance(edit, dialects.NotApplied):
        return Proposal(finding, title, applicability.safe, applicability.reason, (), edit.reason)
    grants = _grants(app, intent, edit)
    if isinstance(grants, str):
        return Proposal(finding, title, applicability.safe, applicability.reason, (), grants)
    requests: tuple[Request, ...] = (edit, *grants, *_data_sources(edit))
    return Proposal(finding, title, applicability.safe, applicability.reason, requests)


_DATA_SOURCES = {
    "data.aws_region.current": 'data "aws_region" "current" {}',
    "data.aws_caller_identity.current": 'data "aws_caller_identity" "current" {}',
}
"""Data sources a Terraform fix may refer to (ARNs in the region and account deployed to)."""


def _data_sources(edit: dialects.Edit) -> tuple[GrantRequest, ...]:
    """The data sources the fix text refers to that its module does not declare yet."""
    if not edit.file.endswith(".tf"):
        return ()
    module = Path(edit.file).parent
    declared = "\n".join(_read(path) for path in sorted(module.glob("*.tf")))
    return tuple(
        GrantRequest(edit.file, (), "ensure", block + "\n", name)
        for name, block in _DATA_SOURCES.items()
        if name in edit.text and block.removesuffix(" {}") not in declared
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _grants(
    app: Application, intent: Intent, edit: dialects.Edit
) -> tuple[GrantRequest, ...] | str:
    """The requests that give the role what the fix needs, or why they cannot be made."""
    needed = grants_of(intent)
    dialect = dialects.for_place(app, Origin(edit.file, edit.anchor))
    covered: frozenset[str] = getattr(dialect, "framework_grants", frozenset())
    if not needed or (isinstance(intent, SetSetting) and intent.setting in covered):
        return ()
    roles = _roles(app, intent)
    if isinstance(roles, str):
        return roles
    requests: list[GrantRequest] = []
    for grant in needed:
        for role in roles:
            request = _attach(app, role, grant)
            if isinstance(request, str):
                return request
            requests.append(request)
    return tuple(requests)


def _roles(app: Application, intent: Intent) -> list[Role] | str:
    """The roles of the functions the intent changes; why not when one is not the project's."""
    target = getattr(intent, "target", None)
    if target is None:
        return "the fix names no function whose role could be given what it needs"
    names = target.functions or ((target.name,) if target.kind == "function" else ())
    functions = [fn for fn in app.functions if fn.name in names]
    if not functions:
        return f"cannot tell which role needs {_actions(grants_of(intent))}"
    roles: dict[str, Role] = {}
    for fn in functions:
        role = _role_of(fn)
        if isinstance(role, str):
            return f"{role}; it needs {_actions(grants_of(intent))}"
        roles.setdefault(role.key, role)
    return list(roles.values())


def _role_of(fn: Function) -> Role | str:
    role = fn.role
    if role is None or role.external:
        return f"the role of {fn.name} is defined outside the project"
    return role


def _attach(app: Application, role: Role, grant: Grant) -> GrantRequest | str:
    """Grant the actions to `role` as an inline policy, in the role's syntax.

    Inline, not the managed policy: the statements are then in the project for everyone
    (and for least-privilege analysis) to read.
    """
    name = _policy_name(grant)
    if app.kind == "terraform":
        return _terraform_policy(app, role, name, grant)
    statement = {"Effect": "Allow", "Action": list(grant.actions), "Resource": grant.resource}
    if app.kind == "serverless" and role.origin.path[:1] == ("provider",):
        anchor = _provider_statements(app)
        return GrantRequest(role.origin.file, anchor, "append-item", json.dumps(statement))
    if role.origin.path[:1] not in (("Resources",), ("resources",)):
        return f"the role {role.name} is not a role resource slsguard can extend"
    anchor = (*role.origin.path[: _resource_depth(role.origin.path)], "Properties", "Policies")
    policy = {
        "PolicyName": name,
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
    }
    return GrantRequest(role.origin.file, anchor, "append-item", json.dumps(policy))


def _provider_statements(app: Application) -> KeyPath:
    """Where the Serverless service role's statements are written (or will be)."""
    template = app.template if isinstance(app.template, dict) else {}
    provider = template.get("provider")
    if isinstance(provider, dict) and "iamRoleStatements" in provider:
        return ("provider", "iamRoleStatements")  # The older syntax, when the file uses it.
    return ("provider", "iam", "role", "statements")


def _policy_name(grant: Grant) -> str:
    """`xray-access`: named after the services it grants."""
    services = sorted({action.split(":")[0] for action in grant.actions})
    return "-".join(services) + "-access"


def _resource_depth(path: KeyPath) -> int:
    """How many parts of `path` name the resource (`Resources.X` or `resources.Resources.X`)."""
    return 3 if path[:2] == ("resources", "Resources") else 2


def _terraform_policy(app: Application, role: Role, name: str, grant: Grant) -> GrantRequest | str:
    address = terraform_address(app, role.key)
    if address is None:
        return f"the role {role.name} is not a Terraform resource of this project"
    local = local_address(address)
    label = f"{local.split('.')[-1]}_{name.replace('-', '_')}"
    actions = ", ".join(json.dumps(action) for action in grant.actions)
    text = (
        f'resource "aws_iam_role_policy" "{label}" {{\n'
        f"  role = {local}.id\n"
        "  policy = jsonencode({\n"
        '    Version = "2012-10-17"\n'
        "    Statement = [{\n"
        '      Effect   = "Allow"\n'
        f"      Action   = [{actions}]\n"
        f"      Resource = {json.dumps(grant.resource)}\n"
        "    }]\n"
        "  })\n"
        "}\n"
    )
    return GrantRequest(role.origin.file, (), "append", text, label)


def _actions(grants: tuple[Grant, ...]) -> str:
    return ", ".join(action for grant in grants for action in grant.actions) or "permissions"
