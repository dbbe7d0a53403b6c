"""`--history FILE`: audits appended as JSON lines, and their evolution (`--show`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from slsguard.audit.history import Entry, Seen, evolution, load, render_text
from slsguard.cli import main

boto3 = pytest.importorskip("boto3")

REGION = "ap-southeast-2"
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
SECRET = {"Variables": {"DB_PASSWORD": "Tr0ub4dor-and-3-horses"}}


def _lambda(url: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _create(url: str, name: str, role: str, **extra: Any) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    _lambda(url).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
        **extra,
    )


def _audit(url: str, history: Path) -> int:
    args = ["audit", "--endpoint-url", url, "--region", REGION, "--select", "SLS301"]
    return main([*args, "--history", str(history), "-o", str(history.with_suffix(".txt"))])


def _arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:123456789012:function:{name}"


def test_two_audits_one_fixed_one_added(
    moto_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    iam = boto3.client(
        "iam",
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    role = iam.create_role(RoleName="history-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    arn = role["Role"]["Arn"]
    _create(moto_url, "history-old", arn, Environment=SECRET)
    history = tmp_path / "audits.jsonl"
    assert _audit(moto_url, history) == 1
    _lambda(moto_url).update_function_configuration(
        FunctionName="history-old", Environment={"Variables": {}}
    )
    _create(moto_url, "history-new", arn, Environment=SECRET)
    assert _audit(moto_url, history) == 1

    lines = history.read_text().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["account"] == "123456789012" and first["regions"] == [REGION]
    assert first["counts"]["critical"] + first["counts"]["high"] >= 1
    assert [f["where"] for f in first["findings"]] == [_arn("history-old")]
    assert [f["where"] for f in second["findings"]] == [_arn("history-new")]

    code = main(["audit", "--history", str(history), "--show", "--format", "json"])
    steps = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [len(s["new"]) for s in steps] == [1, 1]
    assert steps[1]["fixed"] == [first["findings"][0]["fingerprint"]]
    assert steps[1]["new"] == [second["findings"][0]["fingerprint"]]
    assert steps[1]["still_open"] == []

    assert main(["audit", "--history", str(history), "--show"]) == 0
    text = capsys.readouterr().out
    assert f"+ new   SLS301 {_arn('history-new')}" in text
    assert f"- fixed SLS301 {_arn('history-old')}" in text


def test_still_open_and_unreadable_lines(tmp_path: Path) -> None:
    kept, gone, added = Seen("a", "SLS301", "x"), Seen("b", "SLS302", "y"), Seen("c", "R", "z")
    entries = [
        Entry("t1", "1", ("r",), {"high": 2}, (kept, gone)),
        Entry("t2", "1", ("r",), {"high": 2}, (kept, added)),
    ]
    path = tmp_path / "h.jsonl"
    body = "\n".join(json.dumps(e.to_json()) for e in entries)
    path.write_text("not json\n" + body + "\n{}\n")
    loaded = load(path)
    assert loaded == entries
    step = evolution(loaded)[1]
    assert (step.new, step.fixed, step.still_open) == ((added,), (gone,), (kept,))
    assert "| t2 | 1 | r | 2 | 1 | 1 | 1 |" in render_text(evolution(loaded))


def test_show_needs_a_readable_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--show"]) == 2
    assert main(["audit", "--history", str(tmp_path / "none.jsonl"), "--show"]) == 2
    assert "cannot read history" in capsys.readouterr().err


def test_each_account_is_compared_with_its_own_previous_audit() -> None:
    alpha, beta = Seen("a", "SLS301", "x"), Seen("b", "SLS301", "y")
    entries = [  # An organization audit: one entry per account, twice.
        Entry("t1", "111111111111", ("r",), {}, (alpha,)),
        Entry("t1", "222222222222", ("r",), {}, (beta,)),
        Entry("t2", "111111111111", ("r",), {}, (alpha,)),
        Entry("t2", "222222222222", ("r",), {}, ()),
    ]
    steps = evolution(entries)
    assert (steps[2].new, steps[2].fixed, steps[2].still_open) == ((), (), (alpha,))
    assert (steps[3].new, steps[3].fixed, steps[3].still_open) == ((), (beta,), ())
