"""The delivery model: CI files found and loaded as pipelines, dotenv files parsed and placed.

Exact facts per syntax: which files discovery calls CI, which jobs deploy with which tool,
where a stored key is handed over, whether a job can use OIDC, where each script line is;
the dotenv parser's syntax and bounds, and the `.gitignore` matcher.
"""

from __future__ import annotations

from pathlib import Path

from slsguard.delivery import CiJob, Pipeline
from slsguard.discovery import discover
from slsguard.gitignore import IgnoreRules
from slsguard.loading import LoadOptions, load_all
from slsguard.loading.ci.commands import SourceLines, deploy_tool, is_stored_value, key_setting
from slsguard.loading.dotenv import parse_dotenv

SLS = "service: orders\nprovider:\n  name: aws\nfunctions:\n  a:\n    handler: h.a\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _pipelines(root: Path) -> list[Pipeline]:
    loaded = load_all(discover([root], root), LoadOptions(), root)
    return [app.pipeline for app in loaded.apps if app.pipeline is not None]


def _job(pipeline: Pipeline, name: str) -> CiJob:
    return next(job for job in pipeline.jobs if job.name == name)


def test_discovery_recognises_ci_files_by_path(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".github/workflows/deploy.yml": "on: push\njobs: {}\n",
            ".github/workflows/nested/x.yml": "on: push\n",
            ".github/ci.yml": "on: push\n",
            ".gitlab-ci.yml": "stages: [a]\n",
            "svc/bitbucket-pipelines.yml": "pipelines: {}\n",
            "svc/.env": "A=1\n",
        },
    )
    kinds = {c.path.relative_to(tmp_path).as_posix(): c.kind for c in discover([tmp_path])}
    assert kinds == {
        ".github/workflows/deploy.yml": "ci",
        ".gitlab-ci.yml": "ci",
        "svc/bitbucket-pipelines.yml": "ci",
    }


def test_a_broken_workflow_is_a_parse_error(tmp_path: Path) -> None:
    _write(tmp_path, {".github/workflows/deploy.yml": "jobs:\n  a: [\n"})
    loaded = load_all(discover([tmp_path], tmp_path), LoadOptions(), tmp_path)
    assert [note.rule_id for note in loaded.file_notes] == ["SLS001"]
    assert loaded.apps == []


def test_github_jobs_deploys_keys_oidc_and_script_lines(tmp_path: Path) -> None:
    workflow = """\
on: push
permissions:
  id-token: write
env:
  AWS_REGION: eu-west-1
jobs:
  build:
    permissions:
      contents: read
    runs-on: ubuntu-latest
    steps:
      - run: |
          npm ci

          npx sls deploy \\
            --stage prod
  release:
    runs-on: ubuntu-latest
    env:
      AWS_ACCESS_KEY_ID: ${{ secrets.KEY }}
    steps:
      - run: sam deploy --role-arn arn:aws:iam::1:role/cfn
"""
    _write(tmp_path, {".github/workflows/d.yml": workflow})
    (pipeline,) = _pipelines(tmp_path)
    build, release = _job(pipeline, "build"), _job(pipeline, "release")
    assert pipeline.system == "github-actions"
    assert not build.oidc and release.oidc  # job permissions replace the workflow's
    assert [(d.tool, d.origin.line, d.text) for d in build.deploys] == [
        ("serverless", 15, "npx sls deploy --stage prod")
    ]
    assert build.keys == () and build.region == "eu-west-1"
    assert [(k.setting, k.value, k.origin.line, k.scope) for k in release.keys] == [
        ("AWS_ACCESS_KEY_ID", "${{ secrets.KEY }}", 20, "job")
    ]
    assert [d.role_arn for d in release.deploys] == [True]


def test_gitlab_extends_and_bitbucket_aliases(tmp_path: Path) -> None:
    gitlab = """\
.base:
  variables:
    AWS_ACCESS_KEY_ID: $KEY
deploy:
  extends: .base
  id_tokens:
    T:
      aud: https://gitlab.com
  script:
    - terraform -chdir=infra apply -auto-approve
"""
    bitbucket = """\
definitions:
  steps:
    - step: &d
        script:
          - export AWS_ACCESS_KEY_ID=$KEY
          - npm run deploy:prod
pipelines:
  default:
    - step: *d
  branches:
    main:
      - step: *d
"""
    _write(tmp_path, {"a/.gitlab-ci.yml": gitlab, "b/bitbucket-pipelines.yml": bitbucket})
    gitlab_pipeline, bitbucket_pipeline = sorted(_pipelines(tmp_path), key=lambda p: p.file)
    deploy = _job(gitlab_pipeline, "deploy")
    assert deploy.oidc
    assert [(d.tool, d.origin.line) for d in deploy.deploys] == [("terraform", 10)]
    assert [(k.value, k.origin.line) for k in deploy.keys] == [("$KEY", 3)]
    (step,) = bitbucket_pipeline.jobs  # the aliased step is loaded once
    assert [(d.tool, d.origin.line) for d in step.deploys] == [("script", 6)]
    assert [(k.setting, k.origin.line) for k in step.keys] == [("AWS_ACCESS_KEY_ID", 5)]


def test_samconfig_role_is_read_under_the_scan_root_only(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".gitlab-ci.yml": "d:\n  script:\n    - sam deploy -t app/template.yaml\n"
            "    - sam deploy --config-file missing.toml\n    - sam deploy\n",
            "app/samconfig.toml": '[default.deploy.parameters]\nrole_arn = "arn:x"\n',
        },
    )
    (pipeline,) = _pipelines(tmp_path)
    assert [d.role_arn for d in pipeline.jobs[0].deploys] == [True, True, False]


def test_shell_analysis() -> None:
    assert deploy_tool("npx serverless@3 deploy --stage prod") == "serverless"
    assert deploy_tool("aws --region eu-west-1 cloudformation deploy --stack-name x") == (
        "cloudformation"
    )
    assert deploy_tool("echo 'run sls deploy later'") is None
    assert deploy_tool("sls package") is None
    assert deploy_tool("npx cdk synth") is None
    assert key_setting("sls config credentials --provider aws -k $K -s $S") == (
        "serverless config credentials --key",
        "$K",
    )
    assert key_setting('echo "AWS_ACCESS_KEY_ID=${{ secrets.K }}" >> $GITHUB_ENV') == (
        "AWS_ACCESS_KEY_ID",
        "${{ secrets.K }}",
    )
    stored = is_stored_value
    assert stored("${{ secrets.K }}", True, in_script=False, short_lived=False)
    assert not stored("${{ steps.c.outputs.key }}", True, in_script=False, short_lived=False)
    assert not stored("$K", True, in_script=True, short_lived=False)  # GitHub: from `env`
    assert stored("$K", False, in_script=True, short_lived=False)
    assert not stored("$K", False, in_script=True, short_lived=True)
    assert not stored("$(aws configure get x)", False, in_script=True, short_lived=False)


def test_script_lines_are_found_in_folded_and_literal_blocks() -> None:
    text = "run: |\n  a\n  # note\n  b \\\n    c\n"
    commands = SourceLines(text).commands("a\n# note\nb \\\n  c\n", 1, 1)
    assert [(c.line, c.column, c.text) for c in commands] == [(2, 3, "a"), (4, 3, "b c")]


def test_dotenv_syntax() -> None:
    text = (
        "# comment\nexport A=1\nB = 'two words' # c\nC: x\nD=\"line1\nline2\"\nE=v # note\n"
        "not an entry\nF=\n"
    )
    entries = [(e.name, e.value, e.origin.line) for e in parse_dotenv(text, ".env")]
    assert entries == [
        ("A", "1", 2),
        ("B", "two words", 3),
        ("C", "x", 4),
        ("D", "line1\nline2", 5),
        ("E", "v", 7),
        ("F", "", 9),
    ]


def test_an_unclosed_quote_is_bounded() -> None:
    entries = parse_dotenv('A="open\n' + "x\n" * 1000 + "B=2\n", ".env")
    assert entries[0].name == "A" and len(entries[0].value.splitlines()) <= 200


def test_gitignore(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            ".gitignore": "# local files\n.env*\n!.env.example\n",
            "svc/.gitignore": "/.env.prod\n",
            "svc/.env": "",
            "svc/.env.example": "",
            "other/conf/.env": "",
        },
    )
    assert IgnoreRules(tmp_path).ignored(tmp_path / "svc/.env")
    assert not IgnoreRules(tmp_path).ignored(tmp_path / "svc/.env.example")
    assert IgnoreRules(tmp_path).ignored(tmp_path / "other/conf/.env")
    (tmp_path / ".gitignore").write_text("conf/\n")
    assert IgnoreRules(tmp_path).ignored(tmp_path / "other/conf/.env")
    assert not IgnoreRules(tmp_path).ignored(tmp_path / "svc/.env")


def test_dotenv_files_attach_to_the_config_that_loads_them(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "a/serverless.yml": "useDotenv: true\n" + SLS,
            "a/.env": "DB_PASSWORD=Qv7nR2xK9pL4\n",
            "a/.gitignore": ".env.local\n",
            "a/.env.local": "X=1\n",
            "b/serverless.yml": SLS,
            "b/.env": "DB_PASSWORD=Qv7nR2xK9pL4\n",
        },
    )
    loaded = load_all(discover([tmp_path], tmp_path), LoadOptions(), tmp_path)
    files = {app.file: app.dotenv_files for app in loaded.apps}
    assert [(f.file, f.git_ignored, f.loaded_by) for f in files["a/serverless.yml"]] == [
        ("a/.env", False, "useDotenv: true"),
        ("a/.env.local", True, "useDotenv: true"),
    ]
    assert files["b/serverless.yml"] == ()
