"""Find the code of each function, as its deployment tool would, without guessing.

- Serverless Framework: `handler: src/orders/create.handler` is a path relative to the
  service directory plus the exported symbol; Python also accepts dotted modules
  (`orders.create.handler`) and packages (`orders/__init__.py`); Node.js tries `.js`,
  `.mjs`, `.cjs` and the TypeScript sources that serverless-esbuild and
  serverless-plugin-typescript compile (`.ts`, `.mts`, `.cts`).
- SAM: `CodeUri` (with `Globals` already merged by the loader) plus `Handler`; with
  `Metadata.BuildMethod: esbuild` the `.js` handler is built from one of
  `BuildProperties.EntryPoints`; `InlineCode` is analysed in place.
- CloudFormation: `Code.ZipFile` is analysed in place with its lines in the template; a
  local `Code` path (or a CDK asset path) is a code root.

Code in S3, container images and languages without analysis are `not analysed` (SLS004).
Nothing outside the scan root is read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slsguard import files, zipped
from slsguard.code.go_locate import go_package, is_go_runtime
from slsguard.code.model import CodeNote, HandlerSource, Language
from slsguard.discovery import display_name
from slsguard.findings import Origin
from slsguard.loading.policies import child_origin
from slsguard.model import Application, Function, render

MAX_SOURCE_BYTES = 1024 * 1024
PYTHON_SUFFIXES = (".py",)
NODE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
_BUILD_DIRS = ("dist", "build", ".build", "lib", "out")
_RUNTIME_NAME = re.compile(r"[a-z][a-z0-9.]*")


@dataclass(frozen=True, slots=True)
class Missing:
    """A handler whose file is not found, or not under the scan root (reported once per
    application and reason)."""

    function: str
    origin: Origin
    expected: str
    outside: bool = True
    """The expected file is outside the scan root (else: inside it, but missing)."""


Located = HandlerSource | CodeNote | Missing | None


# Code analysis and least privilege both locate every function's handler: remember answers
# for the applications of the current scan (checked by identity, bounded in size).
_located: dict[tuple[int, str, Path], tuple[Application, Located]] = {}
_MAX_REMEMBERED = 4096


def locate(app: Application, fn: Function, cwd: Path) -> Located:
    """The handler source of `fn`, a not-analysed note, or what was expected but missing."""
    key = (id(app), fn.name, cwd)
    remembered = _located.get(key)
    if remembered is not None and remembered[0] is app:
        return remembered[1]
    if len(_located) >= _MAX_REMEMBERED:
        _located.clear()
    found = _locate(app, fn, cwd)
    _located[key] = (app, found)
    return found


def _locate(app: Application, fn: Function, cwd: Path) -> Located:
    base = Path(os.path.abspath(cwd / app.file)).parent
    root = Path(app.scan_root).resolve() if app.scan_root else base
    settings: Any = fn.settings if isinstance(fn.settings, dict) else {}
    if app.kind == "serverless":
        return _serverless(app, fn, settings, base, root, cwd)
    return _stack(app, fn, settings, base, root, cwd)


def language_of(runtime: str | None) -> Language | bool | None:
    """`python`/`javascript` for runtimes with analysis, False for others, None if unknown."""
    if runtime is None:
        return None
    if runtime.startswith("python"):
        return "python"
    if runtime.startswith("nodejs"):
        return "javascript"
    return False


def _serverless(
    app: Application, fn: Function, settings: Any, base: Path, root: Path, cwd: Path
) -> Located:
    where = child_origin(settings, "handler", fn.origin)
    if "image" in settings:
        image = settings["image"]
        where = child_origin(settings, "image", fn.origin)
        name = image.get("name") if isinstance(image, dict) else image
        images = _table(
            _table(_table(_table(app.template).get("provider")).get("ecr")).get("images")
        )
        build = _table(images.get(name)) if isinstance(name, str) else {}
        if not build:
            return _note(fn, where, "a container image built outside this service")
        context = str(build.get("path", "."))
        dockerfile = str(build.get("file", "Dockerfile"))
        command = _table(image).get("command")
        handler = str(command[0]) if isinstance(command, list) and command else None
        return _image(fn, where, base / context, dockerfile, handler, root, cwd)
    names = (Path(fn.handler or "").name, fn.name)
    artifact = _artifact(app, settings, fn, base, root)
    if artifact is not None:
        return _package(fn, artifact[1], artifact[0], names, root, cwd)
    if is_go_runtime(fn.runtime):
        return _go(fn, where, base, names, root, cwd)
    served = _wsgi_app(app) if fn.handler == "wsgi_handler.handler" else None
    return _file(fn, served or fn.handler, base, root, cwd, where, ())


def _artifact(
    app: Application, settings: Any, fn: Function, base: Path, root: Path
) -> tuple[Path, Origin] | None:
    """The committed zip a Serverless function deploys as is (`package.artifact`); a zip
    built in CI (absent here) or kept in S3 leaves the sources as the code to read."""
    found = zipped.serverless_artifact(app.template, settings)
    if found is None:
        return None
    path = (base / found[0]).resolve()
    if path.is_file() and path.is_relative_to(root):
        return path, child_origin(found[1], "artifact", fn.origin)
    return None


def _wsgi_app(app: Application) -> str | None:
    """serverless-wsgi generates `wsgi_handler.handler` to serve `custom.wsgi.app`."""
    wsgi = _table(_table(_table(app.template).get("custom")).get("wsgi")).get("app")
    return wsgi if isinstance(wsgi, str) and "." in wsgi else None


def _stack(
    app: Application, fn: Function, settings: Any, base: Path, root: Path, cwd: Path
) -> Located:
    where = child_origin(settings, "Handler", fn.origin)
    resource = _table(_table(app.resources).get(fn.logical_id or ""))
    code = settings.get("Code")
    if settings.get("PackageType") == "Image" or (isinstance(code, dict) and "ImageUri" in code):
        metadata = _table(resource.get("Metadata"))
        context = metadata.get("DockerContext", metadata.get("aws:asset:path"))
        if not isinstance(context, str):
            return _note(fn, fn.origin, "a container image built outside this template")
        dockerfile = metadata.get("Dockerfile", metadata.get("aws:asset:dockerfile-path"))
        command = _table(settings.get("ImageConfig")).get("Command")
        handler = str(command[0]) if isinstance(command, list) and command else None
        name = dockerfile if isinstance(dockerfile, str) else "Dockerfile"
        return _image(fn, fn.origin, base / context, name, handler, root, cwd)
    inline = settings.get("InlineCode") if "InlineCode" in settings else None
    if isinstance(code, dict) and "ZipFile" in code:
        return _inline(fn, code, "ZipFile", base, root, cwd)
    if inline is not None:
        return _inline(fn, settings, "InlineCode", base, root, cwd)
    directory = _code_root(settings, resource, code)
    if directory is None:
        origin = child_origin(settings, "CodeUri" if "CodeUri" in settings else "Code", fn.origin)
        return _note(fn, origin, f"code in S3 ({render(settings.get('CodeUri', code))})")
    target = (base / directory).resolve()
    if not target.is_relative_to(root):
        return _note(fn, where, f"code outside the scan root ({directory})")
    names = (Path(fn.handler or "").name, fn.name, str(settings.get("FunctionName", "")))
    if target.suffix.lower() in (".zip", ".jar") and target.is_file():
        return _package(fn, where, target, names, root, cwd)
    if is_go_runtime(fn.runtime):
        return _go(fn, where, target, names, root, cwd)
    entries = _entry_points(resource)
    return _file(fn, fn.handler, target, root, cwd, where, entries)


def _package(
    fn: Function, where: Origin, package: Path, names: tuple[str, ...], root: Path, cwd: Path
) -> Located:
    """The handler inside a committed zip (unpacked by `slsguard.zipped`)."""
    shown = display_name(package, cwd)
    if is_go_runtime(fn.runtime):  # the zip holds the compiled binary: the source is beside it
        return _go(fn, where, package.parent, names, root, cwd)
    if package.suffix.lower() != ".zip":
        return _note(fn, where, f"a package committed as {shown}, which is not opened")
    unpacked = zipped.unpack(package)
    if isinstance(unpacked, str):
        return _note(fn, where, f"a package committed as {shown}, which is not read: {unpacked}")
    found = _file(fn, fn.handler, unpacked.folder, unpacked.folder, cwd, where, ())
    if isinstance(found, Missing):
        module = (fn.handler or "").rsplit(".", 1)[0]
        return _note(fn, where, f"a package committed as {shown} that holds no `{module}` module")
    return found


def _image(
    fn: Function,
    where: Origin,
    context: Path,
    dockerfile: str,
    handler: str | None,
    root: Path,
    cwd: Path,
) -> Located:
    """The handler of a container image, from its Dockerfile's base, CMD and COPY lines."""
    from slsguard.code.dockerfile import read_dockerfile

    context = context.resolve()
    path = (context / dockerfile).resolve()
    if not context.is_relative_to(root) or not path.is_relative_to(root):
        return _note(fn, where, f"a container image built outside the scan root ({dockerfile})")
    image = read_dockerfile(path)
    shown = display_name(path, cwd)
    if image is None:
        return _note(fn, where, f"a container image whose Dockerfile ({shown}) is not found")
    handler = handler or image.handler
    if image.language is None or handler is None:
        what = f"a container image on `{image.base}` (a base without a handler setting)"
        return _note(fn, where, what)
    for source in image.sources:
        directory = (context / source).resolve()
        if directory.is_dir() and directory.is_relative_to(root):
            found = _file(fn, handler, directory, root, cwd, where, (), image.language)
            if isinstance(found, HandlerSource):
                return found
    found = _file(fn, handler, context, root, cwd, where, (), image.language)
    if isinstance(found, HandlerSource):
        return found
    return _note(
        fn, where, f"a container image whose handler {handler} is not in {shown}'s COPY sources"
    )


def _go(
    fn: Function, where: Origin, base: Path, names: tuple[str, ...], root: Path, cwd: Path
) -> Located:
    """The Go package of a function built into a binary (`go_locate` says how)."""
    entry, looked = go_package(base, tuple(n for n in names if n and n != "bootstrap"), root)
    if entry is None:
        manifests = (folder / "Cargo.toml" for folder in (base, *looked))
        cargo = next((manifest for manifest in manifests if manifest.is_file()), None)
        if cargo is not None:
            what = f"a {fn.runtime} binary built from Rust ({display_name(cargo, cwd)})"
            return _note(fn, where, f"{what} (no code analysis for this language)")
        shown = ", ".join(display_name(folder, cwd) for folder in looked[:4]) or "nothing"
        what = f"a {fn.runtime} binary whose Go source (a `lambda.Start` package) is not found"
        return _note(fn, where, f"{what}; looked in {shown}")
    return HandlerSource(fn.name, "go", entry, display_name(entry, cwd), "main", entry.parent, root)


def _code_root(settings: Any, resource: dict[str, Any], code: object) -> str | None:
    if "CodeUri" in settings or resource.get("Type") == "AWS::Serverless::Function":
        uri = settings.get("CodeUri", ".")
        return uri if isinstance(uri, str) and "://" not in uri else None
    if isinstance(code, str) and "://" not in code:
        return code
    asset = _table(resource.get("Metadata")).get("aws:asset:path")
    return asset if isinstance(asset, str) else None


def _entry_points(resource: dict[str, Any]) -> tuple[str, ...]:
    metadata = _table(resource.get("Metadata"))
    if str(metadata.get("BuildMethod", "")).lower() != "esbuild":
        return ()
    entries = _table(metadata.get("BuildProperties")).get("EntryPoints")
    return tuple(str(e) for e in entries) if isinstance(entries, list) else ()


def _file(
    fn: Function,
    handler: str | None,
    directory: Path,
    root: Path,
    cwd: Path,
    where: Origin,
    entries: tuple[str, ...],
    image_language: Language | None = None,
) -> Located:
    if not handler or "." not in handler:
        return None
    language = image_language or language_of(fn.runtime)
    if language is False:
        return _note(fn, where, f"{fn.runtime} code (no code analysis for this language)")
    module, symbol = handler.rsplit(".", 1)
    chosen = language if isinstance(language, str) else None
    for path in _candidates(directory, module, chosen, entries):
        if not os.path.isfile(path):
            special = files.special_kind(path) if os.path.lexists(path) else None
            if special is not None:
                return _special(fn, path, special, cwd)
            continue  # Cheap: most candidates do not exist; resolve only those that do.
        resolved = path.resolve()
        if resolved.is_relative_to(root) and resolved.is_file():
            if resolved.stat().st_size > MAX_SOURCE_BYTES:
                return _note(fn, where, f"a handler file over {MAX_SOURCE_BYTES} bytes")
            return HandlerSource(
                fn.name,
                _language(resolved),
                resolved,
                display_name(resolved, cwd),
                symbol,
                directory,
                root,
            )
    expected = display_name(directory / module, cwd)
    outside = not Path(os.path.abspath(directory / module)).is_relative_to(root)
    return Missing(fn.name, where, expected, outside)


def _candidates(
    directory: Path, module: str, language: Language | None, entries: tuple[str, ...]
) -> list[Path]:
    paths: list[Path] = []
    if language in (None, "python"):
        dotted = module.replace(".", "/")
        for name in dict.fromkeys((module, dotted)):
            paths += [directory / f"{name}.py", directory / name / "__init__.py"]
    if language in (None, "javascript", "typescript"):
        paths += [directory / f"{module}{suffix}" for suffix in NODE_SUFFIXES]
        stem = Path(module).name
        paths += [directory / e for e in entries if Path(e).stem == stem]
        paths += [directory / e for e in entries if len(entries) == 1]
        first, _, rest = module.partition("/")
        if first in _BUILD_DIRS and rest:  # a compiled output folder: map it to the sources
            for source in ("src", ""):
                stem_path = directory / source / rest if source else directory / rest
                paths += [stem_path.with_name(stem_path.name + s) for s in NODE_SUFFIXES]
    return paths


def _language(path: Path) -> Language:
    if path.suffix == ".py":
        return "python"
    return "typescript" if path.suffix in (".ts", ".mts", ".cts") else "javascript"


def _inline(fn: Function, container: Any, key: str, base: Path, root: Path, cwd: Path) -> Located:
    origin = child_origin(container, key, fn.origin)
    text = container.get(key)
    if not isinstance(text, str):
        return _note(fn, origin, "inline code built with an intrinsic function")
    language = language_of(fn.runtime)
    if not isinstance(language, str):
        # `!Ref LambdaRuntime` is not a runtime the message can name.
        known = fn.runtime if fn.runtime and _RUNTIME_NAME.fullmatch(fn.runtime) else None
        return _note(fn, origin, f"inline {known or 'code of an unknown runtime'}")
    if is_placeholder_code(text):
        lines = len([line for line in text.splitlines() if line.strip()])
        counted = f"{lines} lines that call" if lines != 1 else "1 line that calls"
        what = (
            f"placeholder inline code ({counted} nothing), meant to be replaced by the real "
            "code at deploy time"
        )
        return _note(fn, origin, what)
    template = Path(os.path.abspath(cwd / origin.file))
    line_map, indent = _line_map(template, origin.line, text.count("\n") + 1)
    symbol = (fn.handler or "index.handler").rsplit(".", 1)[-1]
    return HandlerSource(
        fn.name,
        language,
        template,
        origin.file,
        symbol,
        base,
        root,
        text=text,
        line_map=line_map,
        column_offset=indent,
    )


MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
_DEFINITION = re.compile(
    r"\b(?:async\s+)?(?:def|function)\s*[\w$]*\s*\(|\basync\s*\(|=\s*\(|\blambda\b"
)
_CALL = re.compile(r"[A-Za-z_$][\w$.]*\s*\(")
_COMMENT = ("#", "//", "/*", "*")


def is_placeholder_code(text: str) -> bool:
    """A stub handler: a few lines that define the handler and call nothing.

    `exports.handler = async () => {}` or `def handler(event, context): return {}` in a
    template meant to be deployed with the real code later; analysing it as the handler
    would say the function needs no permission at all.
    """
    lines = [
        line for line in text.splitlines() if line.strip() and not line.strip().startswith(_COMMENT)
    ]
    if len(lines) > 8:
        return False
    return _CALL.search(_DEFINITION.sub("", "\n".join(lines))) is None


def _line_map(template: Path, key_line: int, count: int) -> tuple[tuple[int, ...], int]:
    """Template line numbers of each inline code line, and the block's indentation."""
    try:
        lines = files.read_text(template, MAX_TEMPLATE_BYTES).splitlines()
    except (OSError, UnicodeDecodeError):
        return (key_line,) * count, 0
    head = lines[key_line - 1] if 0 < key_line <= len(lines) else ""
    if re.search(r"=\s*<<-?\s*\w+\s*$", head):  # an HCL heredoc: the code starts below
        return tuple(key_line + 1 + index for index in range(count)), 0
    after = head.split(":", 1)[1].strip() if ":" in head else ""
    if not after.startswith(("|", ">")):
        return (key_line,) * count, 0  # a quoted or JSON string: all on the key's line
    body = [line for line in lines[key_line:] if line.strip()]
    indent = len(body[0]) - len(body[0].lstrip()) if body else 0
    return tuple(key_line + 1 + index for index in range(count)), indent


def _special(fn: Function, path: Path, kind: str, cwd: Path) -> CodeNote:
    """SLS001 for a handler file that is a FIFO, socket or device: never read (a FIFO would
    block the scan), so the function's code is not analysed, and the report says so."""
    shown = display_name(path, cwd)
    message = (
        f"handler code not analysed: {shown}, the handler of {fn.name}, is {kind}, "
        "not a regular file, so it is never read"
    )
    fix = f"replace {shown} with the handler's source file"
    return CodeNote("SLS001", Origin(shown, (), 1, 1), message, fix, fn.name)


def _note(fn: Function, origin: Origin, what: str) -> CodeNote:
    message = f"the handler of {fn.name} is {what}: its code is not analysed"
    fix = "keep the handler source in the repository, or review it by other means"
    return CodeNote("SLS004", origin, message, fix, fn.name)


def _table(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
