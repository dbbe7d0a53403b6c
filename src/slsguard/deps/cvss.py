"""CVSS base scores from vector strings: v2, v3.0/v3.1 and v4.0.

`score(vector)` returns the version and the score (0.0 to 10.0), or None when the vector
is not a complete, valid one. v4.0 follows the specification's MacroVector method: the
MacroVector's score, lowered by the vector's mean proportional distance from the
MacroVector's highest-severity vectors (tables in `cvss4_data`).
"""

from __future__ import annotations

import math
from itertools import product

from slsguard.deps import cvss4_data as v4data

Metrics = dict[str, str]


def parse_vector(vector: str) -> tuple[str, Metrics] | None:
    """("3.1", {"AV": "N", ...}) from `CVSS:3.1/AV:N/...`; v2 vectors have no prefix."""
    parts = vector.strip().split("/")
    version = "2.0"
    if parts and parts[0].upper().startswith("CVSS:"):
        version = parts.pop(0).split(":", 1)[1]
    metrics: Metrics = {}
    for part in parts:
        name, sep, value = part.partition(":")
        if not sep or not name or not value or name in metrics:
            return None
        metrics[name] = value
    return version, metrics


def score(vector: str) -> tuple[str, float] | None:
    """The CVSS version and base score of `vector`, None if it cannot be scored."""
    parsed = parse_vector(vector)
    if parsed is None:
        return None
    version, metrics = parsed
    try:
        if version.startswith("4"):
            return version, score_v4(metrics)
        if version.startswith("3"):
            return version, score_v3(metrics)
        if version.startswith("2"):
            return version, score_v2(metrics)
    except KeyError:
        return None
    return None


def roundup(value: float) -> float:
    """CVSS v3.1 Roundup: the smallest one-decimal number not below `value`."""
    scaled = round(value * 100_000)
    if scaled % 10_000 == 0:
        return scaled / 100_000.0
    return (math.floor(scaled / 10_000) + 1) / 10.0


_V3_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_V3_AC = {"L": 0.77, "H": 0.44}
_V3_PR = {"N": (0.85, 0.85), "L": (0.62, 0.68), "H": (0.27, 0.5)}  # (scope unchanged, changed)
_V3_UI = {"N": 0.85, "R": 0.62}
_V3_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}


def score_v3(metrics: Metrics) -> float:
    """CVSS v3.x base score (KeyError when a base metric is missing or invalid)."""
    changed = {"U": False, "C": True}[metrics["S"]]
    impact_sub = 1 - (
        (1 - _V3_CIA[metrics["C"]]) * (1 - _V3_CIA[metrics["I"]]) * (1 - _V3_CIA[metrics["A"]])
    )
    if changed:
        impact = 7.52 * (impact_sub - 0.029) - 3.25 * (impact_sub - 0.02) ** 15
    else:
        impact = 6.42 * impact_sub
    exploitability = (
        8.22
        * _V3_AV[metrics["AV"]]
        * _V3_AC[metrics["AC"]]
        * _V3_PR[metrics["PR"]][1 if changed else 0]
        * _V3_UI[metrics["UI"]]
    )
    if impact <= 0:
        return 0.0
    total = impact + exploitability
    return roundup(min(1.08 * total if changed else total, 10.0))


_V2_AV = {"L": 0.395, "A": 0.646, "N": 1.0}
_V2_AC = {"H": 0.35, "M": 0.61, "L": 0.71}
_V2_AU = {"M": 0.45, "S": 0.56, "N": 0.704}
_V2_CIA = {"N": 0.0, "P": 0.275, "C": 0.660}


def score_v2(metrics: Metrics) -> float:
    """CVSS v2 base score (KeyError when a base metric is missing or invalid)."""
    impact = 10.41 * (
        1 - (1 - _V2_CIA[metrics["C"]]) * (1 - _V2_CIA[metrics["I"]]) * (1 - _V2_CIA[metrics["A"]])
    )
    exploitability = 20 * _V2_AV[metrics["AV"]] * _V2_AC[metrics["AC"]] * _V2_AU[metrics["Au"]]
    factor = 0.0 if impact == 0 else 1.176
    value = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * factor
    return math.floor(value * 10 + 0.5 + 1e-9) / 10


_V4_BASE = ("AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA")
_V4_VALUES = {
    "AV": "NALP", "AC": "LH", "AT": "NP", "PR": "NLH", "UI": "NPA",
    "VC": "HLN", "VI": "HLN", "VA": "HLN", "SC": "HLN", "SI": "HLN", "SA": "HLN",
}  # fmt: skip
_IMPACT = {"H": 0.0, "L": 0.1, "N": 0.2}
_SUBSEQUENT = {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3}
_REQUIREMENT = {"H": 0.0, "M": 0.1, "L": 0.2}
_V4_LEVELS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3},
    "PR": {"N": 0.0, "L": 0.1, "H": 0.2},
    "UI": {"N": 0.0, "P": 0.1, "A": 0.2},
    "AC": {"L": 0.0, "H": 0.1},
    "AT": {"N": 0.0, "P": 0.1},
    "VC": _IMPACT,
    "VI": _IMPACT,
    "VA": _IMPACT,
    "SC": {"H": 0.1, "L": 0.2, "N": 0.3},
    "SI": _SUBSEQUENT,
    "SA": _SUBSEQUENT,
    "CR": _REQUIREMENT,
    "IR": _REQUIREMENT,
    "AR": _REQUIREMENT,
}
_DISTANCE_ORDER = ("AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "SC", "SI", "SA")
_STEP = 0.1


def effective(metrics: Metrics, name: str) -> str:
    """A metric's value after environmental overrides and the worst-case defaults."""
    value = metrics.get(name, "X")
    if name == "E" and value == "X":
        return "A"
    if name in ("CR", "IR", "AR") and value == "X":
        return "H"
    modified = metrics.get("M" + name, "X")
    return modified if modified != "X" else value


def macrovector(metrics: Metrics) -> str:
    """The six EQ levels of a v4.0 vector, `000000` being the most severe."""

    def m(name: str) -> str:
        """The effective value of one metric."""
        return effective(metrics, name)

    if m("AV") == "N" and m("PR") == "N" and m("UI") == "N":
        eq1 = 0
    elif (m("AV") == "N" or m("PR") == "N" or m("UI") == "N") and m("AV") != "P":
        eq1 = 1
    else:
        eq1 = 2
    eq2 = 0 if m("AC") == "L" and m("AT") == "N" else 1
    if m("VC") == "H" and m("VI") == "H":
        eq3 = 0
    elif "H" in (m("VC"), m("VI"), m("VA")):
        eq3 = 1
    else:
        eq3 = 2
    if m("MSI") == "S" or m("MSA") == "S":
        eq4 = 0
    elif "H" in (m("SC"), m("SI"), m("SA")):
        eq4 = 1
    else:
        eq4 = 2
    eq5 = {"A": 0, "P": 1, "U": 2}[m("E")]
    high_requirement = (
        (m("CR") == "H" and m("VC") == "H")
        or (m("IR") == "H" and m("VI") == "H")
        or (m("AR") == "H" and m("VA") == "H")
    )
    eq6 = 0 if high_requirement else 1
    return f"{eq1}{eq2}{eq3}{eq4}{eq5}{eq6}"


def _validate_v4(metrics: Metrics) -> None:
    for name in _V4_BASE:
        if metrics[name] not in _V4_VALUES[name]:
            raise KeyError(name)


def score_v4(metrics: Metrics) -> float:
    """CVSS v4.0 score (KeyError when a base metric is missing or invalid)."""
    _validate_v4(metrics)
    if all(effective(metrics, name) == "N" for name in ("VC", "VI", "VA", "SC", "SI", "SA")):
        return 0.0
    vector = macrovector(metrics)
    value = v4data.MACROVECTOR_SCORES[vector]
    distances = _distances(metrics, vector)
    lowered = _lowered(vector, value, distances)
    value -= sum(lowered) / len(lowered) if lowered else 0.0
    return math.floor(min(max(value, 0.0), 10.0) * 10 + 0.5) / 10


def _highest_vectors(vector: str) -> list[Metrics]:
    eq1, eq2, eq3, eq4, eq5, eq6 = tuple(vector)
    groups = (
        v4data.HIGHEST["eq1"][eq1],
        v4data.HIGHEST["eq2"][eq2],
        v4data.HIGHEST_EQ3_EQ6[eq3 + eq6],
        v4data.HIGHEST["eq4"][eq4],
        v4data.HIGHEST["eq5"][eq5],
    )
    out = []
    for parts in product(*groups):
        text = "/".join(parts)
        out.append(dict(item.split(":") for item in text.split("/")))
    return out


def _distances(metrics: Metrics, vector: str) -> dict[str, float]:
    """Per metric, how far the vector is below the first highest vector that dominates it."""
    names = (*_DISTANCE_ORDER, "CR", "IR", "AR")
    distances: dict[str, float] = {}
    for highest in _highest_vectors(vector):
        distances = {
            name: _V4_LEVELS[name][effective(metrics, name)] - _V4_LEVELS[name][highest[name]]
            for name in names
        }
        if all(distance >= 0 for distance in distances.values()):
            break
    return distances


def _lower(vector: str, index: int) -> str:
    digits = list(vector)
    digits[index] = str(int(digits[index]) + 1)
    return "".join(digits)


def _eq3_eq6_lower_score(vector: str) -> float | None:
    eq3, eq6 = vector[2], vector[5]
    scores = v4data.MACROVECTOR_SCORES
    if (eq3, eq6) == ("0", "0"):
        left, right = scores.get(_lower(vector, 5)), scores.get(_lower(vector, 2))
        candidates = [s for s in (left, right) if s is not None]
        return max(candidates) if candidates else None
    if (eq3, eq6) == ("1", "0"):
        return scores.get(_lower(vector, 5))
    if (eq3, eq6) in (("0", "1"), ("1", "1")):
        return scores.get(_lower(vector, 2))
    return scores.get(_lower(_lower(vector, 2), 5))


def _lowered(vector: str, value: float, d: dict[str, float]) -> list[float]:
    """Each EQ's share of the distance to the next lower MacroVector (those that exist)."""
    scores = v4data.MACROVECTOR_SCORES
    eq1, eq2, eq3, eq4, _, eq6 = tuple(vector)
    current = {
        "eq1": d["AV"] + d["PR"] + d["UI"],
        "eq2": d["AC"] + d["AT"],
        "eq3eq6": d["VC"] + d["VI"] + d["VA"] + d["CR"] + d["IR"] + d["AR"],
        "eq4": d["SC"] + d["SI"] + d["SA"],
    }
    depth = {
        "eq1": v4data.DEPTH[f"eq1:{eq1}"] * _STEP,
        "eq2": v4data.DEPTH[f"eq2:{eq2}"] * _STEP,
        "eq3eq6": v4data.DEPTH[f"eq3eq6:{eq3}{eq6}"] * _STEP,
        "eq4": v4data.DEPTH[f"eq4:{eq4}"] * _STEP,
    }
    lower = {
        "eq1": scores.get(_lower(vector, 0)),
        "eq2": scores.get(_lower(vector, 1)),
        "eq3eq6": _eq3_eq6_lower_score(vector),
        "eq4": scores.get(_lower(vector, 3)),
    }
    shares = [
        (value - lower_score) * (current[eq] / depth[eq])
        for eq, lower_score in lower.items()
        if lower_score is not None
    ]
    if scores.get(_lower(vector, 4)) is not None:
        shares.append(0.0)  # EQ5 has no distance inside a MacroVector
    return shares
