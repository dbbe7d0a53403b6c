"""`slsguard audit`: the same rules on what really runs in an AWS account.

`run` enumerates each region (`collect`), groups functions into applications by their
CloudFormation stack and mirrors them as templates (`template`), builds the usual model and
runs the rules with cloud locations (`engine`). `command` is the command line. boto3 is
imported only when an audit runs (in `client`), so importing this package stays cheap.
"""

DEFAULT_ROLE = "slsguard-audit"
"""The read-only role `audit --organization` assumes in each member account by default (here,
not in `organization`, so that building the command line does not import boto3)."""
