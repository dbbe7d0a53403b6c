"""Which dependency files each function ships, following each deployment tool's conventions.

- Serverless Framework: Python functions get the service directory's requirements as the
  serverless-python-requirements plugin reads them (`custom.pythonRequirements.fileName`,
  `usePipenv`, `usePoetry`, per-function `module`, `noDeploy`); Node.js functions get the
  npm packages of every directory from the handler's up to the service directory (Node's
  module resolution), unless `package.patterns` (or `exclude`) leave `node_modules` out;
  layers defined under `layers:` and referenced by the function add theirs.
- SAM and CloudFormation: the function's `CodeUri` (or a local `Code` path, or the CDK
  asset path) is the root; `sam build` reads its requirements.txt or package.json; layers
  (`AWS::Serverless::LayerVersion` `ContentUri`, `AWS::Lambda::LayerVersion` `Content`)
  referenced in `Layers` add theirs. Inline code, images and S3 artifacts ship nothing
  slsguard can see.

Only directories under the scan root are read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName

from slsguard import zipped
from slsguard.deps.facts import AppDependencies, FunctionDependencies, ManifestUse
from slsguard.deps.manifests import SAM_PYTHON, ManifestCache, PythonGroup, serverless_python
from slsguard.deps.model import Package
from slsguard.deps.reading import resolved, table
from slsguard.deps.versions import canonical_name
from slsguard.model import Application, Function

LAYER_SUBDIRECTORIES = ("", "python", "nodejs")


def attribute(app: Application, cache: ManifestCache, base: Path) -> AppDependencies:
    """The dependency files and shipped packages of every function of `app` (in `base`)."""
    return AppDependencies(tuple(_function(app, fn, base, cache) for fn in app.functions))


def application_directory(app: Application, cwd: Path) -> Path:
    """The directory of the application's template or Serverless config."""
    # Loaders name files relative to the (resolved) working directory, from resolved paths:
    # normalising is enough, and far cheaper than resolving every application's file.
    return Path(os.path.abspath(cwd / app.file)).parent


def ecosystems_of(runtime: str | None) -> frozenset[str]:
    """The package ecosystems a runtime loads: PyPI for python*, npm for nodejs*."""
    if runtime is None:
        return frozenset({"PyPI", "npm"})
    if runtime.startswith("python"):
        return frozenset({"PyPI"})
    if runtime.startswith("nodejs"):
        return frozenset({"npm"})
    if runtime.startswith(("go1", "provided")):
        return frozenset({"Go"})  # a `provided` function in Go; others have no go.mod
    return frozenset()


def _function(
    app: Application, fn: Function, base: Path, cache: ManifestCache
) -> FunctionDependencies:
    ecosystems = ecosystems_of(fn.runtime)
    excluded: frozenset[str] = frozenset()
    artifact = zipped.serverless_artifact(app.template, fn.settings)
    unpacked = _inside(base, artifact[0], cache) if app.kind == "serverless" and artifact else None
    if unpacked is not None:
        uses = list(_package_uses(unpacked, fn, cache, ecosystems))
        code_root: Path | None = unpacked
    elif app.kind == "serverless":
        uses = list(_serverless_uses(app, fn, base, cache, ecosystems))
        excluded = _no_deploy(app.template)
        code_root = base
    else:
        uses = list(_stack_uses(app, fn, base, cache, ecosystems))
        code_root = code_directory(app, fn, base, cache)
    uses += _vendored_uses(app, code_root, base, cache, ecosystems)
    if "Go" in ecosystems:
        uses += _go_uses(app, fn, cache)
    unique = list({str(use.manifest.path): use for use in uses}.values())
    environment = marker_environment(fn)
    packages = dict.fromkeys(
        package
        for use in unique
        for package in use.manifest.shipped()
        if package.key not in excluded and _installed(package, environment)
    )
    return FunctionDependencies(fn.name, tuple(unique), tuple(packages))


def _vendored_uses(
    app: Application,
    root: Path | None,
    base: Path,
    cache: ManifestCache,
    ecosystems: frozenset[str],
) -> list[ManifestUse]:
    """Packages committed in the function's code root (Chalice `vendor/`, `node_modules`)."""
    if root is None:
        return []
    if app.kind in ("chalice", "zappa"):
        ecosystems = frozenset({"PyPI"})  # they package Python code only
    return [
        ManifestUse(manifest, f"vendored in {_relative(manifest.path, base)}")
        for manifest in cache.vendored(root)
        if manifest.ecosystem in ecosystems
    ]


def _go_uses(app: Application, fn: Function, cache: ManifestCache) -> list[ManifestUse]:
    """The go.mod of the module holding the function's Go package (the nearest one above
    the package within the scan root): the modules the binary is built with."""
    from slsguard.code.locate import locate
    from slsguard.code.model import HandlerSource

    located = locate(app, fn, cache.context.cwd)
    if not isinstance(located, HandlerSource) or located.language != "go":
        return []
    folder = located.root
    while folder.is_relative_to(located.scan_root):
        manifest = cache.get(folder / "go.mod")
        if manifest is not None:
            return [ManifestUse(manifest, f"Go module of {located.display}")]
        folder = folder.parent
    return []


def marker_environment(fn: Function) -> dict[str, str]:
    """PEP 508 marker values for the function's Lambda runtime (Linux, CPython)."""
    runtime = fn.runtime or "python3.12"
    version = runtime.removeprefix("python") if runtime.startswith("python") else "3.12"
    settings = table(fn.settings)
    architectures = settings.get("Architectures") or settings.get("architecture") or ""
    arm = "arm64" in str(architectures)
    return {
        "python_version": version,
        "python_full_version": f"{version}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "os_name": "posix",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "aarch64" if arm else "x86_64",
        "extra": "",
    }


def _installed(package: Package, environment: dict[str, str]) -> bool:
    """Whether the package's environment marker holds on Lambda (unknown markers: yes)."""
    if not package.marker:
        return True
    try:
        return Marker(package.marker).evaluate(environment)
    except (InvalidMarker, UndefinedEnvironmentName):
        return True


def _literal_path(value: Any) -> str | None:
    if isinstance(value, str) and value and "://" not in value:
        return value
    return None


def _inside(base: Path, relative: str, cache: ManifestCache) -> Path | None:
    """`base / relative` when it is a directory under the scan root, or the unpacked folder
    of a zip committed there (what the function really ships)."""
    candidate = resolved(base / relative)
    if not candidate.is_relative_to(cache.context.root):
        return None
    if candidate.is_dir():
        return candidate
    if candidate.suffix.lower() == ".zip" and candidate.is_file():
        unpacked = zipped.unpack(candidate)
        return unpacked.folder if isinstance(unpacked, zipped.Unpacked) else None
    return None


def handler_chain(root: Path, handler: str | None, python: bool = False) -> list[Path]:
    """The directories from the handler's file up to `root`, nearest first.

    Python handlers may name their module with dots as well as slashes, as the Lambda runtime
    imports them (`src.orders.create.handler` is `src/orders/create.py`); in Node.js
    handlers only the last dot separates the function (`api.v2.handler` is `api.v2.js`).
    """
    chain = [root]
    if handler:
        module = handler_module(handler, python)
        start = resolved((root / module).parent)
        if start.is_relative_to(root):
            chain = []
            current = start
            while current != root and current.is_relative_to(root):
                chain.append(current)
                current = current.parent
            chain.append(root)
    return chain


def handler_module(handler: str, python: bool) -> str:
    """The handler's module path without the function name; dots are folders in Python."""
    module = handler.rsplit(".", 1)[0] if "." in handler else handler
    if not python:
        return module
    parts = module.split("/")
    return "/".join(part if part in (".", "..") else part.replace(".", "/") for part in parts)


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix() or "."
    except ValueError:
        return zipped.shown(path, base) or path.as_posix()


def _python_uses(
    root: Path, fn: Function, cache: ManifestCache, groups: tuple[PythonGroup, ...], via: str
) -> Iterator[ManifestUse]:
    manifest = cache.python(root, groups)
    if manifest is not None:
        yield ManifestUse(manifest, via)
        return
    for directory in handler_chain(root, fn.handler, python=True)[:-1]:
        manifest = cache.python(directory, groups)
        if manifest is not None:
            yield ManifestUse(manifest, f"handler directory {_relative(directory, root)}")
            return


def _npm_uses(root: Path, fn: Function, cache: ManifestCache, via: str) -> Iterator[ManifestUse]:
    for directory in handler_chain(root, fn.handler):
        manifest = cache.npm(directory)
        if manifest is not None:
            where = via if directory == root else f"handler directory {_relative(directory, root)}"
            yield ManifestUse(manifest, where)


def _package_uses(
    folder: Path, fn: Function, cache: ManifestCache, ecosystems: frozenset[str]
) -> Iterator[ManifestUse]:
    """The dependency files inside a committed `package.artifact` zip."""
    if "PyPI" in ecosystems:
        yield from _python_uses(folder, fn, cache, SAM_PYTHON, "package.artifact")
    if "npm" in ecosystems:
        yield from _npm_uses(folder, fn, cache, "package.artifact")


def _serverless_uses(
    app: Application, fn: Function, base: Path, cache: ManifestCache, ecosystems: frozenset[str]
) -> Iterator[ManifestUse]:
    template = table(app.template)
    settings = table(fn.settings)
    if "PyPI" in ecosystems:
        module = _literal_path(settings.get("module"))
        directory = _inside(base, module, cache) if module else base
        if directory is not None:
            via = f"module {module}" if module else "service directory"
            yield from _python_uses(directory, fn, cache, _python_groups(template), via)
    if "npm" in ecosystems and not excludes_node_modules(template, settings):
        yield from _npm_uses(base, fn, cache, "service directory")
    yield from _serverless_layers(template, settings, base, cache, ecosystems)


def _python_groups(template: dict[str, Any]) -> tuple[PythonGroup, ...]:
    options = table(table(template.get("custom")).get("pythonRequirements"))
    name = _literal_path(options.get("fileName")) or "requirements.txt"
    return serverless_python(
        name, options.get("usePipenv") is not False, options.get("usePoetry") is not False
    )


def _no_deploy(template: Any) -> frozenset[str]:
    options = table(table(table(template).get("custom")).get("pythonRequirements"))
    names = options.get("noDeploy")
    items = names if isinstance(names, list) else []
    return frozenset(canonical_name("PyPI", item) for item in items if isinstance(item, str))


def excludes_node_modules(template: dict[str, Any], settings: dict[str, Any]) -> bool:
    """Whether the packaging patterns leave `node_modules` out of the function's artifact."""
    patterns = _patterns(table(template.get("package")))
    if table(template.get("package")).get("individually") is True or "package" in settings:
        patterns += _patterns(table(settings.get("package")))
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        if glob_match(pattern.lstrip("!"), "node_modules/some-package/index.js"):
            included = not negated
    return not included


def _patterns(package: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key, prefix in (("include", ""), ("exclude", "!"), ("patterns", "")):
        values = package.get(key)
        for value in values if isinstance(values, list) else ():
            if isinstance(value, str):
                out.append(prefix + value)
    return out


def glob_match(pattern: str, path: str) -> bool:
    """Serverless (globby) pattern matching, enough for `node_modules/**` and friends."""
    pattern = pattern.removeprefix("./")
    regex = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            regex, index = regex + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            regex, index = regex + ".*", index + 2
        elif pattern[index] == "*":
            regex, index = regex + "[^/]*", index + 1
        elif pattern[index] == "?":
            regex, index = regex + "[^/]", index + 1
        else:
            regex, index = regex + re.escape(pattern[index]), index + 1
    return re.fullmatch(regex + "(?:/.*)?", path) is not None


def serverless_layer_id(name: str) -> str:
    """The logical id Serverless gives a layer: `pythonDeps` -> `PythonDepsLambdaLayer`."""
    normalized = name.replace("-", "Dash").replace("_", "Underscore")
    return normalized[:1].upper() + normalized[1:] + "LambdaLayer"


def _references(value: Any) -> list[str]:
    items = value if isinstance(value, list) else []
    return [str(item["Ref"]) for item in items if isinstance(item, dict) and "Ref" in item]


def _serverless_layers(
    template: dict[str, Any],
    settings: dict[str, Any],
    base: Path,
    cache: ManifestCache,
    ecosystems: frozenset[str],
) -> Iterator[ManifestUse]:
    provider = table(template.get("provider"))
    wanted = _references(settings.get("layers", provider.get("layers")))
    for name, layer in table(template.get("layers")).items():
        path = _literal_path(table(layer).get("path"))
        if serverless_layer_id(str(name)) in wanted and path:
            yield from _layer_uses(base, path, f"layer {name}", cache, ecosystems)


def _layer_uses(
    base: Path, path: str, via: str, cache: ManifestCache, ecosystems: frozenset[str]
) -> Iterator[ManifestUse]:
    root = _inside(base, path, cache)
    if root is None:
        return
    for sub in LAYER_SUBDIRECTORIES:
        directory = root / sub if sub else root
        if "PyPI" in ecosystems and sub != "nodejs":
            manifest = cache.python(directory, SAM_PYTHON)
            if manifest is not None:
                yield ManifestUse(manifest, via)
        if "npm" in ecosystems and sub != "python":
            manifest = cache.npm(directory)
            if manifest is not None:
                yield ManifestUse(manifest, via)


def code_directory(app: Application, fn: Function, base: Path, cache: ManifestCache) -> Path | None:
    """The local directory a SAM or CloudFormation function's code is built from, if any."""
    settings = table(fn.settings)
    resource = table(table(app.resources).get(fn.logical_id or ""))
    kind = str(resource.get("Type", ""))
    if kind == "AWS::Serverless::Function":
        if "InlineCode" in settings or settings.get("PackageType") == "Image":
            return None
        uri = settings.get("CodeUri", ".")
        return _inside(base, uri, cache) if _literal_path(uri) else None
    code = settings.get("Code")
    if _literal_path(code):
        return _inside(base, str(code), cache)
    asset = table(resource.get("Metadata")).get("aws:asset:path")
    if isinstance(code, dict) and _literal_path(asset):
        return _inside(base, str(asset), cache)
    return None


def _stack_uses(
    app: Application, fn: Function, base: Path, cache: ManifestCache, ecosystems: frozenset[str]
) -> Iterator[ManifestUse]:
    root = code_directory(app, fn, base, cache)
    if root is not None:
        via = f"CodeUri {_relative(root, base)}"
        if "PyPI" in ecosystems:
            yield from _python_uses(root, fn, cache, SAM_PYTHON, via)
        if "npm" in ecosystems:
            yield from _npm_uses(root, fn, cache, via)
    resources = table(app.resources)
    for logical_id in _references(table(fn.settings).get("Layers")):
        layer = table(resources.get(logical_id))
        properties = table(layer.get("Properties"))
        content = properties.get("ContentUri", properties.get("Content"))
        if _literal_path(content):
            yield from _layer_uses(base, str(content), f"layer {logical_id}", cache, ecosystems)
