"""Least privilege from the code: the AWS calls each handler makes, the IAM actions and
resources they need, how that compares with what the function's role grants, and the
minimal policy (SLS109, SLS110, `slsguard policy`)."""
