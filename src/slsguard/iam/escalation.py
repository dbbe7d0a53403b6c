"""Known IAM privilege-escalation paths and a matcher over a role's effective permissions.

The catalogue follows the paths documented by Rhino Security Labs ("AWS IAM Privilege
Escalation – Methods and Mitigation") and pathfinding.cloud: sets of actions that,
granted together, let a principal obtain more privileges than it was given. Each path
is only a hint that a role *may* escalate: whether it really can also depends on which
resources and roles the grants cover, which the `resource_star_only` flag approximates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = ["PATHS", "EscalationPath", "find_paths"]


@dataclass(frozen=True, slots=True)
class EscalationPath:
    """One privilege-escalation path.

    `actions` are canonical action names (``"iam:PassRole"``) that are all needed
    together. When `resource_star_only` is true the path only counts if every one of
    them is allowed on ``Resource: "*"``: scoped to specific resources, the same
    actions are routine (e.g. a deploy role updating its own function's code).
    """

    id: str
    title: str
    actions: tuple[str, ...]
    description: str
    resource_star_only: bool = False
    passed_to: str = ""
    """The service principal the path passes a role to (`iam:PassedToService`)."""

    def context(self, action: str) -> dict[str, str]:
        """The request context known for `action` on this path (the service PassRole feeds)."""
        if self.passed_to and action.lower() == "iam:passrole":
            return {"iam:PassedToService": self.passed_to}
        return {}


PATHS: tuple[EscalationPath, ...] = (
    # ---- editing policies attached to principals ------------------------------------
    EscalationPath(
        id="iam-create-policy-version",
        title="Create a new version of a managed policy",
        actions=("iam:CreatePolicyVersion",),
        description=(
            "The attacker publishes a new default version of a customer-managed policy "
            "attached to them that grants Action '*' on Resource '*'."
        ),
    ),
    EscalationPath(
        id="iam-set-default-policy-version",
        title="Switch a managed policy to a more permissive version",
        actions=("iam:SetDefaultPolicyVersion",),
        description=(
            "The attacker makes an older, more permissive non-default version of a policy "
            "attached to them the default one."
        ),
    ),
    EscalationPath(
        id="iam-attach-user-policy",
        title="Attach a managed policy to a user",
        actions=("iam:AttachUserPolicy",),
        description=(
            "The attacker attaches a powerful managed policy such as AdministratorAccess "
            "to a user they control."
        ),
    ),
    EscalationPath(
        id="iam-attach-group-policy",
        title="Attach a managed policy to a group",
        actions=("iam:AttachGroupPolicy",),
        description=(
            "The attacker attaches a powerful managed policy such as AdministratorAccess "
            "to a group their user belongs to."
        ),
    ),
    EscalationPath(
        id="iam-attach-role-policy",
        title="Attach a managed policy to a role",
        actions=("iam:AttachRolePolicy",),
        description=(
            "The attacker attaches a powerful managed policy such as AdministratorAccess "
            "to the role they run as (or another role they can use)."
        ),
    ),
    EscalationPath(
        id="iam-put-user-policy",
        title="Write an inline policy on a user",
        actions=("iam:PutUserPolicy",),
        description=(
            "The attacker adds an inline policy granting Action '*' on Resource '*' to a "
            "user they control."
        ),
    ),
    EscalationPath(
        id="iam-put-group-policy",
        title="Write an inline policy on a group",
        actions=("iam:PutGroupPolicy",),
        description=(
            "The attacker adds an inline policy granting Action '*' on Resource '*' to a "
            "group their user belongs to."
        ),
    ),
    EscalationPath(
        id="iam-put-role-policy",
        title="Write an inline policy on a role",
        actions=("iam:PutRolePolicy",),
        description=(
            "The attacker adds an inline policy granting Action '*' on Resource '*' to the "
            "role they run as (or another role they can use)."
        ),
    ),
    EscalationPath(
        id="iam-add-user-to-group",
        title="Add a user to a group",
        actions=("iam:AddUserToGroup",),
        description=(
            "The attacker adds a user they control to a more privileged group, such as "
            "an administrators group."
        ),
    ),
    # ---- taking over other principals -------------------------------------------------
    EscalationPath(
        id="iam-create-access-key",
        title="Create access keys for another user",
        actions=("iam:CreateAccessKey",),
        description=(
            "The attacker creates a new access key for a more privileged user and acts as "
            "that user."
        ),
    ),
    EscalationPath(
        id="iam-create-login-profile",
        title="Create a console password for another user",
        actions=("iam:CreateLoginProfile",),
        description=(
            "The attacker sets a console password on a privileged user that has none and "
            "signs in as that user."
        ),
    ),
    EscalationPath(
        id="iam-update-login-profile",
        title="Change another user's console password",
        actions=("iam:UpdateLoginProfile",),
        description=(
            "The attacker resets the console password of a more privileged user and signs "
            "in as that user."
        ),
    ),
    EscalationPath(
        id="iam-update-assume-role-policy",
        title="Rewrite a role's trust policy and assume it",
        actions=("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
        description=(
            "The attacker edits a privileged role's trust policy to trust themselves and "
            "then assumes that role."
        ),
    ),
    EscalationPath(
        id="sts-assume-role-any",
        title="Assume any role",
        actions=("sts:AssumeRole",),
        description=(
            "The attacker assumes any role in the account (or beyond) whose trust policy "
            "admits them, including more privileged ones."
        ),
        resource_star_only=True,
    ),
    # ---- passing a privileged role to a service ---------------------------------------
    EscalationPath(
        id="passrole-lambda-create",
        title="Create and invoke a Lambda function with a privileged role",
        actions=("iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"),
        description=(
            "The attacker creates a function running their code under a more privileged "
            "role and invokes it to act with that role's permissions."
        ),
        passed_to="lambda.amazonaws.com",
    ),
    EscalationPath(
        id="passrole-lambda-create-event-source",
        title="Create a Lambda function with a privileged role and trigger it from a stream",
        actions=("iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        description=(
            "The attacker creates a function under a more privileged role and wires it to "
            "a queue or stream so that new records run their code with that role."
        ),
        passed_to="lambda.amazonaws.com",
    ),
    EscalationPath(
        id="passrole-lambda-create-add-permission",
        title="Create a Lambda function with a privileged role and open it to invocation",
        actions=("iam:PassRole", "lambda:CreateFunction", "lambda:AddPermission"),
        description=(
            "The attacker creates a function under a more privileged role and adds a "
            "resource policy letting them (or a service) invoke it."
        ),
        passed_to="lambda.amazonaws.com",
    ),
    EscalationPath(
        id="passrole-lambda-update-configuration",
        title="Give an existing Lambda function a privileged role",
        actions=("iam:PassRole", "lambda:UpdateFunctionConfiguration"),
        description=(
            "The attacker switches an existing function to a more privileged role (or "
            "adds a malicious layer) so its next invocation runs with that role."
        ),
        passed_to="lambda.amazonaws.com",
    ),
    EscalationPath(
        id="lambda-update-function-code-any",
        title="Replace the code of any Lambda function",
        actions=("lambda:UpdateFunctionCode",),
        description=(
            "The attacker overwrites the code of a function that has a more privileged "
            "role and waits for it to run, acting with that role."
        ),
        resource_star_only=True,
    ),
    EscalationPath(
        id="passrole-ec2-run-instances",
        title="Launch an EC2 instance with a privileged instance profile",
        actions=("iam:PassRole", "ec2:RunInstances"),
        description=(
            "The attacker launches an instance with a privileged instance profile and "
            "takes its role credentials from the instance metadata service."
        ),
        passed_to="ec2.amazonaws.com",
    ),
    EscalationPath(
        id="passrole-cloudformation-create-stack",
        title="Create a CloudFormation stack with a privileged service role",
        actions=("iam:PassRole", "cloudformation:CreateStack"),
        description=(
            "The attacker deploys a stack with a privileged service role so CloudFormation "
            "creates resources (e.g. an admin user) on their behalf."
        ),
        passed_to="cloudformation.amazonaws.com",
    ),
    EscalationPath(
        id="passrole-glue-create-dev-endpoint",
        title="Create a Glue development endpoint with a privileged role",
        actions=("iam:PassRole", "glue:CreateDevEndpoint"),
        description=(
            "The attacker creates a Glue dev endpoint with a privileged role, connects to "
            "it over SSH and uses that role's credentials."
        ),
        passed_to="glue.amazonaws.com",
    ),
    EscalationPath(
        id="glue-update-dev-endpoint",
        title="Take over an existing Glue development endpoint",
        actions=("glue:UpdateDevEndpoint",),
        description=(
            "The attacker adds their SSH key to an existing dev endpoint and uses the "
            "credentials of the role attached to it."
        ),
    ),
    EscalationPath(
        id="passrole-datapipeline",
        title="Run a Data Pipeline with a privileged role",
        actions=(
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
            "datapipeline:ActivatePipeline",
        ),
        description=(
            "The attacker creates and activates a pipeline that runs their shell commands "
            "under a more privileged role."
        ),
        passed_to="datapipeline.amazonaws.com",
    ),
    EscalationPath(
        id="passrole-codebuild",
        title="Run a CodeBuild project with a privileged role",
        actions=("iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"),
        description=(
            "The attacker creates a build project with a privileged service role whose "
            "buildspec runs their commands with that role's credentials."
        ),
        passed_to="codebuild.amazonaws.com",
    ),
    EscalationPath(
        id="passrole-sagemaker-notebook",
        title="Create a SageMaker notebook with a privileged role",
        actions=(
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ),
        description=(
            "The attacker creates a notebook instance with a privileged role, opens it via "
            "a presigned URL and uses that role from its terminal."
        ),
        passed_to="sagemaker.amazonaws.com",
    ),
    EscalationPath(
        id="ssm-send-command-any",
        title="Run commands on any managed instance",
        actions=("ssm:SendCommand",),
        description=(
            "The attacker runs shell commands on managed EC2 instances and steals the "
            "credentials of their (possibly more privileged) instance roles."
        ),
        resource_star_only=True,
    ),
)
"""Every known path, in a stable order (the order `find_paths` reports them in)."""


def find_paths(
    allowed: Callable[[str, Mapping[str, str]], bool],
    allowed_on_star: Callable[[str, Mapping[str, str]], bool],
) -> tuple[EscalationPath, ...]:
    """The paths in `PATHS` that a principal with the given permissions can take.

    `allowed(action, context)` tells whether the principal may perform a concrete action
    (``"service:Action"``) on some resource, given the request context the path implies
    (`EscalationPath.context`: the service a role is passed to); `allowed_on_star` whether
    it may on every resource. Being allowed on ``"*"`` implies being allowed. A path is
    found when every action in it is allowed, or, for `resource_star_only` paths, allowed
    on ``"*"``. Results keep the order of `PATHS`.
    """
    star_cache: dict[tuple[str, str], bool] = {}
    any_cache: dict[tuple[str, str], bool] = {}

    def on_star(action: str, context: Mapping[str, str]) -> bool:
        key = (action, str(sorted(context.items())))
        if key not in star_cache:
            star_cache[key] = bool(allowed_on_star(action, context))
        return star_cache[key]

    def anywhere(action: str, context: Mapping[str, str]) -> bool:
        key = (action, str(sorted(context.items())))
        if key not in any_cache:
            any_cache[key] = bool(allowed(action, context)) or on_star(action, context)
        return any_cache[key]

    def takes(path: EscalationPath) -> bool:
        check = on_star if path.resource_star_only else anywhere
        return all(check(action, path.context(action)) for action in path.actions)

    return tuple(path for path in PATHS if takes(path))
