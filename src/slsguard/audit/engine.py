"""Live applications through the scan engine: model, rules, cloud locations, SLS008.

A synthesized template is loaded by the CloudFormation loader into the usual model (an
application of the `live` dialect: each resource keeps its ARN, and fix intents are rendered
as AWS CLI steps that name it), the selected rules run on it as they do on a repository, and
each finding's template location is turned into a cloud location: the ARN of the deployed
resource and the attribute path under it (`arn:aws:lambda:...:function:pay` ›
`Environment.Variables.DB_PASSWORD`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from slsguard.audit.client import Denial
from slsguard.audit.template import LiveApp
from slsguard.code.facts import code_notes
from slsguard.findings import AppSummary, Finding, Location, Origin, Violation
from slsguard.fixes import FreeText
from slsguard.inventory import summarize
from slsguard.loading.cloudformation import build_stack, lambda_functions, lambda_permissions
from slsguard.loading.yaml import YMap, load_text
from slsguard.model import Application, Document, Function
from slsguard.rules import Context, Rule, find_rule
from slsguard.scan import run_rule


def model_of(live: LiveApp, account: str, scan_root: str | None = None) -> Application:
    """The function-centric model of one live application (`scan_root`: where downloaded
    packages were extracted)."""
    file = source_name(live, account)
    text = json.dumps(live.template(), separators=(",", ":"), sort_keys=True, default=str)
    root = load_text(text, file).root
    if not isinstance(root, YMap):  # pragma: no cover - our own JSON always loads
        root = YMap(file, (1, 1))
    origin = Origin(file)
    stack = build_stack(root, file, origin)
    functions = [_real_name(fn, live) for fn in lambda_functions(stack)]
    roles = {fn.role.key: fn.role for fn in functions if fn.role is not None}
    for builder in stack.roles.values():
        roles.setdefault(builder.key, builder.freeze())
    return Application(
        name=live.name,
        kind="live",
        file=file,
        origin=origin,
        functions=tuple(functions),
        roles=tuple(roles.values()),
        permissions=tuple(lambda_permissions(stack)),
        documents=(Document(file, root),),
        template=root,
        resources=stack.resources,
        resources_origin=stack.origin,
        scan_root=scan_root,
    )


def _real_name(fn: Function, live: LiveApp) -> Function:
    """The function under its deployed name (its logical id stays what the template says),
    as a Serverless function is named by its key rather than its resource."""
    name = live.function_names.get(fn.logical_id or fn.name)
    return replace(fn, name=name) if name else fn


def source_name(live: LiveApp, account: str) -> str:
    """The name a live application goes by where a file name would be shown."""
    return f"aws://{account}/{live.region}/{live.name.split(' ', 1)[0]}"


def run_rules(
    live: LiveApp, app: Application, rules: Iterable[Rule], context: Context
) -> list[Finding]:
    """Every rule over the live application, with cloud locations."""
    active = {rule.id: rule for rule in rules}
    findings: list[Finding] = []
    for rule in active.values():
        if rule.check is not None:
            findings.extend(run_rule(rule, app, context, active))
    if app.scan_root is not None:  # Downloaded packages: the SLS004/SLS001 code notes.
        findings.extend(_code_notes(app, active))
    # Messages name deployed things by name and fixes are rendered by the live dialect
    # (ARNs, CLI steps): nothing of the synthesized template is left to rewrite.
    return [
        replace(f, location=cloud_location(f.location, live, app.file, app.scan_root))
        for f in findings
    ]


def _code_notes(app: Application, active: dict[str, Rule]) -> list[Finding]:
    found = []
    for note in code_notes(app, frozenset(active)):
        rule = active.get(note.rule_id)
        if rule is None:
            continue
        violation = note.violation
        found.append(
            Finding(
                rule=rule.info,
                severity=violation.severity or rule.info.severity,
                message=violation.message,
                location=violation.location or Location.of(violation.origin),
                fix=violation.fix,
                app=app.name,
                function=violation.function,
            )
        )
    return found


def cloud_location(
    location: Location, live: LiveApp, file: str, scan_root: str | None = None
) -> Location:
    """The deployed resource a template location of a synthesized template stands for
    (`scan_root`: where downloaded packages were extracted; dependency files inside them
    are named relative to it)."""
    if location.kind == "source":
        return _code_location(location, live, Path.cwd())
    if location.kind == "template" and location.file != file and scan_root is not None:
        return _code_location(location, live, Path(scan_root))
    if location.kind != "template" or location.file != file:
        return location
    path = location.key_path
    arn, prefix = live.arn, tuple[str, ...]()
    rest = path
    if len(path) >= 2 and path[0] == "Resources" and str(path[1]) in live.places:
        arn, prefix = live.places[str(path[1])]
        rest = path[3:] if path[2:3] == ("Properties",) else path[2:]
    return cloud(arn, (*prefix, *rest))


def _code_location(location: Location, live: LiveApp, base: Path) -> Location:
    """A place in a downloaded package: the function's ARN › `Code` › the file inside
    (`base`: what a relative file name is relative to)."""
    if not location.file:
        return location
    path = (base / location.file).resolve()
    for directory, arn in live.code.items():
        if path.is_relative_to(directory):
            inside = path.relative_to(directory).as_posix()
            found = cloud(arn, ("Code", inside))
            return replace(
                found,
                line=location.line,
                column=location.column,
                end_line=location.end_line,
                end_column=location.end_column,
                symbol=location.symbol,
                snippet=location.snippet,
            )
    return location


_PACKAGE_ADVICE = FreeText(
    "inspect the package: the audit refuses archives that could write outside their "
    "directory, hold links or unpack to excessive sizes"
)
"""A live account's fix is words (the live dialect writes free text as it is)."""


def package_findings(packages: dict[str, Path | str], owners: dict[str, str]) -> list[Finding]:
    """One SLS004 finding per function whose downloaded package was refused."""
    rule = find_rule("SLS004")
    assert rule is not None
    findings = []
    for arn, reason in sorted(packages.items()):
        if isinstance(reason, Path):
            continue
        name = arn.rsplit(":", 1)[-1]
        findings.append(
            Finding(
                rule=rule.info,
                severity=rule.info.severity,
                message=f"the deployed package of function {name} was not analysed: {reason}",
                location=cloud(arn, ("Code",)),
                fix=_PACKAGE_ADVICE.text,
                intents=(_PACKAGE_ADVICE,),
                app=owners.get(arn, ""),
                function=name,
                subject=name,
            )
        )
    return findings


def cloud(arn: str, key_path: tuple[str | int, ...] = ()) -> Location:
    """A cloud location with the region and account read from the ARN."""
    parts = arn.split(":")
    region = parts[3] if len(parts) > 4 and parts[3] else None
    account = parts[4] if len(parts) > 4 and parts[4] else None
    return Location("cloud", arn=arn, region=region, account=account, key_path=key_path)


def denial_findings(denials: Iterable[Denial], owners: dict[str, str]) -> list[Finding]:
    """One SLS008 finding per missing permission and region, naming what it hid."""
    rule = find_rule("SLS008")
    assert rule is not None
    grouped: dict[tuple[str, str], list[Denial]] = {}
    for denial in denials:
        grouped.setdefault((denial.action, denial.region), []).append(denial)
    findings = []
    for (action, region), items in sorted(grouped.items()):
        resources = sorted({item.resource for item in items})
        shown = ", ".join(resources[:3]) + (
            f" and {len(resources) - 3} more" if len(resources) > 3 else ""
        )
        where = resources[0] if len(resources) == 1 else f"arn:aws:{action.split(':')[0]}:{region}"
        message = (
            f"the audit was denied `{action}` in {region} ({items[0].message}): "
            f"what it would have read about {shown} is missing from this report"
        )
        fix = f'allow the auditor `"{action}"` (see docs/audit-policy.json) and audit again'
        violation = Violation(Origin(where), message, fix, subject=action)
        findings.append(
            Finding(
                rule=rule.info,
                severity=rule.info.severity,
                message=violation.message,
                location=cloud(where, (action,)),
                fix=fix,
                intents=(FreeText(fix),),
                app=owners.get(resources[0], ""),
                subject=action,
            )
        )
    return findings


def summary(app: Application, findings: list[Finding], rules_run: frozenset[str]) -> AppSummary:
    """The application's summary line and per-function details."""
    names = tuple(fn.name for fn in app.functions)
    return AppSummary(app.name, "aws", app.file, names, summarize(app, findings, rules_run))
