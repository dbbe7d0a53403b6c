"""Chalice and Zappa fixes: written as keys of `.chalice/config.json` and `zappa_settings`.

`slsguard fix` on copies of the Chalice and Zappa fixture apps writes each fix the settings
file can express at its key (a function's own keys under `lambda_functions.<name>`, `xray`
under the stage), after which the findings are gone and nothing new is reported; what the
file cannot express is listed as not applied with the framework's way out, and X-Ray is
turned on only where the framework's own policy grants it.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from slsguard import dialects
from slsguard.cli import main
from slsguard.discovery import discover
from slsguard.findings import Origin
from slsguard.fixes import SetSetting, Target
from slsguard.loading import LoadOptions, load_all
from slsguard.model import Application
from slsguard.scan import ScanOptions, scan

APPS = Path(__file__).resolve().parents[1] / "fixtures" / "rules" / "os-command-injection"


def _copy(app: str, root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(APPS / app, root / app)
    monkeypatch.chdir(root)
    return root / app


def _count(root: Path, rules: tuple[str, ...]) -> Counter[str]:
    return Counter(f.rule.id for f in scan([root], ScanOptions(select=rules)).findings)


def _fix(rules: str, capsys: pytest.CaptureFixture[str]) -> str:
    main(["fix", ".", "--unsafe-fixes", "--select", rules])
    return capsys.readouterr().out


def test_chalice_fixes_are_config_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _copy("chalice-app", tmp_path, monkeypatch)
    before = _count(app, ("SLS402", "SLS404", "SLS503", "SLS110"))
    out = _fix("SLS402,SLS404,SLS503", capsys)
    config = json.loads((app / ".chalice/config.json").read_text())
    dev, prod = config["stages"]["dev"], config["stages"]["prod"]
    assert dev["xray"] is True  # The auto-generated policy grants X-Ray with it.
    own = {"log_retention_in_days": 400}
    assert dev["lambda_functions"] == {"api_handler": own, "on_upload": own}
    assert prod["lambda_functions"]["api_handler"] == {**own, "lambda_timeout": 28}
    # prod's policy is its own file: X-Ray would be denied, so tracing is not turned on.
    assert "xray" not in prod
    assert (
        "the role's policy is yours, not chalice's: allow xray:PutTraceSegments, "
        'xray:PutTelemetryRecords in it, then write "xray": true under stages.prod in '
        ".chalice/config.json"
    ) in out
    after = _count(app, ("SLS402", "SLS404", "SLS503", "SLS110"))
    assert before == Counter({"SLS402": 4, "SLS404": 4, "SLS503": 1})
    assert after == Counter({"SLS402": 2})  # prod's, not applied


def test_zappa_fixes_are_stage_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _copy("zappa-flask", tmp_path, monkeypatch)
    out = _fix("SLS402,SLS404,SLS202", capsys)
    settings = json.loads((app / "zappa_settings.json").read_text())
    assert settings["dev"]["xray_tracing"] is True
    assert settings["prod"]["function_url_config"] == {"authorizer": "AWS_IAM"}
    assert "xray_tracing" not in settings["prod"]  # It `extends` dev, which now has it.
    assert "xray_tracing" not in settings["nightly"]  # Its attach_policy is the user's file.
    assert "not applied: zappa_settings has no key for it" in out  # log retention
    after = _count(app, ("SLS402", "SLS202", "SLS110"))
    assert after == Counter({"SLS402": 1})  # nightly's


def test_zappa_toml_is_not_edited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    settings = '[dev]\napp_function = "app.app"\nruntime = "python3.12"\n'
    (tmp_path / "zappa_settings.toml").write_text(settings)
    monkeypatch.chdir(tmp_path)
    out = _fix("SLS402", capsys)
    assert "slsguard fix edits zappa_settings written in JSON or YAML" in out
    assert (tmp_path / "zappa_settings.toml").read_text() == settings


def test_chalice_route_guard_is_a_decorator_argument_and_the_rest_a_merged_template() -> None:
    report = scan([APPS / "chalice-app"], ScanOptions(select=("SLS304",)))
    app = next(a for a in _apps(APPS / "chalice-app") if a.name == "photo-share (dev)")
    route = Target("route", "GET /photos/{name}", Origin("app.py", ("MethodGETPhotosName",)))
    text = dialects.get("chalice").render(app, SetSetting(route, "auth", "AWS_IAM"))
    assert text == (
        "pass `authorizer=IAMAuthorizer()` (or a `CognitoUserPoolAuthorizer`) to this "
        "`@app.route(...)` in app.py"
    )
    kms = next(f for f in report.findings if f.rule.id == "SLS304")
    assert kms.fix.endswith(
        "not expressible in .chalice/config.json: add it to a template merged with "
        "`chalice package --merge-template extra.json`"
    )


def test_chalice_reads_per_function_settings_and_log_retention(tmp_path: Path) -> None:
    (tmp_path / ".chalice").mkdir()
    (tmp_path / "app.py").write_text(
        "from chalice import Chalice\napp = Chalice(app_name='jobs')\n\n"
        "@app.schedule('rate(1 hour)')\ndef tick(event):\n    return None\n"
    )
    config = {
        "version": "2.0",
        "app_name": "jobs",
        "lambda_functions": {"tick": {"lambda_timeout": 30}},
        "stages": {
            "dev": {"lambda_functions": {"tick": {"log_retention_in_days": 30}}},
        },
    }
    (tmp_path / ".chalice/config.json").write_text(json.dumps(config, indent=2))
    (app,) = _apps(tmp_path)
    (function,) = app.functions
    assert function.settings["Timeout"] == 30
    assert _count(tmp_path, ("SLS404",)) == Counter()


def _apps(root: Path) -> list[Application]:
    return load_all(discover([root]), LoadOptions(), root).apps
