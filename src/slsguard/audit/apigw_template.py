"""Live APIs as `AWS::ApiGateway::*` and `AWS::ApiGatewayV2::*` resources of a mirrored template.

An API joins the application of the first audited function it integrates with (APIs that
reach none of the application's functions are left out). Integration URIs that name an
audited function become `Fn::GetAtt` references, and each stage's web ACL becomes a
`AWS::WAFv2::WebACLAssociation` whose `ResourceArn` names the stage, so the API rules
(SLS201, SLS203, SLS204, SLS209, SLS402, SLS403, SLS405) read them as they read templates.
"""

from __future__ import annotations

from typing import Any

from slsguard.audit.apigw import Json, LiveApi
from slsguard.audit.collect import document
from slsguard.audit.template import LiveApp

_METHOD_SETTINGS = {
    "throttlingRateLimit": "ThrottlingRateLimit",
    "throttlingBurstLimit": "ThrottlingBurstLimit",
    "dataTraceEnabled": "DataTraceEnabled",
    "loggingLevel": "LoggingLevel",
    "metricsEnabled": "MetricsEnabled",
}
_V2_ROUTE_SETTINGS = (
    "ThrottlingRateLimit", "ThrottlingBurstLimit", "DataTraceEnabled", "LoggingLevel",
    "DetailedMetricsEnabled",
)  # fmt: skip


def owners(api: LiveApi, functions: dict[str, str]) -> set[str]:
    """The audited functions (by ARN → name) an API integrates with."""
    uris = [str(i.get("IntegrationUri", "")) for i in api.integrations]
    for resource in api.resources:
        for method in (resource.get("resourceMethods") or {}).values():
            uris.append(str((method.get("methodIntegration") or {}).get("uri", "")))
    return {name for arn, name in functions.items() for uri in uris if _names(uri, arn)}


def _names(uri: str, arn: str) -> bool:
    return uri == arn or f"{arn}/" in uri or uri.startswith(f"{arn}:")


def mirror_api(app: LiveApp, api: LiveApi, functions: dict[str, str]) -> None:
    """Add one API and its parts to the application's template."""
    if api.kind == "rest":
        _rest(app, api, functions)
    else:
        _v2(app, api, functions)


def _target(uri: Any, functions: dict[str, str]) -> Any:
    """`Fn::GetAtt <function>.Arn` for an integration with an audited function."""
    for arn, name in functions.items():
        if isinstance(uri, str) and _names(uri, arn):
            return {"Fn::GetAtt": [name, "Arn"]}
    return uri


def _rest(app: LiveApp, api: LiveApi, functions: dict[str, str]) -> None:
    api_id = f"RestApi{api.id}"
    properties: Json = {"Name": api.api.get("name", api.id)}
    types = (api.api.get("endpointConfiguration") or {}).get("types")
    if types:
        properties["EndpointConfiguration"] = {"Types": types}
    if api.api.get("policy"):
        properties["Policy"] = _policy(str(api.api["policy"]))
    app.add(api_id, "AWS::ApiGateway::RestApi", properties, (api.arn, ()))
    for item in api.authorizers:
        props = {"RestApiId": {"Ref": api_id}, "Name": item.get("name"), "Type": item.get("type")}
        place = (f"{api.arn}/authorizers/{item['id']}", ())
        app.add(f"{api_id}Authorizer{item['id']}", "AWS::ApiGateway::Authorizer", props, place)
    for item in api.validators:
        props = {"RestApiId": {"Ref": api_id}, "Name": item.get("name")}
        props["ValidateRequestBody"] = bool(item.get("validateRequestBody"))
        props["ValidateRequestParameters"] = bool(item.get("validateRequestParameters"))
        place = (f"{api.arn}/requestvalidators/{item['id']}", ())
        kind = "AWS::ApiGateway::RequestValidator"
        app.add(f"{api_id}Validator{item['id']}", kind, props, place)
    for resource in api.resources:
        _rest_resource(app, api, api_id, resource, functions)
    for stage in api.stages:
        _rest_stage(app, api, api_id, stage)


def _rest_resource(
    app: LiveApp, api: LiveApi, api_id: str, resource: Json, functions: dict[str, str]
) -> None:
    rid = str(resource["id"])
    if resource.get("parentId"):
        parent = str(resource["parentId"])
        root = not any(r.get("id") == parent and r.get("parentId") for r in api.resources)
        props: Json = {
            "RestApiId": {"Ref": api_id},
            "ParentId": _root(api_id) if root else {"Ref": f"{api_id}R{parent}"},
            "PathPart": resource.get("pathPart"),
        }
        place = (f"{api.arn}/resources/{rid}", ())
        app.add(f"{api_id}R{rid}", "AWS::ApiGateway::Resource", props, place)
    for verb, method in sorted((resource.get("resourceMethods") or {}).items()):
        props = _method(api_id, rid, verb, method, resource, functions)
        place = (f"{api.arn}/resources/{rid}/methods/{verb}", ())
        app.add(f"{api_id}R{rid}{verb}", "AWS::ApiGateway::Method", props, place)


def _method(
    api_id: str, rid: str, verb: str, method: Json, resource: Json, functions: dict[str, str]
) -> Json:
    root = not resource.get("parentId")
    props: Json = {
        "RestApiId": {"Ref": api_id},
        "ResourceId": _root(api_id) if root else {"Ref": f"{api_id}R{rid}"},
        "HttpMethod": verb,
        "AuthorizationType": method.get("authorizationType", "NONE"),
        "ApiKeyRequired": bool(method.get("apiKeyRequired")),
    }
    if method.get("authorizerId"):
        props["AuthorizerId"] = {"Ref": f"{api_id}Authorizer{method['authorizerId']}"}
    if method.get("requestValidatorId"):
        props["RequestValidatorId"] = {"Ref": f"{api_id}Validator{method['requestValidatorId']}"}
    if method.get("requestModels"):
        props["RequestModels"] = method["requestModels"]
    integration = method.get("methodIntegration") or {}
    if integration:
        props["Integration"] = {
            "Type": integration.get("type"),
            "Uri": _target(integration.get("uri"), functions),
        }
    return props


def _rest_stage(app: LiveApp, api: LiveApi, api_id: str, stage: Json) -> None:
    name = str(stage.get("stageName"))
    props: Json = {"RestApiId": {"Ref": api_id}, "StageName": name}
    props["TracingEnabled"] = bool(stage.get("tracingEnabled"))
    access = stage.get("accessLogSettings") or {}
    if access.get("destinationArn"):
        props["AccessLogSetting"] = {
            "DestinationArn": access["destinationArn"],
            "Format": access.get("format", ""),
        }
    settings = []
    for key, values in sorted((stage.get("methodSettings") or {}).items()):
        path, _, verb = str(key).rpartition("/")
        entry: Json = {"ResourcePath": f"/{path.lstrip('/')}", "HttpMethod": verb or "*"}
        entry.update({cfn: values[aws] for aws, cfn in _METHOD_SETTINGS.items() if aws in values})
        settings.append(entry)
    if settings:
        props["MethodSettings"] = settings
    stage_arn = f"{api.arn}/stages/{name}"
    logical = f"{api_id}Stage{_alnum(name)}"
    app.add(logical, "AWS::ApiGateway::Stage", props, (stage_arn, ()))
    acl = api.web_acls.get(name)
    if acl:
        association = {
            "WebACLArn": acl,
            "ResourceArn": {
                "Fn::Sub": f"arn:aws:apigateway:${{AWS::Region}}::/restapis/${{{api_id}}}"
                f"/stages/{name}"
            },
        }
        kind = "AWS::WAFv2::WebACLAssociation"
        app.add(f"{logical}WebAcl", kind, association, (stage_arn, ("WebACL",)))


def _v2(app: LiveApp, api: LiveApi, functions: dict[str, str]) -> None:
    api_id = f"HttpApi{api.id}"
    props: Json = {"Name": api.api.get("Name", api.id), "ProtocolType": api.api.get("ProtocolType")}
    if api.api.get("CorsConfiguration"):
        props["CorsConfiguration"] = api.api["CorsConfiguration"]
    app.add(api_id, "AWS::ApiGatewayV2::Api", props, (api.arn, ()))
    for item in api.authorizers:
        props = {"ApiId": {"Ref": api_id}, "Name": item.get("Name")}
        props["AuthorizerType"] = item.get("AuthorizerType")
        place = (f"{api.arn}/authorizers/{item['AuthorizerId']}", ())
        kind = "AWS::ApiGatewayV2::Authorizer"
        app.add(f"{api_id}Authorizer{item['AuthorizerId']}", kind, props, place)
    for item in api.integrations:
        props = {"ApiId": {"Ref": api_id}, "IntegrationType": item.get("IntegrationType")}
        props["IntegrationUri"] = _target(item.get("IntegrationUri"), functions)
        place = (f"{api.arn}/integrations/{item['IntegrationId']}", ())
        kind = "AWS::ApiGatewayV2::Integration"
        app.add(f"{api_id}Integration{item['IntegrationId']}", kind, props, place)
    for route in api.routes:
        app.add(
            f"{api_id}Route{route['RouteId']}",
            "AWS::ApiGatewayV2::Route",
            _route(api_id, route),
            (f"{api.arn}/routes/{route['RouteId']}", ()),
        )
    for stage in api.stages:
        _v2_stage(app, api, api_id, stage)


def _route(api_id: str, route: Json) -> Json:
    props: Json = {
        "ApiId": {"Ref": api_id},
        "RouteKey": route.get("RouteKey"),
        "AuthorizationType": route.get("AuthorizationType", "NONE"),
        "ApiKeyRequired": bool(route.get("ApiKeyRequired")),
    }
    if route.get("AuthorizerId"):
        props["AuthorizerId"] = {"Ref": f"{api_id}Authorizer{route['AuthorizerId']}"}
    target = str(route.get("Target") or "")
    if target.startswith("integrations/"):
        integration = target.split("/", 1)[1]
        props["Target"] = {
            "Fn::Join": ["/", ["integrations", {"Ref": f"{api_id}Integration{integration}"}]]
        }
    return props


def _v2_stage(app: LiveApp, api: LiveApi, api_id: str, stage: Json) -> None:
    name = str(stage.get("StageName"))
    props: Json = {"ApiId": {"Ref": api_id}, "StageName": name}
    access = stage.get("AccessLogSettings") or {}
    if access.get("DestinationArn"):
        props["AccessLogSettings"] = access
    default = _settings(stage.get("DefaultRouteSettings") or {})
    if default:
        props["DefaultRouteSettings"] = default
    routes = {key: _settings(value) for key, value in (stage.get("RouteSettings") or {}).items()}
    if any(routes.values()):
        props["RouteSettings"] = {key: value for key, value in routes.items() if value}
    logical = f"{api_id}Stage{_alnum(name)}"
    app.add(logical, "AWS::ApiGatewayV2::Stage", props, (f"{api.arn}/stages/{name}", ()))


def _settings(values: Json) -> Json:
    """The route settings that matter, without the `false` defaults AWS fills in."""
    return {key: values[key] for key in _V2_ROUTE_SETTINGS if values.get(key) not in (None, False)}


def _policy(text: str) -> Json:
    return document(text.replace('\\"', '"'))


def _alnum(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum()) or "Default"


def _root(api_id: str) -> Json:
    return {"Fn::GetAtt": [api_id, "RootResourceId"]}
