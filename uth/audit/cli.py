"""`uth` commands of the audit feature (registered on uth.cli.uth_cli)."""
