"""A finding's fix intents as proposals: each asked of the dialect of the place it changes.

Filled in once the dialects (`slsguard.dialects`, `slsguard.fixes`) land: until then no
finding carries intents, and `slsguard fix` has nothing to apply.
"""

from __future__ import annotations

from slsguard.findings import Finding
from slsguard.fixing.plan import Proposal
from slsguard.model import Application


def proposals_of(finding: Finding, app: Application) -> list[Proposal]:
    """The proposals of one finding (none until findings carry intents)."""
    del finding, app
    return []
