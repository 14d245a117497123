"""Models of the rca feature."""
