"""What the three CI loaders share: the file context and a builder that collects one job's facts.

Each system walks its own syntax and feeds the builder environment mappings, scripts, deploy
steps and OIDC settings; the builder finds deploy commands and access keys in them, and reads
the samconfig files a `sam deploy` would read (under the scan root only, bounded) to know
whether a CloudFormation service role is passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from slsguard import files
from slsguard.delivery import CiJob, CiSystem, DeployCommand, DeployTool, KeyScope, StoredKey
from slsguard.findings import Origin
from slsguard.loading.ci.commands import (
    SourceLines,
    changes_directory,
    deploy_tool,
    flag_value,
    has_flag,
    is_stored_value,
    key_setting,
    mentions_short_lived,
    segments,
)
from slsguard.loading.yaml import YList, YMap
from slsguard.model import render

MAX_SAMCONFIG_BYTES = 1024 * 1024
SAMCONFIG_NAMES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
_ROLE_ARN = re.compile(r"^\s*role_arn\s*[=:]", re.M)
_REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")
_KEY_VARIABLE = "AWS_ACCESS_KEY_ID"
_SESSION_VARIABLES = ("AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE")


@dataclass(frozen=True, slots=True)
class CiContext:
    """The CI file being loaded: its system, name, text, and the folders paths resolve from."""

    system: CiSystem
    file: str
    source: SourceLines
    repo_root: Path
    """The folder the CI system runs jobs from (the parent of `.github`, of `.gitlab-ci.yml`)."""
    scan_root: Path

    @property
    def github(self) -> bool:
        """GitHub Actions (expressions `${{ ... }}` instead of `$VARIABLES`)."""
        return self.system == "github-actions"

    def role_configured(self, segment: str, cwd: str | None) -> bool:
        """Whether `sam deploy` gets a CloudFormation role, or that cannot be ruled out."""
        if has_flag(segment, "--role-arn"):
            return True
        if cwd is not None and ("$" in cwd or "*" in cwd or cwd.startswith(("/", "~"))):
            return True  # a folder chosen at run time: slsguard cannot tell which samconfig
        base = self.repo_root / cwd if cwd else self.repo_root
        config = flag_value(segment, "--config-file")
        template = flag_value(segment, "--template-file", "--template", "-t")
        folders = [base] + ([(base / template).parent] if template else [])
        if config:
            candidates = [folder / config for folder in folders]
        else:
            candidates = [folder / name for folder in folders for name in SAMCONFIG_NAMES]
        readable = [text for path in candidates if (text := self._read(path)) is not None]
        if config and not readable:
            return True  # a config file slsguard cannot read may well set role_arn
        return any(_ROLE_ARN.search(text) for text in readable)

    def _read(self, path: Path) -> str | None:
        try:
            resolved = path.resolve()
            if not resolved.is_relative_to(self.scan_root) or not resolved.is_file():
                return None
            return files.read_text(resolved, MAX_SAMCONFIG_BYTES, errors="replace")
        except OSError:
            return None


@dataclass(slots=True)
class _ScriptKey:
    origin: Origin
    setting: str
    value: str
    scope: KeyScope


@dataclass(slots=True)
class JobBuilder:
    """Collects the deploys, keys, OIDC setting and region of one job, then freezes a `CiJob`."""

    context: CiContext
    name: str
    origin: Origin
    oidc: bool = False
    region: str | None = None
    deploys: list[DeployCommand] = field(default_factory=list)
    keys: list[StoredKey] = field(default_factory=list)
    short_lived: bool = False
    script_keys: list[_ScriptKey] = field(default_factory=list)

    def environment(
        self, mapping: object, origin: Origin, scope: KeyScope, only: frozenset[str] | None = None
    ) -> None:
        """An `env:` / `variables:` mapping (or the `only` names of it): access keys, session
        tokens and the region."""
        if not isinstance(mapping, YMap):
            return
        for name, raw in mapping.items():
            if only is not None and name not in only:
                continue
            value = raw.get("value") if isinstance(raw, YMap) else raw
            text = render(value)
            if name in _SESSION_VARIABLES and text:
                self.short_lived = True
            if name in _REGION_VARIABLES and text and "$" not in text:
                self.region = self.region or text
            if name != _KEY_VARIABLE:
                continue
            if is_stored_value(text, self.context.github, in_script=False, short_lived=False):
                self.keys.append(StoredKey(mapping.origin_of(name, origin), name, text, scope))

    def key(self, origin: Origin, setting: str, value: str, scope: KeyScope) -> None:
        """An access key handed over by an action or pipe input."""
        if is_stored_value(value, self.context.github, in_script=False, short_lived=False):
            self.keys.append(StoredKey(origin, setting, value, scope))

    def deploy(self, command: DeployCommand) -> None:
        """A deploy step that is not a shell command (an action, a pipe)."""
        self.deploys.append(command)

    def script(self, value: object, origin: Origin, cwd: str | None) -> str | None:
        """A script run in one shell from folder `cwd`: a string (possibly multi-line) or a
        list of them (nested lists flattened). Returns the folder it ends in (`cd`)."""
        if isinstance(value, YList):
            for index, item in enumerate(value):
                cwd = self.script(item, value.origin_of(index, origin), cwd)
            return cwd
        if not isinstance(value, str):
            return cwd
        for command in self.context.source.commands(value, origin.line, origin.column):
            where = Origin(origin.file, origin.path, command.line, command.column)
            if mentions_short_lived(command.text):
                self.short_lived = True
            for segment in segments(command.text):
                cwd = _moved(cwd, changes_directory(segment))
                self._segment(segment, where, cwd)
        return cwd

    def _segment(self, segment: str, where: Origin, cwd: str | None) -> None:
        tool = deploy_tool(segment)
        if tool is not None:
            self.deploys.append(DeployCommand(where, segment, tool, self._role(tool, segment, cwd)))
        setting = key_setting(segment)
        if setting is not None:
            self.script_keys.append(_ScriptKey(where, setting[0], setting[1], "step"))

    def _role(self, tool: DeployTool, segment: str, cwd: str | None) -> bool | None:
        if tool == "sam":
            return self.context.role_configured(segment, cwd)
        if tool == "cloudformation":
            return has_flag(segment, "--role-arn")
        return None

    def build(self) -> CiJob:
        """The job, with script keys judged now that temporary credentials are known."""
        keys = list(self.keys)
        for item in self.script_keys:
            always = item.setting.startswith("serverless")  # it cannot take a session token
            short = self.short_lived and not always
            if is_stored_value(item.value, self.context.github, in_script=True, short_lived=short):
                keys.append(StoredKey(item.origin, item.setting, item.value, item.scope))
        return CiJob(
            self.name, self.origin, tuple(self.deploys), tuple(keys), self.oidc, self.region
        )


def _moved(cwd: str | None, target: str | None) -> str | None:
    if target is None:
        return cwd
    if target.startswith(("/", "~", "$")) or target == "-":
        return "$unknown"  # outside the checkout or chosen at run time
    return str(PurePosixPath(cwd or ".") / target)


def working_directory(defaults: object) -> str | None:
    """`defaults.run.working-directory` of a GitHub workflow or job."""
    if isinstance(defaults, YMap) and isinstance(defaults.get("run"), YMap):
        value = defaults["run"].get("working-directory")
        return render(value) or None if value is not None else None
    return None
