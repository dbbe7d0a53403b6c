"""API, exposure and transit rules (P3, P4, P8)."""
