"""weak-user-pool (SLS214): a Cognito user pool with weak passwords or MFA off, used by the APIs.

## What it does
For each Cognito user pool the project defines and uses (an API authorizer, a function's
environment or anything else outside the pool's own Cognito resources refers to it),
reports an explicit `PasswordPolicy` whose `MinimumLength` is below 8 or that requires
neither letters nor numbers (Terraform `password_policy`), and `MfaConfiguration: OFF`
(Terraform `mfa_configuration = "OFF"`), once per pool. A pool without a password policy
has Cognito's defaults (8 characters, all character classes) and is not reported.

## Why is this bad?
The pool is what authenticates callers of the APIs. Short or single-class passwords fall
to guessing and credential stuffing, and without a second factor a leaked password is all
an attacker needs.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Users:
    Type: AWS::Cognito::UserPool
    Properties:
      Policies:
        PasswordPolicy:
          MinimumLength: 6
  Authorizer:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: users
      RestApiId: abc123
      Type: COGNITO_USER_POOLS
      IdentitySource: method.request.header.Authorization
      ProviderARNs: [!GetAtt Users.Arn]
```

## Fix
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Users:
    Type: AWS::Cognito::UserPool
    Properties:
      MfaConfiguration: OPTIONAL
      EnabledMfas: [SOFTWARE_TOKEN_MFA]
      Policies:
        PasswordPolicy:
          MinimumLength: 12
          RequireLowercase: true
          RequireNumbers: true
  Authorizer:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: users
      RestApiId: abc123
      Type: COGNITO_USER_POOLS
      IdentitySource: method.request.header.Authorization
      ProviderARNs: [!GetAtt Users.Arn]
```

## References
- https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-policies.html
- https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-mfa.html
- https://pages.nist.gov/800-63-3/sp800-63b.html
"""

from collections.abc import Iterator
from typing import Any

from slsguard.analysis.resources import Resource, ResourceIndex
from slsguard.analysis.service import child_origin
from slsguard.analysis.store_users import references_in
from slsguard.analysis.targets import resource_target
from slsguard.findings import Severity, Violation
from slsguard.fixes import Intent, SetSetting, Target, unsafe
from slsguard.located import YMap
from slsguard.model import Application, render
from slsguard.rules import Context, rule
from slsguard.tf_address import resource_name

POOL = "AWS::Cognito::UserPool"


@rule(
    "SLS214",
    "weak-user-pool",
    Severity.LOW,
    "A Cognito user pool of the APIs with a weak password policy or MFA turned off",
    practice="P4",
    mappings={
        "owasp-serverless": "S2",
        "cwe": "CWE-521",
        "pci-dss-4.0": ("8.3.6", "8.4.2"),
        "hipaa": "164.312(d)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Weak password policies and MFA turned off on the pools the project uses."""
    pools = ResourceIndex.of(app).of_type(POOL)
    if not pools:
        return  # most apps have no pool: skip walking the whole template for references
    used = _referenced_outside_cognito(app.template)
    for pool in pools:
        if pool.logical_id not in used:
            continue
        name = resource_name(app, pool.logical_id)
        yield from _password_policy(pool, resource_target(app, pool.logical_id, pool.origin, name))
        if render(pool.properties.get("MfaConfiguration")).strip().upper() == "OFF":
            yield Violation(
                pool.origin_of("MfaConfiguration"),
                f"Cognito user pool {name} has MFA turned off (`MfaConfiguration: OFF`): a "
                "stolen or guessed password is enough to call the APIs it authorizes",
                intents=_mfa(resource_target(app, pool.logical_id, pool.origin, name)),
                subject=f"{pool.logical_id}:mfa",
            )


_SECOND_FACTOR = unsafe("users are asked to set up an authenticator app at their next sign-in")
_STRONGER = unsafe("new and changed passwords must then meet the stronger policy")
STRONG_POLICY = {
    "minimum-length": 12,
    "require-lowercase": True,
    "require-uppercase": True,
    "require-numbers": True,
}
"""12 characters (PCI DSS 8.3.6) and every character class, Cognito's default classes."""


def _stronger(length: object) -> dict[str, object]:
    """The strong policy, never shorter than the length already required."""
    written = length if isinstance(length, int) and not isinstance(length, bool) else 0
    return {**STRONG_POLICY, "minimum-length": max(written, 12)}


def _mfa(pool: Target) -> tuple[Intent, ...]:
    """Optional MFA with authenticator apps (ON is only possible when a pool is created)."""
    return (
        SetSetting(pool, "mfa", "OPTIONAL", _SECOND_FACTOR),
        SetSetting(pool, "mfa-methods", ["SOFTWARE_TOKEN_MFA"], _SECOND_FACTOR),
    )


def _password_policy(pool: Resource, target: Target) -> Iterator[Violation]:
    name = target.name
    policies = pool.properties.get("Policies")
    policy = policies.get("PasswordPolicy") if isinstance(policies, YMap) else None
    if not isinstance(policy, YMap):
        return  # Cognito's defaults: 8 characters, every character class.
    weaknesses = []
    length = policy.get("MinimumLength")
    if isinstance(length, int) and not isinstance(length, bool) and length < 8:
        weaknesses.append(f"accepts passwords of {length} characters")
    classes = ("RequireLowercase", "RequireUppercase", "RequireNumbers")
    if all(render(policy.get(key)).strip().lower() in ("", "false") for key in classes):
        weaknesses.append("requires neither letters nor numbers")
    if not weaknesses:
        return
    origin = child_origin(policies, "PasswordPolicy", pool.origin_of("Policies"))
    if len(weaknesses) == 1 and weaknesses[0].startswith("accepts"):
        origin = child_origin(policy, "MinimumLength", origin)  # the length alone is weak
    yield Violation(
        origin,
        f"the password policy of Cognito user pool {name} {' and '.join(weaknesses)}: "
        "passwords of the APIs' users fall to guessing and credential stuffing",
        intents=(
            SetSetting(
                target,
                "password-policy",
                _stronger(length),
                _STRONGER,
                note="or remove the policy to get Cognito's defaults (8 characters)",
            ),
        ),
        subject=f"{pool.logical_id}:password",
    )


def _referenced_outside_cognito(template: Any) -> set[str]:
    """Logical ids referred to by anything but Cognito resources and outputs."""
    found: set[str] = set()
    if not isinstance(template, dict):
        return found
    for key, value in template.items():
        if key in ("Outputs", "outputs"):
            continue
        if key in ("Resources", "resources"):
            resources = value.get("Resources", value) if isinstance(value, dict) else value
            if isinstance(resources, dict):
                for node in resources.values():
                    kind = render(node.get("Type")) if isinstance(node, dict) else ""
                    if not kind.startswith("AWS::Cognito::"):
                        found |= references_in(node)
            continue
        found |= references_in(value)
    return found
