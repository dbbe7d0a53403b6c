"""The HTTP exposure model: exact endpoints for each syntax that declares one."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from slsguard.analysis.http import Auth, Cors, Endpoint, Validation, describe, endpoints
from slsguard.discovery import discover
from slsguard.findings import Origin
from slsguard.loading import LoadOptions, load_all
from slsguard.model import Application

NO_BODY_CHECK = Validation("impossible", "HTTP APIs do not validate request bodies")


def _app(folder: Path, name: str, text: str, **extra: str) -> Application:
    """Write a template (and files it includes) and load it as the only application."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(dedent(text))
    for extra_name, extra_text in extra.items():
        (folder / extra_name.replace("__", ".")).write_text(dedent(extra_text))
    result = load_all(discover([folder], folder), LoadOptions(), folder)
    (app,) = result.apps
    return app


def _by_route(app: Application) -> dict[str, Endpoint]:
    return {f"{e.function or e.api} {e.route}": e for e in endpoints(app)}


def test_serverless_http_events(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        "serverless.yml",
        """\
        service: orders
        provider:
          name: aws
        functions:
          create:
            handler: h.create
            events:
              - http:
                  path: /orders/
                  method: post
                  cors: true
              - http:
                  path: orders
                  method: get
                  private: true
              - http:
                  path: orders/{id}
                  method: put
                  authorizer:
                    arn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x
                  request:
                    schemas:
                      application/json: {type: object}
              - http:
                  path: orders/{id}
                  method: delete
                  authorizer: {name: create, type: request}
        """,
    )
    file = app.file
    found = _by_route(app)
    event = Origin(file, ("functions", "create", "events", 0), 8, 9)
    cors = Origin(file, ("functions", "create", "events", 0, "http", "cors"), 11, 11)
    assert found["create POST /orders"] == Endpoint(
        kind="rest",
        function="create",
        method="POST",
        path="/orders",
        api="orders",
        auth=Auth("none"),
        api_key_required=False,
        validation=Validation("not-validated", "no `request.schemas`", event),
        cors=Cors(("*",), False, cors),
        origin=event,
        syntax="serverless",
    )
    keyed = found["create GET /orders"]
    assert (keyed.auth.kind, keyed.api_key_required) == ("api-key-only", True)
    put = found["create PUT /orders/{id}"]
    assert put.auth == Auth(
        "cognito",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x",
        Origin(file, ("functions", "create", "events", 2, "http", "authorizer"), 19, 11),
    )
    assert put.validation.state == "validated"
    assert found["create DELETE /orders/{id}"].auth.kind == "lambda"
    preflight = found["orders OPTIONS /orders"]
    assert (preflight.preflight, preflight.function, preflight.origin) == (True, None, cors)
    assert describe(app, found["create POST /orders"]) == "orders › create › POST /orders"


def test_serverless_http_api_websocket_url_and_alb(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        "serverless.yml",
        """\
        service: chat
        provider:
          name: aws
          httpApi:
            cors:
              allowedOrigins: [https://app.example.com]
              allowCredentials: true
            authorizers:
              users:
                issuerUrl: https://issuer.example.com
                audience: [app]
          alb:
            authorizers:
              staff: {type: oidc, issuer: https://issuer.example.com}
        functions:
          api:
            handler: h.api
            events:
              - httpApi: '*'
              - httpApi:
                  method: post
                  path: /messages
                  authorizer: users
              - httpApi:
                  method: delete
                  path: /messages/{id}
                  authorizer: {type: aws_iam}
              - alb:
                  listenerArn: arn:aws:elasticloadbalancing:us-east-1:1:listener/app/a/b/c
                  priority: 1
                  authorizer: staff
                  conditions: {path: /staff, method: [get]}
          socket:
            handler: h.socket
            url:
              authorizer: aws_iam
            events:
              - websocket: {route: $connect, authorizer: {name: api}}
              - websocket: $default
        """,
    )
    found = _by_route(app)
    default = found["api ANY $default"]
    assert (default.kind, default.auth, default.validation) == ("http", Auth("none"), NO_BODY_CHECK)
    cors = Origin(app.file, ("provider", "httpApi", "cors"), 5, 5)
    assert default.cors == Cors(("https://app.example.com",), True, cors)
    assert found["api POST /messages"].auth.kind == "jwt"
    assert found["api DELETE /messages/{id}"].auth.kind == "iam"
    alb = found["api GET /staff"]
    assert (alb.kind, alb.auth.kind, alb.auth.authorizer) == ("alb", "oidc", "staff")
    connect, default_route = found["socket $connect"], found["socket $default"]
    assert (connect.kind, connect.method, connect.auth.kind) == ("websocket", "", "lambda")
    assert default_route.auth.kind == "lambda" and default_route.auth.inherited
    url = found["socket ANY /"]
    assert (url.kind, url.auth.kind, url.origin.path) == (
        "url",
        "iam",
        ("functions", "socket", "url"),
    )


def test_sam_default_authorizer_none_api_key_and_models(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        "template.yaml",
        """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Api:
            Cors: "'*'"
            Auth:
              DefaultAuthorizer: Pool
              AddDefaultAuthorizerToCorsPreflight: false
              Authorizers:
                Pool: {UserPoolArn: arn:aws:cognito-idp:us-east-1:1:userpool/x}
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: h.handler
              Runtime: python3.12
              Events:
                Create:
                  Type: Api
                  Properties:
                    Path: /items
                    Method: post
                    RequestModel: {Model: Item, ValidateBody: true}
                Open:
                  Type: Api
                  Properties:
                    Path: /items
                    Method: get
                    Auth: {Authorizer: NONE, ApiKeyRequired: true}
                Catch:
                  Type: HttpApi
              FunctionUrlConfig:
                AuthType: NONE
        """,
    )
    file = app.file
    found = _by_route(app)
    create = found["Fn POST /items"]
    assert create.api == "implicit REST API"
    assert create.auth == Auth(
        "cognito", "Pool", Origin(file, ("Globals", "Api", "Auth", "DefaultAuthorizer"), 6, 7), True
    )
    assert create.validation.state == "validated"
    assert create.cors == Cors(("*",), False, Origin(file, ("Globals", "Api", "Cors"), 4, 5))
    opened = found["Fn GET /items"]
    authorizer = ("Resources", "Fn", "Events", "Open", "Properties", "Auth", "Authorizer")
    assert opened.auth == Auth("api-key-only", origin=Origin(file, authorizer, 28, 20))
    assert opened.api_key_required
    preflight = found["implicit REST API OPTIONS /items"]
    assert preflight.preflight and preflight.auth == Auth("none")
    catch_all = found["Fn ANY $default"]
    assert (catch_all.kind, catch_all.api, catch_all.auth) == (
        "http",
        "implicit HTTP API",
        Auth("none"),
    )
    url = found["Fn ANY /"]
    assert url.auth == Auth(
        "none",
        origin=Origin(file, ("Resources", "Fn", "FunctionUrlConfig", "AuthType"), 32, 9),
    )


def test_cloudformation_methods_routes_and_urls(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        "stack.yaml",
        """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Handler: index.handler, Runtime: python3.12, Role: arn:aws:iam::1:role/r}
          Api:
            Type: AWS::ApiGateway::RestApi
          Items:
            Type: AWS::ApiGateway::Resource
            Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
          Item:
            Type: AWS::ApiGateway::Resource
            Properties: {RestApiId: !Ref Api, ParentId: !Ref Items, PathPart: "{id}"}
          Validator:
            Type: AWS::ApiGateway::RequestValidator
            Properties: {RestApiId: !Ref Api, ValidateRequestBody: true}
          Put:
            Type: AWS::ApiGateway::Method
            Properties:
              RestApiId: !Ref Api
              ResourceId: !Ref Item
              HttpMethod: PUT
              AuthorizationType: AWS_IAM
              ApiKeyRequired: true
              RequestValidatorId: !Ref Validator
              RequestModels: {application/json: Item}
              Integration:
                Type: AWS_PROXY
                Uri: !Join
                  - ""
                  - - arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/
                    - !GetAtt Fn.Arn
                    - /invocations
          Http:
            Type: AWS::ApiGatewayV2::Api
            Properties: {ProtocolType: HTTP}
          Integration:
            Type: AWS::ApiGatewayV2::Integration
            Properties:
              {ApiId: !Ref Http, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn}
          Route:
            Type: AWS::ApiGatewayV2::Route
            Properties:
              ApiId: !Ref Http
              RouteKey: GET /items
              Target: !Join [/, [integrations, !Ref Integration]]
          Url:
            Type: AWS::Lambda::Url
            Properties: {TargetFunctionArn: !GetAtt Fn.Arn, AuthType: AWS_IAM}
        """,
    )
    file = app.file
    found = _by_route(app)
    put = found["Fn PUT /items/{id}"]
    assert put == Endpoint(
        kind="rest",
        function="Fn",
        method="PUT",
        path="/items/{id}",
        api="Api",
        auth=Auth(
            "iam",
            "AWS_IAM",
            Origin(file, ("Resources", "Put", "Properties", "AuthorizationType"), 22, 7),
        ),
        api_key_required=True,
        validation=Validation(
            "validated",
            "validator Validator",
            Origin(file, ("Resources", "Put", "Properties", "RequestValidatorId"), 24, 7),
        ),
        cors=None,
        origin=Origin(file, ("Resources", "Put"), 16, 3),
        syntax="cloudformation",
    )
    route = found["Fn GET /items"]
    assert (route.kind, route.api, route.auth, route.validation.state) == (
        "http",
        "Http",
        Auth("none"),
        "impossible",
    )
    url = found["Fn ANY /"]
    assert (url.kind, url.auth.kind, url.origin) == (
        "url",
        "iam",
        Origin(file, ("Resources", "Url"), 46, 3),
    )


def test_openapi_include_inside_the_scan_root_only(tmp_path: Path) -> None:
    api = """\
        openapi: "3.0.1"
        x-amazon-apigateway-request-validators:
          body: {validateRequestBody: true}
        components:
          securitySchemes:
            jwt:
              type: oauth2
              x-amazon-apigateway-authorizer: {type: jwt}
        paths:
          /things:
            post:
              security: [{jwt: []}]
              x-amazon-apigateway-request-validator: body
              requestBody: {content: {application/json: {schema: {type: object}}}}
              x-amazon-apigateway-integration: {uri: !Sub "${Fn.Arn}", type: aws_proxy}
            get:
              x-amazon-apigateway-integration: {type: mock}
        """
    template = """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {Handler: h.handler, Runtime: python3.12}
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionBody:
                Fn::Transform: {Name: AWS::Include, Parameters: {Location: LOCATION}}
        """
    inside = _app(
        tmp_path / "inside",
        "template.yaml",
        template.replace("LOCATION", "api.yaml"),
        api__yaml=api,
    )
    found = _by_route(inside)
    post = found["Fn POST /things"]
    assert (post.syntax, post.auth.kind, post.auth.authorizer) == ("openapi", "jwt", "jwt")
    assert post.validation.state == "validated"
    assert post.origin.file == "api.yaml"  # relative to the project root, the app folder
    assert found["Api GET /things"].auth == Auth("none")

    (tmp_path / "secret.yaml").write_text(dedent(api))
    outside = _app(
        tmp_path / "outside", "template.yaml", template.replace("LOCATION", "../secret.yaml")
    )
    assert endpoints(outside) == ()


def test_appsync_and_load_balancer(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        "stack.yaml",
        """\
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Handler: index.handler, Runtime: python3.12, Role: arn:aws:iam::1:role/r}
          Graph:
            Type: AWS::AppSync::GraphQLApi
            Properties: {Name: g, AuthenticationType: API_KEY}
          Balancer:
            Type: AWS::ElasticLoadBalancingV2::LoadBalancer
            Properties: {Scheme: internal}
          Group:
            Type: AWS::ElasticLoadBalancingV2::TargetGroup
            Properties: {TargetType: lambda, Targets: [{Id: !GetAtt Fn.Arn}]}
          Listener:
            Type: AWS::ElasticLoadBalancingV2::Listener
            Properties:
              LoadBalancerArn: !Ref Balancer
              DefaultActions: [{Type: forward, TargetGroupArn: !Ref Group}]
        """,
    )
    found = _by_route(app)
    graph = found["Graph POST /graphql"]
    assert (graph.kind, graph.auth.kind, graph.api_key_required) == (
        "appsync",
        "api-key-only",
        True,
    )
    listener = found["Fn ANY *"]
    assert (listener.kind, listener.auth.kind, listener.network) == ("alb", "none", "private")


def test_endpoints_are_computed_once_per_application(tmp_path: Path) -> None:
    app = _app(
        tmp_path,
        "serverless.yml",
        """\
        service: s
        provider: {name: aws}
        functions:
          f: {handler: h.f, events: [{http: GET /}]}
        """,
    )
    assert endpoints(app) is endpoints(app)
