"""The delivery model: CI files (how an application is deployed) and dotenv files.

A CI file (a GitHub Actions workflow, `.gitlab-ci.yml`, `bitbucket-pipelines.yml`) is loaded
into a `Pipeline`: its jobs, what each deploys (`DeployCommand`) and where it is handed a
long-lived AWS access key (`StoredKey`). A `Pipeline` is carried by an `Application` of kind
`pipeline` (one per CI file), so the rules keep their `check(app, context)` shape and report
each CI file once. The `.env` files a Serverless config loads (`useDotenv: true`, the
serverless-dotenv-plugin) are `DotenvFile`s attached to that Serverless application.
The loaders compute every fact with its position; rules only judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from slsguard.findings import Origin

CiSystem = Literal["github-actions", "gitlab-ci", "bitbucket-pipelines"]
DeployTool = Literal[
    "serverless",
    "sam",
    "cdk",
    "cloudformation",
    "terraform",
    "pulumi",
    "aws-cli",
    "script",
    "action",
    "pipe",
]
"""`script`: an npm/yarn/make target named deploy; `action` / `pipe`: a GitHub action or a
Bitbucket pipe that deploys."""
KeyScope = Literal["workflow", "job", "step"]


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A place where a CI job is handed a long-lived AWS access key (never a temporary one)."""

    origin: Origin
    """The line that sets the access key ID (the secret key sits next to it)."""
    setting: str
    """What sets it, as written: `AWS_ACCESS_KEY_ID`, `aws-access-key-id`,
    `serverless config credentials --key`, `aws configure set aws_access_key_id`."""
    value: str
    """The value as written: `${{ secrets.AWS_KEY }}`, `$AWS_KEY`, or a literal key."""
    scope: KeyScope
    """Which jobs it reaches: every job of the file (`workflow`), one job, or one step."""

    @property
    def literal(self) -> bool:
        """True when the key itself is written in the CI file (not a stored-variable name)."""
        return "$" not in self.value


@dataclass(frozen=True, slots=True)
class DeployCommand:
    """A command, action or pipe of a job that deploys to AWS."""

    origin: Origin
    text: str
    """The command line (continuation lines joined), or the action / pipe reference."""
    tool: DeployTool
    role_arn: bool | None = None
    """For CloudFormation deploys (`sam deploy`, `aws cloudformation deploy`, the CloudFormation
    action): True when a CloudFormation service role is passed (`--role-arn`, `role_arn` in the
    samconfig file it reads) or cannot be ruled out, False when it is certainly missing; None
    for tools where it does not apply."""


@dataclass(frozen=True, slots=True)
class CiJob:
    """One job (GitLab), workflow job (GitHub) or step (Bitbucket) with what it deploys."""

    name: str
    origin: Origin
    deploys: tuple[DeployCommand, ...] = ()
    keys: tuple[StoredKey, ...] = ()
    oidc: bool = False
    """The job can obtain an OIDC token: `permissions: id-token: write`, `id_tokens`,
    `oidc: true`."""
    region: str | None = None
    """The AWS region the job names (`aws-region`, `AWS_REGION`), when it is a literal."""


@dataclass(frozen=True, slots=True)
class Pipeline:
    """One CI file and its jobs."""

    system: CiSystem
    file: str
    origin: Origin
    jobs: tuple[CiJob, ...] = ()


@dataclass(frozen=True, slots=True)
class DotenvEntry:
    """One `KEY=value` line of a dotenv file."""

    name: str
    value: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class DotenvFile:
    """A `.env` / `.env.<stage>` file next to a Serverless config that loads it."""

    file: str
    entries: tuple[DotenvEntry, ...]
    loaded_by: str
    """What makes the framework read it: `useDotenv: true` or `serverless-dotenv-plugin`."""
    git_ignored: bool = False
    """A `.gitignore` under the scan root ignores it: a local file, not committed."""
    example: bool = False
    """A template for developers (`.env.example`, `.env.sample`, ...), not loaded at deploy."""
