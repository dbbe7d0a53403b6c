"""An AWS Amplify project: what of its backend is in the repository, and what is not.

slsguard never runs the Amplify CLI. An Amplify (Gen 1) project lists its backend in
`amplify/backend/backend-config.json`: categories (`api`, `auth`, `function`, `storage`, ...)
each with resources, whose CloudFormation the CLI writes into `amplify/backend/<category>/
<name>/` (`<name>-cloudformation-template.json`, or `build/cloudformation-template.json` once
a GraphQL API is compiled). Discovery hands the templates that are there to the
CloudFormation loader; this module says which resources have none, so nothing of them was
analysed (a LOW finding, so the default gate fails), and that an AppSync API's schema,
`@auth` rules and resolvers are never read. An Amplify Gen 2 backend (`amplify/backend.ts`)
is CDK code: its CloudFormation exists only once synthesised.
"""

from __future__ import annotations

import json
from pathlib import Path

from slsguard import files
from slsguard.discovery import Candidate
from slsguard.findings import Origin, Severity, Violation
from slsguard.model import Note

MAX_CONFIG_BYTES = 1024 * 1024
_TEMPLATE_SUFFIXES = (".json", ".yml", ".yaml")
_COMPILE = {
    "AppSync": "`amplify api gql-compile`",
}


def amplify_notes(candidate: Candidate) -> list[Note]:
    """SLS004 notes about one Amplify backend: resources without a template, AppSync APIs."""
    if candidate.path.name == "backend.ts":
        return [_gen2(candidate)]
    try:
        config = json.loads(files.read_text(candidate.path, MAX_CONFIG_BYTES))
    except (OSError, ValueError):
        return []
    notes: list[Note] = []
    backend = candidate.path.parent
    for category, resources in config.items() if isinstance(config, dict) else ():
        for name, settings in resources.items() if isinstance(resources, dict) else ():
            service = settings.get("service", "") if isinstance(settings, dict) else ""
            folder = backend / str(category) / str(name)
            if not _templates(folder):
                notes.append(_missing(candidate, category, name, str(service), folder, backend))
            elif service == "AppSync":
                notes.append(_appsync(candidate, name))
    return notes


def _templates(folder: Path) -> list[Path]:
    """The CloudFormation the Amplify CLI wrote for one resource."""
    found = [
        path
        for pattern in ("*cloudformation-template*", "build/cloudformation-template*")
        for path in sorted(folder.glob(pattern))
        if path.suffix in _TEMPLATE_SUFFIXES and path.is_file()
    ]
    return found


def _missing(
    candidate: Candidate, category: str, name: str, service: str, folder: Path, backend: Path
) -> Note:
    where = folder.relative_to(backend.parent.parent).as_posix()
    what = f"{category} {name}" + (f" ({service})" if service else "")
    message = (
        f"{what} of the Amplify project has no CloudFormation template in {where}/ (the "
        "Amplify CLI generates it): none of its resources, functions or permissions were "
        "analysed"
    )
    if any(folder.glob("stacks/*.json")):
        message += " (only its custom stacks in stacks/ were)"
    if service == "AppSync":
        message += "; its GraphQL schema, @auth rules and resolvers are not read either"
    step = _COMPILE.get(service, "`amplify build`")
    fix = f"let the Amplify CLI write it ({step}) and scan again (slsguard never runs it)"
    return Note("SLS004", Violation(Origin(candidate.display), message, fix, Severity.LOW))


def _appsync(candidate: Candidate, name: str) -> Note:
    message = (
        f"the AppSync API {name} of the Amplify project is read from its CloudFormation "
        "only: its GraphQL schema, @auth rules and VTL or JavaScript resolvers are not "
        "analysed"
    )
    fix = "review the schema's @auth rules and the resolvers by other means"
    return Note("SLS004", Violation(Origin(candidate.display), message, fix, Severity.INFO))


def _gen2(candidate: Candidate) -> Note:
    message = (
        f"{candidate.display} is an Amplify Gen 2 backend (CDK code): its CloudFormation "
        "exists only once synthesised, so none of its resources, functions or permissions "
        "were analysed"
    )
    fix = (
        "scan the CloudFormation the Amplify CLI synthesises (its `cdk.out`), or the "
        "deployed account with `slsguard audit`"
    )
    return Note("SLS004", Violation(Origin(candidate.display), message, fix, Severity.LOW))
