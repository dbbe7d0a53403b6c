"""Transport and network rules (P3, P6): TLS policies, plain HTTP, public event sources, VPCs."""
