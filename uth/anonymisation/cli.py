"""`uth` commands of the anonymisation feature (registered on uth.cli.uth_cli)."""
