"""Tests for slsguard.iam.escalation: the privilege-escalation catalogue and matcher."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping

import pytest

from slsguard.iam.actions import lookup
from slsguard.iam.escalation import PATHS, EscalationPath, find_paths

_BY_ID = {path.id: path for path in PATHS}


def _grants(actions: Iterable[str]) -> Callable[[str, Mapping[str, str]], bool]:
    granted = {action.lower() for action in actions}
    return lambda action, context: action.lower() in granted


def _nothing(action: str, context: Mapping[str, str]) -> bool:
    return False


def _ids(paths: tuple[EscalationPath, ...]) -> set[str]:
    return {path.id for path in paths}


def _find(allowed: Iterable[str] = (), on_star: Iterable[str] = ()) -> set[str]:
    return _ids(find_paths(_grants(allowed), _grants(on_star)))


def test_catalogue_is_well_formed() -> None:
    assert len(_BY_ID) == len(PATHS), "ids must be unique"
    for path in PATHS:
        assert path.id and path.id == path.id.lower() and " " not in path.id
        assert path.title and path.description.endswith(".")
        assert path.actions and len(set(path.actions)) == len(path.actions)
        for action in path.actions:
            info = lookup(action)
            assert info is not None, f"{path.id}: unknown action {action}"
            assert info.full_name == action, f"{path.id}: use canonical case for {action}"


def test_required_paths_present() -> None:
    expected = {
        "passrole-lambda-create": (
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ),
        "passrole-lambda-create-event-source": (
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ),
        "passrole-lambda-create-add-permission": (
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:AddPermission",
        ),
        "passrole-lambda-update-configuration": (
            "iam:PassRole",
            "lambda:UpdateFunctionConfiguration",
        ),
        "iam-create-policy-version": ("iam:CreatePolicyVersion",),
        "iam-set-default-policy-version": ("iam:SetDefaultPolicyVersion",),
        "iam-attach-user-policy": ("iam:AttachUserPolicy",),
        "iam-attach-role-policy": ("iam:AttachRolePolicy",),
        "iam-attach-group-policy": ("iam:AttachGroupPolicy",),
        "iam-put-user-policy": ("iam:PutUserPolicy",),
        "iam-put-role-policy": ("iam:PutRolePolicy",),
        "iam-put-group-policy": ("iam:PutGroupPolicy",),
        "iam-create-access-key": ("iam:CreateAccessKey",),
        "iam-create-login-profile": ("iam:CreateLoginProfile",),
        "iam-update-login-profile": ("iam:UpdateLoginProfile",),
        "iam-update-assume-role-policy": ("iam:UpdateAssumeRolePolicy", "sts:AssumeRole"),
        "iam-add-user-to-group": ("iam:AddUserToGroup",),
        "passrole-ec2-run-instances": ("iam:PassRole", "ec2:RunInstances"),
        "passrole-cloudformation-create-stack": ("iam:PassRole", "cloudformation:CreateStack"),
        "passrole-glue-create-dev-endpoint": ("iam:PassRole", "glue:CreateDevEndpoint"),
        "lambda-update-function-code-any": ("lambda:UpdateFunctionCode",),
        "sts-assume-role-any": ("sts:AssumeRole",),
        "ssm-send-command-any": ("ssm:SendCommand",),
    }
    for path_id, actions in expected.items():
        assert path_id in _BY_ID, path_id
        assert _BY_ID[path_id].actions == actions, path_id


def test_resource_star_only_flags() -> None:
    star_only = {path.id for path in PATHS if path.resource_star_only}
    assert star_only == {
        "lambda-update-function-code-any",
        "sts-assume-role-any",
        "ssm-send-command-any",
    }


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.id)
def test_path_found_with_all_actions(path: EscalationPath) -> None:
    # Everything allowed on "*": found, whatever the flag.
    assert path.id in _find(on_star=path.actions)
    # Allowed only on specific resources: found unless the path needs "*".
    assert (path.id in _find(allowed=path.actions)) is not path.resource_star_only


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.id)
def test_path_not_found_when_one_action_missing(path: EscalationPath) -> None:
    for missing in path.actions:
        rest = [action for action in path.actions if action != missing]
        assert path.id not in _find(allowed=rest, on_star=rest), (path.id, missing)
        if path.resource_star_only:
            # Allowed, but the missing one only on specific resources: still not found.
            assert path.id not in _find(allowed=path.actions, on_star=rest), (path.id, missing)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.id)
def test_path_found_exactly(path: EscalationPath) -> None:
    """With exactly a path's actions on "*", only that path and its sub-paths are found."""
    granted = set(path.actions)
    expected = {other.id for other in PATHS if set(other.actions) <= granted}
    assert _find(on_star=path.actions) == expected
    assert path.id in expected


def test_callables_receive_canonical_names() -> None:
    seen: list[str] = []

    def record(action: str, context: Mapping[str, str]) -> bool:
        seen.append(action)
        return False

    assert find_paths(record, record) == ()
    assert seen
    assert all(lookup(action) is not None for action in seen)


def test_nothing_allowed() -> None:
    assert find_paths(_nothing, _nothing) == ()


def test_everything_allowed_finds_all_in_order() -> None:
    def everything(action: str, context: Mapping[str, str]) -> bool:
        return True

    assert find_paths(everything, everything) == PATHS
    # Allowed, but nowhere on "*": every path except the star-only ones.
    assert find_paths(everything, _nothing) == tuple(
        path for path in PATHS if not path.resource_star_only
    )


def test_star_implies_allowed() -> None:
    assert "iam-update-assume-role-policy" in _find(
        allowed=["iam:UpdateAssumeRolePolicy"], on_star=["sts:AssumeRole"]
    )


def test_typical_serverless_role_has_no_path() -> None:
    role = [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "s3:GetObject",
        "sts:AssumeRole",  # scoped to one role
        "lambda:UpdateFunctionCode",  # scoped to its own function
        "iam:PassRole",  # scoped, but nothing to pass it to
    ]
    assert _find(allowed=role) == set()


def test_passrole_lambda_variants() -> None:
    base = ["iam:PassRole", "lambda:CreateFunction"]
    assert _find(allowed=base) == set()
    assert _find(allowed=[*base, "lambda:InvokeFunction"]) == {"passrole-lambda-create"}
    assert _find(allowed=[*base, "lambda:CreateEventSourceMapping"]) == {
        "passrole-lambda-create-event-source"
    }
    assert _find(allowed=[*base, "lambda:AddPermission"]) == {
        "passrole-lambda-create-add-permission"
    }
    assert _find(allowed=["iam:PassRole", "lambda:UpdateFunctionConfiguration"]) == {
        "passrole-lambda-update-configuration"
    }


def test_escalation_path_is_frozen() -> None:
    path = PATHS[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        path.id = "other"  # type: ignore[misc]
    assert not hasattr(path, "__dict__")


def test_passrole_paths_ask_with_the_service_the_role_is_passed_to() -> None:
    def only_to_states(action: str, context: Mapping[str, str]) -> bool:
        if action == "iam:PassRole":
            return context.get("iam:PassedToService") == "states.amazonaws.com"
        return True

    found = {path.id for path in find_paths(only_to_states, _nothing)}
    assert not any(identifier.startswith("passrole-") for identifier in found)

    def only_to_lambda(action: str, context: Mapping[str, str]) -> bool:
        if action == "iam:PassRole":
            return context.get("iam:PassedToService") == "lambda.amazonaws.com"
        return True

    found = {path.id for path in find_paths(only_to_lambda, _nothing)}
    assert "passrole-lambda-create" in found
    assert "passrole-ec2-run-instances" not in found
