"""GitHub Actions workflows (`.github/workflows/*.yml`): jobs, steps, env, actions, OIDC.

Workflow `env` reaches every job, job `env` its steps, step `env` one step. Keys come from
`env` entries, the `aws-actions/configure-aws-credentials` inputs and `run` scripts.
A job can use OIDC when its `permissions` (or the workflow's, when the job sets none) grant
`id-token: write`.
"""

from __future__ import annotations

from slsguard.delivery import CiJob, DeployCommand
from slsguard.findings import Origin
from slsguard.loading.ci.jobs import CiContext, JobBuilder, working_directory
from slsguard.loading.yaml import YList, YMap
from slsguard.model import render

CONFIGURE_CREDENTIALS = "aws-actions/configure-aws-credentials"
CLOUDFORMATION_ACTION = "aws-actions/aws-cloudformation-github-deploy"
SERVERLESS_ACTION = "serverless/github-action"
CDK_ACTIONS = frozenset({"youyo/aws-cdk-github-actions"})


def github_jobs(root: YMap, context: CiContext) -> tuple[CiJob, ...]:
    """Every job of a workflow with its deploys, keys and OIDC permission."""
    top = Origin(context.file)
    jobs = root.get("jobs")
    if not isinstance(jobs, YMap):
        return ()
    jobs_origin = root.origin_of("jobs", top)
    found = []
    for job_id, job in jobs.items():
        if not isinstance(job, YMap):
            continue
        origin = jobs.origin_of(job_id, jobs_origin)
        builder = JobBuilder(context, render(job.get("name")) or job_id, origin)
        permissions = job["permissions"] if "permissions" in job else root.get("permissions")
        builder.oidc = grants_id_token(permissions)
        builder.environment(root.get("env"), root.origin_of("env", top), "workflow")
        builder.environment(job.get("env"), job.origin_of("env", origin), "job")
        cwd = working_directory(job.get("defaults")) or working_directory(root.get("defaults"))
        steps = job.get("steps")
        if isinstance(steps, YList):
            steps_origin = job.origin_of("steps", origin)
            for index, step in enumerate(steps):
                if isinstance(step, YMap):
                    _step(builder, step, steps.origin_of(index, steps_origin), cwd)
        found.append(builder.build())
    return tuple(found)


def grants_id_token(permissions: object) -> bool:
    """`permissions: write-all` or `permissions: {id-token: write}`."""
    if isinstance(permissions, str):
        return permissions.strip() == "write-all"
    return isinstance(permissions, YMap) and render(permissions.get("id-token")) == "write"


def _step(builder: JobBuilder, step: YMap, origin: Origin, cwd: str | None) -> None:
    builder.environment(step.get("env"), step.origin_of("env", origin), "step")
    uses = step.get("uses")
    if isinstance(uses, str):
        _action(builder, step, uses, origin)
    run = step.get("run")
    if isinstance(run, str):
        step_dir = step.get("working-directory")
        directory = render(step_dir) if step_dir is not None else cwd
        builder.script(run, step.origin_of("run", origin), directory)


def _action(builder: JobBuilder, step: YMap, uses: str, origin: Origin) -> None:
    name = uses.split("@", 1)[0].strip().lower()
    inputs = step.get("with")
    inputs = inputs if isinstance(inputs, YMap) else YMap()
    inputs_origin = step.origin_of("with", origin)
    where = step.origin_of("uses", origin)
    if name == CONFIGURE_CREDENTIALS:
        key = inputs.get("aws-access-key-id")
        if key is not None:
            key_origin = inputs.origin_of("aws-access-key-id", inputs_origin)
            builder.key(key_origin, "aws-access-key-id", render(key), "step")
        region = render(inputs.get("aws-region"))
        if region and "$" not in region:
            builder.region = region
    elif name == SERVERLESS_ACTION and "deploy" in render(inputs.get("args")).split():
        builder.deploy(DeployCommand(where, uses, "serverless"))
    elif name == CLOUDFORMATION_ACTION:
        builder.deploy(DeployCommand(where, uses, "cloudformation", "role-arn" in inputs))
    elif name in CDK_ACTIONS and render(inputs.get("cdk_subcommand")) == "deploy":
        builder.deploy(DeployCommand(where, uses, "cdk"))
    elif name.startswith("aws-actions/") and "deploy" in name:
        builder.deploy(DeployCommand(where, uses, "action"))
