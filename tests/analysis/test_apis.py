"""`apis()` and `load_balancers()`: exact values for each syntax, and the per-app cache."""

from __future__ import annotations

from pathlib import Path

from slsguard.analysis.apis import (
    Api,
    CustomDomain,
    Distribution,
    LoadBalancer,
    Setting,
    Stage,
    apis,
    load_balancers,
)
from slsguard.discovery import discover
from slsguard.findings import Origin
from slsguard.loading import LoadOptions, load_all
from slsguard.model import Application


def _app(folder: Path, name: str, text: str) -> Application:
    (folder / name).write_text(text)
    [app] = load_all(discover([folder], folder), LoadOptions(), folder).apps
    return app


SERVERLESS = """\
service: orders
provider:
  name: aws
  runtime: python3.12
  stage: prod
  logs:
    restApi: true
    httpApi: true
  tracing:
    apiGateway: true
  apiGateway:
    usagePlan:
      throttle:
        burstLimit: 20
functions:
  create:
    handler: handler.create
    events:
      - http: POST /orders
      - httpApi: GET /orders
  notify:
    handler: handler.notify
    events:
      - websocket: $connect
"""


def test_serverless_implicit_apis(tmp_path: Path) -> None:
    app = _app(tmp_path, "serverless.yml", SERVERLESS)
    file = "serverless.yml"
    provider = Origin(file, ("provider",), 2, 1)
    rest_logs = Origin(file, ("provider", "logs", "restApi"), 7, 5)
    assert apis(app) == (
        Api(
            kind="rest",
            logical_id="implicit",
            origin=provider,
            public=True,
            syntax="serverless",
            resource_id="ApiGatewayRestApi",
            stages=(
                Stage(
                    "prod",
                    provider,
                    "ApiGatewayStage",
                    access_logging=Setting("provider.logs.restApi: true", rest_logs),
                    execution_logging=Setting("INFO", rest_logs),
                    data_trace=Setting(
                        "provider.logs.restApi: true (fullExecutionData defaults to true)",
                        rest_logs,
                    ),
                    tracing=Setting(
                        "provider.tracing.apiGateway: true",
                        Origin(file, ("provider", "tracing", "apiGateway"), 10, 5),
                    ),
                    throttling=Setting(
                        "usage plan throttle",
                        Origin(file, ("provider", "apiGateway", "usagePlan", "throttle"), 13, 7),
                    ),
                ),
            ),
            functions=("create",),
        ),
        Api(
            kind="http",
            logical_id="implicit",
            origin=provider,
            public=True,
            syntax="serverless",
            resource_id="HttpApi",
            stages=(
                Stage(
                    "$default",
                    provider,
                    "HttpApiStage",
                    access_logging=Setting(
                        "provider.logs.httpApi", Origin(file, ("provider", "logs", "httpApi"), 8, 5)
                    ),
                ),
            ),
            functions=("create",),
        ),
        Api(
            kind="websocket",
            logical_id="implicit",
            origin=provider,
            public=True,
            syntax="serverless",
            resource_id="WebsocketsApi",
            stages=(Stage("prod", provider, "WebsocketsDeploymentStage"),),
            functions=("notify",),
        ),
    )


SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    TracingEnabled: true
Resources:
  OrdersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      MethodSettings:
        - ResourcePath: "/*"
          HttpMethod: "*"
          LoggingLevel: ERROR
          DataTraceEnabled: true
      Auth:
        UsagePlan:
          CreateUsagePlan: PER_API
          Throttle: {BurstLimit: 10, RateLimit: 5}
      Domain:
        DomainName: api.example.com
        CertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/abc
        SecurityPolicy: TLS_1_2
  OrdersWaf:
    Type: AWS::WAFv2::WebACLAssociation
    Properties:
      ResourceArn: !Sub
        - arn:aws:apigateway:${AWS::Region}::/restapis/${Id}/stages/${Stage}
        - Id: !Ref OrdersApi
          Stage: !Ref OrdersApi.Stage
      WebACLArn: !GetAtt Acl.Arn
  Create:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.create
      Runtime: python3.12
      CodeUri: src/
      Events:
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref OrdersApi
            Path: /orders
            Method: post
        Search:
          Type: HttpApi
"""


def test_sam_explicit_and_implicit_apis(tmp_path: Path) -> None:
    app = _app(tmp_path, "template.yaml", SAM)
    file = "template.yaml"
    api = Origin(file, ("Resources", "OrdersApi"), 7, 3)
    setting = Origin(file, ("Resources", "OrdersApi", "MethodSettings", 0), 12, 11)
    auth = ("Resources", "OrdersApi", "Auth", "UsagePlan", "Throttle")
    assert apis(app) == (
        Api(
            kind="rest",
            logical_id="OrdersApi",
            origin=api,
            public=True,
            syntax="sam",
            resource_id="OrdersApi",
            stages=(
                Stage(
                    "live",
                    api,
                    "OrdersApiliveStage",
                    execution_logging=Setting(
                        "ERROR", Origin(file, (*setting.path, "LoggingLevel"), 14, 11)
                    ),
                    data_trace=Setting(
                        "DataTraceEnabled: true",
                        Origin(file, (*setting.path, "DataTraceEnabled"), 15, 11),
                    ),
                    tracing=Setting(
                        "TracingEnabled: true",
                        Origin(file, ("Globals", "Api", "TracingEnabled"), 5, 5),
                    ),
                    throttling=Setting("Auth.UsagePlan.Throttle", Origin(file, auth, 19, 11)),
                    waf=Setting(
                        "web ACL !GetAtt Acl.Arn (associated by OrdersWaf)",
                        Origin(file, ("Resources", "OrdersWaf"), 24, 3),
                    ),
                ),
            ),
            domains=(
                CustomDomain(
                    "api.example.com",
                    Origin(file, ("Resources", "OrdersApi", "Domain"), 20, 7),
                    "TLS_1_2",
                ),
            ),
            functions=("Create",),
        ),
        Api(
            kind="http",
            logical_id="implicit",
            origin=Origin(file, ("Globals",), 3, 1),
            public=True,
            syntax="sam",
            resource_id="ServerlessHttpApi",
            stages=(
                Stage(
                    "$default",
                    Origin(file, ("Globals",), 3, 1),
                    "ServerlessHttpApiApiGatewayDefaultStage",
                ),
            ),
            functions=("Create",),
        ),
    )


CLOUDFORMATION = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Level:
    Type: String
    Default: INFO
Resources:
  Private:
    Type: AWS::ApiGateway::RestApi
    Properties:
      EndpointConfiguration:
        Types: [PRIVATE]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref Private
      StageName: v1
      StageDescription:
        LoggingLevel: !Ref Level
        ThrottlingRateLimit: 10
  Chat:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      ProtocolType: WEBSOCKET
  ChatStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Chat
      StageName: prod
      AccessLogSettings:
        DestinationArn: !GetAtt ChatLogs.Arn
        Format: $context.requestId
  ChatDomain:
    Type: AWS::ApiGatewayV2::DomainName
    Properties:
      DomainName: chat.example.com
      DomainNameConfigurations:
        - SecurityPolicy: TLS_1_2
  ChatMapping:
    Type: AWS::ApiGatewayV2::ApiMapping
    Properties:
      ApiId: !Ref Chat
      DomainName: !Ref ChatDomain
      Stage: !Ref ChatStage
  Edge:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        WebACLId: arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1
        Origins:
          - Id: chat
            DomainName: !GetAtt ChatDomain.RegionalDomainName
"""


def test_cloudformation_apis(tmp_path: Path) -> None:
    app = _app(tmp_path, "stack.yaml", CLOUDFORMATION)
    file = "stack.yaml"
    deployment = Origin(file, ("Resources", "Deployment"), 12, 3)
    description = ("Resources", "Deployment", "StageDescription")
    chat_stage = Origin(file, ("Resources", "ChatStage"), 24, 3)
    domain = CustomDomain(
        "chat.example.com",
        Origin(file, ("Resources", "ChatDomain"), 32, 3),
        "TLS_1_2",
        "ChatDomain",
    )
    acl = Setting(
        "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1",
        Origin(file, ("Resources", "Edge", "DistributionConfig", "WebACLId"), 48, 9),
    )
    edge = Distribution(
        "Edge", Origin(file, ("Resources", "Edge"), 44, 3), acl, frozenset({"ChatDomain"})
    )
    assert apis(app) == (
        Api(
            kind="rest",
            logical_id="Private",
            origin=Origin(file, ("Resources", "Private"), 7, 3),
            public=False,
            syntax="cloudformation",
            resource_id="Private",
            stages=(
                Stage(
                    "v1",
                    deployment,
                    None,
                    execution_logging=Setting(
                        "INFO", Origin(file, (*description, "LoggingLevel"), 18, 9)
                    ),
                    throttling=Setting(
                        "ThrottlingRateLimit: 10",
                        Origin(file, (*description, "ThrottlingRateLimit"), 19, 9),
                    ),
                ),
            ),
        ),
        Api(
            kind="websocket",
            logical_id="Chat",
            origin=Origin(file, ("Resources", "Chat"), 20, 3),
            public=True,
            syntax="cloudformation",
            resource_id="Chat",
            stages=(
                Stage(
                    "prod",
                    chat_stage,
                    "ChatStage",
                    access_logging=Setting(
                        "!GetAtt ChatLogs.Arn",
                        Origin(file, ("Resources", "ChatStage", "AccessLogSettings"), 29, 7),
                    ),
                    waf=Setting("web ACL on CloudFront distribution Edge", acl.origin),
                ),
            ),
            domains=(domain,),
            fronted_by=(edge,),
        ),
    )


LOAD_BALANCER = """\
service: web
provider:
  name: aws
  runtime: python3.12
functions:
  page:
    handler: page.handler
    events:
      - alb:
          listenerArn: !Ref Listener
          priority: 1
          conditions:
            path: /page
resources:
  Resources:
    Alb:
      Type: AWS::ElasticLoadBalancingV2::LoadBalancer
      Properties:
        Subnets: [subnet-1]
    Listener:
      Type: AWS::ElasticLoadBalancingV2::Listener
      Properties:
        LoadBalancerArn: !Ref Alb
        Port: 80
        Protocol: HTTP
    Waf:
      Type: AWS::WAFv2::WebACLAssociation
      Properties:
        ResourceArn: !Ref Alb
        WebACLArn: arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/1
"""


def test_load_balancers_follow_listeners_to_functions(tmp_path: Path) -> None:
    app = _app(tmp_path, "serverless.yml", LOAD_BALANCER)
    waf = Setting(
        "web ACL associated by Waf",
        Origin("serverless.yml", ("resources", "Resources", "Waf"), 26, 5),
    )
    assert load_balancers(app) == (
        LoadBalancer(
            "Alb",
            Origin("serverless.yml", ("resources", "Resources", "Alb"), 16, 5),
            True,
            ("page",),
            waf,
        ),
    )
    assert apis(app) == ()


def test_results_are_cached_per_application(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _app(tmp_path / "a", "serverless.yml", SERVERLESS)
    second = _app(tmp_path / "b", "serverless.yml", SERVERLESS.replace("stage: prod", "stage: dev"))
    assert apis(first) is apis(first)
    assert apis(second)[0].stages[0].name == "dev"
    assert apis(first)[0].stages[0].name == "prod"


def test_other_providers_have_no_api_gateway(tmp_path: Path) -> None:
    text = SERVERLESS.replace("name: aws", "name: azure")
    assert apis(_app(tmp_path, "serverless.yml", text)) == ()
