"""`uth` commands of the rca feature (registered on uth.cli.uth_cli)."""
