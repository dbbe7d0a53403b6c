"""Secrets planted in every place a rule can quote never reach any output or the baseline.

Each secret is distinctive; the test greps every output format, the baseline and stderr for
it, whole and without its first characters (a masked value keeps at most four).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slsguard.cli import main
from slsguard.formats import FORMATS

GITHUB = "ghp_Zq8Xw2Lm4Np6Rt9Vb1Cd3Fg5Hj7Kk0Ms2Qx4"
STRIPE = "sk_live_51Hq8ZrT5vW3yK9mN2pL7xQ4"
AWS_SECRET = "wJalrXUtnFEMI7K7MDENGbPxRfiCYzQ9xLmN3pQ2"
PASSWORD = "Pq9zS3cr3tW0rdXyZ77"
# Tokens glued to other letters (not tokens by themselves for detection, still masked), in
# a function's name, a route, a role name and a handler's code.
GLUED_NAME = "ghp_Gl8Ue2Dn4Am6Ef9Vb1Cd3Fg5Hj7Kk0Ms2Qx4"
GLUED_ROUTE = "xoxb-302913847562-4729105836472-QmR8sT2vW5yZ9aC4eF7hJ1kL"
GLUED_ROLE = "AKIAQ4GLUEDR0LE7XYZW"
GLUED_CODE = "sk_live_51Gl8UeDc0D3vW3yK9mN2pL7xQ4"
SECRETS = (GITHUB, STRIPE, AWS_SECRET, PASSWORD, GLUED_NAME, GLUED_ROUTE, GLUED_ROLE, GLUED_CODE)

FILES = {
    "serverless.yml": f"""\
service: leak
provider:
  name: aws
  runtime: python3.12
  environment:
    STRIPE_KEY: {STRIPE}
    DATABASE_URL: postgres://app:{PASSWORD}@db.internal:5432/app
custom:
  token: {GITHUB}
  iam:
    role:
      name: role{GLUED_ROLE}x
      statements:
        - Effect: Allow
          Action: "*"
          Resource: "*"
functions:
  main:
    handler: handler.main
    description: ${{ssm:/app/${{self:custom.token}}/missing}}
    events:
      - httpApi: POST /run
  fn{GLUED_NAME}:
    handler: handler.main
    events:
      - httpApi: GET /hook/a{GLUED_ROUTE}
""",
    # A code-flow step and the source line of the sink quote the secret.
    "handler.py": f"""\
import os
GITHUB_TOKEN = "{GITHUB}"

def main(event, context):
    cmd = "curl -H 'Authorization: Bearer {GITHUB}' https://x/" + event["body"]
    os.system(cmd)

def other(event, context):
    os.system("echo key{GLUED_CODE}z " + event["body"])
""",
    # SLS801 quotes the CI command line.
    ".github/workflows/deploy.yml": f"""\
name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: aws configure set aws_secret_access_key {AWS_SECRET} && npx serverless deploy
        env:
          AWS_ACCESS_KEY_ID: AKIAZ7QWERTYUIOP2345
          AWS_SECRET_ACCESS_KEY: {AWS_SECRET}
""",
    ".env": f"API_TOKEN={STRIPE}\n",
    # A parse error at a line that holds a secret.
    "broken.yaml": f'Resources:\n  A:\n    Type: AWS::S3::Bucket\n    X: {{B: "{GITHUB}\n',
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("leak")
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text or secret[6:] in text]


@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_no_output_format_shows_a_secret(
    project: Path, tmp_path: Path, format_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"report.{format_name}"
    account = ["--aws-account-id", "123456789012", "--region", "eu-west-1"]
    extra = account if format_name == "asff" else []
    main(["scan", str(project), "--verbose", "--format", format_name, "-o", str(out), *extra])
    assert _leaks(out.read_text(encoding="utf-8")) == []
    assert _leaks(capsys.readouterr().err) == []


def test_the_baseline_shows_no_secret(project: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    main(["scan", str(project), "--write-baseline", str(baseline), "-o", str(tmp_path / "r")])
    text = baseline.read_text(encoding="utf-8")
    assert "ghp_****" in text or "****" in text
    assert _leaks(text) == []


def test_the_planted_secrets_are_found(project: Path, tmp_path: Path) -> None:
    """The test means something only if the rules quote the places the secrets are in."""
    out = tmp_path / "report.json"
    main(["scan", str(project), "--verbose", "--format", "json", "-o", str(out)])
    text = out.read_text(encoding="utf-8")
    for rule in ("SLS301", "SLS303", "SLS305", "SLS601", "SLS801", "SLS001"):
        assert f'"rule_id": "{rule}"' in text
    assert '"function": "fngh****"' in text  # the glued token in a function's name
