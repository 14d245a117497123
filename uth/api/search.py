"""API routes of the search feature; adds its OpenAPI paths to uth.api.openapi.PATHS."""
