"""`uth` commands of the learning feature (registered on uth.cli.uth_cli)."""
