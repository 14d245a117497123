"""Models of the deadlines feature."""
