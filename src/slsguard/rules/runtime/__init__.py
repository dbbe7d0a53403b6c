"""Runtime and configuration rules (P7): runtimes, failure destinations, timeouts, layers."""
