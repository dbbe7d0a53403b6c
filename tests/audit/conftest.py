"""A moto server on loopback, started by the tests, populated with boto3 (never real AWS)."""

from __future__ import annotations

import io
import json
import socket
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
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
    return acct.url


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
