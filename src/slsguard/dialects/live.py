"""The live dialect: an audited AWS account, where places are ARNs and fixes are CLI steps.

A deployed resource is changed through the template or the tool that deployed it; the steps
here say what to change in AWS terms, and `slsguard fix` never edits an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from slsguard import model
from slsguard.dialects.base import Edit, NotApplied
from slsguard.findings import Origin, format_path
from slsguard.fixes import FreeText, Intent, Placeholder, SetSetting

_LAMBDA_FLAGS = {
    "tracing": "--tracing-config Mode={}",
    "kms-key": "--kms-key-arn {}",
    "runtime": "--runtime {}",
    "timeout": "--timeout {}",
}


def _value(value: object) -> str:
    return f"<{value.text}>" if isinstance(value, Placeholder) else str(value)


@dataclass(frozen=True, slots=True)
class LiveDialect:
    """ARNs for places, AWS CLI steps for fixes."""

    name: model.Dialect = "live"

    def name_of(self, app: model.Application, origin: Origin) -> str:
        """The ARN (the origin's file for a live place) and the attribute path under it."""
        attribute = format_path(origin.path)
        return f"{origin.file} {attribute}".strip()

    def render(self, app: model.Application, intent: Intent) -> str:
        """An AWS CLI command when there is one, else the change in words."""
        if isinstance(intent, FreeText):
            return intent.text
        if isinstance(intent, SetSetting) and intent.target.kind == "function":
            flag = _LAMBDA_FLAGS.get(intent.setting)
            if flag is not None:
                name = intent.target.deployed_name or intent.target.name
                return (
                    f"aws lambda update-function-configuration --function-name {name} "
                    + flag.format(_value(intent.value))
                    + "\n(then make the same change where the function is defined, or the "
                    "next deploy reverts it)"
                )
        return f"{intent.title} (in the template or tool that deploys it)"

    def edit(self, app: model.Application, intent: Intent) -> Edit | NotApplied:
        """Never: an account is fixed through what deploys it."""
        return NotApplied("a deployed account is changed through what deploys it", intent.title)


DIALECT = LiveDialect()
