"""API routes of the analyses feature; adds its OpenAPI paths to uth.api.openapi.PATHS."""
