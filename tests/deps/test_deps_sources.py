"""Advisory sources: the offline database (folder, all.zip exports) and the OSV API client
against a loopback server (paging, batches, errors, throttling, timeouts, cache, privacy)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import OSV_FIXTURES, FakeOsv, advisories, write_exports
from jsonschema import Draft202012Validator

from slsguard.deps.download import update
from slsguard.deps.matching import PackageVersion, match
from slsguard.deps.offline import OfflineDatabase
from slsguard.deps.osv_api import OsvApi
from slsguard.deps.sources import SourceError
from slsguard.deps.transport import Transport

OSV_SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "osv.schema.json"
REQUESTS_OLD = PackageVersion("PyPI", "requests", "2.19.0")
PACKAGES = [
    REQUESTS_OLD,
    PackageVersion("PyPI", "urllib3", "1.26.4"),
    PackageVersion("PyPI", "jinja2", "3.1.4"),
    PackageVersion("npm", "minimist", "1.2.5"),
    PackageVersion("npm", "express", "4.17.1"),
    PackageVersion("npm", "left-pad", "1.3.0"),
]
FAST = Transport(timeout=2.0, attempts=3, backoff=0.01)


def _ids(found: dict[PackageVersion, tuple[str, ...]]) -> dict[PackageVersion, tuple[str, ...]]:
    return {package: ids for package, ids in found.items() if ids}


def _matched(source: object) -> dict[PackageVersion, tuple[str, ...]]:
    candidates = source.candidates(PACKAGES)  # type: ignore[attr-defined]
    return _ids({p: tuple(v.id for v in match(candidates.get(p, ()), p)) for p in PACKAGES})


EXPECTED = {
    REQUESTS_OLD: ("GHSA-x84v-xcm2-53pg", "GHSA-j8r2-6x86-q33q"),
    PackageVersion("PyPI", "urllib3", "1.26.4"): ("PYSEC-2021-108",),
    PackageVersion("PyPI", "jinja2", "3.1.4"): ("GHSA-q2x7-8rv6-6q7h",),
    PackageVersion("npm", "minimist", "1.2.5"): ("GHSA-xvch-5gv4-984h",),
    PackageVersion("npm", "express", "4.17.1"): ("GHSA-8hc4-vh64-cxmj",),
}


def test_the_test_database_is_valid_osv() -> None:
    validator = Draft202012Validator(json.loads(OSV_SCHEMA.read_text()))
    for record in advisories():
        assert list(validator.iter_errors(record)) == [], record["id"]


def test_offline_folder(tmp_path: Path) -> None:
    database = OfflineDatabase.load(OSV_FIXTURES)
    assert database.count == len(advisories()) and database.skipped == 0
    assert database.covers("PyPI") and database.covers("npm") and database.covers("Go")
    assert not database.covers("Maven")
    assert database.newest.startswith("2025-01-08")
    assert database.dataset().date == "2025-01-08"
    assert _matched(database) == EXPECTED


def test_offline_exports_give_the_same_matches(tmp_path: Path) -> None:
    exports = OfflineDatabase.load(write_exports(tmp_path / "db"))
    assert exports.count == len(advisories())
    assert _matched(exports) == EXPECTED
    single = OfflineDatabase.load(tmp_path / "db" / "npm" / "all.zip")
    assert single.covers("npm") and not single.covers("PyPI")


def test_offline_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        OfflineDatabase.load(tmp_path / "missing")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "all.zip").write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="not a readable zip"):
        OfflineDatabase.load(tmp_path / "broken")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.json").write_text("{not json")
    (tmp_path / "junk" / "b.json").write_text('{"no": "id"}')
    assert OfflineDatabase.load(tmp_path / "junk").skipped == 2


def test_online_matches_the_offline_database(osv_server: FakeOsv, tmp_path: Path) -> None:
    api = OsvApi(osv_server.url, tmp_path / "cache", FAST)
    assert _matched(api) == EXPECTED
    # requests has 4 advisories and the server pages 2 at a time: a second page was asked.
    bodies = osv_server.querybatch_bodies()
    assert len(bodies) >= 2
    assert any("page_token" in query for query in bodies[1]["queries"])


def test_only_names_ecosystems_and_versions_are_sent(osv_server: FakeOsv, tmp_path: Path) -> None:
    OsvApi(osv_server.url, None, FAST).candidates(PACKAGES)
    for body in osv_server.querybatch_bodies():
        assert set(body) == {"queries"}
        for query in body["queries"]:
            assert set(query) <= {"package", "version", "page_token"}
            assert set(query["package"]) == {"name", "ecosystem"}
    gets = [path for method, path, _ in osv_server.requests if method == "GET"]
    assert gets and all(path.startswith("/v1/vulns/") for path in gets)


def test_batches_hold_at_most_1000_queries(osv_server: FakeOsv) -> None:
    many = [PackageVersion("npm", f"package-{index}", "1.0.0") for index in range(1001)]
    found = OsvApi(osv_server.url, None, FAST).candidates(many)
    sizes = [len(body["queries"]) for body in osv_server.querybatch_bodies()]
    assert sizes == [1000, 1]
    assert len(found) == 1001 and not any(found.values())


def test_small_batches_and_paging(osv_server: FakeOsv) -> None:
    osv_server.behaviour.page_size = 1
    api = OsvApi(osv_server.url, None, FAST, batch_size=2)
    assert _matched(api) == EXPECTED
    assert max(len(body["queries"]) for body in osv_server.querybatch_bodies()) <= 2


def test_server_errors_and_throttling_are_retried(osv_server: FakeOsv) -> None:
    osv_server.behaviour.failures = [503, 429]
    osv_server.behaviour.retry_after = "0"
    assert _matched(OsvApi(osv_server.url, None, FAST)) == EXPECTED


def test_client_errors_are_not_retried(osv_server: FakeOsv) -> None:
    osv_server.behaviour.failures = [400]
    with pytest.raises(SourceError, match="HTTP 400"):
        OsvApi(osv_server.url, None, FAST).candidates(PACKAGES)
    assert len(osv_server.requests) == 1


def test_persistent_failures_give_up_with_the_reason(osv_server: FakeOsv) -> None:
    osv_server.behaviour.failures = [500, 500, 500]
    with pytest.raises(SourceError, match=r"could not be reached \(HTTP 500; 3 attempts"):
        OsvApi(osv_server.url, None, FAST).candidates(PACKAGES)


def test_invalid_answers(osv_server: FakeOsv) -> None:
    osv_server.behaviour.broken_json = True
    with pytest.raises(SourceError, match="invalid JSON"):
        OsvApi(osv_server.url, None, FAST).candidates(PACKAGES)


def test_slow_answers_within_the_timeout_succeed(osv_server: FakeOsv) -> None:
    osv_server.behaviour.delay = 0.2
    assert _matched(OsvApi(osv_server.url, None, Transport(2.0, 1, 0.01))) == EXPECTED


def test_answers_slower_than_the_timeout_fail(osv_server: FakeOsv) -> None:
    osv_server.behaviour.delay = 1.5
    started = time.perf_counter()
    with pytest.raises(SourceError, match="timed out; 2 attempts"):
        OsvApi(osv_server.url, None, Transport(0.2, 2, 0.01)).candidates(PACKAGES)
    assert time.perf_counter() - started < 1.5


def test_unreachable_service(unused_port_url: str) -> None:
    with pytest.raises(SourceError, match="could not be reached"):
        OsvApi(unused_port_url, None, Transport(1.0, 2, 0.01)).candidates(PACKAGES)


def test_advisories_are_cached_on_disk(osv_server: FakeOsv, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    OsvApi(osv_server.url, cache, FAST).candidates(PACKAGES)
    first = sum(1 for method, _, _ in osv_server.requests if method == "GET")
    assert first > 0 and (cache / "vulns" / "GHSA-x84v-xcm2-53pg.json").is_file()
    OsvApi(osv_server.url, cache, FAST).candidates(PACKAGES)
    assert sum(1 for method, _, _ in osv_server.requests if method == "GET") == first
    # A newer `modified` on the service refreshes the cached copy.
    record = osv_server.records["GHSA-x84v-xcm2-53pg"]
    osv_server.records["GHSA-x84v-xcm2-53pg"] = {**record, "modified": "2030-01-01T00:00:00Z"}
    OsvApi(osv_server.url, cache, FAST).candidates(PACKAGES)
    assert sum(1 for method, _, _ in osv_server.requests if method == "GET") == first + 1


def test_db_update_downloads_the_exports(osv_server: FakeOsv, tmp_path: Path) -> None:
    done = update(tmp_path / "db", ("PyPI", "npm"), osv_server.url, FAST)
    assert [(item.ecosystem, item.advisories) for item in done] == [("PyPI", 7), ("npm", 4)]
    assert _matched(OfflineDatabase.load(tmp_path / "db")) == EXPECTED


def test_db_update_keeps_the_old_copy_when_a_download_is_bad(
    osv_server: FakeOsv, tmp_path: Path
) -> None:
    update(tmp_path / "db", ("PyPI",), osv_server.url, FAST)
    before = (tmp_path / "db" / "PyPI" / "all.zip").read_bytes()
    osv_server.exports["/PyPI/all.zip"] = b"truncated"
    with pytest.raises(SourceError, match="not a readable zip"):
        update(tmp_path / "db", ("PyPI",), osv_server.url, FAST)
    assert (tmp_path / "db" / "PyPI" / "all.zip").read_bytes() == before
    assert [p.name for p in (tmp_path / "db" / "PyPI").iterdir()] == ["all.zip"]
    with pytest.raises(SourceError, match="HTTP 404"):
        update(tmp_path / "db", ("Maven",), osv_server.url, FAST)


def test_an_advisory_the_service_no_longer_has_is_skipped(osv_server: FakeOsv) -> None:
    original = osv_server.answer_query

    def listing_a_ghost(query: dict[str, object]) -> dict[str, object]:
        result = original(query)  # type: ignore[arg-type]
        if query["package"] == {"name": "requests", "ecosystem": "PyPI"}:
            ghost = {"id": "GHSA-gggg-gggg-gggg", "modified": "2025-01-01T00:00:00Z"}
            result = {**result, "vulns": [*result.get("vulns", []), ghost]}
        return result

    osv_server.answer_query = listing_a_ghost  # type: ignore[method-assign]
    assert _matched(OsvApi(osv_server.url, None, FAST)) == EXPECTED
    assert ("GET", "/v1/vulns/GHSA-gggg-gggg-gggg") in {(m, p) for m, p, _ in osv_server.requests}
