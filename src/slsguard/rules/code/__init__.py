"""Handler code rules (P6, P10, and the code side of P2): injection, unsafe deserialization,
SSRF, path traversal, XXE, sensitive logging, JWT and TLS checks, secrets in code."""
