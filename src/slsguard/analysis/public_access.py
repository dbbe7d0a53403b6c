"""Who can reach a data store: public policy statements and S3's Block Public Access.

A resource-policy statement is *public* when it allows principal `*` (`"*"` or
`{"AWS": "*"}`) and no condition narrows who calls. Narrowing follows S3's "meaning of
public": a positive operator (`StringEquals`/`StringLike`, `ArnEquals`/`ArnLike`,
`IpAddress`, with or without `ForAnyValue:`) with fixed values (no `*` or `?`) on a key that
names the caller or its network (`aws:SourceArn`, `aws:SourceAccount`, `aws:PrincipalOrgID`,
a non-public `aws:SourceIp` range, ...). `StringNotEquals`, `...IfExists` and wildcard
values do not narrow: they leave someone unknown in. A Deny for everyone that takes the
action away from all but a named caller (`StringNotEquals aws:SourceAccount`) narrows the
Allows it covers.

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

from slsguard.analysis.resources import Condition, PolicyStatement, Resource
from slsguard.loading.yaml import YMap
from slsguard.model import render

NARROWING_KEYS = frozenset(
    {
        *("aws:sourceip", "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce"),
        *("aws:sourceowner", "aws:sourceaccount", "aws:userid", "aws:principalorgid"),
        *("s3:dataaccesspointarn", "aws:principalaccount", "aws:principalarn"),
        *("aws:principalorgpaths", "kms:calleraccount", "kms:viaservice"),
    }
)
_POSITIVE = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
_NEGATIVE = frozenset(
    {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals"}
    | {"arnnotlike", "notipaddress"}
)
_POLICY_VARIABLE = re.compile(r"\$\{[a-z0-9-]+:[a-z]", re.I)
"""An IAM policy variable (`${aws:username}`): the caller fills it in, so it fixes no one."""
PUBLIC_ACLS = {"publicread": "PublicRead", "publicreadwrite": "PublicReadWrite"}


def _operator(condition: Condition) -> str:
    """The operator without set qualifiers: `ForAnyValue:StringEquals` → `stringequals`."""
    return condition.operator.rsplit(":", 1)[-1].lower()


def _fixed(condition: Condition) -> bool:
    """Values that name someone: none is a wildcard, and an IP range is not public."""
    if not condition.values:
        return False
    for value in condition.values:
        text = value.strip()
        if not text or "*" in text or "?" in text or _POLICY_VARIABLE.search(text):
            return False
        if condition.key == "aws:sourceip" and _public_range(text):
            return False
    return True


def _public_range(text: str) -> bool:
    """A range S3 treats as public: wider than /8 in IPv4 (/32 in IPv6)."""
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False  # A reference or parameter: a fixed value, not judged here.
    return network.prefixlen < (8 if network.version == 4 else 32)


def narrowing(condition: Condition) -> bool:
    """Whether this condition on an Allow limits who may call to someone known."""
    return (
        _operator(condition) in _POSITIVE and condition.key in NARROWING_KEYS and _fixed(condition)
    )


def _excludes_others(condition: Condition) -> bool:
    """Whether this condition on a Deny spares only a known caller (`StringNotEquals`)."""
    return (
        _operator(condition) in _NEGATIVE and condition.key in NARROWING_KEYS and _fixed(condition)
    )


def public_allows(
    statements: Iterable[PolicyStatement], action: str | None = None
) -> list[PolicyStatement]:
    """The Allows that give `action` (any action when None) to anyone, not narrowed.

    An Allow is spared when a Deny for everyone, excluding a known caller, covers it.
    """
    listed = list(statements)
    excluders = [
        statement
        for statement in listed
        if statement.effect == "Deny"
        and statement.public
        and any(_excludes_others(condition) for condition in statement.conditions)
    ]
    found = []
    for statement in listed:
        if statement.effect != "Allow" or not statement.public:
            continue
        if action is not None and not statement.covers(action):
            continue
        if any(narrowing(condition) for condition in statement.conditions):
            continue
        wanted = (action,) if action is not None else statement.actions or ("*",)
        if any(all(deny.covers(item) for item in wanted) for deny in excluders):
            continue
        found.append(statement)
    return found


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
    "narrowing",
    "public_acl",
    "public_actions",
    "public_allows",
    "statements_of",
]
