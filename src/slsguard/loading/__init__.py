"""Loaders: files in, `Application`s out, with every problem kept as a note, never raised.

`load_all` loads Serverless configs first (so the files they include are known and not
scanned again as standalone templates), then SAM and CloudFormation templates, then CI files
(each an application of kind `pipeline`, see `loading.ci`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from slsguard.discovery import Candidate, ci_system, display_name
from slsguard.findings import Origin, Severity, Violation, name_list
from slsguard.loading.amplify import amplify_notes
from slsguard.loading.cdk import cdk_notes
from slsguard.loading.ci import load_pipeline
from slsguard.loading.cloudformation import (
    build_stack,
    lambda_functions,
    lambda_permissions,
    nested_templates,
    not_analysed,
)
from slsguard.loading.dotenv import dotenv_files
from slsguard.loading.keyfiles import key_file_notes
from slsguard.loading.sam import is_sam, load_sam_parts
from slsguard.loading.serverless import load_serverless, unresolved_notes
from slsguard.loading.variables import Resolver, VariableContext
from slsguard.loading.yaml import Loaded, YMap, load_file, load_text
from slsguard.model import AppKind, Application, Document, Note, render


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """Command-line settings that change how templates resolve."""

    stage: str | None = None
    region: str | None = None
    environ: Mapping[str, str] | None = None
    """The scanner's own environment for `${env:...}`: only with an explicit flag."""
    var_files: tuple[Path, ...] = ()
    """Terraform `--var-file`s, read after `terraform.tfvars`/`*.auto.tfvars` (later wins)."""


@dataclass(slots=True)
class LoadResult:
    """Applications, plus notes about files that are not part of any application."""

    apps: list[Application] = field(default_factory=list)
    file_notes: list[Note] = field(default_factory=list)
    files: int = 0
    project_root: str = ""
    """The absolute project root every application is stamped with."""
    sources: list[int] = field(default_factory=list)
    """For each application, the index (in the candidates given) of the file it was loaded
    from; for a Terraform application, of the first file of its root module's scan root."""
    note_sources: list[int] = field(default_factory=list)
    """For each file note, the index of the file it is about."""
    included: set[str] = field(default_factory=set)
    """Files the Serverless configs include (never loaded again as templates of their own)."""

    def add(self, app: Application, source: int) -> None:
        """Keep an application loaded from the candidate at `source` (stamped with the
        project root)."""
        self.apps.append(replace(app, project_root=self.project_root))
        self.sources.append(source)


LOAD_ORDER = {
    "serverless": 0,
    "code-config": 1,
    "cdk-app": 1,
    "amplify": 1,
    "chalice": 2,
    "zappa": 2,
    "template": 2,
    "terraform": 2,
    "ci": 3,
    "key-file": 3,
}
"""The order files are loaded in, by kind (stable within a kind): Serverless configs first,
so the files they include are known and not loaded again as templates of their own. The
applications of Terraform modules come after all the others."""


Progress = Callable[[int, int], None]
"""Told (files done, files in all) as loading goes on."""


def load_all(
    candidates: list[Candidate],
    options: LoadOptions,
    cwd: Path,
    progress: Progress | None = None,
) -> LoadResult:
    """Load every candidate; files included by a Serverless config are not loaded twice.
    `cwd` is the folder file names are relative to: the project root."""
    result = LoadResult(files=len(candidates), project_root=os.path.abspath(cwd))
    ordered = sorted(range(len(candidates)), key=lambda index: LOAD_ORDER[candidates[index].kind])
    terraform: dict[Path, Path] = {}  # module folder -> its scan root
    first_of_root: dict[Path, int] = {}  # scan root -> its first module's candidate
    for done, index in enumerate(ordered):
        if progress is not None:
            progress(done, len(ordered))
        candidate = candidates[index]
        if str(candidate.path) in result.included:
            continue
        if candidate.kind == "terraform":
            terraform.setdefault(candidate.path.parent, candidate.root)
            first_of_root.setdefault(candidate.root, index)
            continue
        notes_before = len(result.file_notes)
        _load_one(candidate, index, result, options, cwd)
        result.note_sources += [index] * (len(result.file_notes) - notes_before)
    for root, index in first_of_root.items():
        folders = [folder for folder, scan_root in terraform.items() if scan_root == root]
        for app in _terraform(folders, root, cwd, options.var_files):
            result.add(app, index)
    return result


def _load_one(
    candidate: Candidate, index: int, result: LoadResult, options: LoadOptions, cwd: Path
) -> None:
    """The applications and file notes of one candidate (not a Terraform module) into
    `result`."""
    if candidate.kind == "code-config":
        result.file_notes.append(_code_config_note(candidate))
    elif candidate.kind == "cdk-app":
        result.file_notes.extend(cdk_notes(candidate))
    elif candidate.kind == "amplify":
        result.file_notes.extend(amplify_notes(candidate))
    elif candidate.kind in ("chalice", "zappa"):
        _framework(candidate, index, result, cwd)
    elif candidate.kind == "ci":
        _pipeline(candidate, index, result)
    elif candidate.kind == "key-file":
        result.file_notes.extend(key_file_notes(candidate))
    else:
        loaded = _load(candidate)
        result.file_notes.extend(_problem_notes(loaded))
        if not isinstance(loaded.root, YMap):
            if loaded.root is not None:
                result.file_notes.append(_not_a_template(candidate))
            return
        if candidate.kind == "serverless":
            app = _serverless(candidate, loaded, options, result.included, cwd)
        else:
            app = _template(candidate, loaded.root)
        result.add(_with_notes(app, external_role_notes(app)), index)


def _framework(candidate: Candidate, index: int, result: LoadResult, cwd: Path) -> None:
    """The applications (one per stage) of a Chalice or Zappa project."""
    from slsguard.loading.chalice import load_chalice
    from slsguard.loading.zappa import load_zappa

    load = load_chalice if candidate.kind == "chalice" else load_zappa
    apps, problems = load(candidate.path, lambda p: display_name(p, cwd), candidate.root)
    result.file_notes.extend(_problem_notes(Loaded(candidate.display, None, problems)))
    for app in apps:
        result.add(_with_notes(app, external_role_notes(app)), index)


def _terraform(
    folders: list[Path], root: Path, cwd: Path, var_files: tuple[Path, ...] = ()
) -> list[Application]:
    """The applications of the Terraform root modules among `folders` under one scan root
    (deferred import: HCL costs start-up time)."""
    from slsguard.loading.terraform import load_terraform

    found, _notes = load_terraform(folders, root, lambda path: display_name(path, cwd), var_files)
    return [_with_notes(app, external_role_notes(app)) for app in found]


def external_role_notes(app: Application) -> list[Note]:
    """SLS004 for each role defined outside the scanned files that runs functions."""
    notes = []
    seen: set[str] = set()
    for fn in app.functions:
        role = fn.role
        if role is None or not role.external or role.key in seen:
            continue
        seen.add(role.key)
        users = [other.name for other in app.functions if other.role and other.role.key == role.key]
        message = (
            f"role {role.key} of {name_list(users)} is defined outside the scanned files: "
            "its permissions are not analysed"
        )
        fix = "scan the template that defines the role too, or define it in this template"
        notes.append(not_analysed(role.origin, message, fix))
    return notes


def _load(candidate: Candidate) -> Loaded:
    if candidate.text:
        return load_text(candidate.text, candidate.display)
    return load_file(str(candidate.path), candidate.display)


def _problem_notes(loaded: Loaded) -> list[Note]:
    rule = {"parse-error": "SLS001", "duplicate-key": "SLS005"}
    fixes = {
        "parse-error": "fix the syntax at this position; the rest of the scan went on without it",
        "duplicate-key": "keep one of the keys: the platform silently drops all but the last",
    }
    return [
        Note(rule[problem.kind], Violation(problem.origin, problem.message, fixes[problem.kind]))
        for problem in loaded.problems
    ]


def _not_a_template(candidate: Candidate) -> Note:
    origin = Origin(candidate.display)
    return Note("SLS001", Violation(origin, "the file is not a mapping at the top level", ""))


def _code_config_note(candidate: Candidate) -> Note:
    origin = Origin(candidate.display)
    message = f"{candidate.path.name} is a program, and slsguard never executes the scanned project"
    fix = (
        "scan the resolved configuration instead: "
        "`serverless print --format yaml > serverless.resolved.yml`, "
        "then `slsguard scan serverless.resolved.yml`"
    )
    return Note("SLS004", Violation(origin, message, fix, Severity.INFO))


def _serverless(
    candidate: Candidate, loaded: Loaded, options: LoadOptions, included: set[str], cwd: Path
) -> Application:
    root = loaded.root
    assert isinstance(root, YMap)
    context = VariableContext(
        root=root,
        config_path=candidate.path,
        scan_root=candidate.root,
        display=lambda path: display_name(path, cwd),
        stage=options.stage,
        region=options.region,
        environ=options.environ,
    )
    resolved = Resolver(context).resolve_config()
    included.update(context.included)
    documents = [Document(candidate.display, root)]
    for path in sorted(context.included):
        extra = load_file(path, display_name(Path(path), cwd))
        if extra.root is not None:
            documents.append(Document(extra.file, extra.root))
    app = load_serverless(resolved, candidate.display, tuple(documents))
    dotenv = dotenv_files(
        resolved, candidate.path, candidate.root, lambda p: display_name(p, cwd), candidate.project
    )
    app = replace(app, dotenv_files=dotenv) if dotenv else app
    notes = unresolved_notes(context.problems, context.problem_keys, root, candidate.display)
    return _with_notes(app, notes)


def _pipeline(candidate: Candidate, index: int, result: LoadResult) -> None:
    """A CI file: its parse problems, and its `pipeline` application when it is a mapping."""
    system = ci_system(candidate.path)
    if system is None:
        return
    loaded, app = load_pipeline(candidate.path, candidate.display, candidate.root, system)
    result.file_notes.extend(_problem_notes(loaded))
    if app is not None:
        result.add(app, index)
    elif loaded.root is not None and not isinstance(loaded.root, YMap):
        result.file_notes.append(_not_a_template(candidate))


def is_cdk_output(resources: object) -> bool:
    """Whether a template was synthesised by the CDK (its resources carry `aws:cdk:path`)."""
    if not isinstance(resources, dict):
        return False
    for resource in resources.values():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if isinstance(metadata, dict) and "aws:cdk:path" in metadata:
            return True
    return False


_CDK_LANGUAGES = (
    ("python", "python"),
    ("mvn", "java"),
    ("gradle", "java"),
    ("dotnet", "csharp"),
    ("go ", "go"),
)


def cdk_language(template: Path) -> str:
    """The CDK app's language from `app` in the `cdk.json` next to `cdk.out` (read as data,
    never run); TypeScript when unknown."""
    for folder in template.parents:
        if folder.name != "cdk.out":
            continue
        config = folder.parent / "cdk.json"
        try:
            if config.is_file() and not config.is_symlink() and config.stat().st_size < 65536:
                command = json.loads(config.read_text(encoding="utf-8")).get("app", "")
                for marker, language in _CDK_LANGUAGES:
                    if isinstance(command, str) and marker in command:
                        return language
        except (OSError, ValueError, AttributeError):
            pass
        break
    return "typescript"


def _template(candidate: Candidate, root: YMap) -> Application:
    origin = Origin(candidate.display)
    kind: AppKind
    if is_sam(root):
        stack, functions = load_sam_parts(root, candidate.display, origin)
        kind = "sam"
    else:
        stack = build_stack(root, candidate.display, origin)
        functions = lambda_functions(stack)
        kind = "cdk" if is_cdk_output(stack.resources) else "cloudformation"
    notes = list(stack.notes)
    for logical_id, location, where in nested_templates(stack):
        local = _cdk_asset(stack.resources, logical_id)  # CDK: the nested template in cdk.out
        notes.extend(_nested_note(candidate, logical_id, local or location, where))
    roles = {fn.role.key: fn.role for fn in functions if fn.role is not None}
    for builder in stack.roles.values():
        roles.setdefault(builder.key, builder.freeze())
    name = os.path.splitext(candidate.path.name)[0]
    if name in ("template", "cloudformation", "main", "stack"):
        name = f"{candidate.path.parent.name}/{name}"
    return Application(
        name=name,
        kind=kind,
        cdk_language=cdk_language(candidate.path) if kind == "cdk" else None,
        file=candidate.display,
        origin=origin,
        functions=tuple(functions),
        roles=tuple(roles.values()),
        permissions=tuple(lambda_permissions(stack)),
        documents=(Document(candidate.display, root),),
        template=root,
        resources=stack.resources,
        resources_origin=stack.origin,
        notes=tuple(notes),
        scan_root=str(candidate.root),
    )


def _cdk_asset(resources: object, logical_id: str) -> str | None:
    """The `aws:asset:path` CDK records for a resource (a file or folder in `cdk.out`)."""
    resource = resources.get(logical_id) if isinstance(resources, dict) else None
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    path = metadata.get("aws:asset:path") if isinstance(metadata, dict) else None
    return path if isinstance(path, str) else None


def _nested_note(
    candidate: Candidate, logical_id: str, location: object, where: Origin
) -> list[Note]:
    text = render(location)
    local = isinstance(location, str) and "://" not in text and not text.startswith("arn:")
    if local:
        target = (candidate.path.parent / text).resolve()
        inside = target.is_relative_to(candidate.root)
        if inside and target.is_file():
            return []  # A local template under the scan root is scanned as its own app.
        text += " (file not found)" if inside else " (outside the scan root)"
    elif isinstance(location, dict) and "ApplicationId" in location:
        text = f"Serverless Application Repository app {render(location['ApplicationId'])}"
    message = f"nested stack {logical_id} uses a template slsguard cannot read: {text or '?'}"
    fix = "download the nested template into the repository, or scan it separately"
    return [not_analysed(where, message, fix)]


def _with_notes(app: Application, notes: list[Note]) -> Application:
    return replace(app, notes=(*app.notes, *notes)) if notes else app
