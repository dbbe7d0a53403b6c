"""Secret detection: known token formats, secret-like names, placeholders and masking."""
