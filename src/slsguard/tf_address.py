"""The Terraform address of a resource translated from Terraform, for messages and fixes.

The Terraform loader names each translated resource by the CamelCase of its address
(`ApiGatewayStageProd`) and records the address itself in the resource's `Metadata`
(`Metadata: {slsguard: {terraform-address: aws_api_gateway_stage.prod}}`), so rules can
name resources as the user wrote them without a Terraform branch in the model.
"""

from __future__ import annotations

from typing import Any

from slsguard.loading.yaml import YMap
from slsguard.model import Application

METADATA_KEY = "slsguard"
ADDRESS_KEY = "terraform-address"


def record_address(resource: YMap, address: str) -> None:
    """Remember `address` in the `Metadata` of a translated resource."""
    inner = YMap(resource.file, resource.position)
    inner[ADDRESS_KEY] = address
    metadata = YMap(resource.file, resource.position)
    metadata[METADATA_KEY] = inner
    resource["Metadata"] = metadata
    resource.key_positions["Metadata"] = resource.position


def terraform_address(app: Application, logical_id: str) -> str | None:
    """`module.orders.aws_sqs_queue.jobs` for `OrdersSqsQueueJobs`; None when not Terraform."""
    if app.kind != "terraform" or not isinstance(app.resources, YMap):
        return None
    return _address(app.resources.get(logical_id))


def resource_name(app: Application, logical_id: str) -> str:
    """How messages name a resource: its Terraform address, else its logical id."""
    return terraform_address(app, logical_id) or logical_id


def _address(resource: Any) -> str | None:
    metadata = resource.get("Metadata") if isinstance(resource, dict) else None
    inner = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    address = inner.get(ADDRESS_KEY) if isinstance(inner, dict) else None
    return address if isinstance(address, str) else None


def local_address(address: str) -> str:
    """The address as written inside its own module: `aws_sqs_queue.jobs`."""
    return ".".join(address.split(".")[-2:])
