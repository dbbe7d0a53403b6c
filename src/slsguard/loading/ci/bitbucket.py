"""Bitbucket Pipelines (`bitbucket-pipelines.yml`): steps, their scripts, pipes and `oidc`.

Every step under `pipelines:` (default, branches, tags, bookmarks, custom, pull-requests;
inside `parallel` and `stage` groups too) is a job. A step reused through a YAML anchor is
loaded once. Keys come from pipe `variables` and script lines; `oidc: true` on the step
makes an OIDC token available (`AWS_OIDC_ROLE_ARN` for the AWS pipes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slsguard.delivery import CiJob, DeployCommand
from slsguard.findings import Origin
from slsguard.loading.ci.jobs import CiContext, JobBuilder
from slsguard.loading.yaml import YList, YMap
from slsguard.model import render

MAX_GROUP_DEPTH = 8


@dataclass(slots=True)
class _Walk:
    context: CiContext
    seen: set[tuple[int, int]] = field(default_factory=set)
    """Positions of the steps loaded: a step reused through an alias is loaded once."""
    jobs: list[CiJob] = field(default_factory=list)


def bitbucket_jobs(root: YMap, context: CiContext) -> tuple[CiJob, ...]:
    """Every step of every pipeline with its deploys, keys and `oidc` setting."""
    pipelines = root.get("pipelines")
    if not isinstance(pipelines, YMap):
        return ()
    walk = _Walk(context)
    origin = root.origin_of("pipelines", Origin(context.file))
    for section, value in pipelines.items():
        where = pipelines.origin_of(section, origin)
        if isinstance(value, YList):
            _items(walk, value, where, section, 0)
        elif isinstance(value, YMap):
            for name, items in value.items():
                if isinstance(items, YList):
                    _items(walk, items, value.origin_of(name, where), f"{section} {name}", 0)
    return tuple(walk.jobs)


def _items(walk: _Walk, items: YList, origin: Origin, label: str, depth: int) -> None:
    if depth > MAX_GROUP_DEPTH:
        return
    for index, item in enumerate(items):
        if not isinstance(item, YMap):
            continue
        where = items.origin_of(index, origin)
        step = item.get("step")
        if isinstance(step, YMap) and step.position not in walk.seen:
            walk.seen.add(step.position)
            walk.jobs.append(_step(walk.context, step, item.origin_of("step", where), label))
        for group in ("parallel", "stage"):
            _group(walk, item.get(group), item.origin_of(group, where), label, depth)


def _group(walk: _Walk, group: object, origin: Origin, label: str, depth: int) -> None:
    if isinstance(group, YList):
        _items(walk, group, origin, label, depth + 1)
    elif isinstance(group, YMap) and isinstance(group.get("steps"), YList):
        _items(walk, group["steps"], group.origin_of("steps", origin), label, depth + 1)


def _step(context: CiContext, step: YMap, origin: Origin, label: str) -> CiJob:
    name = render(step.get("name")) or f"{label} step"
    builder = JobBuilder(context, name, origin)
    builder.oidc = render(step.get("oidc")) == "true"
    cwd: str | None = None
    for keyword in ("script", "after-script"):
        script = step.get(keyword)
        if not isinstance(script, YList):
            continue
        script_origin = step.origin_of(keyword, origin)
        for index, line in enumerate(script):
            where = script.origin_of(index, script_origin)
            if isinstance(line, YMap) and "pipe" in line:
                _pipe(builder, line, where)
            else:
                cwd = builder.script(line, where, cwd)
    return builder.build()


def _pipe(builder: JobBuilder, item: YMap, origin: Origin) -> None:
    reference = render(item.get("pipe"))
    name = reference.split(":", 1)[0].strip().lower()
    builder.environment(item.get("variables"), item.origin_of("variables", origin), "step")
    if "deploy" in name:  # atlassian/serverless-deploy, aws-sam-deploy, aws-lambda-deploy, ...
        builder.deploy(DeployCommand(item.origin_of("pipe", origin), reference, "pipe"))
