"""Models of the anonymisation feature."""
