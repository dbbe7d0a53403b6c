"""IAM and least-privilege rules (P1, P9): they read each function's effective permissions."""
