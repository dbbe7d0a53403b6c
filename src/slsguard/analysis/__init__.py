"""Facts derived from the model once and shared by rules: APIs and their stages, endpoints, ..."""
