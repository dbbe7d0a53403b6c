"""committed-dotenv-secrets (SLS802): a dotenv file the deployment loads holds secrets.

## What it does
Reports each secret in a `.env` / `.env.<stage>` file next to a Serverless config that loads
dotenv files (`useDotenv: true`, or the `serverless-dotenv-plugin`, which also copies every
entry into the functions' environment). Each `KEY=value` line is judged like an environment
variable (known token formats, or a literal in a secret-named key such as `DB_PASSWORD`), at
the line in the dotenv file, with the value masked. Live-format tokens (`sk_live_`) are critical.

Not reported: files that are not committed (git does not track them; without git, a
`.gitignore` ignores them);
values that are not secrets (`STAGE=prod`, `TABLE_NAME=orders`), references (`${ssm:...}`,
ARNs) and placeholders (`changeme`, `<token>`); in templates for developers (`.env.example`,
`.env.sample`) only unmistakable tokens; `.env` files when the config does not load them
(no `useDotenv`, no dotenv plugin: other rules look at hard-coded secrets).

## Why is this bad?
A committed dotenv file puts the secret in every clone, fork and CI cache and in the history
for good; rotating it means a new commit. With the plugin the secret also becomes a plaintext
environment variable of every function, readable with `lambda:GetFunctionConfiguration`.

## Example
```yaml
service: payments
useDotenv: true
provider:
  name: aws
  runtime: python3.12
  environment:
    STRIPE_SECRET_KEY: ${env:STRIPE_SECRET_KEY}
functions:
  charge:
    handler: handler.charge
```
```dotenv
# file: .env
STRIPE_SECRET_KEY=sk_live_51HbQkZLmNoPqRsTu4Vw8XyZ2k7Qp9Lm3
```

## Fix
Rotate the secret, keep it in Secrets Manager (or an SSM SecureString) and read it at run
time; keep only non-secret settings in `.env`, or git-ignore dotenv files altogether.
```yaml
service: payments
useDotenv: true
provider:
  name: aws
  runtime: python3.12
  environment:
    STRIPE_SECRET_ID: payments/prod/stripe-secret-key
functions:
  charge:
    handler: handler.charge
```
```dotenv
# file: .env
LOG_LEVEL=info
```

## References
- https://www.serverless.com/framework/docs/environment-variables
- https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
- https://cwe.mitre.org/data/definitions/798.html
"""

from collections.abc import Iterator

from slsguard.delivery import DotenvEntry, DotenvFile
from slsguard.findings import Severity, Violation
from slsguard.model import Application
from slsguard.rules import NO_TEMPLATES, Context, rule
from slsguard.secrets.detect import SecretMatch, classify, is_aws_documentation_key, mask


@rule(
    "SLS802",
    "committed-dotenv-secrets",
    Severity.HIGH,
    "`useDotenv: true` (or the serverless-dotenv-plugin) with a committed `.env*` file that "
    "holds secrets",
    practice="P7",
    mappings={"owasp-serverless": "S3", "cwe": "CWE-798", "pci-dss-4.0": "8.6.2"},
    dialects=NO_TEMPLATES,
)
def check(app: Application, context: Context) -> Iterator[Violation]:
    """Every secret in a dotenv file the config loads and git does not ignore."""
    for dotenv in app.dotenv_files:
        if dotenv.git_ignored:
            continue
        for entry in dotenv.entries:
            match = _secret(dotenv, entry)
            if match is None:
                continue
            yield Violation(
                entry.origin,
                _message(app, dotenv, entry, match),
                _fix(app, dotenv, entry),
                severity=Severity.CRITICAL if match.kind == "token" and match.live else None,
                subject=entry.name,
            )


def _secret(dotenv: DotenvFile, entry: DotenvEntry) -> SecretMatch | None:
    match = classify(entry.name, entry.value)
    if match is None or match.kind == "placeholder" or is_aws_documentation_key(entry.value):
        return None
    if dotenv.example and match.kind != "token":
        return None  # a template for developers: only an unmistakable token is a leak
    return match


def _message(app: Application, dotenv: DotenvFile, entry: DotenvEntry, match: SecretMatch) -> str:
    what = match.description if match.kind == "token" else "a secret literal"
    held = f"{dotenv.file} holds {entry.name} = {mask(entry.value)} ({what})"
    if dotenv.example:
        return (
            f"{held}: a real credential in the template developers copy next to {app.file}, "
            "committed: it is in every clone and in the repository history"
        )
    copied = "" if dotenv.loaded_by == "useDotenv: true" else " and copies into every function"
    return (
        f"{held}; {app.file} loads the file ({dotenv.loaded_by}){copied}, and no .gitignore "
        "excludes it: the secret is in every clone and in the repository history"
    )


def _fix(app: Application, dotenv: DotenvFile, entry: DotenvEntry) -> str:
    secret_id = f"{app.name}/<stage>/{entry.name.lower().replace('_', '-')}"
    return "\n".join(
        [
            f"rotate {entry.name}, delete it from {dotenv.file}, and git-ignore dotenv files:",
            "  # .gitignore",
            "  .env*",
            "  !.env.example",
            "keep it in Secrets Manager and pass only its name, read at run time:",
            "  provider:",
            "    environment:",
            f"      {entry.name}_SECRET_ID: {secret_id}",
        ]
    )
