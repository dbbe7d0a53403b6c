"""Delivery pipeline rules (P7): CI credentials, committed dotenv files, the deployment role."""
