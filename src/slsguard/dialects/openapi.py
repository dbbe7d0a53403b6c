"""The OpenAPI dialect: an API definition body with `x-amazon-apigateway-*` extensions.

Places are named by their path in the definition (`paths./orders.post.security`).
"""

from __future__ import annotations

from slsguard.dialects.cfn_resources import cfn_resource
from slsguard.dialects.template import TemplateDialect

DIALECT = TemplateDialect("openapi", {}, None, cfn_resource, resources_path=())
