"""Every dependency file format: packages, versions, dev flags and the line of each entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slsguard.deps.manifests import ManifestCache, read_manifest
from slsguard.deps.model import Manifest, Package
from slsguard.deps.reading import ReadContext, json_object_lines


def _read(root: Path, name: str, text: str, **siblings: str) -> Manifest:
    for sibling, content in siblings.items():
        (root / sibling.replace("__", "/")).write_text(content)
    (root / name).write_text(text)
    manifest = read_manifest(root / name, ReadContext(root.resolve(), root.resolve()))
    assert manifest is not None
    return manifest


def _by_name(manifest: Manifest) -> dict[str, Package]:
    return {package.name: package for package in manifest.packages}


def test_requirements_pins_markers_extras_hashes_and_includes(tmp_path: Path) -> None:
    text = (
        "# comment\n"
        "requests[security]==2.19.0 \\\n"
        "    --hash=sha256:0123 \\\n"
        "    --hash=sha256:4567\n"
        "boto3>=1.20  # not pinned\n"
        'flask==3.0.0 ; python_version < "3.8"\n'
        "--index-url https://pypi.org/simple\n"
        "-r more.txt\n"
        "-c constraints.txt\n"
        "-e git+https://github.com/me/lib.git@v1#egg=mylib\n"
        "./local/package\n"
        "zope.interface===5.4.0\n"
        "django==4.*\n"
    )
    manifest = _read(
        tmp_path,
        "requirements.txt",
        text,
        **{"more.txt": "urllib3==1.26.4\n", "constraints.txt": "boto3==1.34.0\n"},
    )
    packages = _by_name(manifest)
    requests = packages["requests"]
    assert (requests.version, requests.origin.line) == ("2.19.0", 2)
    assert packages["boto3"].version == "1.34.0"  # pinned by the constraints file
    assert packages["boto3"].specifier == ">=1.20" and packages["boto3"].origin.line == 5
    assert packages["flask"].marker == 'python_version < "3.8"'
    assert packages["urllib3"].origin.file.endswith("more.txt")
    assert packages["urllib3"].origin.line == 1
    assert packages["mylib"].source == "git" and not packages["mylib"].auditable
    assert packages["package"].source == "path"
    assert packages["zope.interface"].version == "5.4.0"
    assert packages["django"].version is None  # a wildcard is a range
    assert manifest.origin.line == 2  # the first requirement
    assert manifest.problems == ()


def test_requirements_problems_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\nsix==1.16.0\n")
    (tmp_path / "b.txt").write_text("-r a.txt\n")  # a cycle
    text = "this is not a requirement!!\n-r a.txt\n-r ../outside.txt\n-r https://x/r.txt\n"
    manifest = _read(tmp_path, "requirements.txt", text)
    assert [p.name for p in manifest.packages] == ["six"]
    assert len(manifest.problems) == 3
    assert "cannot parse requirement" in manifest.problems[0]
    assert "outside the scan root" in manifest.problems[1]
    assert "remote include" in manifest.problems[2]


def test_requirements_include_depth_is_bounded(tmp_path: Path) -> None:
    for index in range(12):
        (tmp_path / f"r{index}.txt").write_text(f"-r r{index + 1}.txt\n")
    manifest = _read(tmp_path, "requirements.txt", "-r r0.txt\n")
    assert any("nested deeper" in problem for problem in manifest.problems)


PIPFILE_LOCK = {
    "_meta": {"hash": {"sha256": "x"}, "pipfile-spec": 6, "requires": {}, "sources": []},
    "default": {
        "requests": {"hashes": ["sha256:a"], "index": "pypi", "version": "==2.19.0"},
        "mylib": {"git": "https://github.com/me/mylib.git", "ref": "abc"},
        "colorama": {"version": "==0.4.6", "markers": "sys_platform == 'win32'"},
    },
    "develop": {"pytest": {"version": "==7.0.0"}},
}


def test_pipfile_lock(tmp_path: Path) -> None:
    manifest = _read(tmp_path, "Pipfile.lock", json.dumps(PIPFILE_LOCK, indent=4))
    packages = _by_name(manifest)
    assert manifest.is_lockfile
    assert packages["requests"].version == "2.19.0" and packages["requests"].origin.line == 11
    assert packages["mylib"].source == "git"
    assert packages["colorama"].marker == "sys_platform == 'win32'"
    assert packages["pytest"].dev and not packages["requests"].dev


def test_pipfile(tmp_path: Path) -> None:
    text = (
        '[[source]]\nurl = "https://pypi.org/simple"\nname = "pypi"\n\n'
        '[packages]\nrequests = "*"\nflask = "==3.0.0"\n'
        'boto3 = {version = ">=1.28", extras = ["crt"]}\n\n[dev-packages]\npytest = "*"\n'
    )
    manifest = _read(tmp_path, "Pipfile", text)
    packages = _by_name(manifest)
    assert not manifest.is_lockfile and manifest.origin.line == 5
    assert packages["flask"].version == "3.0.0" and packages["flask"].origin.line == 7
    assert packages["requests"].version is None and packages["boto3"].specifier == ">=1.28"
    assert packages["pytest"].dev


POETRY_LOCK = """\
[[package]]
name = "requests"
version = "2.19.0"
description = "Python HTTP for Humans."
category = "main"
optional = false
python-versions = ">=2.7"

[package.dependencies]
urllib3 = ">=1.21.1,<1.24"

[[package]]
name = "pytest"
version = "7.0.0"
description = ""
category = "dev"
optional = false
python-versions = ">=3.6"

[[package]]
name = "mylib"
version = "0.1.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]

[package.source]
type = "git"
url = "https://github.com/me/mylib.git"
reference = "main"
resolved_reference = "abc"

[[package]]
name = "mypy"
version = "1.8.0"
description = ""
optional = false
python-versions = ">=3.8"
groups = ["dev"]

[metadata]
lock-version = "2.1"
python-versions = "^3.12"
content-hash = "x"
"""


def test_poetry_lock(tmp_path: Path) -> None:
    manifest = _read(tmp_path, "poetry.lock", POETRY_LOCK)
    packages = _by_name(manifest)
    assert packages["requests"].origin.line == 2 and packages["requests"].version == "2.19.0"
    assert packages["pytest"].dev and packages["mypy"].dev
    assert not packages["requests"].dev and not packages["mylib"].dev
    assert packages["mylib"].source == "git" and packages["mylib"].version is None


UV_LOCK = """\
version = 1
requires-python = ">=3.12"

[[package]]
name = "orders"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "requests" },
]

[package.dev-dependencies]
dev = [
    { name = "pytest" },
]

[[package]]
name = "requests"
version = "2.19.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "urllib3" },
]

[[package]]
name = "urllib3"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_lock_ships_what_the_project_depends_on(tmp_path: Path) -> None:
    manifest = _read(tmp_path, "uv.lock", UV_LOCK)
    packages = _by_name(manifest)
    assert set(packages) == {"requests", "urllib3", "pytest"}
    assert packages["urllib3"].origin.line == 26
    assert not packages["urllib3"].dev and packages["pytest"].dev


PYPROJECT = """\
[project]
name = "orders"
dependencies = [
  "requests>=2.31",
  "jinja2==3.1.4",
]

[project.optional-dependencies]
cli = ["click==8.1.7"]

[dependency-groups]
dev = ["pytest>=8"]

[tool.poetry.dependencies]
python = "^3.12"
boto3 = "^1.34"
pydantic = "2.5.0"

[tool.poetry.group.dev.dependencies]
mypy = "^1.8"
"""


def test_pyproject_declarations(tmp_path: Path) -> None:
    manifest = _read(tmp_path, "pyproject.toml", PYPROJECT)
    packages = _by_name(manifest)
    assert packages["jinja2"].version == "3.1.4" and packages["jinja2"].origin.line == 5
    assert packages["click"].version == "8.1.7"
    assert packages["pytest"].dev and packages["mypy"].dev
    assert packages["pydantic"].version == "2.5.0"  # a bare Poetry version is exact
    assert packages["boto3"].version is None and packages["boto3"].origin.line == 16
    assert "python" not in packages


def test_pyproject_without_dependencies_is_not_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    context = ReadContext(tmp_path.resolve(), tmp_path.resolve())
    assert read_manifest(tmp_path / "pyproject.toml", context) is None


PACKAGE_JSON = {
    "name": "orders",
    "version": "1.0.0",
    "dependencies": {
        "lodash": "^4.17.15",
        "express": "^4.17.1",
        "left-pad": "1.3.0",
        "my-fork": "github:me/fork#v1",
        "local": "file:../local",
        "strip": "npm:strip-ansi@6.0.1",
    },
    "devDependencies": {"minimist": "^1.2.0"},
}


def test_package_json(tmp_path: Path) -> None:
    manifest = _read(tmp_path, "package.json", json.dumps(PACKAGE_JSON, indent=2))
    packages = _by_name(manifest)
    assert manifest.origin.line == 4  # "dependencies"
    assert packages["lodash"].origin.line == 5 and packages["lodash"].version is None
    assert packages["left-pad"].version == "1.3.0"
    assert packages["my-fork"].source == "git" and packages["local"].source == "path"
    assert packages["strip-ansi"].version == "6.0.1"
    assert packages["minimist"].dev and packages["minimist"].origin.line == 13


LOCK_V3 = {
    "name": "orders",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {
            "name": "orders",
            "version": "1.0.0",
            "dependencies": {"lodash": "^4.17.15", "express": "^4.18.0"},
            "devDependencies": {"jest": "^29.0.0"},
        },
        "node_modules/lodash": {
            "version": "4.17.15",
            "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz",
        },
        "node_modules/express": {"version": "4.18.2", "dependencies": {"qs": "6.11.0"}},
        "node_modules/qs": {"version": "6.11.0"},
        "node_modules/jest": {"version": "29.7.0", "dev": True},
        "node_modules/fsevents": {"version": "2.3.3", "devOptional": True, "optional": True},
        "node_modules/express/node_modules/semver": {"version": "5.7.1"},
        "node_modules/@babel/core": {"version": "7.20.0", "dev": True},
        "node_modules/my-fork": {
            "version": "1.0.0",
            "resolved": "git+ssh://git@github.com/me/fork.git#abc",
        },
        "packages/shared": {"name": "shared", "version": "0.0.1"},
        "node_modules/shared": {"resolved": "packages/shared", "link": True},
    },
}


@pytest.mark.parametrize("version", [2, 3])
def test_package_lock_v2_and_v3(tmp_path: Path, version: int) -> None:
    lock = dict(LOCK_V3, lockfileVersion=version)
    manifest = _read(tmp_path, "package-lock.json", json.dumps(lock, indent=2))
    packages = {(p.name, p.version): p for p in manifest.packages}
    assert manifest.is_lockfile
    assert set(packages) == {
        ("lodash", "4.17.15"),
        ("express", "4.18.2"),
        ("qs", "6.11.0"),
        ("jest", "29.7.0"),
        ("fsevents", "2.3.3"),
        ("semver", "5.7.1"),
        ("@babel/core", "7.20.0"),
        ("my-fork", None),
    }
    assert packages[("lodash", "4.17.15")].origin.line == 18
    assert packages[("lodash", "4.17.15")].direct and not packages[("qs", "6.11.0")].direct
    assert packages[("jest", "29.7.0")].dev and not packages[("fsevents", "2.3.3")].dev
    assert not packages[("semver", "5.7.1")].direct


LOCK_V1 = {
    "name": "orders",
    "version": "1.0.0",
    "lockfileVersion": 1,
    "requires": True,
    "dependencies": {
        "lodash": {
            "version": "4.17.15",
            "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.15.tgz",
        },
        "minimist": {"version": "1.2.5", "dev": True},
        "mkdirp": {
            "version": "0.5.1",
            "requires": {"minimist": "0.0.8"},
            "dependencies": {"minimist": {"version": "0.0.8"}},
        },
        "my-fork": {"version": "github:me/fork#abc123", "from": "github:me/fork"},
        "string-width-cjs": {"version": "npm:string-width@4.2.3"},
    },
}


def test_package_lock_v1(tmp_path: Path) -> None:
    manifest = _read(
        tmp_path,
        "package-lock.json",
        json.dumps(LOCK_V1, indent=2),
        **{"package.json": json.dumps({"dependencies": {"lodash": "^4", "mkdirp": "^0.5"}})},
    )
    packages = {(p.name, p.version): p for p in manifest.packages}
    assert ("minimist", "0.0.8") in packages and ("string-width", "4.2.3") in packages
    nested = packages[("minimist", "0.0.8")]
    assert nested.origin.line == 21 and not nested.direct
    assert packages[("minimist", "1.2.5")].dev
    assert packages[("lodash", "4.17.15")].direct
    assert packages[("my-fork", None)].source == "git"


YARN_PACKAGE_JSON = json.dumps(
    {
        "dependencies": {"lodash": "^4.17.15", "express": "^4.17.1"},
        "devDependencies": {"minimist": "^1.2.0"},
    }
)

YARN_CLASSIC = """\
# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0":
  version "7.12.11"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.11.tgz#f4ad"
  integrity sha512-Zt1y==
  dependencies:
    "@babel/highlight" "^7.10.4"

express@^4.17.1:
  version "4.17.1"
  resolved "https://registry.yarnpkg.com/express/-/express-4.17.1.tgz#4491"
  dependencies:
    qs "6.7.0"

lodash@^4.17.15, lodash@^4.17.20:
  version "4.17.20"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.20.tgz#b44a"

minimist@^1.2.0:
  version "1.2.5"
  resolved "https://registry.yarnpkg.com/minimist/-/minimist-1.2.5.tgz#67d6"

qs@6.7.0:
  version "6.7.0"
  resolved "https://registry.yarnpkg.com/qs/-/qs-6.7.0.tgz#41dc"

"my-fork@github:me/fork":
  version "1.0.0"
  resolved "https://codeload.github.com/me/fork/tar.gz/abc"
"""

YARN_BERRY = """\
# This file is generated by running "yarn install" inside your project.
# Manual changes might be lost - proceed with caution!

__metadata:
  version: 6
  cacheKey: 8

"express@npm:^4.17.1":
  version: 4.17.1
  resolution: "express@npm:4.17.1"
  dependencies:
    qs: 6.7.0
  checksum: abc
  languageName: node
  linkType: hard

"lodash@npm:^4.17.15, lodash@npm:^4.17.20":
  version: 4.17.20
  resolution: "lodash@npm:4.17.20"
  checksum: def
  languageName: node
  linkType: hard

"minimist@npm:^1.2.0":
  version: 1.2.5
  resolution: "minimist@npm:1.2.5"
  languageName: node
  linkType: hard

"orders@workspace:.":
  version: 0.0.0-use.local
  resolution: "orders@workspace:."
  dependencies:
    express: ^4.17.1
    lodash: ^4.17.15
    minimist: ^1.2.0
  languageName: unknown
  linkType: soft

"qs@npm:6.7.0":
  version: 6.7.0
  resolution: "qs@npm:6.7.0"
  languageName: node
  linkType: hard
"""


@pytest.mark.parametrize("text", [YARN_CLASSIC, YARN_BERRY], ids=["classic", "berry"])
def test_yarn_lock(tmp_path: Path, text: str) -> None:
    manifest = _read(tmp_path, "yarn.lock", text, **{"package.json": YARN_PACKAGE_JSON})
    packages = _by_name(manifest)
    assert "orders" not in packages
    assert packages["lodash"].version == "4.17.20" and packages["lodash"].direct
    assert packages["qs"].version == "6.7.0" and not packages["qs"].dev  # through express
    assert packages["minimist"].dev  # only devDependencies reach it
    assert (
        packages["lodash"].origin.line
        == text.splitlines().index(
            next(line for line in text.splitlines() if line.startswith(("lodash@", '"lodash@')))
        )
        + 1
    )
    if text is YARN_CLASSIC:
        assert packages["@babel/code-frame"].dev  # not reachable from production
        assert packages["my-fork"].source == "git"


def test_yarn_aliases_name_the_installed_package(tmp_path: Path) -> None:
    text = (
        '"string-width-cjs@npm:string-width@^4.2.0":\n  version "4.2.3"\n'
        '  resolved "https://registry.yarnpkg.com/string-width/-/string-width-4.2.3.tgz#0"\n'
    )
    manifest = _read(tmp_path, "yarn.lock", text)
    assert [(p.name, p.version) for p in manifest.packages] == [("string-width", "4.2.3")]


def test_yarn_lock_without_package_json_ships_everything(tmp_path: Path) -> None:
    manifest = _read(tmp_path, "yarn.lock", YARN_CLASSIC)
    assert not any(package.dev for package in manifest.packages)


PNPM_V9 = """\
lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      express:
        specifier: ^4.18.0
        version: 4.18.2
      lodash:
        specifier: ^4.17.15
        version: 4.17.15
    devDependencies:
      minimist:
        specifier: ^1.2.0
        version: 1.2.5

packages:

  express@4.18.2:
    resolution: {integrity: sha512-abc}
    engines: {node: '>= 0.10.0'}

  lodash@4.17.15:
    resolution: {integrity: sha512-def}

  minimist@1.2.5:
    resolution: {integrity: sha512-ghi}

  qs@6.11.0:
    resolution: {integrity: sha512-jkl}

  '@types/node@20.0.0':
    resolution: {integrity: sha512-x}

snapshots:

  express@4.18.2:
    dependencies:
      qs: 6.11.0

  lodash@4.17.15: {}

  minimist@1.2.5: {}

  qs@6.11.0: {}

  '@types/node@20.0.0': {}
"""

PNPM_V6 = """\
lockfileVersion: '6.0'

dependencies:
  lodash:
    specifier: ^4.17.15
    version: 4.17.15

devDependencies:
  minimist:
    specifier: ^1.2.0
    version: 1.2.5

packages:

  /lodash@4.17.15:
    resolution: {integrity: sha512-x}
    dev: false

  /minimist@1.2.5:
    resolution: {integrity: sha512-y}
    dev: true

  /@babel/core@7.20.0(supports-color@8.1.1):
    resolution: {integrity: sha512-z}
    dev: true
"""

PNPM_V5 = """\
lockfileVersion: 5.4

specifiers:
  lodash: ^4.17.15

dependencies:
  lodash: 4.17.15

packages:

  /lodash/4.17.15:
    resolution: {integrity: sha512-x}
    dev: false

  /@babel/core/7.20.0_supports-color@8.1.1:
    resolution: {integrity: sha512-z}
    dev: true
"""


def test_pnpm_lock_v9(tmp_path: Path) -> None:
    manifest = _read(tmp_path, "pnpm-lock.yaml", PNPM_V9)
    packages = _by_name(manifest)
    assert packages["express"].origin.line == 24 and packages["express"].direct
    assert not packages["qs"].dev and not packages["qs"].direct
    assert packages["minimist"].dev and packages["@types/node"].dev
    assert packages["@types/node"].version == "20.0.0"


@pytest.mark.parametrize("text", [PNPM_V6, PNPM_V5], ids=["v6", "v5"])
def test_pnpm_lock_v5_and_v6(tmp_path: Path, text: str) -> None:
    manifest = _read(tmp_path, "pnpm-lock.yaml", text)
    packages = _by_name(manifest)
    assert packages["lodash"].version == "4.17.15" and not packages["lodash"].dev
    assert packages["@babel/core"].version == "7.20.0" and packages["@babel/core"].dev


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("package-lock.json", "{not json"),
        ("Pipfile.lock", "[]"),
        ("poetry.lock", "[[package]\nname="),
        ("pnpm-lock.yaml", "a: [unclosed"),
        ("package.json", '"a string"'),
    ],
)
def test_unreadable_files_become_problems(tmp_path: Path, name: str, text: str) -> None:
    manifest = _read(tmp_path, name, text)
    assert manifest.packages == ()
    if name != "Pipfile.lock":
        assert manifest.problems


def test_cache_prefers_lockfiles_and_stays_under_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "app").mkdir(parents=True)
    (root / "app" / "package.json").write_text(YARN_PACKAGE_JSON)
    (root / "app" / "yarn.lock").write_text(YARN_CLASSIC)
    (tmp_path / "secret.txt").write_text("requests==1.0\n")
    (root / "app" / "requirements.txt").symlink_to(tmp_path / "secret.txt")
    cache = ManifestCache(ReadContext(root.resolve(), root.resolve()))
    npm = cache.npm(root / "app")
    assert npm is not None and npm.kind == "yarn-lock"
    assert cache.python(root / "app", (("requirements.txt",),)) is None  # symlink out of root


def test_json_object_lines_skip_arrays_and_strings() -> None:
    text = '{\n "a": {"b": [ {"c": {}} ], "d": "{\\"e\\": 1}"},\n "f": {}\n}'
    lines = json_object_lines(text)
    assert (lines[("a",)], lines[("f",)]) == (2, 3)
    assert not any("e" in path for path in lines)
