"""Meta rules: findings about the scan itself (parse errors, unresolved values, ...)."""
