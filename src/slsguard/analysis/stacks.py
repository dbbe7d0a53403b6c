"""Links between the stacks of one scan: nested stacks, their outputs, and exports.

A parent stack (or a sibling nested stack) often defines the API while a child stack defines
the functions: the integration URI then reads `!GetAtt Child.Outputs.FunctionArn`, or
`!ImportValue orders-FunctionArn` from a stack that exports it. Each template is its own
application, so without this module the route runs "no function" and the function "has no
HTTP trigger". `link_stacks` resolves both across the applications of one scan:

- the caller gets `stack_functions` (`Child.Outputs.FunctionArn` or `import:<name>` → the
  function's name), so its endpoints name the function they run;
- the function's application gets `callers`, so `routes_to(app, fn)` gives the function the
  exposure (public, auth, validation) of the routes that reach it.

Children are found through a local `TemplateURL` or CDK's `aws:asset:path`; export names are
matched when literal, or as `Fn::Sub` text with the same variables.

Resources are linked the same way (`stack_outputs`, read through `output_resource`): a
function's environment variable or event source reading `!GetAtt Child.Outputs.QueueArn` or
`!ImportValue orders-QueueArn` names the queue the other stack defines, so least privilege
can write that queue's ARN. So does a Serverless `${cf:orders-dev.QueueArn}` (key
`cf:orders-dev.QueueArn`) when a template of the scan deploys as the stack it names: a
Serverless service as `provider.stackName`, else `<service>-<stage>` (the stage the config
sets, else `dev`, as the Framework names stacks), a SAM or CloudFormation template as a
`stack_name` its folder's samconfig file sets. A stack no template of the scan deploys as
stays unknown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slsguard import files
from slsguard.analysis.resources import referenced_ids
from slsguard.model import Application, Deferred, Function, Reference, render

if TYPE_CHECKING:
    from slsguard.analysis.http import Endpoint

IMPORT = "import:"
"""The key prefix of an imported value in `Application.stack_functions`."""
CF = "cf:"
"""The key prefix of a Serverless `${cf:stack.Output}` value in `Application.stack_outputs`."""
_SAMCONFIG = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
_STACK_NAME = re.compile(r"""^\s*stack_name\s*[=:]\s*["']?([A-Za-z][A-Za-z0-9-]*)""", re.M)
_MAX_SAMCONFIG = 1024 * 1024


def link_stacks(apps: Sequence[Application]) -> list[Application]:
    """The applications, with the functions other stacks reference resolved both ways."""
    nested = {index: list(_nested(app)) for index, app in enumerate(apps)}
    imports = {index: set(_integration_imports(app)) for index, app in enumerate(apps)}
    if not any(nested.values()) and not any(imports.values()):
        return _link_outputs(list(apps), nested)  # the common case: nothing to link here
    by_file = {_path(app): index for index, app in enumerate(apps) if app.kind != "pipeline"}
    exports: dict[str, tuple[int, str]] = {}
    for index, app in enumerate(apps):
        for name, function in _exported_functions(app):
            exports[name] = (index, function)
    linked: dict[int, dict[str, str]] = {}
    callers: dict[int, list[int]] = {}
    for index in range(len(apps)):
        found: dict[str, str] = {}
        for logical_id, location in nested[index]:
            child = by_file.get(location)
            if child is None:
                continue
            for output, function in _output_functions(apps[child]):
                found[f"{logical_id}.Outputs.{output}"] = function
                callers.setdefault(child, []).append(index)
        for name in imports[index]:
            if name in exports and exports[name][0] != index:
                found[IMPORT + name] = exports[name][1]
                callers.setdefault(exports[name][0], []).append(index)
        if found:
            linked[index] = found
    calling = list(apps)  # first the callers learn the functions they reference ...
    for index, found in linked.items():
        calling[index] = replace(calling[index], stack_functions=tuple(sorted(found.items())))
    result = list(calling)  # ... then the called learn who calls them
    for index, indexes in callers.items():
        apps_calling = tuple(calling[i] for i in dict.fromkeys(indexes))
        result[index] = replace(result[index], caller_apps=apps_calling)
    return _link_outputs(result, nested)


@dataclass(frozen=True, slots=True)
class StackLinks:
    """What can tie an application to others of the scan in `link_stacks` (a superset: the
    export names of every output, not only of those naming a function or a resource)."""

    file: str
    """The template, as nested stacks name it."""
    nests: frozenset[str]
    """The local templates it nests."""
    imports: frozenset[str]
    """The names it reads with `Fn::ImportValue`."""
    exports: frozenset[str]
    """The names its outputs export."""


def stack_links(app: Application) -> StackLinks:
    """What can tie `app` to another application of the scan (a scan on several processes
    loads tied applications together, see `slsguard.parallel`)."""
    exports = set()
    for output in _outputs(app).values():
        export = output.get("Export") if isinstance(output, dict) else None
        name = export.get("Name") if isinstance(export, dict) else None
        if name is not None:
            exports.add(_import_name(name))
    return StackLinks(
        str(_path(app)),
        frozenset(str(location) for _, location in _nested(app)),
        frozenset(_imports(app.resources)),
        frozenset(exports),
    )


def output_resource(app: Application, value: object) -> tuple[Application, str] | None:
    """The application and logical id of the resource a value of another stack names, when
    `value` reads one (`Child.Outputs.X`, `Fn::ImportValue`) that the scan holds."""
    if not app.stack_outputs:
        return None
    table = {key: (owner, logical_id) for key, owner, logical_id in app.stack_outputs}
    keys = [*_get_atts(value), *(IMPORT + name for name in _imports(value))]
    if isinstance(value, Reference) and value.source == "cf":
        keys.append(CF + value.address)
    for key in keys:
        if key in table:
            return table[key]
    return None


def _link_outputs(
    apps: list[Application], nested: dict[int, list[tuple[str, Path]]]
) -> list[Application]:
    """`stack_outputs` of each application that reads a value another stack of the scan
    defines (a nested child's output, an export); the apps unchanged when none does."""
    if len(apps) < 2:
        return apps
    read = {index: set(_imports(app.resources)) for index, app in enumerate(apps)}
    cf_read = {index: set(_cf_reads(app.template)) for index, app in enumerate(apps)}
    if not any(nested.values()) and not any(read.values()) and not any(cf_read.values()):
        return apps
    deployed = {name: app for app in apps for name in _stack_names(app)}
    by_file = {_path(app): index for index, app in enumerate(apps) if app.kind != "pipeline"}
    exports = {
        name: (app, logical_id) for app in apps for name, logical_id in _exported_resources(app)
    }
    result = list(apps)
    for index, app in enumerate(apps):
        found = [
            (f"{stack}.Outputs.{output}", apps[by_file[location]], logical_id)
            for stack, location in nested[index]
            if location in by_file
            for output, logical_id in _output_resources(apps[by_file[location]])
        ]
        found += [
            (IMPORT + name, *exports[name])
            for name in sorted(read[index])
            if name in exports and exports[name][0] is not app
        ]
        found += [
            (CF + address, deployed[stack], logical_id)
            for address in sorted(cf_read[index])
            for stack, _, output in [address.partition(".")]
            if stack in deployed and deployed[stack] is not app
            for name, logical_id in _output_resources(deployed[stack])
            if name == output
        ]
        if found:
            result[index] = replace(app, stack_outputs=tuple(found))
    return result


def _cf_reads(value: object, depth: int = 0) -> Iterator[str]:
    """The `stack.Output` addresses of the Serverless `${cf:...}` values in a config."""
    if depth > 40:
        return
    if isinstance(value, Reference):
        if value.source == "cf":
            yield value.address
    elif isinstance(value, Deferred):
        for reference in value.references:
            yield from _cf_reads(reference, depth + 1)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _cf_reads(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _cf_reads(item, depth + 1)


def _stack_names(app: Application) -> set[str]:
    """The CloudFormation stack names an application deploys as, when its files say."""
    template = app.template if isinstance(app.template, dict) else {}
    if app.kind == "serverless":
        provider = template.get("provider")
        provider = provider if isinstance(provider, dict) else {}
        named = provider.get("stackName")
        if isinstance(named, str):
            return {named}
        stage = provider.get("stage")
        return {f"{app.name}-{stage if isinstance(stage, str) and stage else 'dev'}"}
    if app.kind not in ("sam", "cloudformation"):
        return set()
    return {name for text in _samconfigs(app) for name in _STACK_NAME.findall(text)}


def _samconfigs(app: Application) -> Iterator[str]:
    """The samconfig files beside a template, inside the scan root."""
    folder = _path(app).parent
    root = Path(os.path.abspath(app.scan_root or app.names_folder()))
    for name in _SAMCONFIG:
        path = folder / name
        try:
            if not path.is_file():  # most templates have none: one stat, not a resolve
                continue
            resolved = path.resolve()
            if resolved.is_relative_to(root) and resolved.is_file():
                yield files.read_text(resolved, _MAX_SAMCONFIG, errors="replace")
        except (OSError, ValueError):
            continue


def _output_resources(app: Application) -> Iterator[tuple[str, str]]:
    """(output name, logical id) for outputs whose value names one resource of `app`."""
    resources = app.resources if isinstance(app.resources, dict) else {}
    for name, output in _outputs(app).items():
        value = output.get("Value") if isinstance(output, dict) else None
        named = [item for item in referenced_ids(value) if item in resources]
        if len(named) == 1:
            yield str(name), named[0]


def _exported_resources(app: Application) -> Iterator[tuple[str, str]]:
    """(export name, logical id) for exported outputs that name one resource."""
    outputs = _outputs(app)
    for name, logical_id in _output_resources(app):
        output = outputs.get(name)
        export = output.get("Export") if isinstance(output, dict) else None
        exported = export.get("Name") if isinstance(export, dict) else None
        if exported is not None:
            yield _import_name(exported), logical_id


def routes_to(app: Application, fn: Function) -> tuple[Endpoint, ...]:
    """The endpoints of other stacks that run `fn` (with their auth and validation)."""
    from slsguard.analysis.http import endpoints_of  # http builds on this module's lookups

    found: list[Endpoint] = []
    for caller in app.caller_apps:
        # A function of the same name in both stacks is each stack's own.
        theirs = endpoints_of(caller, fn.name)
        if theirs and not (_defines(caller, fn.name) and _defines(app, fn.name)):
            found += theirs
    return tuple(found)


def _defines(app: Application, name: str) -> bool:
    return any(f.name == name for f in app.functions)


def function_reference(app: Application, value: object) -> str | None:
    """The function of another stack an integration URI or ARN names, if linked."""
    if not app.stack_functions:
        return None
    table = dict(app.stack_functions)
    for key in (*_get_atts(value), *(IMPORT + name for name in _imports(value))):
        if key in table:
            return table[key]
    return None


def _path(app: Application) -> Path:
    # Loaders name files from resolved paths: normalising is enough (and far cheaper).
    return Path(os.path.abspath(app.names_folder() / app.file))


def _nested(app: Application) -> Iterator[tuple[str, Path]]:
    """(logical id, normalised local template path) of each nested stack."""
    resources = app.resources if isinstance(app.resources, dict) else {}
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        if kind not in ("AWS::CloudFormation::Stack", "AWS::Serverless::Application"):
            continue
        base = _path(app).parent
        properties = resource.get("Properties")
        properties = properties if isinstance(properties, dict) else {}
        metadata = resource.get("Metadata")
        asset = metadata.get("aws:asset:path") if isinstance(metadata, dict) else None
        location = asset or properties.get("TemplateURL") or properties.get("Location")
        if isinstance(location, str) and "://" not in location:
            yield str(logical_id), Path(os.path.abspath(base / location))


_INTEGRATIONS = frozenset(
    {"AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Integration", "AWS::Serverless::Api"}
)


def _integration_imports(app: Application) -> Iterator[str]:
    """The names imported by the resources that can integrate a function (APIs)."""
    resources = app.resources if isinstance(app.resources, dict) else {}
    for resource in resources.values():
        if isinstance(resource, dict) and resource.get("Type") in _INTEGRATIONS:
            yield from _imports(resource.get("Properties"))


def _outputs(app: Application) -> dict[str, Any]:
    """The template's `Outputs` (a Serverless config's under `resources:`, a map or a list of
    parts)."""
    template = app.template if isinstance(app.template, dict) else {}
    if app.kind != "serverless":
        outputs = template.get("Outputs")
        return outputs if isinstance(outputs, dict) else {}
    section = template.get("resources")
    merged: dict[str, Any] = {}
    for part in section if isinstance(section, list) else [section]:
        outputs = part.get("Outputs") if isinstance(part, dict) else None
        merged.update(outputs if isinstance(outputs, dict) else {})
    return merged


def _output_functions(app: Application) -> Iterator[tuple[str, str]]:
    """(output name, function name) for outputs whose value names a function."""
    functions = {fn.logical_id: fn.name for fn in app.functions if fn.logical_id}
    for name, output in _outputs(app).items():
        value = output.get("Value") if isinstance(output, dict) else None
        for logical_id in referenced_ids(value):
            if logical_id in functions:
                yield str(name), functions[logical_id]
                break


def _exported_functions(app: Application) -> Iterator[tuple[str, str]]:
    """(export name, function name) for exported outputs that name a function."""
    functions = dict(_output_functions(app))
    for name, output in _outputs(app).items():
        export = output.get("Export") if isinstance(output, dict) else None
        exported = export.get("Name") if isinstance(export, dict) else None
        if exported is not None and name in functions:
            yield _import_name(exported), functions[name]


def _get_atts(value: object, depth: int = 0) -> Iterator[str]:
    """`Child.Outputs.Name` for every `Fn::GetAtt` in a value (`Fn::Sub` variables too)."""
    if depth > 40:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Fn::GetAtt":
                yield ".".join(map(str, item)) if isinstance(item, list) else str(item)
            else:
                yield from _get_atts(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _get_atts(item, depth + 1)
    elif isinstance(value, str) and ".Outputs." in value:  # `${Child.Outputs.Name}` in a Sub
        for part in value.replace("}", "${").split("${"):
            if ".Outputs." in part:
                yield part


def _imports(value: object, depth: int = 0) -> Iterator[str]:
    """The names every `Fn::ImportValue` in a value imports."""
    if depth > 40:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Fn::ImportValue":
                yield _import_name(item)
            else:
                yield from _imports(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _imports(item, depth + 1)


def _import_name(value: object) -> str:
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) and sub else sub)
    return render(value)
