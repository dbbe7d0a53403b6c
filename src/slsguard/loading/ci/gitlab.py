"""GitLab CI (`.gitlab-ci.yml`): jobs with `extends`, variables, scripts and `id_tokens`.

A job is a top-level mapping that is not a keyword and not hidden (`.template`); `extends`
chains are followed (bounded) and YAML anchors are already merged by the loader. Global
`variables` reach every job unless it sets `inherit: variables: false`. Files pulled in by
`include:` are not followed (they may be remote).
"""

from __future__ import annotations

from slsguard.delivery import CiJob
from slsguard.findings import Origin
from slsguard.loading.ci.jobs import CiContext, JobBuilder
from slsguard.loading.yaml import YList, YMap
from slsguard.model import render

KEYWORDS = frozenset(
    {
        *("stages", "variables", "default", "include", "workflow", "image", "services"),
        *("cache", "before_script", "after_script", "types", "spec"),
    }
)
MAX_EXTENDS_DEPTH = 11
"""GitLab allows eleven levels of `extends`."""
_SCRIPTS = ("before_script", "script", "after_script")


def gitlab_jobs(root: YMap, context: CiContext) -> tuple[CiJob, ...]:
    """Every job of the file with its deploys, keys and `id_tokens`."""
    default = root.get("default")
    default = default if isinstance(default, YMap) else YMap()
    found = []
    for name, job in root.items():
        if name in KEYWORDS or name.startswith(".") or not isinstance(job, YMap):
            continue
        layers = _layers(root, name, job, 0, set())
        if not any("script" in layer for _, layer in layers):
            continue
        found.append(_job(root, default, name, layers, context))
    return tuple(found)


def _job(
    root: YMap, default: YMap, name: str, layers: list[tuple[str, YMap]], context: CiContext
) -> CiJob:
    top = Origin(context.file)
    builder = JobBuilder(context, name, root.origin_of(name, top))
    builder.oidc = "id_tokens" in default or any("id_tokens" in layer for _, layer in layers)
    inherited = _inherited_variables(layers)
    if inherited != frozenset():
        variables = root.get("variables")
        builder.environment(variables, root.origin_of("variables", top), "workflow", inherited)
    for layer_name, layer in layers:
        origin = root.origin_of(layer_name, top)
        builder.environment(layer.get("variables"), layer.origin_of("variables", origin), "job")
    cwd: str | None = None  # before_script and script run in one shell
    for keyword in _SCRIPTS:
        owner, owner_origin = _owner(root, default, layers, keyword, top)
        if owner is not None:
            start = None if keyword == "after_script" else cwd  # after_script: a new shell
            where = owner.origin_of(keyword, owner_origin)
            cwd = builder.script(owner.get(keyword), where, start)
    return builder.build()


def _layers(root: YMap, name: str, job: YMap, depth: int, seen: set[str]) -> list[tuple[str, YMap]]:
    """The templates a job extends (outermost first), then the job itself."""
    if depth > MAX_EXTENDS_DEPTH or name in seen:
        return [(name, job)]
    seen.add(name)
    parents = job.get("extends")
    names = [parents] if isinstance(parents, str) else parents if isinstance(parents, YList) else []
    layers: list[tuple[str, YMap]] = []
    for parent in names:
        template = root.get(parent) if isinstance(parent, str) else None
        if isinstance(template, YMap):
            layers.extend(_layers(root, parent, template, depth + 1, seen))
    layers.append((name, job))
    return layers


def _owner(
    root: YMap, default: YMap, layers: list[tuple[str, YMap]], keyword: str, top: Origin
) -> tuple[YMap | None, Origin]:
    """Where the job's `keyword` script comes from: the job, a template, `default`, the file."""
    for layer_name, layer in reversed(layers):
        if keyword in layer:
            return layer, root.origin_of(layer_name, top)
    if keyword in default:
        return default, root.origin_of("default", top)
    if keyword != "script" and keyword in root:
        return root, top
    return None, top


def _inherited_variables(layers: list[tuple[str, YMap]]) -> frozenset[str] | None:
    """Which global variables the job inherits: all (None), none, or the names listed."""
    for _, layer in reversed(layers):
        inherit = layer.get("inherit")
        if isinstance(inherit, YMap) and "variables" in inherit:
            chosen = inherit["variables"]
            if isinstance(chosen, YList):
                return frozenset(render(name) for name in chosen)
            return frozenset() if render(chosen) == "false" else None
    return None
