"""Logging, monitoring and alarm rules (P5): tracing, access logs, retention, alarms."""
