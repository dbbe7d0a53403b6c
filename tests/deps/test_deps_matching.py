"""OSV matching as the specification defines it, severities, fixes and alias merging."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import advisories

from slsguard.deps.cvss import score
from slsguard.deps.matching import PackageVersion, affects, match, rate, severity_of_score
from slsguard.deps.osv import Affected, Event, Range, parse_advisory
from slsguard.findings import Severity


def _entry(kind: str, events: list[tuple[str, str]], ecosystem: str = "PyPI") -> Affected:
    return Affected(ecosystem, "pkg", (Range(kind, tuple(Event(k, v) for k, v in events)),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("events", "version", "expected"),
    [
        ([("introduced", "0")], "99.0", True),
        ([("introduced", "0"), ("fixed", "1.0.2")], "1.0.1", True),
        ([("introduced", "0"), ("fixed", "1.0.2")], "1.0.2", False),
        ([("introduced", "1.0"), ("fixed", "2.0")], "0.9", False),
        ([("introduced", "1.0"), ("fixed", "2.0")], "1.0", True),
        ([("introduced", "0"), ("last_affected", "2.1.214")], "2.1.214", True),
        ([("introduced", "0"), ("last_affected", "2.1.214")], "2.1.215", False),
        # Two intervals in one range: [1.0.0, 1.0.2) and [3.0.0, 3.2.5).
        (
            [
                ("introduced", "1.0.0"),
                ("fixed", "1.0.2"),
                ("introduced", "3.0.0"),
                ("fixed", "3.2.5"),
            ],
            "2.0",
            False,
        ),
        (
            [
                ("introduced", "3.0.0"),
                ("fixed", "3.2.5"),
                ("introduced", "1.0.0"),
                ("fixed", "1.0.2"),
            ],
            "3.1",
            True,
        ),
        # limit bounds the range; "*" is infinity.
        ([("introduced", "0"), ("limit", "2.0")], "1.5", True),
        ([("introduced", "0"), ("limit", "2.0")], "2.0", False),
        ([("introduced", "0"), ("limit", "*")], "9.0", True),
        # Pre-releases sort before their release.
        ([("introduced", "0"), ("fixed", "2.0")], "2.0rc1", True),
    ],
)
def test_ecosystem_ranges_follow_the_osv_algorithm(
    events: list[tuple[str, str]], version: str, expected: bool
) -> None:
    assert affects(_entry("ECOSYSTEM", events), version) is expected


def test_npm_ranges_use_semver_with_prereleases() -> None:
    entry = _entry("ECOSYSTEM", [("introduced", "7.0.0-0"), ("fixed", "7.5.2")], "npm")
    assert affects(entry, "7.0.0-rc.1")
    assert affects(entry, "7.5.1")
    assert not affects(entry, "7.5.2")
    assert not affects(entry, "6.9.9")


def test_semver_ranges_and_git_ranges() -> None:
    assert affects(_entry("SEMVER", [("introduced", "0"), ("fixed", "1.2")]), "1.1.9")
    git = _entry(
        "GIT", [("introduced", "0"), ("fixed", "c45d7c49ea75133e52ab22a8e9e13173938e36ff")]
    )
    assert not affects(git, "1.0")  # a commit graph is needed: never matched by version


def test_versions_list_and_unparsable_bounds() -> None:
    listed = Affected("PyPI", "pkg", (), ("1.0", "1.1"))
    assert affects(listed, "1.0.0")  # the same PEP 440 version
    assert not affects(listed, "1.2")
    broken = _entry("ECOSYSTEM", [("introduced", "0"), ("fixed", "not-a-version!")])
    assert not affects(broken, "1.0")


def _records() -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in advisories()}


def test_aliases_become_one_vulnerability_with_the_worst_rating() -> None:
    records = _records()
    found = match(
        [parse_advisory(records[i]) for i in ("PYSEC-2018-28", "GHSA-x84v-xcm2-53pg")],
        PackageVersion("PyPI", "requests", "2.19.0"),
    )
    assert len(found) == 1
    vulnerability = found[0]
    assert vulnerability.id == "GHSA-x84v-xcm2-53pg"
    assert vulnerability.aliases == ("PYSEC-2018-28", "CVE-2018-18074")
    assert vulnerability.rating.severity is Severity.HIGH
    assert vulnerability.rating.basis == "CVSS 3.1 7.5"
    assert vulnerability.fixed == "2.20.0"
    assert vulnerability.summary == "Insecure handling of authorization headers in Requests"


def test_withdrawn_advisories_are_skipped() -> None:
    withdrawn = parse_advisory(_records()["GHSA-wwww-wwww-wwww"])
    assert match([withdrawn], PackageVersion("PyPI", "requests", "2.31.0")) == ()


def test_several_advisories_are_sorted_worst_first() -> None:
    every = [parse_advisory(record) for record in advisories()]
    found = match(every, PackageVersion("PyPI", "requests", "2.19.0"))
    assert [v.id for v in found] == ["GHSA-x84v-xcm2-53pg", "GHSA-j8r2-6x86-q33q"]
    assert found[1].fixed == "2.31.0"
    assert match(every, PackageVersion("PyPI", "requests", "2.31.0")) == ()


def test_last_affected_only_and_versions_only_advisories() -> None:
    every = [parse_advisory(record) for record in advisories()]
    (py,) = match(every, PackageVersion("PyPI", "py", "1.11.0"))
    assert py.fixed is None and py.last_affected == "1.11.0"
    assert py.rating.severity is None and py.rating.basis == ""
    (urllib3,) = match(every, PackageVersion("PyPI", "urllib3", "1.26.4"))
    assert urllib3.id == "PYSEC-2021-108"  # a record id, its GHSA alias is not in the database
    assert urllib3.aliases == ("GHSA-q2q7-5pp4-w6pg", "CVE-2021-33503")
    assert match(every, PackageVersion("PyPI", "urllib3", "1.26.5")) == ()


def test_first_fixed_version_is_the_one_above_the_installed_version() -> None:
    every = [parse_advisory(record) for record in advisories()]
    (low,) = match(every, PackageVersion("npm", "minimist", "0.0.8"))
    (high,) = match(every, PackageVersion("npm", "minimist", "1.2.5"))
    assert (low.fixed, high.fixed) == ("0.2.4", "1.2.6")
    assert low.rating.severity is Severity.CRITICAL
    (semver_vuln,) = match(every, PackageVersion("npm", "semver", "7.3.8"))
    assert semver_vuln.fixed == "7.5.2"
    (express,) = match(every, PackageVersion("npm", "express", "5.0.0-beta.1"))
    assert express.fixed == "5.0.0-beta.3"
    assert express.rating.severity is Severity.MEDIUM  # the database's MODERATE
    assert match(every, PackageVersion("npm", "express", "4.19.2")) == ()


def test_ratings_prefer_cvss_v4_then_v3_then_the_database() -> None:
    records = _records()
    jinja = rate(parse_advisory(records["GHSA-q2x7-8rv6-6q7h"]))
    assert jinja.basis.startswith("CVSS 4.0 ")
    assert jinja.severity is severity_of_score(jinja.score or 0)
    assert rate(parse_advisory(records["GHSA-8hc4-vh64-cxmj"])).basis == (
        "database severity MODERATE"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (9.0, Severity.CRITICAL),
        (8.9, Severity.HIGH),
        (4.0, Severity.MEDIUM),
        (0.1, Severity.LOW),
        (0.0, Severity.INFO),
    ],
)
def test_score_thresholds(value: float, expected: Severity) -> None:
    assert severity_of_score(value) is expected


# Reference scores: FIRST's CVSS v4.0 calculator test vectors (base and environmental
# metrics), NVD/FIRST examples for v3.1, v3.0 and v2.
CVSS_VECTORS = {
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N": 9.3,
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N": 6.9,
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H": 10.0,
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N": 0.0,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:A/VC:N/VI:H/VA:N/SC:N/SI:H/SA:N/E:U/"
    "CR:H/IR:X/AR:X/MAV:N/MAC:X/MAT:X/MPR:L/MUI:A/MVC:H/MVI:L/MVA:N/MSC:L/MSI:X/MSA:H": 3.9,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:H/SI:L/SA:H/E:P/"
    "CR:M/IR:H/AR:X/MAV:N/MAC:H/MAT:X/MPR:L/MUI:P/MVC:X/MVI:L/MVA:X/MSC:H/MSI:X/MSA:S": 6.5,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:N/VC:L/VI:H/VA:N/SC:H/SI:L/SA:H/E:U/"
    "CR:L/IR:H/AR:M/MAV:X/MAC:H/MAT:X/MPR:X/MUI:A/MVC:X/MVI:X/MVA:H/MSC:L/MSI:L/MSA:N": 0.6,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:P/VC:H/VI:N/VA:H/SC:N/SI:N/SA:N/E:A/"
    "CR:H/IR:H/AR:X/MAV:N/MAC:H/MAT:P/MPR:N/MUI:P/MVC:H/MVI:H/MVA:N/MSC:H/MSI:L/MSA:H": 8.8,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:H/E:A/"
    "CR:H/IR:H/AR:X/MAV:N/MAC:L/MAT:X/MPR:N/MUI:N/MVC:N/MVI:H/MVA:L/MSC:H/MSI:S/MSA:N": 9.7,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:N/SC:N/SI:N/SA:H/E:A/"
    "CR:H/IR:L/AR:H/MAV:P/MAC:L/MAT:P/MPR:X/MUI:A/MVC:H/MVI:H/MVA:X/MSC:L/MSI:H/MSA:S": 8.4,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:P/VC:L/VI:L/VA:N/SC:H/SI:L/SA:L/E:U/"
    "CR:H/IR:M/AR:M/MAV:P/MAC:X/MAT:N/MPR:H/MUI:P/MVC:H/MVI:L/MVA:H/MSC:N/MSI:H/MSA:S": 3.3,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:L/SI:N/SA:N/E:U/"
    "CR:X/IR:L/AR:L/MAV:L/MAC:L/MAT:N/MPR:H/MUI:N/MVC:N/MVI:X/MVA:N/MSC:L/MSI:X/MSA:X": 1.0,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:N/VC:N/VI:H/VA:L/SC:L/SI:H/SA:L/E:P/"
    "CR:M/IR:L/AR:H/MAV:L/MAC:L/MAT:X/MPR:H/MUI:N/MVC:L/MVI:X/MVA:H/MSC:X/MSI:N/MSA:S": 8.3,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:N/E:X/"
    "CR:M/IR:H/AR:X/MAV:N/MAC:L/MAT:P/MPR:N/MUI:N/MVC:X/MVI:N/MVA:N/MSC:L/MSI:L/MSA:H": 8.0,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:A/VC:H/VI:H/VA:N/SC:H/SI:L/SA:N/E:P/"
    "CR:X/IR:X/AR:M/MAV:P/MAC:X/MAT:P/MPR:X/MUI:A/MVC:X/MVI:X/MVA:N/MSC:L/MSI:X/MSA:N": 4.0,
    "CVSS:4.0/AV:P/AC:H/AT:N/PR:H/UI:N/VC:N/VI:N/VA:H/SC:L/SI:N/SA:L/E:A/"
    "CR:M/IR:L/AR:L/MAV:L/MAC:H/MAT:N/MPR:L/MUI:A/MVC:N/MVI:L/MVA:L/MSC:X/MSI:S/MSA:S": 5.1,
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": 9.8,
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N": 6.1,
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N": 5.9,
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H": 7.8,
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N": 6.1,
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N": 0.0,
    "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H": 10.0,
    "AV:N/AC:L/Au:N/C:P/I:P/A:P": 7.5,
    "AV:N/AC:L/Au:N/C:C/I:C/A:C": 10.0,
    "AV:N/AC:M/Au:N/C:N/I:P/A:N": 4.3,
}


@pytest.mark.parametrize(("vector", "expected"), CVSS_VECTORS.items())
def test_cvss_scores_match_the_reference_calculators(vector: str, expected: float) -> None:
    scored = score(vector)
    assert scored is not None
    assert scored[1] == expected


@pytest.mark.parametrize(
    "vector",
    [
        "CVSS:3.1/AV:N/AC:L",
        "CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "",
        "CVSS:9.9/AV:N",
        "AV:N/AV:N",
    ],
)
def test_incomplete_vectors_are_not_scored(vector: str) -> None:
    assert score(vector) is None
