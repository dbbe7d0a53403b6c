#!/usr/bin/env python3
"""Time ``slsguard audit`` against a generated account on a local moto server.

The script starts ``moto.server.ThreadedMotoServer`` on 127.0.0.1 (a free port; never AWS),
creates ``--functions`` functions (default 200) spread over stacks of 20, each with its own
execution role and an inline policy, environment variables (one in five holds a
secret-looking value), a function URL on one in four and a log group on every other one, then
times the whole ``slsguard audit --endpoint-url ... --format json`` process (interpreter
start-up included): one warm-up run, then the median of ``--runs``. It prints a Markdown table
(or ``--json``). Needs ``boto3`` and ``moto[server]``.

With ``--accounts N`` the functions are spread over N member accounts of an organization
(created through roles moto lets anyone assume) and ``slsguard audit --organization`` is
timed instead (the calling account holds none).

Usage::

    python benchmarks/audit.py [--functions 200] [--accounts 0] [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
import zipfile
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_SIZE = 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def _client(url: str, service: str, keys: dict[str, str] | None = None) -> Any:
    import boto3  # type: ignore[import-untyped]

    given = keys or {"AccessKeyId": "testing", "SecretAccessKey": "testing"}
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=given["AccessKeyId"],
        aws_secret_access_key=given["SecretAccessKey"],
        aws_session_token=given.get("SessionToken"),
    )


def organization(url: str, accounts: int, functions: int) -> None:
    """An organization of `accounts` members sharing `functions` functions."""
    org = _client(url, "organizations")
    org.create_organization(FeatureSet="ALL")
    sts = _client(url, "sts")
    for index in range(accounts):
        status = org.create_account(Email=f"m{index}@example.com", AccountName=f"m{index}")
        account = status["CreateAccountStatus"]["AccountId"]
        role = f"arn:aws:iam::{account}:role/slsguard-audit"
        keys = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
        share = functions // accounts + (1 if index < functions % accounts else 0)
        populate(url, share, keys)


def populate(url: str, count: int, keys: dict[str, str] | None = None) -> None:
    """Create `count` functions with roles, environments, some URLs and log groups (in the
    account of `keys`, the default account without)."""
    iam, lam, logs = (_client(url, service, keys) for service in ("iam", "lambda", "logs"))
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    code = _zip()
    for index in range(count):
        name = f"svc{index // STACK_SIZE}-fn-{index}"
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        action = "dynamodb:*" if index % 3 == 0 else "dynamodb:GetItem"
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
        }
        iam.put_role_policy(RoleName=name, PolicyName="data", PolicyDocument=json.dumps(policy))
        variables = {"TABLE": f"table-{index}", "STAGE": "prod"}
        if index % 5 == 0:
            variables["API_TOKEN"] = f"sk_live_{index:04d}a8f3k2j9d8s7q6w5e4r3"
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12" if index % 4 else "python3.8",
            Role=role["Role"]["Arn"],
            Handler="app.handler",
            Code={"ZipFile": code},
            Environment={"Variables": variables},
            Tags={"aws:cloudformation:stack-name": f"svc{index // STACK_SIZE}"},
        )
        if index % 4 == 0:
            lam.create_function_url_config(FunctionName=name, AuthType="NONE")
        if index % 2 == 0:
            logs.create_log_group(logGroupName=f"/aws/lambda/{name}")


def time_audit(url: str, whole_organization: bool = False) -> tuple[float, dict[str, Any]]:
    """Seconds one `slsguard audit` process takes, and its JSON report."""
    command = [sys.executable, "-m", "slsguard", "audit", "--endpoint-url", url]
    command += ["--region", REGION, "--format", "json"]
    command += ["--organization"] if whole_organization else []
    environ = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=environ, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"slsguard audit failed ({done.returncode}): {done.stderr}")
    return elapsed, json.loads(done.stdout)


def main(argv: list[str] | None = None) -> int:
    """Start moto, fill it, time the audit and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=0, help="members of an organization")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # No request log on the terminal.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "false")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        started = time.perf_counter()
        if args.accounts:
            organization(url, args.accounts, args.functions)
        else:
            populate(url, args.functions)
        setup = time.perf_counter() - started
        whole = args.accounts > 0
        time_audit(url, whole)  # Warm-up.
        timings = [time_audit(url, whole) for _ in range(args.runs)]
    finally:
        server.stop()
    median = statistics.median(seconds for seconds, _ in timings)
    report = timings[0][1]
    findings = len(report.get("findings", []))
    result = {
        "functions": args.functions,
        "accounts": args.accounts or 1,
        "runs": args.runs,
        "median_seconds": round(median, 2),
        "functions_per_second": round(args.functions / median, 1),
        "findings": findings,
        "setup_seconds": round(setup, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"| functions | accounts | audit (median of {args.runs}) | functions/s | findings |")
    print("|---:|---:|---:|---:|---:|")
    print(
        f"| {args.functions} | {result['accounts']} | {median:.2f} s "
        f"| {result['functions_per_second']} | {findings} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
