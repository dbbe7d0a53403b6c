"""Data sources whose values a security reading needs, and policy documents in every syntax.

`data "aws_iam_policy_document"` becomes the JSON document it renders (with the position of
each block and argument); `aws_ssm_parameter` and `aws_secretsmanager_secret_version` values
become secret references, so a secret placed in a function environment is seen as
materialized (SLS302); `archive_file` gives its output path. `policy_document` reads a
policy attribute written as `jsonencode(...)`, heredoc JSON, `file(...)` or a document.
"""

from __future__ import annotations

from slsguard.loading.terraform import hcl
from slsguard.loading.terraform.evaluate import Evaluator, Resource, json_document
from slsguard.loading.yaml import YList, YMap
from slsguard.model import Deferred, Reference, render

_STATEMENT_KEYS = {
    "sid": "Sid",
    "effect": "Effect",
    "actions": "Action",
    "not_actions": "NotAction",
    "resources": "Resource",
    "not_resources": "NotResource",
}


def data_value(
    evaluator: Evaluator, found: Resource, attribute: str, expr: object, depth: int
) -> object:
    """The value of `data.TYPE.NAME.attribute`."""
    text = str(getattr(expr, "text", found.address))
    if found.type == "aws_iam_policy_document" and attribute == "json":
        return policy_document_data(evaluator, found, depth)
    if found.type == "aws_ssm_parameter" and attribute in ("value", "insecure_value"):
        name = render(evaluator.attribute(found.block, "name", found.file))
        decrypted = evaluator.attribute(found.block, "with_decryption", found.file) is not False
        return Reference("ssm", f"{name}~true" if decrypted else name, text)
    if found.type == "aws_secretsmanager_secret_version" and attribute == "secret_string":
        secret = render(evaluator.attribute(found.block, "secret_id", found.file))
        return Reference("ssm", f"/aws/reference/secretsmanager/{secret}", text)
    if found.type == "archive_file" and attribute == "output_path":
        return evaluator.attribute(found.block, "output_path", found.file)
    return Reference("terraform", text, text, True, "a data source read at plan time")


def policy_document_data(evaluator: Evaluator, found: Resource, depth: int) -> YMap:
    """A `data "aws_iam_policy_document"` block as a JSON policy document."""
    file = found.file
    body = found.block.body
    document = YMap(file, found.block.pos)
    document["Version"] = "2012-10-17"
    statements = YList(file, found.block.pos)
    for key in ("source_policy_documents", "source_json"):
        sources = evaluator.attribute(found.block, key, file) if depth < 8 else None
        for source in sources if isinstance(sources, list) else [sources]:
            inherited = source.get("Statement") if isinstance(source, YMap) else None
            if isinstance(inherited, list):
                statements.extend(inherited)
                statements.item_positions.extend(
                    getattr(inherited, "item_positions", []) or [found.block.pos] * len(inherited)
                )
    for block in body.blocks_of("statement"):
        statements.append(_statement(evaluator, block, file))
        statements.item_positions.append(block.pos)
    document["Statement"] = statements
    document.key_positions["Statement"] = found.block.pos
    return document


def _statement(evaluator: Evaluator, block: hcl.Block, file: str) -> YMap:
    statement = YMap(file, block.pos)
    for name, attribute in block.body.attributes.items():
        key = _STATEMENT_KEYS.get(name)
        if key is not None:
            statement[key] = evaluator.value(attribute.expr, file)
            statement.key_positions[key] = attribute.pos
    conditions = YMap(file, block.pos)
    for condition in block.body.blocks_of("condition"):
        test = render(evaluator.attribute(condition, "test", file))
        variable = render(evaluator.attribute(condition, "variable", file))
        operator = conditions.setdefault(test, YMap(file, condition.pos))
        operator[variable] = evaluator.attribute(condition, "values", file)
        operator.key_positions[variable] = condition.pos
        conditions.key_positions.setdefault(test, condition.pos)
    if conditions:
        statement["Condition"] = conditions
        statement.key_positions["Condition"] = conditions.position
    for kind, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals = YMap(file, block.pos)
        for principal in block.body.blocks_of(kind):
            principal_type = render(evaluator.attribute(principal, "type", file))
            principals[principal_type] = evaluator.attribute(principal, "identifiers", file)
            principals.key_positions[principal_type] = principal.pos
        if "*" in principals:  # `type = "*"` is IAM's `Principal: "*"`: anyone.
            statement[key] = "*"
            statement.key_positions[key] = principals.key_positions["*"]
        elif principals:
            statement[key] = principals
            statement.key_positions[key] = principals.position
    return statement


def policy_document(evaluator: Evaluator, attribute: hcl.Attribute | None, file: str) -> object:
    """A policy attribute's document: a located YMap when slsguard can read it."""
    if attribute is None:
        return None
    expr = attribute.expr
    if isinstance(expr, hcl.Template) and expr.heredoc:
        value = evaluator.value(expr, file)
        text = value.text if isinstance(value, Deferred) else render(value)
        if isinstance(value, dict) and "Fn::Sub" in value:
            text = str(value["Fn::Sub"])
        return json_document(text, file, expr.pos[0] + 1) or value
    if isinstance(expr, hcl.Call) and expr.name in ("file", "templatefile") and expr.args:
        return _file_document(evaluator, expr, file) or evaluator.value(expr, file)
    value = evaluator.value(expr, file)
    if isinstance(value, str):
        return json_document(value, file, attribute.pos[0]) or value
    return value


def _file_document(evaluator: Evaluator, expr: hcl.Call, file: str) -> YMap | None:
    path = evaluator.value(expr.args[0], file)
    found = evaluator.read_file(path, expr)
    if isinstance(found, Reference):
        return None
    text, display = found
    if expr.name == "templatefile":
        rendered = evaluator.value(expr, file)
        text = rendered if isinstance(rendered, str) else text
    return json_document(text, display, 1)
