"""`uth` commands of the notifications feature (registered on uth.cli.uth_cli)."""
