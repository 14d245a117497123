"""`uth` commands of the deadlines feature (registered on uth.cli.uth_cli)."""
