"""ACME's house rules for slsguard (an example rule package; see its README)."""

from acme_slsguard_rules.debug_mode_in_environment import RULE

__all__ = ["RULE"]
