"""`slsguard fleet`: many repositories and accounts, one task each, one findings store.

- `targets`: what a fleet run covers (local folders, git URLs, AWS profiles) and what a task
  returns;
- `task`: one target scanned or audited, on whichever process or Dask worker runs it;
- `execute`: the tasks on a local process pool or an existing Dask cluster;
- `store`: the findings store (SQLite, or PostgreSQL for `postgresql://` URLs), written by the
  client alone;
- `report`: the store as JSON, Markdown or HTML, with what is new, fixed and still open;
- `command`: the command line.
"""
