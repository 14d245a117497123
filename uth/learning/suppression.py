"""Small-cell suppression for forum statistics (SPEC §10: cells under UTH_STATS_MIN_CELL).

Guarantee, for ``t = suppress(counts, m)`` with ``m >= 1``:

* every visible row count is 0 or >= m (no visible count in 1..m-1); zero counts stay visible;
* ``t.total`` is the true total, except when 0 < true total < m: then every non-zero cell is
  hidden and ``t.total`` is None too;
* whenever ``t.total`` is shown, the hidden remainder ``t.total - sum(visible counts)`` is
  either 0 (nothing hidden) or >= m, so no suppressed cell can be recomputed from the total and
  the visible cells;
* ``t.suppressed_total`` is that hidden remainder when it is safe to show (>= m), else None.

Rule: primary suppression hides every cell in 1..m-1. If the hidden sum is then in 1..m-1,
secondary suppression hides the smallest remaining non-zero cells (earliest first on ties) until
the hidden sum reaches m or nothing non-zero is left. Rows keep the order they were given in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_MIN_CELL", "Row", "SuppressedTable", "suppress"]

DEFAULT_MIN_CELL = 5


@dataclass(frozen=True)
class Row:
    """One statistics cell; count is None when it is suppressed."""

    key: str
    count: int | None

    @property
    def suppressed(self) -> bool:
        """Tell templates whether to show a "<min_cell" marker instead of a number."""
        return self.count is None


@dataclass(frozen=True)
class SuppressedTable:
    """A table that is safe to publish: see the module docstring for the guarantee."""

    rows: list[Row]
    total: int | None
    suppressed_total: int | None
    min_cell: int

    @property
    def any_suppressed(self) -> bool:
        """Tell templates whether to explain suppression under the table."""
        return any(row.count is None for row in self.rows)


def suppress(counts: Mapping[str, int], min_cell: int = DEFAULT_MIN_CELL) -> SuppressedTable:
    """Hide small cells (and enough others) so no count under min_cell can be read or derived."""
    if min_cell < 1:
        raise ValueError(f"min_cell must be at least 1, got {min_cell}")
    items = list(counts.items())
    for key, count in items:
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count for {key!r} must be a non-negative integer, got {count!r}")

    true_total = sum(count for _, count in items)
    hidden = {i for i, (_, count) in enumerate(items) if 0 < count < min_cell}
    hidden_sum = sum(items[i][1] for i in hidden)
    if 0 < hidden_sum < min_cell:
        candidates = sorted(
            (count, i) for i, (_, count) in enumerate(items) if count > 0 and i not in hidden
        )
        for count, i in candidates:
            hidden.add(i)
            hidden_sum += count
            if hidden_sum >= min_cell:
                break

    rows = [Row(key, None if i in hidden else count) for i, (key, count) in enumerate(items)]
    total_visible = not 0 < true_total < min_cell
    return SuppressedTable(
        rows=rows,
        total=true_total if total_visible else None,
        suppressed_total=hidden_sum if hidden_sum >= min_cell and total_visible else None,
        min_cell=min_cell,
    )
