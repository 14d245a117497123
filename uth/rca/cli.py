"""`uth` commands of the rca feature (registered on uth.cli.uth_cli)."""

# Overdue action items are swept by `uth sweep-deadlines` (registered on import).
from uth.rca import sweep as _sweep  # noqa: E402,F401
