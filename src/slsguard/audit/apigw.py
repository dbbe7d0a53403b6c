"""Enumerate API Gateway in one region: REST APIs (v1) and HTTP/WebSocket APIs (v2).

For a REST API: its resources with their methods embedded (authorization, authorizer,
API key, request validator, integration), authorizers, request validators, stages (access
logs, tracing, method settings) and the WAF web ACL of each stage. For a v2 API: routes,
integrations, the authorizers the routes use (`GetAuthorizer` one by one, since moto has no
`GetAuthorizers`), and stages. APIs run in the region's thread pool, one task per API.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slsguard.audit.client import Client, Session

Json = dict[str, Any]
WORKERS = 8


@dataclass(frozen=True, slots=True)
class LiveApi:
    """One API and everything that shapes who may call it and how it is operated."""

    kind: str
    """`rest` (v1) or `v2` (HTTP and WebSocket)."""
    id: str
    arn: str
    api: Json
    stages: tuple[Json, ...] = ()
    resources: tuple[Json, ...] = ()
    """REST: resources with `resourceMethods` embedded."""
    routes: tuple[Json, ...] = ()
    integrations: tuple[Json, ...] = ()
    authorizers: tuple[Json, ...] = ()
    validators: tuple[Json, ...] = ()
    web_acls: dict[str, str] = field(default_factory=dict)
    """Stage name → ARN of the WAF web ACL associated with it."""


def collect_apis(session: Session, region: str) -> tuple[LiveApi, ...]:
    """Every REST and v2 API of the region (denied or missing calls are skipped)."""
    v1 = session.client("apigateway", region)
    v2 = session.client("apigatewayv2", region)
    waf = session.client("wafv2", region)
    service = f"arn:aws:apigateway:{region}::/restapis"
    rest = list(v1.pages("get_rest_apis", "items", service))
    http = list(v2.pages("get_apis", "Items", f"arn:aws:apigateway:{region}::/apis"))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        found = [*pool.map(lambda api: _rest(v1, waf, api), rest)]
        found.extend(pool.map(lambda api: _v2(v2, api), http))
    return tuple(found)


def _rest(v1: Client, waf: Client, api: Json) -> LiveApi:
    api_id = str(api["id"])
    arn = f"arn:aws:apigateway:{v1.region}::/restapis/{api_id}"
    stages = tuple((v1.call("get_stages", arn, restApiId=api_id) or {}).get("item") or [])
    web_acls: dict[str, str] = {}
    for stage in stages:
        name = str(stage.get("stageName"))
        stage_arn = f"{arn}/stages/{name}"
        acl = waf.call("get_web_acl_for_resource", stage_arn, ResourceArn=stage_arn) or {}
        acl_arn = (acl.get("WebACL") or {}).get("ARN") or stage.get("webAclArn")
        if acl_arn:
            web_acls[name] = str(acl_arn)
    return LiveApi(
        kind="rest",
        id=api_id,
        arn=arn,
        api=api,
        stages=stages,
        resources=tuple(
            v1.pages("get_resources", "items", arn, restApiId=api_id, embed=["methods"])
        ),
        authorizers=tuple(v1.pages("get_authorizers", "items", arn, restApiId=api_id)),
        validators=tuple(v1.pages("get_request_validators", "items", arn, restApiId=api_id)),
        web_acls=web_acls,
    )


def _v2(v2: Client, api: Json) -> LiveApi:
    api_id = str(api["ApiId"])
    arn = f"arn:aws:apigateway:{v2.region}::/apis/{api_id}"
    routes = tuple(v2.pages("get_routes", "Items", arn, ApiId=api_id))
    wanted = sorted({str(r["AuthorizerId"]) for r in routes if r.get("AuthorizerId")})
    authorizers = [
        v2.call("get_authorizer", f"{arn}/authorizers/{item}", ApiId=api_id, AuthorizerId=item)
        for item in wanted
    ]
    return LiveApi(
        kind="v2",
        id=api_id,
        arn=arn,
        api=api,
        stages=tuple(v2.pages("get_stages", "Items", arn, ApiId=api_id)),
        routes=routes,
        integrations=tuple(v2.pages("get_integrations", "Items", arn, ApiId=api_id)),
        authorizers=tuple(item for item in authorizers if item is not None),
    )
