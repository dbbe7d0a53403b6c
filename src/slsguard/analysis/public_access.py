"""Who can reach a data store: public policy statements and S3's Block Public Access.

A resource-policy statement is *public* when it allows principal `*` (`"*"` or
`{"AWS": "*"}`) and no condition narrows who calls. The one IAM evaluator
(`slsguard.iam.evaluate`) decides it, for a request from a stranger (`stranger_contexts`);
what comes out follows S3's "meaning of public": a positive operator (`StringEquals`/
`StringLike`, `ArnEquals`/`ArnLike`, `IpAddress`, with or without `ForAnyValue:`) with
fixed values (no `*` or `?`) on a key that names the caller or its network
(`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`, a non-public `aws:SourceIp`
range, ...) narrows; `StringNotEquals`, `...IfExists` and wildcard values do not: they
leave someone unknown in. A Deny for everyone that takes the action away from all but a
named caller (`StringNotEquals aws:SourceAccount`) narrows the Allows it covers.

Block Public Access follows the platform: a bucket without a `PublicAccessBlockConfiguration`
has every setting on (the default since April 2023); a setting left out of a block that is
present is off, in CloudFormation and in Terraform alike. Object ownership defaults to
`BucketOwnerEnforced`, which disables ACLs.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from slsguard.analysis.resources import PolicyStatement, Resource
from slsguard.iam import actions
from slsguard.iam.evaluate import ContextValue, Policies, evaluate
from slsguard.loading.yaml import YMap
from slsguard.model import Condition as IamCondition
from slsguard.model import Statement, render

NARROWING_KEYS = frozenset(
    {
        *("aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce"),
        *("aws:sourceowner", "aws:sourceaccount", "aws:userid", "aws:principalorgid"),
        *("s3:dataaccesspointarn", "aws:principalaccount", "aws:principalarn"),
        *("aws:principalorgpaths", "kms:calleraccount", "kms:viaservice"),
    }
)
"""The keys that can name the caller or its network (S3's "meaning of public", and the
caller keys of IAM and KMS)."""

_POLICY_VARIABLE = re.compile(
    r"\$\{(?:aws:(?!accountid\}|region\}|partition\})[a-z]|sts:|saml:|ec2:|s3:prefix"
    r"|[a-z0-9-]+(?:\.[a-z0-9-]+)+:)",
    re.I,
)
"""An IAM policy variable (`${aws:username}`, `${cognito-identity.amazonaws.com:sub}`): the
caller fills it in, so it fixes no one. `${aws:accountId}`/`${aws:region}` are Serverless
variables, resolved at deploy time like `${AWS::AccountId}`."""
_DEPLOY_TIME = re.compile(r"\$\{[^}]*\}")
_STRANGER = "stranger"
"""What an anonymous caller's account, ARN, organization or endpoint is: none of yours."""
_STRANGER_ADDRESSES = ("203.0.113.77", "198.51.100.77", "192.0.2.77", "2001:db8::77")
PUBLIC_ACLS = {"publicread": "PublicRead", "publicreadwrite": "PublicReadWrite"}


def public_allows(
    statements: Iterable[PolicyStatement], action: str | None = None, service: str = ""
) -> list[PolicyStatement]:
    """The Allows that give `action` (any action of `service` when None) to anyone.

    Judged by the IAM evaluator (`slsguard.iam.evaluate`) as a request from a stranger: an
    anonymous caller whose account, organization, ARN, VPC endpoint and address are none of
    yours, who fills in every wildcard a condition leaves open and may leave out any key
    a condition tests. An Allow for principal `*` is public when some request of that
    stranger is not certainly denied: conditions on other keys (`aws:SecureTransport`)
    do not narrow who calls, and a Deny for everyone that spares only a known caller
    (`StringNotEquals aws:SourceAccount`) takes the access away.
    """
    listed = list(statements)
    denies = tuple(_as_iam(s) for s in listed if s.effect == "Deny" and s.public)
    found = []
    for statement in listed:
        if statement.effect != "Allow" or not statement.public:
            continue
        if action is not None and not statement.covers(action):
            continue
        requests = (action,) if action is not None else _requested(statement, service)
        policies = Policies((), resource=(_as_iam(statement), *denies))
        if any(
            evaluate(policies, name, None, context).possible
            for context in stranger_contexts(statement)
            for name in requests
        ):
            found.append(statement)
    return found


def stranger_contexts(statement: PolicyStatement) -> tuple[dict[str, ContextValue], ...]:
    """The request contexts of a stranger judged against `statement`: every caller key
    present with the stranger's value (or a value matching the statement's wildcards), or
    absent (the caller called directly, outside any organization or endpoint)."""
    present: dict[str, ContextValue] = {key: _STRANGER for key in NARROWING_KEYS}
    for condition in statement.conditions:
        if condition.key in NARROWING_KEYS and condition.key != "aws:sourceip":
            open_values = [v for v in map(_owner_fixed, condition.values) if _has_wildcard(v)]
            if open_values:  # The pattern itself, which every operator's test admits.
                present[condition.key] = open_values[0]
    present["aws:sourceip"] = _stranger_address(statement)
    absent: dict[str, ContextValue] = {key: () for key in NARROWING_KEYS}
    absent["aws:sourceip"] = present["aws:sourceip"]  # Every request comes from somewhere.
    return present, absent


def _stranger_address(statement: PolicyStatement) -> str:
    """An address inside a public range the statement lists, else outside all its ranges."""
    networks = []
    for condition in statement.conditions:
        if condition.key != "aws:sourceip":
            continue
        for value in condition.values:
            try:
                networks.append(ipaddress.ip_network(value.strip(), strict=False))
            except ValueError:
                continue
    for network in networks:
        if network.prefixlen < (8 if network.version == 4 else 32):
            return str(network.network_address + 1)
    return next(
        address
        for address in _STRANGER_ADDRESSES
        if not any(ipaddress.ip_address(address) in network for network in networks)
    )


def _has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def _owner_fixed(value: str) -> str:
    """A condition value as the evaluator reads it: values the deploy fills in
    (`!Ref AWS::AccountId`, `${AWS::AccountId}`, `${self:custom.org}`) name the owner, so
    they become the fixed text `owner`; IAM policy variables stay for the caller to fill."""
    text = value.strip()
    if text.startswith("!"):
        return "owner"
    if _POLICY_VARIABLE.search(text):
        return text
    return _DEPLOY_TIME.sub("owner", text)


def _as_iam(statement: PolicyStatement) -> Statement:
    """A resource-policy statement as the evaluator's `Statement` (its principal is `*`)."""
    return Statement(
        effect="Deny" if statement.effect == "Deny" else "Allow",
        actions=statement.actions,
        not_actions=statement.not_actions,
        resources=("*",),
        not_resources=(),
        condition_keys=tuple(c.key for c in statement.conditions),
        origin=statement.origin,
        policy="resource policy",
        conditions=tuple(
            IamCondition(c.operator, c.key, tuple(_owner_fixed(v) for v in c.values))
            for c in statement.conditions
        ),
    )


def _requested(statement: PolicyStatement, service: str) -> tuple[str, ...]:
    """The concrete actions of `service` a statement may grant (as written when unknown)."""
    scope = f"{service}:*" if service else "*"
    patterns = statement.actions if not statement.not_actions else (scope,)
    found: list[str] = []
    for pattern in patterns:
        expanded = [
            info.full_name
            for info in actions.expand(pattern)
            if not service or info.full_name.lower().startswith(f"{service}:")
        ]
        found += [name for name in expanded if statement.covers(name)] or [pattern]
    return tuple(dict.fromkeys(found))


def public_actions(statement: PolicyStatement) -> str:
    """The actions of a public statement, as written (`s3:GetObject`, `NotAction s3:Delete*`)."""
    if statement.not_actions:
        return "every action but " + ", ".join(statement.not_actions)
    return ", ".join(statement.actions)


@dataclass(frozen=True, slots=True)
class BucketAccess:
    """A bucket's Block Public Access settings and object ownership, defaults applied."""

    block_public_acls: bool
    ignore_public_acls: bool
    block_public_policy: bool
    restrict_public_buckets: bool
    ownership: str
    explicit_block: bool
    """False when the bucket has no `PublicAccessBlockConfiguration` (every setting on)."""

    @property
    def policy_may_be_public(self) -> bool:
        """S3 neither refuses nor restricts a public bucket policy."""
        return not (self.block_public_policy or self.restrict_public_buckets)

    @property
    def acl_may_be_public(self) -> bool:
        """ACLs are enabled and S3 neither refuses nor ignores public ones."""
        return self.ownership != "BucketOwnerEnforced" and not (
            self.block_public_acls or self.ignore_public_acls
        )

    def off(self, *settings: str) -> str:
        """`BlockPublicPolicy: false, RestrictPublicBuckets: false` for the settings named."""
        return ", ".join(f"{setting}: false" for setting in settings)


def bucket_access(bucket: Resource) -> BucketAccess:
    """The effective Block Public Access settings and ownership of `bucket`."""
    block = bucket.properties.get("PublicAccessBlockConfiguration")
    explicit = isinstance(block, YMap)

    def setting(name: str) -> bool:
        if not isinstance(block, YMap):
            return True
        return render(block.get(name)).strip().lower() == "true"

    return BucketAccess(
        block_public_acls=setting("BlockPublicAcls"),
        ignore_public_acls=setting("IgnorePublicAcls"),
        block_public_policy=setting("BlockPublicPolicy"),
        restrict_public_buckets=setting("RestrictPublicBuckets"),
        ownership=_ownership(bucket.properties.get("OwnershipControls")),
        explicit_block=explicit,
    )


def _ownership(controls: object) -> str:
    rules = controls.get("Rules") if isinstance(controls, YMap) else None
    for rule in rules if isinstance(rules, list) else ():
        if isinstance(rule, dict) and rule.get("ObjectOwnership"):
            return render(rule["ObjectOwnership"]).strip()
    return "BucketOwnerEnforced"


def public_acl(bucket: Resource) -> str | None:
    """`PublicRead` or `PublicReadWrite` when the bucket's canned ACL is one of them."""
    return PUBLIC_ACLS.get(render(bucket.properties.get("AccessControl")).strip().lower())


def statements_of(resource: Resource, keys: Iterable[str]) -> Iterator[PolicyStatement]:
    """The statements of each policy document under the given properties of `resource`."""
    from slsguard.analysis.resources import document_statements

    for key in keys:
        yield from document_statements(resource, key)


__all__ = [
    "NARROWING_KEYS",
    "BucketAccess",
    "bucket_access",
    "public_acl",
    "public_actions",
    "public_allows",
    "statements_of",
    "stranger_contexts",
]
