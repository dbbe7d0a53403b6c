"""Which authorizers of an application authenticate callers by a cookie.

A browser attaches cookies to cross-site requests on its own, which is why cookie-based auth
matters for CORS (SLS206) where bearer tokens, API keys and SigV4 signatures do not. An
authorizer reads a cookie when its identity source names the `Cookie` header, in any syntax:
Serverless `authorizer.identitySource` and `provider.httpApi.authorizers.X.identitySource`,
SAM `Auth.Authorizers.X.Identity.Headers` (and `IdentitySource` of HTTP APIs),
CloudFormation `AWS::ApiGateway::Authorizer`/`AWS::ApiGatewayV2::Authorizer`
`IdentitySource`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slsguard.model import Application, render

_SOURCES = ("identitySource", "IdentitySource", "Identity")
_NAMES = ("name", "Name", "arn")
_MAX_DEPTH = 40


def cookie_authorizers(app: Application) -> frozenset[str]:
    """The names an endpoint's `Auth.authorizer` may carry for authorizers reading a cookie:
    the key the authorizer is declared under, its logical id, and its `name`/`arn`."""
    found: set[str] = set()
    for document in app.documents:
        for names, spec in _authorizers(document.root, (), 0):
            if _reads_cookie(spec):
                found.update(names)
                found.update(render(spec[key]) for key in _NAMES if key in spec)
    return frozenset(found)


def _authorizers(
    value: Any, keys: tuple[str, ...], depth: int
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every mapping with an identity source, with the last keys of the path to it."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        if any(key in value for key in _SOURCES):
            yield keys[-3:], value
        for key, item in value.items():
            yield from _authorizers(item, (*keys, str(key)), depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _authorizers(item, keys, depth + 1)


def _reads_cookie(spec: dict[str, Any]) -> bool:
    return any("cookie" in render(spec[key]).lower() for key in _SOURCES if key in spec)
