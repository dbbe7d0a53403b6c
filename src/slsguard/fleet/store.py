"""The fleet's findings store: SQLite by default, PostgreSQL for a `postgresql://` URL.

It keeps what `audit --history` keeps for one account (`slsguard.audit.history.Entry`: when,
the regions, counts per severity, each finding's fingerprint, rule and place), for every
repository and account of every run: the scope is the extra dimension. Three tables, the
same SQL on both databases:

- `fleet_runs(run, started)`: one row per fleet run;
- `fleet_scopes(run, kind, scope, time, account, regions, counts, error)`: one row per
  repository or account of a run (`error` says why a task failed; it then has no findings);
- `fleet_findings(run, kind, scope, fingerprint, rule, place)`.

Only the client that ran the fleet writes, in one transaction per run.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from slsguard.audit.history import Entry, Seen
from slsguard.fleet.targets import Outcome, Target

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS fleet_runs (run INTEGER PRIMARY KEY, started TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS fleet_scopes (run INTEGER NOT NULL, kind TEXT NOT NULL, "
    "scope TEXT NOT NULL, time TEXT NOT NULL, account TEXT NOT NULL, regions TEXT NOT NULL, "
    "counts TEXT NOT NULL, error TEXT NOT NULL, PRIMARY KEY (run, kind, scope))",
    "CREATE TABLE IF NOT EXISTS fleet_findings (run INTEGER NOT NULL, kind TEXT NOT NULL, "
    "scope TEXT NOT NULL, fingerprint TEXT NOT NULL, rule TEXT NOT NULL, place TEXT NOT NULL)",
)


class StoreError(ValueError):
    """A store that cannot be opened, read or written."""


class _Cursor(Protocol):
    def execute(self, query: Any, params: Sequence[object] = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Sequence[Sequence[object]]) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class StoredScope:
    """One repository or account in one run, as the store keeps it."""

    run: int
    target: Target
    entry: Entry | None
    error: str


@dataclass(frozen=True, slots=True)
class StoredRun:
    """One fleet run."""

    run: int
    started: str
    scopes: tuple[StoredScope, ...]


class Store:
    """A findings store over a DB-API connection (`?` placeholders, rewritten for psycopg)."""

    def __init__(self, connection: Any, placeholder: str = "?") -> None:
        self._connection = connection
        self._placeholder = placeholder
        with self._cursor() as cursor:
            for statement in SCHEMA:
                cursor.execute(statement)

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    @contextmanager
    def _cursor(self) -> Iterator[_Cursor]:
        """A cursor in a transaction: committed when the block ends, rolled back on error."""
        try:
            with closing(self._connection.cursor()) as cursor:
                yield _Placeholders(cursor, self._placeholder)
            self._connection.commit()
        except Exception:
            self._connection.rollback()
            raise

    def record(self, started: str, outcomes: Sequence[Outcome]) -> int:
        """Write one run and every outcome of it; returns the run's number."""
        with self._cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(run), 0) FROM fleet_runs")
            run = int(cursor.fetchall()[0][0]) + 1
            cursor.execute("INSERT INTO fleet_runs (run, started) VALUES (?, ?)", (run, started))
            cursor.executemany(
                "INSERT INTO fleet_scopes (run, kind, scope, time, account, regions, counts, "
                "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [_scope_row(run, outcome) for outcome in outcomes],
            )
            cursor.executemany(
                "INSERT INTO fleet_findings (run, kind, scope, fingerprint, rule, place) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (run, o.target.kind, o.target.name, seen.fingerprint, seen.rule, seen.where)
                    for o in outcomes
                    if o.entry is not None
                    for seen in o.entry.findings
                ],
            )
        return run

    def runs(self) -> list[StoredRun]:
        """Every run, oldest first; in each, the repositories then the accounts, by name."""
        with self._cursor() as cursor:
            cursor.execute("SELECT run, started FROM fleet_runs ORDER BY run")
            runs = cursor.fetchall()
            cursor.execute(
                "SELECT run, kind, scope, time, account, regions, counts, error FROM fleet_scopes"
            )
            scopes = cursor.fetchall()
            cursor.execute("SELECT run, kind, scope, fingerprint, rule, place FROM fleet_findings")
            findings = cursor.fetchall()
        seen: dict[tuple[int, str, str], list[Seen]] = {}
        for run, kind, scope, fingerprint, rule, place in findings:
            seen.setdefault((run, kind, scope), []).append(Seen(fingerprint, rule, place))
        for found in seen.values():  # sorted here: databases collate text differently
            found.sort(key=lambda s: (s.where, s.rule, s.fingerprint))
        by_run: dict[int, list[StoredScope]] = {}
        for row in sorted(scopes, key=lambda row: (row[0], row[1] != "repository", row[2])):
            by_run.setdefault(row[0], []).append(_stored_scope(row, seen))
        return [StoredRun(run, started, tuple(by_run.get(run, ()))) for run, started in runs]


class _Placeholders:
    """A cursor that rewrites `?` placeholders into the database's own."""

    def __init__(self, cursor: Any, placeholder: str) -> None:
        self._cursor = cursor
        self._placeholder = placeholder

    def execute(self, query: str, params: Sequence[object] = ()) -> Any:
        return self._cursor.execute(query.replace("?", self._placeholder), params)

    def executemany(self, query: str, params_seq: Sequence[Sequence[object]]) -> Any:
        if not params_seq:
            return None
        return self._cursor.executemany(query.replace("?", self._placeholder), params_seq)

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())


def _scope_row(run: int, outcome: Outcome) -> tuple[object, ...]:
    entry = outcome.entry
    return (
        run,
        outcome.target.kind,
        outcome.target.name,
        entry.time if entry else "",
        entry.account if entry else "",
        json.dumps(list(entry.regions) if entry else []),
        json.dumps(entry.counts if entry else {}, sort_keys=True),
        outcome.error,
    )


def _stored_scope(row: Sequence[Any], seen: dict[tuple[int, str, str], list[Seen]]) -> StoredScope:
    run, kind, scope, time, account, regions, counts, error = row
    target = Target(kind, scope)
    if error:
        return StoredScope(run, target, None, error)
    findings = tuple(seen.get((run, kind, scope), ()))
    entry = Entry(time, account, tuple(json.loads(regions)), json.loads(counts), findings)
    return StoredScope(run, target, entry, "")


def open_store(location: str) -> Store:
    """The store at a file path (SQLite) or a `postgresql://` URL (needs psycopg)."""
    if location.startswith(("postgresql://", "postgres://")):
        return _postgresql(location)
    try:
        return Store(sqlite3.connect(Path(location)))
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the store {location}: {error}") from None


def _postgresql(url: str) -> Store:
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "a PostgreSQL store needs psycopg: pip install 'slsguard[fleet]'"
        ) from None
    try:
        return Store(psycopg.connect(url, connect_timeout=30), placeholder="%s")
    except psycopg.Error as error:
        raise StoreError(f"cannot open the PostgreSQL store: {error}") from None
