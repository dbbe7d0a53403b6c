"""Find the templates under the paths a user gives, recognising each file by its content.

Serverless Framework configs (any name, `service:` + `provider:`; `serverless.json`), SAM
templates (the `AWS::Serverless-2016-10-31` transform), CloudFormation templates (YAML or
JSON with `Resources` of `AWS::` types), CDK apps (`cdk.json`: the templates of the `cdk.out`
next to it are scanned even when git ignores that folder; elsewhere `cdk.out` is scanned
when the user points at it).
`serverless.ts`/`.js` configs are noted as not analysed (they would have to be executed).
Terraform files (`.tf`, `.tf.json`) are recognised by name; each folder is a module.
CI files are recognised by their path: GitHub Actions workflows (`.github/workflows/*.yml`),
`.gitlab-ci.yml`, `bitbucket-pipelines.yml`.
Key files are recognised by name (`.pem`, `.key`, `id_rsa`, keystores such as `.p12`) and read
later for a private-key block (committed keys are secrets too).
Other YAML and JSON (OpenAPI, SDK models, package.json) is left alone silently.
Symbolic links are never followed out of the scan root.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from slsguard import files, zipped
from slsguard.delivery import CiSystem
from slsguard.project import Project
from slsguard.project import find as find_project

SKIPPED_DIRECTORIES = frozenset(
    {
        "node_modules",
        ".serverless",
        ".aws-sam",
        ".git",
        "cdk.out",
        ".venv",
        "venv",
        "__pycache__",
        ".terraform",
        ".mypy_cache",
        ".pytest_cache",
        ".tox",
    }
)
TEMPLATE_SUFFIXES = frozenset({".yml", ".yaml", ".json", ".template"})
ZAPPA_SETTINGS = frozenset(
    {"zappa_settings.json", "zappa_settings.yml", "zappa_settings.yaml", "zappa_settings.toml"}
)
CODE_CONFIGS = frozenset({"serverless.ts", "serverless.js", "serverless.cjs", "serverless.mjs"})
MAX_CANDIDATE_BYTES = 4 * 1024 * 1024

KEYSTORE_SUFFIXES = frozenset({".jks", ".keystore", ".p12", ".pfx"})
KEY_SUFFIXES = frozenset({".pem", ".key", ".ppk", ".asc", ".gpg", ".p8"})
KEY_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})

FileKind = Literal[
    "serverless",
    "template",
    "code-config",
    "ci",
    "terraform",
    "cdk-app",
    "amplify",
    "key-file",
    "chalice",
    "zappa",
]

_SLS_SERVICE = re.compile(r"^service\s*:", re.M)
_SLS_PROVIDER = re.compile(r"^provider\s*:", re.M)
_CFN_TYPE = re.compile(r"""["']?Type["']?\s*:\s*["']?(AWS|Custom|Alexa)::""")
_CFN_MARKERS = ("AWSTemplateFormatVersion", "Resources")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file that looks like something slsguard analyses."""

    path: Path
    display: str
    """The path shown in findings: relative to the project root."""
    root: Path
    """The project root it was found under: includes may not leave it."""
    kind: FileKind
    text: str = ""
    project: Project | None = None
    """The project it belongs to: what git tracks and ignores there."""


def display_name(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` (with `..` when needed), with forward slashes; a file of a
    committed zip is named inside it (`dist/app.zip!/handler.py`)."""
    inside_zip = zipped.shown(path, cwd)
    if inside_zip is not None:
        return printable(inside_zip)
    try:
        shown = path.relative_to(cwd).as_posix()
    except ValueError:
        relative = os.path.relpath(path, cwd)
        # Far-away paths read better absolute than as a long climb of `..`.
        shown = Path(relative).as_posix() if relative.count("..") <= 3 else path.as_posix()
    return printable(shown)


def printable(name: str) -> str:
    """A file name that every output can encode: bytes that are not UTF-8 (which Python
    keeps as lone surrogates) are shown as `\\xff` escapes."""
    if name.isascii():
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def discover(
    paths: list[Path], root: Path | None = None, *, project: Project | None = None
) -> list[Candidate]:
    """Every candidate under `paths`, in a stable order, each file once; named relative to
    the project root (`root`, like `--root`, or found from the paths; ProjectError when a
    path is outside it). Files a `.gitignore` ignores are skipped unless named."""
    project = project or find_project(paths, root)
    seen: set[Path] = set()
    found: list[Candidate] = []
    for given in paths:
        start = given.resolve()
        files = [start] if start.is_file() else _walk(start, project)
        files += _cdk_outputs(files, seen, project)
        for file in files:
            if file in seen:
                continue
            seen.add(file)
            name = printable(project.name_of(file))
            candidate = classify(file, name, project.root, explicit=file == start)
            if candidate is not None:
                found.append(replace(candidate, project=project))
    return found


def _walk(start: Path, project: Project) -> list[Path]:
    # Pointing at cdk.out (or inside it) means the user wants CDK output scanned.
    inside_cdk_out = "cdk.out" in start.parts
    # A folder the user names (or a cdk.out next to its cdk.json) is scanned even if git
    # ignores it, and then everything in it is.
    honoured = not project.ignore.ignored(start, is_folder=True)
    files: list[Path] = []
    for directory, subdirectories, names in os.walk(start):
        base = Path(directory)
        subdirectories[:] = sorted(
            name
            for name in subdirectories
            if (name not in SKIPPED_DIRECTORIES or (name == "cdk.out" and inside_cdk_out))
            and not (honoured and project.ignored(base / name, is_folder=True))
        )
        for name in sorted(names):
            path = base / name
            wanted = (
                path.suffix.lower() in TEMPLATE_SUFFIXES
                or name in CODE_CONFIGS
                or name in ZAPPA_SETTINGS
                or _amplify_backend(path)
            )
            if not (wanted or is_terraform(path) or is_key_file_name(path)):
                continue
            if honoured and project.ignored(path, is_folder=False):
                continue
            if path.is_symlink() and not _inside(path, project.root):
                continue  # Never read outside the project root (nor round a symlink loop).
            files.append(path)
    return files


def _inside(path: Path, root: Path) -> bool:
    """True when `path`, links followed, exists under `root` (False for a symlink loop)."""
    target = Path(os.path.realpath(path))
    return target.is_relative_to(root) and os.path.lexists(target) and target.exists()


def _cdk_outputs(files: list[Path], seen: set[Path], project: Project) -> list[Path]:
    """The templates in the `cdk.out` next to each `cdk.json`: the CDK app as synthesised,
    scanned even when git ignores it (asset folders hold code, reached through templates)."""
    found: list[Path] = []
    for file in files:
        output = file.parent / "cdk.out"
        if file.name != "cdk.json" or output in seen or not output.is_dir():
            continue
        seen.add(output)
        found += [
            path
            for path in _walk(output, project)
            if not any(part.startswith("asset.") for part in path.relative_to(output).parts)
        ]
    return [path for path in found if path not in files]


def _amplify_backend(path: Path) -> bool:
    """`amplify/backend/backend-config.json` (Gen 1) or `amplify/backend.ts` (Gen 2)."""
    if path.name == "backend-config.json":
        return path.parent.name == "backend" and path.parent.parent.name == "amplify"
    return path.name == "backend.ts" and path.parent.name == "amplify"


def classify(path: Path, display: str, root: Path, *, explicit: bool = False) -> Candidate | None:
    """The kind of a file from its name and content; None for files slsguard leaves alone."""
    if path.name in CODE_CONFIGS:
        return Candidate(path, display, root, "code-config")
    if path.name == "cdk.json":
        return Candidate(path, display, root, "cdk-app")
    if _amplify_backend(path):
        return Candidate(path, display, root, "amplify")
    if path.name == "config.json" and path.parent.name == ".chalice":
        return Candidate(path, display, root, "chalice")
    if path.name in ZAPPA_SETTINGS:
        return Candidate(path, display, root, "zappa")
    if ci_system(path) is not None:
        return Candidate(path, display, root, "ci")
    if is_terraform(path):
        return Candidate(path, display, root, "terraform")
    if is_key_file_name(path):
        return Candidate(path, display, root, "key-file")
    if path.suffix.lower() not in TEMPLATE_SUFFIXES and not explicit:
        return None
    try:
        data = files.read_bytes(path, MAX_CANDIDATE_BYTES)
    except OSError:
        # Too large to read for a guess, a FIFO, a socket, unreadable: a file named like a
        # template is still reported (its loader says why it was not read).
        return Candidate(path, display, root, "template") if _named_like_template(path) else None
    text, valid = _decoded(data)
    kind = _kind_of(path, text)
    if kind is None and not valid and _named_like_template(path):
        kind = "template"  # its bad bytes may hide the markers: the loader says what is wrong
    if kind is None and explicit and path.suffix.lower() in TEMPLATE_SUFFIXES:
        return None
    # Undecodable text is left to the loader, which re-reads the file and says why.
    return Candidate(path, display, root, kind, text if valid else "") if kind else None


def _decoded(data: bytes) -> tuple[str, bool]:
    """The text (by byte-order mark, else UTF-8) and whether it decoded cleanly."""
    try:
        return files.decode(data), True
    except UnicodeDecodeError:
        return files.decode(data, errors="replace"), False


def is_key_file_name(path: Path) -> bool:
    """Whether a file is named like a private key or a keystore."""
    suffix = path.suffix.lower()
    return suffix in KEY_SUFFIXES or suffix in KEYSTORE_SUFFIXES or path.name in KEY_NAMES


def is_terraform(path: Path) -> bool:
    """A Terraform configuration file (`.tf`, `.tf.json`): its folder is a module."""
    return path.name.endswith((".tf", ".tf.json"))


def ci_system(path: Path) -> CiSystem | None:
    """The CI system a file configures, from its path alone; None for other files."""
    name = path.name.lower()
    if name == ".gitlab-ci.yml":
        return "gitlab-ci"
    if name == "bitbucket-pipelines.yml":
        return "bitbucket-pipelines"
    folder = path.parent
    in_workflows = folder.name == "workflows" and folder.parent.name == ".github"
    return "github-actions" if in_workflows and name.endswith((".yml", ".yaml")) else None


def _named_like_template(path: Path) -> bool:
    name = path.name.lower()
    return name.startswith(("serverless", "template")) and path.suffix.lower() in TEMPLATE_SUFFIXES


def _kind_of(path: Path, text: str) -> FileKind | None:
    name = path.name.lower()
    if path.suffix.lower() == ".json":
        if name == "serverless.json" or ('"service"' in text and '"provider"' in text):
            return "serverless" if _json_serverless(text, name) else _json_template(text)
        return _json_template(text)
    if _SLS_SERVICE.search(text) and _SLS_PROVIDER.search(text):
        return "serverless"
    if "AWS::Serverless" in text or (
        any(marker in text for marker in _CFN_MARKERS) and _CFN_TYPE.search(text)
    ):
        return "template"
    if name.startswith("serverless") and _SLS_SERVICE.search(text):
        return "serverless"
    return None


def _json_serverless(text: str, name: str) -> bool:
    if name == "serverless.json":
        return True
    stripped = text.lstrip()
    # Top-level keys only: a cheap check that "service" is not nested somewhere deep.
    return stripped.startswith("{") and re.search(r'^\s{0,4}"service"\s*:', text, re.M) is not None


def _json_template(text: str) -> FileKind | None:
    if '"Resources"' in text and _CFN_TYPE.search(text):
        return "template"
    return None
