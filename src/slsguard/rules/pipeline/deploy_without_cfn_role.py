"""deploy-without-cfn-role (SLS803): CloudFormation deploys with the deployer's own credentials.

## What it does
Reports a deployment that does not give CloudFormation a dedicated service role, so that every
resource (functions, their IAM roles, tables, queues) is created with the credentials of
whoever runs the deploy:

- a Serverless config without `provider.iam.deploymentRole` (Framework v3 and later) or
  `provider.cfnRole` (v1/v2), reported once at `provider:`;
- in a CI file, `sam deploy` without `--role-arn` when no samconfig file it reads
  (`samconfig.toml`/`.yaml` in the job's folder or the template's, or `--config-file`) sets
  `role_arn`, and `aws cloudformation deploy|create-stack|update-stack|create-change-set`
  or the `aws-actions/aws-cloudformation-github-deploy` action without a role, at that line.

Not reported: `cdk deploy` (the bootstrap stack's CloudFormation execution role is used by
default), Terraform, a samconfig file slsguard cannot read or a folder chosen at run time
(it may set the role), SAM and CloudFormation templates themselves (the role is a deploy
parameter, not a template property).

## Why is this bad?
Without a service role, the deployer (a developer, a CI role) needs every permission the stack
needs: `iam:CreateRole`, `iam:PutRolePolicy`, `lambda:*` and more, so anyone who obtains its
credentials can create an admin role. With a service role the deployer only needs
CloudFormation permissions and `iam:PassRole` on that one role, and what a stack can create
is limited by the role's policy.

## Example
```yaml
service: orders
frameworkVersion: "3"
provider:
  name: aws
  runtime: python3.12
functions:
  create:
    handler: handler.create
```

## Fix
Create a role that trusts `cloudformation.amazonaws.com` with the permissions this stack needs,
and name it (`cfnRole:` under `provider` in Framework v1/v2; `--role-arn` for `sam deploy` and
`aws cloudformation deploy`, or `role_arn` in samconfig.toml).
```yaml
service: orders
frameworkVersion: "3"
provider:
  name: aws
  runtime: python3.12
  iam:
    deploymentRole: arn:aws:iam::123456789012:role/orders-cfn-execution
functions:
  create:
    handler: handler.create
```

## References
- https://www.serverless.com/framework/docs/providers/aws/guide/iam#custom-iam-roles-for-deployment
- https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-servicerole.html
- https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-cli-command-reference-sam-deploy.html
- https://cwe.mitre.org/data/definitions/250.html
"""

from collections.abc import Iterator
from dataclasses import replace

from slsguard.analysis.service import framework_major, service_level_origin
from slsguard.analysis.targets import service_target
from slsguard.delivery import DeployCommand, Pipeline
from slsguard.findings import Origin, Severity, Violation
from slsguard.fixes import FreeText, Placeholder, SetSetting, unsafe
from slsguard.located import YMap
from slsguard.model import Application, render
from slsguard.rules import NO_TEMPLATES, Context, rule

ROLE = "arn:aws:iam::<account-id>:role/<cfn-execution-role>"


@rule(
    "SLS803",
    "deploy-without-cfn-role",
    Severity.INFO,
    "The deployment uses the caller's credentials for every resource instead of a dedicated "
    "CloudFormation service role (sls `provider.iam.deploymentRole`, `cfnRole`)",
    practice="P7",
    mappings={"owasp-serverless": "S6", "cwe": "CWE-250", "pci-dss-4.0": "7.2.5"},
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """A Serverless config without a deployment role; CI deploys of stacks without one."""
    yield from _serverless(app)
    if app.pipeline is not None:
        yield from _pipeline(app.pipeline)


def _serverless(app: Application) -> Iterator[Violation]:
    config = app.template
    if not isinstance(config, YMap) or "service" not in config:
        return  # Only a Serverless service has a `service:` with a `provider:`.
    if not isinstance(config.get("provider"), YMap):
        return
    provider: YMap = config["provider"]
    if render(provider.get("name")).strip().lower() not in ("aws", ""):
        return
    iam = provider.get("iam")
    if "cfnRole" in provider or (isinstance(iam, YMap) and "deploymentRole" in iam):
        return
    major = framework_major(config.get("frameworkVersion"))
    legacy = major is not None and major < 3
    setting = "provider.cfnRole" if legacy else "provider.iam.deploymentRole"
    count = len(app.functions)
    origin = service_level_origin(app) or app.origin
    service = service_target(app, origin, tuple(fn.name for fn in app.functions))
    # Framework v1/v2 name the same role `provider.cfnRole`.
    target = replace(service, variant="v2") if legacy else service
    yield Violation(
        origin,
        f"`serverless deploy` of {app.name} has CloudFormation create its {count} "
        f"function{'' if count == 1 else 's'}, their roles and resources with the deployer's "
        f"own credentials (no `{setting}`): whoever deploys needs IAM and service permissions "
        "broad enough to create an admin role",
        intents=(
            SetSetting(
                target,
                "deployment-role",
                Placeholder("ARN of a CloudFormation execution role"),
                unsafe("the role must exist, trust CloudFormation and allow what the stack needs"),
                note=_ROLE_NOTE,
            ),
        ),
    )


_ROLE_NOTE = (
    "a role trusting cloudformation.amazonaws.com with what this stack needs; the deployer "
    "then only needs CloudFormation and iam:PassRole on it"
)


def _pipeline(pipeline: Pipeline) -> Iterator[Violation]:
    seen: set[Origin] = set()
    for job in pipeline.jobs:
        for deploy in job.deploys:
            if deploy.tool not in ("sam", "cloudformation") or deploy.role_arn is not False:
                continue
            if deploy.origin in seen:
                continue
            seen.add(deploy.origin)
            yield Violation(
                deploy.origin,
                f"job `{job.name}` deploys a stack with `{_short(deploy.text)}` and no "
                "CloudFormation service role: every resource is created with the job's own "
                "AWS credentials, which must then be broad enough to create IAM roles",
                intents=(FreeText(_pipeline_fix(deploy)),),
                subject=deploy.text,
            )


def _pipeline_fix(deploy: DeployCommand) -> str:
    if deploy.tool == "sam":
        return (
            f"{deploy.text} --role-arn {ROLE}\n"
            f'or in samconfig.toml, under [default.deploy.parameters]: role_arn = "{ROLE}"'
        )
    if "/" in deploy.text and " " not in deploy.text:  # the GitHub action
        return f"add to the action's inputs:\n  with:\n    role-arn: {ROLE}"
    return f"{deploy.text} --role-arn {ROLE}"


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
