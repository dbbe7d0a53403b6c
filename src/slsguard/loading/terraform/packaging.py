"""Where a Terraform function's code comes from: the files its deployment package is built of.

- `filename = data.archive_file.X.output_path` (or a `resource "archive_file"`): the archive's
  `source_dir`, the folder of its `source_file` (the file sits at the root of the zip), or
  its `source { content, filename }` blocks, which are inline code;
- `s3_bucket`/`s3_key` naming an `aws_s3_object` whose `source` is such an archive or a local
  path: the same;
- `filename` (or an object's `source`) that is a plain local path: that path, a folder or a zip
  committed in the repository (read later by the safe archive reader).

Anything else (a key computed elsewhere, an image) leaves the code unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from slsguard.loading.terraform import hcl
from slsguard.loading.terraform.evaluate import Evaluator, Resource, traversal


@dataclass(frozen=True, slots=True)
class InlineSource:
    """A `source { content = ..., filename = ... }` block of an archive: code in the .tf file."""

    content: str
    filename: str
    pos: hcl.Position


Code = str | InlineSource
"""A local path (folder, file or zip) or inline code."""


def code_of(evaluator: Evaluator, function: Resource) -> Code | None:
    """Where the code of an `aws_lambda_function` is, when the configuration says."""
    body = function.block.body
    handler = evaluator.attribute(function.block, "handler", function.file)
    module = str(handler).rsplit(".", 1)[0] if isinstance(handler, str) else ""
    if "filename" in body.attributes:
        return _path_or_archive(evaluator, body.attributes["filename"], function, module)
    key = body.attributes.get("s3_key")
    chain = traversal(key.expr) if key is not None else None
    if chain and len(chain) >= 2 and chain[0] in ("aws_s3_object", "aws_s3_bucket_object"):
        found = evaluator.scope.resources.get(f"{chain[0]}.{chain[1]}")
        source = found.block.body.attributes.get("source") if found is not None else None
        if found is not None and source is not None:
            return _path_or_archive(evaluator, source, found, module)
    return None


def _path_or_archive(
    evaluator: Evaluator, attribute: hcl.Attribute, owner: Resource, module: str
) -> Code | None:
    chain = traversal(attribute.expr)
    if chain and len(chain) >= 3 and chain[0] == "data" and chain[1] == "archive_file":
        archive = evaluator.scope.resources.get(f"data.archive_file.{chain[2]}")
        return _archive(evaluator, archive, module) if archive is not None else None
    if chain and len(chain) >= 2 and chain[0] == "archive_file":
        archive = evaluator.scope.resources.get(f"archive_file.{chain[1]}")
        return _archive(evaluator, archive, module) if archive is not None else None
    value = evaluator.value(attribute.expr, owner.file)
    return value if isinstance(value, str) and value else None


def _archive(evaluator: Evaluator, archive: Resource, module: str) -> Code | None:
    source_dir = evaluator.attribute(archive.block, "source_dir", archive.file)
    if isinstance(source_dir, str):
        return source_dir
    source_file = evaluator.attribute(archive.block, "source_file", archive.file)
    if isinstance(source_file, str):
        return str(PurePosixPath(source_file).parent)
    return _inline(evaluator, archive, module)


def _inline(evaluator: Evaluator, archive: Resource, module: str) -> InlineSource | None:
    blocks = archive.block.body.blocks_of("source")
    sources = []
    for block in blocks:
        content = block.body.attributes.get("content")
        name = evaluator.attribute(block, "filename", archive.file)
        text = evaluator.value(content.expr, archive.file) if content is not None else None
        if isinstance(text, str) and isinstance(name, str):
            sources.append(InlineSource(text, name, content.pos if content else block.pos))
    for source in sources:  # the file the handler names, else the only one
        if PurePosixPath(source.filename).with_suffix("").as_posix() == module:
            return source
    return sources[0] if len(sources) == 1 else None
