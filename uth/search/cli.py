"""`uth` commands of the search feature (registered on uth.cli.uth_cli)."""
