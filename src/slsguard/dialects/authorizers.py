"""How each template syntax writes who an HTTP route lets through (an `Authorizer` value),
and what it checks of a request before the function runs (request validation).

An authorizer the API already declares is named the way each syntax refers to it; a choice
only the author can make (which authorizer, a token type the templates do not show) is a
placeholder, which `slsguard fix` never applies.
"""

from __future__ import annotations

from collections.abc import Callable

from slsguard.fixes import Authorizer, Placeholder

IAM = "AWS_IAM"


def _authorizer(value: object) -> Authorizer:
    return value if isinstance(value, Authorizer) else Authorizer(str(value))


def _named(authorizer: Authorizer) -> str:
    """The authorizer's name, unless it is an intrinsic (`!Ref Auth`) only the template reads."""
    return authorizer.name if not authorizer.name.startswith("!") else ""


def serverless_http(value: object) -> object:
    """`authorizer:` of an `http` event: `aws_iam` or the authorizer the service declares."""
    authorizer = _authorizer(value)
    if authorizer.kind == IAM:
        return "aws_iam"
    return _named(authorizer) or Placeholder("the authorizer, as the API's other routes name it")


def serverless_http_api(value: object) -> object:
    """`authorizer:` of an `httpApi` event: `{type: aws_iam}` or `{name: ...}`."""
    authorizer = _authorizer(value)
    if authorizer.kind == IAM:
        return {"type": "aws_iam"}
    name = _named(authorizer)
    return {"name": name} if name else Placeholder("a JWT authorizer of provider.httpApi")


def serverless_lambda_only(value: object) -> object:
    """`authorizer:` of a `$connect` or `alb` event: only an authorizer the service names."""
    name = _named(_authorizer(value))
    return {"name": name} if name else Placeholder("an authorizer the service declares")


def serverless_alb(value: object) -> object:
    """`authorizer:` of an `alb` event: a cognito or oidc authorizer of `provider.alb`."""
    name = _named(_authorizer(value))
    return name or Placeholder("a cognito or oidc authorizer of provider.alb.authorizers")


def sam(value: object) -> object:
    """`Auth.Authorizer` of a SAM event: `AWS_IAM` or an authorizer of the API's `Auth`."""
    authorizer = _authorizer(value)
    if authorizer.kind == IAM:
        return IAM
    return _named(authorizer) or Placeholder("an authorizer of the API's Auth.Authorizers")


def sam_http(value: object) -> object:
    """SAM HTTP APIs take `AWS_IAM` only with `EnableIamAuthorizer` on the API."""
    authorizer = _authorizer(value)
    if authorizer.kind == IAM:
        return Placeholder("a JWT authorizer of the API, or AWS_IAM with EnableIamAuthorizer")
    return sam(authorizer)


def authorization_type(reference: str) -> Callable[[object], object]:
    """The `AuthorizationType` of a method or route resource: `AWS_IAM`, else the type with
    the authorizer's id, written as `reference` says (`AuthorizerId: !Ref {}`)."""

    def transform(value: object) -> object:
        authorizer = _authorizer(value)
        if authorizer.kind == IAM:
            return IAM
        name = _named(authorizer) or "<authorizer>"
        return Placeholder(f"{authorizer.kind}, with {reference.format(name)}")

    return transform


def openapi_security(value: object) -> object:
    """An operation's `security`: the scheme the definition declares."""
    name = _named(_authorizer(value))
    if name:
        return [{name: []}]
    return Placeholder("a scheme of securitySchemes (sigv4 for AWS_IAM)")


def appsync(value: object) -> object:
    """A GraphQL API's `AuthenticationType`."""
    authorizer = _authorizer(value)
    return IAM if authorizer.kind == IAM else Placeholder(authorizer.kind)


def validation(text: str) -> Callable[[object], object]:
    """Request validation where it needs a model or validator only the author can write:
    `text` says, in the syntax's words, what to write."""

    def transform(_value: object) -> object:
        return Placeholder(text)

    return transform


def serverless_request(_value: object) -> object:
    """`request.schemas` of an `http` event: the author's JSON schema of the body."""
    return {
        "schemas": {
            "application/json": Placeholder("the body's JSON schema: ${file(schemas/order.json)}")
        }
    }


def sam_request_model(_value: object) -> object:
    """A SAM event's `RequestModel`, with a model of the API's `Models`."""
    model = Placeholder("a model of the API's Models")
    return {"Model": model, "Required": True, "ValidateBody": True}


def origins(value: object) -> object:
    """A list of allowed origins (`AllowOrigins`, `allowedOrigins`, `allow_origins`)."""
    return value if isinstance(value, list) else [value]


def quoted_origin(value: object) -> object:
    """SAM's `Cors.AllowOrigin`: one origin, in the single quotes API Gateway wants."""
    text = value.text if isinstance(value, Placeholder) else str(value)
    return Placeholder(f"'{text}'") if isinstance(value, Placeholder) else f"'{text}'"


def preflight_origin(_value: object) -> object:
    """A REST API's OPTIONS method: the origin its integration response returns."""
    return Placeholder(
        "IntegrationResponses whose method.response.header.Access-Control-Allow-Origin is "
        "your front end's origin"
    )
