"""slsguard: finds, explains and fixes what breaks the security of serverless applications."""

__version__ = "0.1.0"
