"""hardcoded-secret-in-template (SLS303): a literal secret elsewhere in a template.

## What it does
Reports a secret written as a literal anywhere in a template or configuration other than a
function's environment (which plaintext-secret-in-environment covers): parameter defaults
(with or without `NoEcho`), database properties such as `MasterUserPassword`, `custom:`
values, secret strings, included files. It uses the same detection as the environment
rule: known token formats anywhere, literals under secret-like keys, placeholders at low.
Single words of letters under secret-like keys (`HttpTokens: required`) are taken for the
enumerations they usually are, and Step Functions paths (`token.$: $$.Task.Token`) are not
literals.

## Why is this bad?
`NoEcho` only hides a parameter in `describe` output: the default stays in the
repository, in every clone, and in the stored template. Anyone who can read the code can
read the database password.

## Example
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  DatabasePassword:
    Type: String
    NoEcho: true
    Default: Sup3rS3cretPassw0rd
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      MasterUsername: app
      MasterUserPassword: !Ref DatabasePassword
```

## Fix
Let the service manage the secret, or reference Secrets Manager.
```yaml
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      MasterUsername: app
      ManageMasterUserPassword: true
```

## References
- https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds
- https://cwe.mitre.org/data/definitions/798.html
"""

import re
from collections.abc import Iterator
from typing import Any

from slsguard.analysis.secret_wording import describe, documentation_key, severity_of
from slsguard.findings import KeyPath, Origin, Severity, Violation
from slsguard.located import YList, YMap
from slsguard.model import Application
from slsguard.rules import Context, rule
from slsguard.secrets.detect import (
    SecretMatch,
    classify,
    find_token,
    is_aws_documentation_key,
    is_secret_name,
    is_weak_password,
    mask,
)

# Template properties under secret-like names often hold enumerations (`HttpTokens: required`,
# `AccessToken: hours`); a single word of letters is not judged a secret here.
_ENUM_LIKE = re.compile(r"[A-Za-z]+")
# Mapping templates (mock integration responses, request templates) are text with fields in
# them: `{"apiKey": "…"}` or `#set($token = "…")`.
_TEMPLATE_KEYS = frozenset(
    {"RequestTemplates", "ResponseTemplates", "request_templates", "response_templates"}
    | {"template", "responseTemplates", "requestTemplates"}
)
_EMBEDDED = re.compile(r"""["'$]?([A-Za-z][\w-]*)["']?\s*[:=]\s*["']([^"'\s$]{4,})["']""")


@rule(
    "SLS303",
    "hardcoded-secret-in-template",
    Severity.HIGH,
    "A literal secret in a template (outside function environments)",
    practice="P2",
    mappings={
        "owasp-serverless": "S3",
        "cwe": "CWE-798",
        "pci-dss-4.0": "8.6.2",
        "hipaa": "164.312(a)(2)(iv)",
    },
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Literal secrets in every document of the app, except function environments."""
    environment = {
        (variable.origin.file, variable.origin.line)
        for fn in app.functions
        for variable in fn.environment
    }
    for document in app.documents:
        for key, value, where in _literals(document.root, document.file):
            if (where.file, where.line) in environment:
                continue
            for text, match in _secrets(key, value, where):
                yield Violation(
                    where,
                    f"{_describe_place(where)} holds {describe(match)} ({mask(text)})",
                    _fix(where),
                    severity=severity_of(match),
                    subject=".".join(str(part) for part in where.path),
                )


def _secrets(key: str | None, value: str, where: Origin) -> Iterator[tuple[str, SecretMatch]]:
    """The secrets a value holds: itself, or the fields written in a mapping template."""
    if _in_mapping_template(where.path):
        for name, text in _EMBEDDED.findall(value):
            match = documentation_key(name, text) or classify(name, text)
            if match is not None and match.kind != "placeholder":
                yield text, match
        return
    if is_aws_documentation_key(value):
        match = documentation_key(key, value)
    else:
        match = classify(key, value) if key and not key.endswith(".$") else find_token(value)
    enum_like = _ENUM_LIKE.fullmatch(value) and not is_weak_password(value)
    if match is None or (match.kind == "named" and enum_like):
        return
    yield value, match


def _in_mapping_template(path: KeyPath) -> bool:
    """A request or response mapping template (a mock integration's body, a VTL template)."""
    return any(str(part) in _TEMPLATE_KEYS for part in path)


def _literals(root: Any, file: str) -> Iterator[tuple[str | None, str, Origin]]:
    """(key naming the value, text, origin) for every string in the tree that may be a secret.

    Iterative, and positions are computed only for strings worth a look: templates hold
    tens of thousands of values, almost all of them plainly not secrets.
    """
    stack: list[tuple[Any, str | None, KeyPath]] = [(root, None, ())]
    while stack:
        container, key, path = stack.pop()
        if len(path) > 60:
            continue
        items = container.items() if isinstance(container, YMap) else enumerate(container)
        for name, item in items:
            name_for = _name_for(container, name, key)
            if isinstance(item, YMap | YList):
                stack.append((item, name_for, (*path, name)))
            elif isinstance(item, str) and _worth_a_look(name_for, item, (*path, name)):
                yield name_for, item, container.origin_of(name, Origin(file, path))


def _name_for(container: Any, name: object, key: str | None) -> str | None:
    """The name a value goes by: its key, its parameter's, or a SecureString parameter's."""
    if not isinstance(name, str):
        return None
    if name in ("Default", "Value") and key:
        return key  # A parameter's secret lives in `Default`; its name is the parameter's.
    if name == "value" and isinstance(container, YMap):  # Terraform `aws_ssm_parameter`
        if str(container.get("type", "")).lower() == "securestring":
            return "secret"  # a SecureString holds a secret whatever its name
        parameter = container.get("name")
        return parameter if isinstance(parameter, str) else name
    return name


def _worth_a_look(key: str | None, value: str, path: KeyPath) -> bool:
    if key is not None and is_secret_name(key):
        return True
    if _in_mapping_template(path):
        return _EMBEDDED.search(value) is not None
    return find_token(value) is not None


def _describe_place(where: Origin) -> str:
    path = ".".join(str(part) for part in where.path)
    if len(where.path) >= 3 and where.path[0] == "Parameters":
        return f"the default of parameter {where.path[1]}"
    return f"`{path}`" if path else "a value"


def _fix(where: Origin) -> str:
    if where.path and where.path[0] == "Parameters":
        return (
            "remove the default and pass the value at deploy time, or better, use "
            "`{{resolve:secretsmanager:<name>}}` where the value is needed"
        )
    return (
        "move the secret to Secrets Manager and reference it (`{{resolve:secretsmanager:...}}`, "
        "`ManageMasterUserPassword: true`, or the secret's ARN read at run time)"
    )
