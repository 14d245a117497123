"""API routes of the actions feature; adds its OpenAPI paths to uth.api.openapi.PATHS."""
