"""What the code rules share: hits of one kind as violations, with trigger-aware severity.

A flow from a public endpoint without authentication is one level worse than the rule's
default; one whose event only a schedule (or a direct invocation) sends is one level
better, and so is a request body the gateway validates against a schema (validation
narrows the input, but is no sanitizer).
"""

from __future__ import annotations

from collections.abc import Iterator

from slsguard.code.facts import CodeFacts, code_facts
from slsguard.code.model import Hit
from slsguard.findings import Confidence, Origin, Severity, Violation
from slsguard.model import Application

_ORDER = (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)


def code_violations(app: Application, kind: str, default: Severity) -> Iterator[Violation]:
    """The violations of rule `kind` in the handler code of `app`."""
    if not app.functions:
        return
    facts = code_facts(app)
    for hit in facts.hits:
        if hit.kind != kind:
            continue
        severity = hit.severity or _adjusted(default, hit, facts)
        location = hit.location
        flow = hit.taint.steps if hit.taint is not None and hit.taint.trigger else ()
        doubt = hit.taint.doubt if hit.taint is not None else ""
        yield Violation(
            Origin(location.file or "", (), location.line, location.column),
            hit.message,
            hit.fix,
            severity=None if severity == default else severity,
            function=hit.functions[0] if len(hit.functions) == 1 else None,
            subject=hit.subject or _what(hit),
            functions=hit.functions,
            location=location,
            flow=flow,
            confidence=Confidence.LOW if doubt else None,
            confidence_reason=doubt,
        )


def _what(hit: Hit) -> str:
    """A stable subject for fingerprints: the tainted field that reaches the sink."""
    return hit.taint.field if hit.taint is not None else ""


def _adjusted(default: Severity, hit: Hit, facts: CodeFacts) -> Severity:
    taint = hit.taint
    if taint is None or not taint.trigger:
        return default
    exposures = [facts.sources_of(name) for name in hit.functions]
    known = [sources for sources in exposures if sources is not None]
    shift = 0
    if any(sources.exposure == "public" for sources in known):
        shift = 1
    elif known and all(sources.exposure in ("scheduled",) for sources in known):
        shift = -1
    if taint.field == "the request body" and known and all(s.validated for s in known):
        shift -= 1
    index = max(0, min(len(_ORDER) - 1, _ORDER.index(default) + shift))
    return _ORDER[index]
