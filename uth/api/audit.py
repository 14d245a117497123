"""API routes of the audit feature; adds its OpenAPI paths to uth.api.openapi.PATHS."""
