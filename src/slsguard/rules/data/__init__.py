"""Data store rules (P1, P4, P6): public stores, encryption at rest, user pools."""
