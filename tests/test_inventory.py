"""`slsguard inventory`: every function with its triggers, role, secrets and finding counts."""

from __future__ import annotations

import json
from pathlib import Path

from slsguard.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_inventory_json_of_the_demo_apps(tmp_path: Path) -> None:
    out = tmp_path / "inventory.json"
    assert main(["inventory", str(EXAMPLES), "--format", "json", "-o", str(out)]) == 0
    rows = {(row["app"], row["name"]): row for row in json.loads(out.read_text())["functions"]}
    assert set(rows) == {
        ("orders-api", "createOrder"),
        ("orders-api", "listOrders"),
        ("orders-api", "refundOrder"),
        ("thumbnails/template", "ResizeFunction"),
        ("thumbnails/template", "CatalogFunction"),
        ("examples/terraform-app", "charge"),
        ("examples/terraform-app", "refund"),
        ("examples/terraform-app", "module.receipts.worker"),
        # The example rule package's annotated fixture (examples/custom-rule) is an app too.
        ("shop", "api"),
        ("shop", "worker"),
    }
    create = rows[("orders-api", "createOrder")]
    assert create["runtime"] == "python3.12"
    assert create["triggers"] == [
        "POST /orders (HTTP API, internet, no auth, no body validation possible at the gateway)"
    ]
    assert rows[("orders-api", "listOrders")]["triggers"] == [
        "GET /orders (HTTP API, internet, no auth)"
    ]
    assert create["role"] == "IamRoleLambdaExecution"
    assert create["role_shared_with"] == ["listOrders", "refundOrder"]
    assert create["secrets"] == ["DB_PASSWORD", "PAYMENT_API_KEY"]
    assert create["admin"] is False
    addresses = {name: row["address"] for (app, name), row in rows.items()}
    assert addresses["charge"] == "aws_lambda_function.charge"  # Terraform: the address
    assert addresses["module.receipts.worker"] == "module.receipts.aws_lambda_function.worker"
    assert addresses["createOrder"] == "functions.createOrder"
    assert addresses["ResizeFunction"] == "ResizeFunction"
    resize = rows[("thumbnails/template", "ResizeFunction")]
    assert resize["role"] == "ResizeFunctionRole"
    assert resize["role_shared_with"] == []
    assert resize["findings"]["high"] >= 1  # AmazonS3FullAccess on its role


def test_inventory_table_names_every_function(tmp_path: Path) -> None:
    out = tmp_path / "inventory.txt"
    assert main(["inventory", str(EXAMPLES), "-o", str(out)]) == 0
    table = out.read_text()
    for name in ("createOrder", "listOrders", "refundOrder", "ResizeFunction", "CatalogFunction"):
        assert name in table
    assert "aws_lambda_function" in table  # Terraform functions by address
    assert "\x1b[" not in table
