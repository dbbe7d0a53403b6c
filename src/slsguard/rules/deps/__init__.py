"""Dependency rules (P7, P10): vulnerable, unpinned and unaudited third-party packages."""
