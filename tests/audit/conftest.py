"""A moto server on loopback, started by the tests, populated with boto3 (never real AWS)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

REGION = "us-east-1"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True)
class Account:
    """The running server and how to reach it."""

    url: str

    def client(self, service: str, region: str = REGION, **extra: Any) -> Any:
        """A boto3 client for the server with dummy credentials."""
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=extra.get("key", "testing"),
            aws_secret_access_key=extra.get("secret", "testing"),
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def moto_url(monkeypatch_session: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto server for the test session."""
    server = moto_server.ThreadedMotoServer(
        ip_address="127.0.0.1", port=_free_port(), verbose=False
    )
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def monkeypatch_session() -> Iterator[pytest.MonkeyPatch]:
    """Dummy credentials for the whole session, so nothing reads the user's own."""
    patch = pytest.MonkeyPatch()
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        patch.delenv(name, raising=False)
    patch.setenv("AWS_ACCESS_KEY_ID", "testing")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    patch.setenv("AWS_DEFAULT_REGION", REGION)
    patch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # AdministratorAccess, ...
    patch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    yield patch
    patch.undo()


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _role(iam: Any, name: str, inline: dict[str, Any] | None, managed: list[str]) -> str:
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    if inline is not None:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(inline))
    for policy in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def _document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.fixture(scope="session")
def account_url(moto_url: str) -> str:
    """The URL of an account with risky and safe functions, in the `orders` stack and not."""
    acct = Account(moto_url)
    iam, lam = acct.client("iam"), acct.client("lambda")
    escalate = iam.create_policy(
        PolicyName="deployer",
        PolicyDocument=json.dumps(
            _document(
                {
                    "Effect": "Allow",
                    "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
                    "Resource": "*",
                }
            )
        ),
    )["Policy"]["Arn"]
    risky = _role(
        iam,
        "orders-risky",
        _document({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}),
        [escalate, "arn:aws:iam::aws:policy/AdministratorAccess"],
    )
    safe = _role(
        iam,
        "orders-safe",
        _document(
            {
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
            }
        ),
        [],
    )
    stack = {"aws:cloudformation:stack-name": "orders"}
    lam.create_function(
        FunctionName="orders-pay",
        Runtime="python3.7",
        Role=risky,
        Handler="app.handler",
        Code={"ZipFile": _zip("def handler(event, context):\n    return 1\n")},
        Environment={"Variables": {"DB_PASSWORD": "Tr0ub4dor-and-3-horses", "TABLE": "orders"}},
        Tags=stack,
        Timeout=900,
    )
    lam.create_function_url_config(FunctionName="orders-pay", AuthType="NONE")
    lam.add_permission(
        FunctionName="orders-pay",
        StatementId="public-url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    lam.add_permission(
        FunctionName="orders-pay",
        StatementId="anyone",
        Action="lambda:InvokeFunction",
        Principal="*",
    )
    lam.create_function(
        FunctionName="orders-list",
        Runtime="python3.12",
        Role=safe,
        Handler="app.handler",
        Code={"ZipFile": _zip("def handler(event, context):\n    return []\n")},
        Tags=stack,
        TracingConfig={"Mode": "Active"},
    )
    lam.add_permission(
        FunctionName="orders-list",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::orders-uploads",
        SourceAccount="123456789012",
    )
    lam.create_function(
        FunctionName="handmade",
        Runtime="nodejs22.x",
        Role=safe,
        Handler="index.handler",
        Code={"ZipFile": _zip("exports.handler = async () => 1;\n")},
    )
    logs = acct.client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/orders-list")
    logs.put_retention_policy(logGroupName="/aws/lambda/orders-list", retentionInDays=30)
    logs.create_log_group(logGroupName="/aws/lambda/orders-pay")
    acct.client("cloudwatch").put_metric_alarm(
        AlarmName="orders-list-errors",
        Namespace="AWS/Lambda",
        MetricName="Errors",
        Dimensions=[{"Name": "FunctionName", "Value": "orders-list"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    _apis(acct)
    _sources(acct)
    return acct.url


FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"


def _uri(name: str) -> str:
    path = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
    return f"{path}{FUNCTION}{name}/invocations"


def _rest_api(ag: Any, name: str, function: str, path: str, **method: Any) -> tuple[str, str]:
    api = ag.create_rest_api(name=name)["id"]
    root = ag.get_resources(restApiId=api)["items"][0]["id"]
    resource = ag.create_resource(restApiId=api, parentId=root, pathPart=path)["id"]
    ag.put_method(restApiId=api, resourceId=resource, httpMethod="POST", **method)
    ag.put_integration(
        restApiId=api,
        resourceId=resource,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=_uri(function),
    )
    return api, resource


def _apis(acct: Account) -> None:
    """`orders-api`: an open, unvalidated REST API with a bare stage; `list-api`: guarded,
    validated, traced, logged, throttled and behind a web ACL; an HTTP API with an open and
    a JWT route."""
    ag = acct.client("apigateway")
    open_api, _ = _rest_api(ag, "orders-api", "orders-pay", "pay", authorizationType="NONE")
    ag.create_deployment(restApiId=open_api, stageName="prod")
    guarded = ag.create_rest_api(name="list-api")["id"]
    authorizer = ag.create_authorizer(
        restApiId=guarded,
        name="tokens",
        type="TOKEN",
        authorizerUri=_uri("handmade"),
        identitySource="method.request.header.Authorization",
    )["id"]
    validator = ag.create_request_validator(
        restApiId=guarded, name="body", validateRequestBody=True
    )["id"]
    root = ag.get_resources(restApiId=guarded)["items"][0]["id"]
    resource = ag.create_resource(restApiId=guarded, parentId=root, pathPart="list")["id"]
    ag.put_method(
        restApiId=guarded,
        resourceId=resource,
        httpMethod="POST",
        authorizationType="CUSTOM",
        authorizerId=authorizer,
        requestValidatorId=validator,
        requestModels={"application/json": "Empty"},
    )
    ag.put_integration(
        restApiId=guarded,
        resourceId=resource,
        httpMethod="POST",
        type="AWS_PROXY",
        integrationHttpMethod="POST",
        uri=_uri("orders-list"),
    )
    ag.create_deployment(restApiId=guarded, stageName="live")
    ag.update_stage(
        restApiId=guarded,
        stageName="live",
        patchOperations=[
            {"op": "replace", "path": "/tracingEnabled", "value": "true"},
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "10"},
            {
                "op": "replace",
                "path": "/accessLogSettings/destinationArn",
                "value": "arn:aws:logs:us-east-1:123456789012:log-group:api-access",
            },
            {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
        ],
    )
    waf = acct.client("wafv2")
    acl = waf.create_web_acl(
        Name="api-acl",
        Scope="REGIONAL",
        DefaultAction={"Allow": {}},
        VisibilityConfig={
            "SampledRequestsEnabled": False,
            "CloudWatchMetricsEnabled": False,
            "MetricName": "api-acl",
        },
    )["Summary"]["ARN"]
    waf.associate_web_acl(
        WebACLArn=acl, ResourceArn=f"arn:aws:apigateway:us-east-1::/restapis/{guarded}/stages/live"
    )
    v2 = acct.client("apigatewayv2")
    http = v2.create_api(Name="orders-http", ProtocolType="HTTP")["ApiId"]
    target = v2.create_integration(
        ApiId=http,
        IntegrationType="AWS_PROXY",
        IntegrationUri=FUNCTION + "orders-list",
        PayloadFormatVersion="2.0",
    )["IntegrationId"]
    jwt = v2.create_authorizer(
        ApiId=http,
        AuthorizerType="JWT",
        Name="jwt",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Audience": ["orders"], "Issuer": "https://issuer.example"},
    )["AuthorizerId"]
    v2.create_route(ApiId=http, RouteKey="GET /orders", Target=f"integrations/{target}")
    v2.create_route(
        ApiId=http,
        RouteKey="POST /orders",
        Target=f"integrations/{target}",
        AuthorizationType="JWT",
        AuthorizerId=jwt,
    )
    v2.create_stage(ApiId=http, StageName="$default")


def _sources(acct: Account) -> None:
    """A queue anyone may write to, a topic only its owner may publish to, and the
    `orders-uploads` bucket (which may invoke `orders-list`) with a public-write policy."""
    sqs = acct.client("sqs")
    public = _document(
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}
    )
    sqs.create_queue(QueueName="orders-jobs", Attributes={"Policy": json.dumps(public)})
    acct.client("lambda").create_event_source_mapping(
        EventSourceArn="arn:aws:sqs:us-east-1:123456789012:orders-jobs",
        FunctionName="orders-list",
    )
    sns = acct.client("sns")
    topic = sns.create_topic(Name="orders-news")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=FUNCTION + "orders-list")
    s3 = acct.client("s3")
    s3.create_bucket(Bucket="orders-uploads")
    writable = _document(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::orders-uploads/*",
        }
    )
    s3.put_bucket_policy(Bucket="orders-uploads", Policy=json.dumps(writable))
    s3.put_bucket_notification_configuration(
        Bucket="orders-uploads",
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": FUNCTION + "orders-list", "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )


class _Denying(BaseHTTPRequestHandler):
    """Forwards to moto, but answers AccessDenied for `lambda:GetPolicy` and
    `iam:ListAttachedRolePolicies`, as AWS does for an auditor lacking them."""

    upstream = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        """Lambda REST calls."""
        self._handle(b"")

    def do_POST(self) -> None:
        """Query-protocol calls (IAM, CloudWatch) and JSON calls (logs)."""
        self._handle(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def _handle(self, body: bytes) -> None:
        if self.command == "GET" and self.path.split("?")[0].endswith("/policy"):
            payload = {"Type": "User", "message": "not authorized to perform: lambda:GetPolicy"}
            self._reply(403, json.dumps(payload).encode(), "AccessDeniedException")
            return
        if b"Action=ListAttachedRolePolicies" in body:
            xml = (
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                "<Message>not authorized to perform: iam:ListAttachedRolePolicies</Message>"
                "</Error></ErrorResponse>"
            )
            self._reply(403, xml.encode(), None)
            return
        request = urllib.request.Request(
            self.upstream + self.path,
            data=body or None,
            method=self.command,
            headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
        )
        try:
            with urllib.request.urlopen(request) as response:
                self._reply(response.status, response.read(), None, dict(response.headers))
        except urllib.error.HTTPError as error:
            self._reply(error.code, error.read(), None, dict(error.headers))

    def _reply(
        self, status: int, body: bytes, error: str | None, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            if key.lower() not in (
                "content-length",
                "transfer-encoding",
                "connection",
                "server",
                "date",
            ):
                self.send_header(key, value)
        if error:
            self.send_header("x-amzn-ErrorType", error)
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="session")
def denying_url(account_url: str) -> Iterator[str]:
    """A loopback proxy in front of the test account that refuses two read permissions."""
    handler = type("Handler", (_Denying,), {"upstream": account_url})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


Answer = Callable[[str, str, bytes], "tuple[int, bytes, dict[str, str]] | None"]
"""Given the method, path and body of a request: a reply (status, body, headers) in AWS's
place, or None to forward the request to the server."""


class _Forwarding(BaseHTTPRequestHandler):
    """Forwards every request to `upstream`, unless `answer` replies in its place."""

    upstream = ""
    answer: Answer = staticmethod(lambda method, path, body: None)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        """REST calls."""
        self._handle(b"")

    def do_POST(self) -> None:
        """Query, JSON and REST calls."""
        self._handle(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def _handle(self, body: bytes) -> None:
        own = self.answer(self.command, self.path, body)
        self._reply(*(own if own is not None else self._forward(body)))

    def _forward(self, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        """The upstream server's reply to this request."""
        request = urllib.request.Request(
            self.upstream + self.path,
            data=body or None,
            method=self.command,
            headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
        )
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "date"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def proxy(upstream: str, answer: Answer) -> Iterator[str]:
    """A loopback proxy in front of `upstream` that lets `answer` reply in AWS's place."""
    handler = type(
        "Handler", (_Forwarding,), {"upstream": upstream, "answer": staticmethod(answer)}
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


Proxy = Callable[[str, Answer], contextlib.AbstractContextManager[str]]


@pytest.fixture(scope="session")
def loopback_proxy() -> Proxy:
    """`proxy(upstream, answer)`: a context manager giving a proxy's URL."""
    return proxy


@dataclass
class Throttle:
    """How a throttling proxy treats one account, and every request it saw.

    The account's access keys are learnt from the `AssumeRole` replies that pass through the
    proxy; its first `times` Lambda requests are answered as AWS answers a caller over its
    rate (429 `TooManyRequestsException`), every other request is forwarded."""

    account: str
    times: int
    keys: set[str] = field(default_factory=set)
    seen: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Sent:
    """One request through the throttling proxy: whose keys, which request, the answer."""

    key: str
    request: tuple[str, str, str]
    """(signing region, method, path): a retry repeats it exactly."""
    status: int


_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/")
_ACCESS_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
RATE_EXCEEDED = (
    429,
    b'{"message": "Rate exceeded"}',
    {"x-amzn-ErrorType": "TooManyRequestsException", "Content-Type": "application/json"},
)


class _Throttling(_Forwarding):
    """Forwards to `upstream`, throttling one account's first Lambda requests (`throttle`)."""

    throttle = Throttle("", 0)

    def _handle(self, body: bytes) -> None:
        throttle = self.throttle
        signed = _CREDENTIAL.search(self.headers.get("Authorization", ""))
        key, region = signed.groups() if signed else ("", "")
        with throttle.lock:
            refused = key in throttle.keys and throttle.times > 0 and "/functions" in self.path
            throttle.times -= refused
        reply = RATE_EXCEEDED if refused else self._forward(body)
        if b"Action=AssumeRole" in body and f"%3A{throttle.account}%3A".encode() in body:
            with throttle.lock:
                throttle.keys.update(k.decode() for k in _ACCESS_KEY.findall(reply[1]))
        with throttle.lock:
            throttle.seen.append(Sent(key, (region, self.command, self.path), reply[0]))
        self._reply(*reply)


@contextlib.contextmanager
def throttling(upstream: str, account: str, times: int) -> Iterator[tuple[str, Throttle]]:
    """A loopback proxy in front of `upstream` throttling `account`'s first `times` Lambda
    requests: its URL, and what it does and sees."""
    throttle = Throttle(account, times)
    handler = type("Handler", (_Throttling,), {"upstream": upstream, "throttle": throttle})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", throttle
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def throttling_proxy() -> Callable[
    [str, str, int], contextlib.AbstractContextManager[tuple[str, Throttle]]
]:
    """`throttling(upstream, account, times)`: a throttling proxy's URL and its `Throttle`."""
    return throttling
