"""Dependency facts as the reports show them: packages per function, the database's age."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from slsguard.deps.facts import AppDependencies, DependencyFacts
from slsguard.findings import FunctionSummary, Origin, PackageSummary, Violation

DATABASE_FRESHNESS_DAYS = 7
"""Advisories are published daily: an offline database older than a week misses some."""


def package_summaries(
    facts: DependencyFacts, dependencies: AppDependencies, function: str
) -> tuple[PackageSummary, ...]:
    """The packages one function ships, with the ids of their known vulnerabilities."""
    found = dependencies.of(function)
    if found is None:
        return ()
    return tuple(
        PackageSummary(
            ecosystem=package.ecosystem,
            name=package.name,
            version=package.version,
            purl=package.purl,
            file=package.origin.file,
            line=package.origin.line,
            direct=package.direct,
            vulnerabilities=tuple(v.id for v in facts.vulnerabilities_of(package)),
        )
        for package in found.packages
    )


def with_packages(
    details: Sequence[FunctionSummary], facts: DependencyFacts, dependencies: AppDependencies
) -> tuple[FunctionSummary, ...]:
    """Function summaries with their packages filled in."""
    return tuple(
        replace(detail, packages=package_summaries(facts, dependencies, detail.name))
        for detail in details
    )


def stale_databases(facts: DependencyFacts, today: date) -> list[Violation]:
    """A violation (for stale-reference-data) when the offline advisory database is old."""
    found = []
    for dataset in facts.datasets:
        age = (today - date.fromisoformat(dataset.date)).days
        if age > DATABASE_FRESHNESS_DAYS:
            found.append(
                Violation(
                    Origin(f"<{dataset.source}>"),
                    f"{dataset.name} ({dataset.version}) is {age} days old "
                    f"(freshness limit: {DATABASE_FRESHNESS_DAYS} days): newer advisories "
                    "are missing from the audit",
                    "run `slsguard db update` (or refresh the --advisory-db directory)",
                    subject=dataset.name,
                )
            )
    return found
