"""Secrets rules (P2): plaintext secrets, materialized secrets, unencrypted environments."""
