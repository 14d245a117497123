"""The JSON API under /api/v1 (SPEC §14); it calls the same services as the HTML views.

The route modules below add their routes to `bp` and declare their OpenAPI paths (`PATHS`,
optionally `SCHEMAS`), which `openapi.openapi_document` merges in this order."""
from uth.api import actions, analyses, audit, cases, fhir, learning, meta, reports, search
from uth.api.blueprint import bp

ROUTE_MODULES = (meta, reports, cases, actions, audit, search, learning, analyses, fhir)

__all__ = ["ROUTE_MODULES", "bp"]
