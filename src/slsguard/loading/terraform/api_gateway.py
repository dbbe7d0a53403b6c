"""API Gateway, WAF associations and resource policies as CloudFormation-shaped resources.

Most of these have a CloudFormation twin argument for argument (`aws_api_gateway_method` is
`AWS::ApiGateway::Method`, `aws_apigatewayv2_route` is `AWS::ApiGatewayV2::Route`), so
`SPECS` extends the translation table. A few are separate resources in Terraform but
properties in CloudFormation; `merge` folds them in once every resource is translated:

- `aws_api_gateway_integration` becomes the `Integration` of the method it names;
- `aws_api_gateway_method_settings` becomes an entry of the stage's `MethodSettings`;
- `aws_s3_bucket_public_access_block` and `aws_s3_bucket_acl` become the bucket's
  `PublicAccessBlockConfiguration` and `AccessControl`;
- a `aws_wafv2_web_acl_association` whose `resource_arn` is a stage's `arn` gets the stage
  ARN CloudFormation templates write (`/restapis/${Api}/stages/${Stage}`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from slsguard.analysis.intrinsics import referenced_ids
from slsguard.loading.terraform.api_specs import (
    ACCESS_BLOCK,
    BUCKET_ACL,
    INTEGRATION,
    METHOD_SETTINGS,
    SPECS,
    THROTTLE,
)
from slsguard.loading.terraform.datasources import policy_document
from slsguard.loading.terraform.evaluate import Evaluator, Resource
from slsguard.loading.yaml import YList, YMap
from slsguard.model import render

if TYPE_CHECKING:
    from slsguard.loading.terraform.translate import Spec

__all__ = ["SPECS", "extra", "merge"]

_ACLS = {"public-read-write": "PublicReadWrite", "public-read": "PublicRead"}
_DOCUMENTS = {
    "aws_api_gateway_rest_api": (("body", "Body"), ("policy", "Policy")),
    "aws_apigatewayv2_api": (("body", "Body"),),
    "aws_s3_bucket_policy": (("policy", "PolicyDocument"),),
    "aws_sqs_queue_policy": (("policy", "PolicyDocument"),),
    "aws_sns_topic_policy": (("policy", "PolicyDocument"),),
}
_LISTS = {  # an argument that CloudFormation takes as a list of one
    "aws_sqs_queue_policy": ("queue_url", "Queues"),
    "aws_sns_topic_policy": ("arn", "Topics"),
}


def extra(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    """What the spec cannot say: JSON documents, lists of one, repeated blocks."""
    body = resource.block.body
    for name, key in _DOCUMENTS.get(resource.type, ()):
        attribute = body.attributes.get(name)
        if attribute is not None:
            properties[key] = policy_document(evaluator, attribute, resource.file)
            properties.key_positions[key] = attribute.pos
    if resource.type in _LISTS:
        name, key = _LISTS[resource.type]
        attribute = body.attributes.get(name)
        if attribute is not None:
            _put(properties, key, [evaluator.value(attribute.expr, resource.file)], attribute.pos)
    if resource.type == "aws_api_gateway_usage_plan":
        _usage_plan(evaluator, resource, properties)
    if resource.type == "aws_apigatewayv2_domain_name":
        from slsguard.loading.terraform.translate import properties_of

        block = body.block("domain_name_configuration")
        if block is not None:
            spec: Spec = {"security_policy": "SecurityPolicy", "endpoint_type": "EndpointType"}
            inner = properties_of(evaluator, block.body, spec, resource.file, block.pos)
            _put(properties, "DomainNameConfigurations", [inner], block.pos)


def _usage_plan(evaluator: Evaluator, resource: Resource, properties: YMap) -> None:
    from slsguard.loading.terraform.translate import properties_of

    blocks = resource.block.body.blocks_of("api_stages")
    stages = []
    for block in blocks:
        stage = properties_of(
            evaluator, block.body, {"api_id": "ApiId", "stage": "Stage"}, resource.file, block.pos
        )
        throttle = block.body.blocks_of("throttle")
        if throttle:
            stage["Throttle"] = properties_of(
                evaluator, throttle[0].body, THROTTLE, resource.file, throttle[0].pos
            )
            stage.key_positions["Throttle"] = throttle[0].pos
        stages.append(stage)
    if blocks:
        _put(properties, "ApiStages", stages, blocks[0].pos)


def _put(properties: YMap, key: str, values: Sequence[object], pos: tuple[int, int]) -> None:
    items = YList(properties.file, pos)
    items.extend(values)
    items.item_positions.extend([pos] * len(values))
    properties[key] = items
    properties.key_positions[key] = pos


def merge(resources: YMap) -> None:
    """Fold the resources CloudFormation writes as properties into their owners."""
    typed = {
        logical: node
        for logical, node in resources.items()
        if isinstance(node, YMap) and isinstance(node.get("Properties"), YMap)
    }
    for logical, node in list(typed.items()):
        kind = node["Type"]
        props: YMap = node["Properties"]
        if kind == INTEGRATION:
            _integration(typed, props)
        elif kind == METHOD_SETTINGS:
            _method_settings(typed, props)
        elif kind in (ACCESS_BLOCK, BUCKET_ACL):
            _bucket_settings(typed, props, kind)
        elif kind == "AWS::WAFv2::WebACLAssociation":
            _stage_arn(typed, props)
        else:
            continue
        if kind.startswith("Terraform::"):
            del resources[logical]


def _owners(typed: dict[str, YMap], cfn_type: str) -> Iterator[tuple[str, YMap]]:
    for logical, node in typed.items():
        if node["Type"] == cfn_type:
            yield logical, node["Properties"]


def _find(typed: dict[str, YMap], props: YMap, cfn_type: str, by: str) -> YMap | None:
    """The resource of `cfn_type` that `props` names: by reference, else by equal values."""
    for logical, owner in _owners(typed, cfn_type):
        if logical in referenced_ids(props.get(by)):
            return owner
    api = "RestApiId"
    for _logical, owner in _owners(typed, cfn_type):
        same_api = render(owner.get(api)) == render(props.get(api))
        if same_api and all(
            render(owner.get(key)).upper() == render(props.get(key)).upper()
            for key in (by, "ResourceId")
            if key in props
        ):
            return owner
    return None


def _integration(typed: dict[str, YMap], props: YMap) -> None:
    method = _find(typed, props, "AWS::ApiGateway::Method", "HttpMethod")
    if method is None:
        return
    integration = YMap(props.file, props.position)
    for key in ("Type", "Uri", "IntegrationHttpMethod", "TimeoutInMillis"):
        if key in props:
            integration[key] = props[key]
            integration.key_positions[key] = props.key_positions[key]
    method["Integration"] = integration
    method.key_positions["Integration"] = props.position


def _method_settings(typed: dict[str, YMap], props: YMap) -> None:
    stage = _find(typed, props, "AWS::ApiGateway::Stage", "StageName")
    settings = props.get("Settings")
    if stage is None or not isinstance(settings, YMap):
        return
    for key in ("ThrottlingBurstLimit", "ThrottlingRateLimit"):
        if settings.get(key) == -1:  # Terraform's "not throttled".
            del settings[key]
    entry = YMap(settings.file, settings.position)
    path = render(props.get("ResourcePath"))
    entry["ResourcePath"] = "/*" if path == "*/*" else "/" + path.rsplit("/", 1)[0]
    entry["HttpMethod"] = "*" if path == "*/*" else path.rsplit("/", 1)[-1]
    entry.key_positions = {"ResourcePath": settings.position, "HttpMethod": settings.position}
    for key, value in settings.items():
        entry[key] = value
        entry.key_positions[key] = settings.key_positions[key]
    entries = stage.get("MethodSettings")
    if not isinstance(entries, YList):
        entries = YList(stage.file, settings.position)
        stage["MethodSettings"] = entries
        stage.key_positions["MethodSettings"] = settings.position
    entries.append(entry)
    entries.item_positions.append(settings.position)


def _bucket_settings(typed: dict[str, YMap], props: YMap, kind: str) -> None:
    bucket = next(
        (
            owner
            for logical, owner in _owners(typed, "AWS::S3::Bucket")
            if logical in referenced_ids(props.get("Bucket"))
            or render(owner.get("BucketName")) == render(props.get("Bucket"))
        ),
        None,
    )
    if bucket is None:
        return
    if kind == BUCKET_ACL:
        acl = _ACLS.get(render(props.get("Acl")))
        if acl is not None:
            bucket["AccessControl"] = acl
            bucket.key_positions["AccessControl"] = props.key_positions["Acl"]
        return
    block = YMap(props.file, props.position)
    for key, value in props.items():
        if key != "Bucket":
            block[key] = value
            block.key_positions[key] = props.key_positions[key]
    bucket["PublicAccessBlockConfiguration"] = block
    bucket.key_positions["PublicAccessBlockConfiguration"] = props.position


def _stage_arn(typed: dict[str, YMap], props: YMap) -> None:
    """`resource_arn = aws_api_gateway_stage.x.arn`: the stage ARN, written as CFN does."""
    for logical, stage in _owners(typed, "AWS::ApiGateway::Stage"):
        if logical in referenced_ids(props.get("ResourceArn")):
            api = next(iter(sorted(referenced_ids(stage.get("RestApiId")))), None)
            if api is None:
                return
            arn = YMap(props.file, props.key_positions["ResourceArn"])
            arn["Fn::Sub"] = (
                "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/"
                f"${{{api}}}/stages/${{{logical}}}"
            )
            arn.key_positions["Fn::Sub"] = props.key_positions["ResourceArn"]
            props["ResourceArn"] = arn
            return
