"""npm semver ordering (SemVer 2.0.0 precedence) and the per-ecosystem version keys."""

from __future__ import annotations

from itertools import pairwise

import pytest

from slsguard.deps import semver
from slsguard.deps.versions import canonical_name, key, same_version

# The precedence example of SemVer 2.0.0 section 11, plus numeric (not lexical) ordering.
ORDERED = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0-0",
    "2.0.0",
    "10.0.0",
]


def test_semver_precedence_follows_the_specification() -> None:
    parsed = [semver.parse(text) for text in ORDERED]
    assert all(parsed)
    assert parsed == sorted(parsed)  # type: ignore[type-var]
    for earlier, later in pairwise(ORDERED):
        assert semver.compare(earlier, later) == -1
        assert semver.compare(later, earlier) == 1


def test_build_metadata_does_not_affect_precedence() -> None:
    assert semver.compare("1.0.0+build.1", "1.0.0+build.2") == 0
    assert semver.compare("1.0.0-rc.1+x", "1.0.0") == -1
    assert str(semver.parse("1.2.3-rc.1+sha.5")) == "1.2.3-rc.1+sha.5"


def test_numeric_identifiers_sort_before_alphanumeric_ones() -> None:
    assert semver.compare("1.0.0-1", "1.0.0-alpha") == -1
    assert semver.compare("1.0.0-alpha.10", "1.0.0-alpha.9") == 1
    assert semver.compare("1.0.0-alpha", "1.0.0-alpha.0") == -1


@pytest.mark.parametrize("text", ["1.2", "1", "latest", "^1.2.3", "1.2.3.4", "", "a.b.c"])
def test_parse_rejects_what_is_not_a_full_version(text: str) -> None:
    assert semver.parse(text) is None


def test_parse_tolerates_what_npm_writes() -> None:
    assert semver.parse("v1.2.3") == semver.parse("1.2.3")
    assert semver.parse("=1.2.3") == semver.parse(" 1.2.3 ")
    assert semver.parse("1.2.3").is_prerelease is False  # type: ignore[union-attr]
    assert semver.parse("1.2.3-0").is_prerelease is True  # type: ignore[union-attr]


def test_coerce_completes_partial_versions() -> None:
    assert semver.coerce("1.2") == semver.parse("1.2.0")
    assert semver.coerce("v3") == semver.parse("3.0.0")
    assert semver.coerce("nonsense") is None
    with pytest.raises(ValueError, match="not a semantic version"):
        semver.compare("1.2", "1.2.0")


def test_pypi_uses_pep_440_and_npm_semver() -> None:
    assert key("PyPI", "ECOSYSTEM", "1.0rc1") < key("PyPI", "ECOSYSTEM", "1.0")  # type: ignore[operator]
    assert key("PyPI", "ECOSYSTEM", "1.0.post1") > key("PyPI", "ECOSYSTEM", "1.0")  # type: ignore[operator]
    assert key("npm", "ECOSYSTEM", "1.0.0-rc.1") < key("npm", "ECOSYSTEM", "1.0.0")  # type: ignore[operator]
    assert key("PyPI", "ECOSYSTEM", "not a version!") is None
    assert key("npm", "GIT", "1.0.0") is None
    pseudo = key("Go", "ECOSYSTEM", "0.0.0-20210226172049-e18ecbb05110")
    assert pseudo < key("Go", "ECOSYSTEM", "0.1.0")  # type: ignore[operator]
    assert key("Maven", "ECOSYSTEM", "1.0.0") is None
    assert key("PyPI", "SEMVER", "1.2") == semver.parse("1.2.0")


def test_same_version_and_names() -> None:
    assert same_version("PyPI", "1.0", "1.0.0")
    assert not same_version("PyPI", "1.0", "1.0.1")
    assert same_version("npm", "v1.0.0", "1.0.0")
    assert not same_version("npm", "1.0", "1.0.0")
    assert canonical_name("PyPI", "Flask_SQLAlchemy") == "flask-sqlalchemy"
    assert canonical_name("npm", "@Scope/Name") == "@Scope/Name"
