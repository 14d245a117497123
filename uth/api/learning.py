"""API routes of the learning feature; adds its OpenAPI paths to uth.api.openapi.PATHS."""
