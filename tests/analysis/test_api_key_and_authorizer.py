"""An API key together with an authorizer on one method: both apply (AND), not either (issue
15, item 3). The method is authenticated by the authorizer, still needs the key, and SLS201
does not report it; OpenAPI alternatives (`security: [{api_key: []}, {Auth: []}]`) are OR,
and the weakest alternative decides."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from slsguard.analysis.http import endpoints
from slsguard.discovery import discover
from slsguard.loading import LoadOptions, load_all
from slsguard.project import find as find_project
from slsguard.scan import ScanOptions, scan

SERVERLESS = """\
service: orders
provider: {name: aws, runtime: python3.12}
functions:
  create:
    handler: handler.create
    events:
      - http:
          path: orders
          method: post
          private: true
          authorizer: aws_iam
"""

SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        Authorizers:
          Users: {UserPoolArn: !GetAtt Pool.Arn}
  Create:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): return {}"
      Events:
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /orders
            Method: post
            Auth: {ApiKeyRequired: true, Authorizer: Users}
"""

CLOUDFORMATION = r"""
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: orders}
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}
  Users:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Type: COGNITO_USER_POOLS
      ProviderARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x]
  Post:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: POST
      ApiKeyRequired: true
      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !Ref Users
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/\
          ${Fn.Arn}/invocations"
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code: {ZipFile: "def handler(event, context): return {}"}
"""

OPENAPI = r"""
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        openapi: "3.0.1"
        components:
          securitySchemes:
            api_key: {type: apiKey, name: x-api-key, in: header}
            Users:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authtype: cognito_user_pools
        paths:
          /orders:
            post:
              security: [{SECURITY}]
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\
                  functions/${Fn.Arn}/invocations"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(event, context): return {}"
"""

BOTH = "{api_key: [], Users: []}"
EITHER = "{api_key: []}, {Users: []}"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(dedent(text))
    return folder


def _post(folder: Path) -> tuple[str, bool]:
    (app,) = load_all(discover([folder], folder), LoadOptions(), folder).apps
    (post,) = [e for e in endpoints(app) if e.method == "POST"]
    return post.auth.kind, post.api_key_required


def _sls201(folder: Path) -> list[str]:
    options = ScanOptions(select=("SLS201",), project=find_project([folder], root=folder))
    return [finding.severity.value for finding in scan([folder], options).findings]


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [
        ("serverless.yml", SERVERLESS, "iam"),
        ("template.yaml", SAM, "cognito"),
        ("template.yaml", CLOUDFORMATION, "cognito"),
        ("template.yaml", OPENAPI.replace("{SECURITY}", BOTH), "cognito"),
    ],
    ids=["serverless", "sam", "cloudformation", "openapi"],
)
def test_a_key_and_an_authorizer_both_apply(
    tmp_path: Path, name: str, text: str, kind: str
) -> None:
    folder = _write(tmp_path / "app", name, text)
    assert _post(folder) == (kind, True)
    assert _sls201(folder) == []


def test_openapi_alternatives_let_the_key_alone_in(tmp_path: Path) -> None:
    folder = _write(tmp_path / "app", "template.yaml", OPENAPI.replace("{SECURITY}", EITHER))
    assert _post(folder) == ("api-key-only", False)
    assert _sls201(folder) == ["low"]
