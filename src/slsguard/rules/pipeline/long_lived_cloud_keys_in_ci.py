"""long-lived-cloud-keys-in-ci (SLS801): a CI job deploys with stored AWS access keys.

## What it does
Reports a CI job that deploys to AWS (`serverless deploy`, `sls deploy`, `sam deploy`,
`cdk deploy`, `aws cloudformation deploy`, `terraform apply`, `pulumi up`,
`aws lambda update-function-code`, an `npm run deploy` script, a deploy action or pipe)
with a long-lived AWS access key instead of short-lived OIDC credentials. It points at the
line that hands the key over:

- GitHub Actions: `AWS_ACCESS_KEY_ID: ${{ secrets.X }}` in a workflow, job or step `env`, the
  `aws-access-key-id` input of `aws-actions/configure-aws-credentials` (even together with
  `role-to-assume`: the chain still starts from a stored key), a `run` script that exports it;
- GitLab CI: `AWS_ACCESS_KEY_ID: $X` in global or job `variables` (through `extends` too), a
  script that exports it;
- Bitbucket Pipelines: `AWS_ACCESS_KEY_ID: $X` in a pipe's `variables`, a script that exports it;
- anywhere: `serverless config credentials --key`, `aws configure set aws_access_key_id`,
  or a literal `AKIA...` key (high severity: the key itself is committed).

Not reported: jobs that use OIDC (`role-to-assume` with `id-token: write`, GitLab `id_tokens`,
Bitbucket `oidc: true` with `AWS_OIDC_ROLE_ARN`); keys computed at run time (step outputs,
`$(aws sts assume-role ...)`, scripts that set a session token); and jobs with keys that do not
deploy (tests, linting): this rule is about the credentials a deployment runs with. Keys kept
only in the CI system's settings, with no line in the file, are invisible to a file scan.

## Why is this bad?
A deploy key can create roles, functions and stacks. An access key stays valid until someone
rotates it, and CI secrets leak: through a compromised action or dependency, a malicious pull
request, a debug log. OIDC gives each run credentials that expire within the hour, scoped by a
trust policy to this repository and branch, with nothing stored to steal.

## Example
```yaml
# file: .github/workflows/deploy.yml
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    env:
      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}
      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
    steps:
      - uses: actions/checkout@v4
      - run: npx serverless deploy --stage prod
```

## Fix
Trust the CI system's OIDC provider in IAM (a role whose trust policy names this repository
and branch), assume that role in the job, then delete the stored keys and the IAM user's key.
```yaml
# file: .github/workflows/deploy.yml
on: push
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::123456789012:role/github-deploy
          aws-region: us-east-1
      - run: npx serverless deploy --stage prod
```

## References
- https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
- https://docs.gitlab.com/ee/ci/cloud_services/aws/
- https://support.atlassian.com/bitbucket-cloud/docs/deploy-on-aws-using-bitbucket-pipelines-openid-connect/
- https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles
- https://cwe.mitre.org/data/definitions/798.html
"""

from collections.abc import Iterator

from slsguard.delivery import CiJob, Pipeline, StoredKey
from slsguard.findings import Severity, Violation
from slsguard.fixes import FreeText
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule
from slsguard.secrets.detect import is_aws_documentation_key, mask

ROLE = "arn:aws:iam::<account-id>:role/<deploy-role>"
_SCOPES = {
    "workflow": "set for every job",
    "job": "set for the job",
    "step": "set in a step or script",
}


@rule(
    "SLS801",
    "long-lived-cloud-keys-in-ci",
    Severity.MEDIUM,
    "A CI workflow (GitHub Actions, GitLab CI, Bitbucket Pipelines) deploys with stored AWS "
    "access keys instead of short-lived credentials (OIDC `role-to-assume`, `id_tokens`)",
    practice="P7",
    mappings={"owasp-serverless": "S6", "cwe": "CWE-798", "pci-dss-4.0": "8.6.3"},
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Each place a deploying job is handed a long-lived key, once, with the jobs it reaches."""
    pipeline = app.pipeline
    if pipeline is None:
        return
    # By position: a YAML alias repeats one line under several key paths.
    reached: dict[tuple[str, int, int], tuple[StoredKey, list[CiJob]]] = {}
    for job in pipeline.jobs:
        if not job.deploys:
            continue
        for key in job.keys:
            if key.literal and is_aws_documentation_key(key.value):
                continue  # AKIAIOSFODNN7EXAMPLE: a placeholder from AWS's documentation
            where = (key.origin.file, key.origin.line, key.origin.column)
            jobs = reached.setdefault(where, (key, []))[1]
            if job not in jobs:
                jobs.append(job)
    for key, jobs in reached.values():
        yield Violation(
            key.origin,
            _message(key, jobs),
            # The workflow file's own syntax, as advice: the role to assume must exist (and
            # trust the CI system's OIDC provider) before the keys go, so nothing is applied.
            intents=(FreeText(_fix(pipeline, key, jobs[0])),),
            severity=Severity.HIGH if key.literal else None,
            subject=key.setting,
        )


def _message(key: StoredKey, jobs: list[CiJob]) -> str:
    names = ", ".join(f"`{job.name}`" for job in jobs[:4])
    names += " and others" if len(jobs) > 4 else ""
    deploy = jobs[0].deploys[0]
    shown = mask(key.value) if key.literal else key.value
    where = "a literal access key committed in the file" if key.literal else "a stored access key"
    return (
        f"{'jobs' if len(jobs) > 1 else 'job'} {names} deploy{'' if len(jobs) > 1 else 's'} "
        f"(`{_short(deploy.text)}`, line {deploy.origin.line}) with {where}: "
        f"`{key.setting}` = `{shown}` ({_SCOPES[key.scope]}); it stays valid until rotated, "
        "wherever it leaks, instead of expiring with the run (OIDC)"
    )


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _fix(pipeline: Pipeline, key: StoredKey, job: CiJob) -> str:
    if pipeline.system == "github-actions":
        return _github_fix(key, job)
    if pipeline.system == "gitlab-ci":
        return _gitlab_fix(job)
    return _bitbucket_fix(job)


def _github_fix(key: StoredKey, job: CiJob) -> str:
    region = job.region or "<region>"
    lines = ["assume a role through GitHub's OIDC provider instead of the stored key:"]
    if job.oidc:
        lines.append("(the job already has `id-token: write`)")
    else:
        lines += ["permissions:", "  id-token: write", "  contents: read"]
    if key.setting == "aws-access-key-id":
        lines += [
            "and in this step replace `aws-access-key-id` / `aws-secret-access-key` with:",
            f"  role-to-assume: {ROLE}",
            f"  aws-region: {region}",
        ]
    else:
        lines += [
            "steps:",
            "  - uses: aws-actions/configure-aws-credentials@v4",
            "    with:",
            f"      role-to-assume: {ROLE}",
            f"      aws-region: {region}",
            f"then remove `{key.setting}` and the secret key, and delete the repository secrets",
        ]
    lines.append("and deactivate the IAM user's access key")
    return "\n".join(lines)


def _gitlab_fix(job: CiJob) -> str:
    token = "/tmp/aws-web-identity-token"
    return "\n".join(
        [
            "assume a role with a GitLab ID token (the AWS CLI and SDKs read these variables):",
            f"{job.name}:",
            "  id_tokens:",
            "    AWS_ID_TOKEN:",
            "      aud: https://gitlab.com",
            "  variables:",
            f"    AWS_ROLE_ARN: {ROLE}",
            f"    AWS_WEB_IDENTITY_TOKEN_FILE: {token}",
            "  before_script:",
            '    - echo "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"',
            "then remove AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY here and from the CI/CD "
            "variables, and deactivate the IAM user's access key",
        ]
    )


def _bitbucket_fix(job: CiJob) -> str:
    pipes = [deploy.text for deploy in job.deploys if deploy.tool == "pipe"]
    lines = ["assume a role with the step's OIDC token instead of the stored key:", "- step:"]
    lines += ["    oidc: true", "    script:"]
    if pipes:
        lines += [
            f"      - pipe: {pipes[0]}",
            "        variables:",
            f"          AWS_OIDC_ROLE_ARN: {ROLE}",
        ]
    else:
        lines += [
            f"      - export AWS_ROLE_ARN={ROLE}",
            "      - export AWS_WEB_IDENTITY_TOKEN_FILE=$(pwd)/web-identity-token",
            "      - echo $BITBUCKET_STEP_OIDC_TOKEN > $(pwd)/web-identity-token",
        ]
    lines.append(
        "then remove AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the step and the repository "
        "variables, and deactivate the IAM user's access key"
    )
    return "\n".join(lines)
