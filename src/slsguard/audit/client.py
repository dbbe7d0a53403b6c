"""The only boundary with boto3: typed calls, pagination, adaptive retries, recorded calls.

boto3 ships without type information, so every response crosses into slsguard here as a
`dict[str, Any]`. Each call is recorded as the IAM action it needs (for the auditor's own
least-privilege policy), and an access-denied error becomes a `Denial` that the audit turns
into an SLS008 finding while it goes on with the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedException",
        "AuthorizationError",
        "AuthorizationErrorException",
        "InvalidAccessException",  # Security Hub is not enabled in the account and region.
    }
)
_MISSING = frozenset(
    {
        *("ResourceNotFoundException", "NoSuchEntity", "NotFoundException", "NotFound", "404"),
        *("NoSuchBucketPolicy", "NoSuchPublicAccessBlockConfiguration"),
    }
)
_PREFIX = {"apigateway": "apigateway", "apigatewayv2": "apigateway"}
"""IAM action prefixes that differ from the boto3 service name."""
_RENAMED = {
    "s3:GetBucketNotificationConfiguration": "s3:GetBucketNotification",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
}
"""Operations whose IAM action has another name."""
_REST = {"apigateway", "apigatewayv2"}
"""Services whose IAM actions are HTTP verbs (`apigateway:GET`), not operation names."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How to reach AWS: a named profile, and an endpoint override (a test server)."""

    profile: str | None = None
    endpoint_url: str | None = None


@dataclass(frozen=True, slots=True)
class Credentials:
    """Temporary credentials, as `sts:AssumeRole` returns them (never printed: no repr)."""

    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Denial:
    """An API call the credentials may not make, with the resource it was about."""

    action: str
    """The IAM action that is missing: `lambda:GetPolicy`."""
    region: str
    resource: str
    """The ARN the call was about, or a regional service ARN for list calls."""
    message: str


class AuditError(Exception):
    """The audit cannot start at all (no credentials, boto3 missing)."""


@dataclass(slots=True)
class Calls:
    """What the audit asked AWS, and what it was refused; shared by every client."""

    actions: set[str] = field(default_factory=set)
    denials: list[Denial] = field(default_factory=list)
    unsupported: set[str] = field(default_factory=set)
    """Actions the endpoint does not implement (a test server): the audit degrades."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str) -> None:
        """Remember one IAM action the audit used."""
        with self.lock:
            self.actions.add(action)

    def deny(self, denial: Denial) -> None:
        """Remember one refused call."""
        with self.lock:
            self.denials.append(denial)

    def unsupported_call(self, action: str) -> None:
        """Remember an action the endpoint does not implement."""
        with self.lock:
            self.unsupported.add(action)


class Client:
    """One AWS service in one region: `call` and `pages` return plain dictionaries."""

    def __init__(self, raw: Any, service: str, region: str, calls: Calls) -> None:
        """Wrap a boto3 client (`raw`) made for `service` in `region`."""
        self._raw = raw
        self.service = service
        self.region = region
        self._calls = calls

    def action(self, method: str, http_verb: str = "GET") -> str:
        """The IAM action a boto3 method needs: `lambda:GetPolicy`, `apigateway:GET`."""
        prefix = _PREFIX.get(self.service, self.service)
        if self.service in _REST:
            return f"{prefix}:{http_verb}"
        operation: str = self._raw.meta.method_to_api_mapping.get(method, method)
        return _RENAMED.get(f"{prefix}:{operation}", f"{prefix}:{operation}")

    def call(self, method: str, resource: str, **kwargs: Any) -> dict[str, Any] | None:
        """One call; None when it was denied, the resource is gone or the API is missing."""
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        action = self.action(method)
        self._calls.record(action)
        try:
            response: dict[str, Any] = getattr(self._raw, method)(**kwargs)
        except ClientError as error:
            self._failed(error, action, resource)
            return None
        response.pop("ResponseMetadata", None)
        return response

    def pages(self, method: str, key: str, resource: str, **kwargs: Any) -> Iterator[Any]:
        """Every item under `key` across all pages (stops quietly when denied)."""
        from botocore.exceptions import ClientError

        action = self.action(method)
        self._calls.record(action)
        try:
            if self._raw.can_paginate(method):
                for page in self._raw.get_paginator(method).paginate(**kwargs):
                    yield from page.get(key) or []
            else:
                yield from getattr(self._raw, method)(**kwargs).get(key) or []
        except ClientError as error:
            self._failed(error, action, resource)

    def _failed(self, error: Any, action: str, resource: str) -> None:
        details: dict[str, Any] = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        if code in _DENIED:
            message = str(details.get("Message", "")) or code
            self._calls.deny(Denial(action, self.region, resource, message))
        elif code in _MISSING and "<html" in str(details.get("Message", "")).lower():
            self._calls.unsupported_call(action)  # A test server without this API.
        elif code not in _MISSING:
            self._calls.unsupported_call(action)


class Session:
    """Clients for every service and region, made once and shared across threads."""

    def __init__(
        self, endpoint: Endpoint, calls: Calls, credentials: Credentials | None = None
    ) -> None:
        """A boto3 session with the standard credential chain (or the named profile), or
        with the given credentials (an assumed role) in the profile's region."""
        try:
            import boto3  # type: ignore[import-untyped]
        except ImportError as error:  # pragma: no cover - boto3 is an optional dependency
            raise AuditError(
                "`slsguard audit` needs boto3: pip install 'slsguard[audit]'"
            ) from error
        own = boto3.session.Session(profile_name=endpoint.profile)
        self._region: str = own.region_name or "us-east-1"
        self._boto = own if credentials is None else _shared_session(endpoint.profile)
        self._lock = threading.Lock() if credentials is None else _SHARED_LOCK
        self._keys: dict[str, str] = {}
        if credentials is not None:  # Passed to every client: the shared session has none.
            self._keys = {
                "aws_access_key_id": credentials.access_key,
                "aws_secret_access_key": credentials.secret_key,
                "aws_session_token": credentials.token,
            }
        self._endpoint = endpoint
        self._credentials = credentials
        self.calls = calls
        self._clients: dict[tuple[str, str], Client] = {}

    def default_region(self) -> str:
        """The region of the profile or environment (us-east-1 when none is set)."""
        return self._region

    def fresh(self, calls: Calls | None = None) -> Session:
        """A session with the same credentials that records its calls apart (in `calls`)."""
        return Session(self._endpoint, calls or Calls(), self._credentials)

    def caller_account(self) -> str:
        """The account the credentials belong to (`sts:GetCallerIdentity` needs no
        permission, so it is not recorded as an action the auditor needs)."""
        with self._lock:
            sts = self._boto.client(
                "sts",
                region_name=self._region,
                endpoint_url=self._endpoint.endpoint_url,
                **self._keys,
            )
        return str(sts.get_caller_identity()["Account"])

    def all_regions(self) -> list[str]:
        """Every region Lambda is offered in, from the SDK's own endpoint data (no call)."""
        regions: list[str] = self._boto.get_available_regions("lambda")
        return sorted(regions)

    def client(self, service: str, region: str) -> Client:
        """The shared client for one service and region."""
        from botocore.config import Config  # type: ignore[import-untyped]

        with self._lock:
            key = (service, region)
            if key not in self._clients:
                config = Config(retries={"mode": "adaptive", "max_attempts": 8})
                raw = self._boto.client(
                    service,
                    region_name=region,
                    endpoint_url=self._endpoint.endpoint_url,
                    config=config,
                    **self._keys,
                )
                self._clients[key] = Client(raw, service, region, self.calls)
            return self._clients[key]


_SHARED: dict[str | None, Any] = {}
"""One boto3 session per profile for every set of assumed-role credentials: its service
models are loaded once, not once per account of an organization."""
_SHARED_LOCK = threading.Lock()
"""Guards client creation from the shared session (a boto3 session is not thread-safe)."""


def _shared_session(profile: str | None) -> Any:
    import boto3

    with _SHARED_LOCK:
        if profile not in _SHARED:
            _SHARED[profile] = boto3.session.Session(profile_name=profile)
        return _SHARED[profile]
