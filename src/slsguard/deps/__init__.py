"""Dependencies: which third-party packages each function ships, and their known advisories.

`manifests` reads requirements files, Pipfiles, Poetry/uv locks, `pyproject.toml`,
`package.json` and the npm, Yarn and pnpm lockfiles (each package keeps its file and line);
`attribution` decides which of them each function ships; `audit` matches the packages
against OSV advisories from an `AdvisorySource` (the OSV web API or an offline database)
and produces the `DependencyFacts` the SLS7xx rules and the reports read.
"""
