"""Tests for small-cell suppression of forum statistics."""

from __future__ import annotations

import dataclasses
import random

import pytest

from uth.learning.suppression import DEFAULT_MIN_CELL, Row, SuppressedTable, suppress


def shown(table: SuppressedTable) -> list[int | None]:
    """Return the visible counts in row order (None for suppressed)."""
    return [row.count for row in table.rows]


def test_default_min_cell_is_five() -> None:
    assert DEFAULT_MIN_CELL == 5
    assert shown(suppress({"a": 4, "b": 5, "c": 20})) == [None, None, 20]


def test_nothing_to_suppress() -> None:
    table = suppress({"medicin": 12, "fald": 7, "tryksår": 5})
    assert table.rows == [Row("medicin", 12), Row("fald", 7), Row("tryksår", 5)]
    assert table.total == 24
    assert table.suppressed_total is None
    assert not table.any_suppressed
    assert table.min_cell == 5


def test_zero_counts_are_shown_not_suppressed() -> None:
    table = suppress({"a": 0, "b": 10, "c": 0})
    assert shown(table) == [0, 10, 0]
    assert table.total == 10


def test_order_is_preserved() -> None:
    counts = {"z": 30, "a": 2, "m": 8, "b": 40}
    assert [row.key for row in suppress(counts).rows] == ["z", "a", "m", "b"]


def test_primary_cells_that_add_up_need_no_secondary() -> None:
    table = suppress({"a": 3, "b": 2, "c": 10, "d": 6})
    assert shown(table) == [None, None, 10, 6]
    assert table.total == 21
    assert table.suppressed_total == 5


def test_single_small_cell_forces_secondary_suppression_of_smallest() -> None:
    table = suppress({"a": 3, "b": 50, "c": 6, "d": 9})
    assert shown(table) == [None, 50, None, 9]
    assert table.total == 68
    assert table.suppressed_total == 9
    assert table.rows[0].suppressed and not table.rows[1].suppressed


def test_secondary_suppression_takes_earliest_on_ties() -> None:
    assert shown(suppress({"a": 7, "b": 1, "c": 7})) == [None, None, 7]


def test_secondary_suppression_skips_zero_cells() -> None:
    assert shown(suppress({"a": 0, "b": 2, "c": 0, "d": 8, "e": 9})) == [0, None, 0, None, 9]


def test_secondary_suppression_can_take_several_cells() -> None:
    # min_cell 10: 1 + 5 = 6 is still too small, so the next smallest (6) is hidden too.
    table = suppress({"a": 1, "b": 12, "c": 6, "d": 5}, min_cell=10)
    assert shown(table) == [None, 12, None, None]
    assert table.suppressed_total == 12


def test_small_total_is_hidden_too() -> None:
    table = suppress({"a": 1, "b": 2, "c": 0})
    assert shown(table) == [None, None, 0]
    assert table.total is None
    assert table.suppressed_total is None


def test_everything_suppressed_but_total_large_enough() -> None:
    table = suppress({"a": 3, "b": 4})
    assert shown(table) == [None, None]
    assert table.total == 7
    assert table.suppressed_total == 7


def test_empty_and_all_zero_tables() -> None:
    empty = suppress({})
    assert (empty.rows, empty.total, empty.suppressed_total) == ([], 0, None)
    zeros = suppress({"a": 0, "b": 0})
    assert (shown(zeros), zeros.total) == ([0, 0], 0)


def test_min_cell_one_suppresses_nothing() -> None:
    table = suppress({"a": 1, "b": 2}, min_cell=1)
    assert shown(table) == [1, 2]
    assert table.total == 3


def test_custom_min_cell() -> None:
    assert shown(suppress({"a": 2, "b": 3, "c": 4}, min_cell=3)) == [None, None, 4]
    assert shown(suppress({"a": 1, "b": 2, "c": 4}, min_cell=3)) == [None, None, 4]
    assert shown(suppress({"a": 5, "b": 10}, min_cell=10)) == [None, None]


@pytest.mark.parametrize("min_cell", [0, -1])
def test_invalid_min_cell(min_cell: int) -> None:
    with pytest.raises(ValueError, match="min_cell"):
        suppress({"a": 1}, min_cell=min_cell)


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True, None])
def test_invalid_counts(bad: object) -> None:
    with pytest.raises(ValueError, match="'a'"):
        suppress({"a": bad})  # type: ignore[dict-item]


def test_table_is_frozen() -> None:
    table = suppress({"a": 10})
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.total = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.rows[0].count = 1  # type: ignore[misc]


def _random_counts(rng: random.Random) -> dict[str, int]:
    """Build a table mixing zeros, small cells and large cells."""
    size = rng.randint(0, 12)
    pools = [(0, 0), (1, 4), (1, 12), (5, 500)]
    return {f"k{i}": rng.randint(*rng.choice(pools)) for i in range(size)}


@pytest.mark.parametrize("seed", range(20))
def test_guarantee_holds_for_random_tables(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(250):
        counts = _random_counts(rng)
        min_cell = rng.randint(1, 11)
        table = suppress(counts, min_cell)
        true_total = sum(counts.values())
        visible = [row.count for row in table.rows if row.count is not None]

        # Rows: same keys, same order; visible counts are the true ones.
        assert [row.key for row in table.rows] == list(counts)
        assert all(row.count in (None, counts[row.key]) for row in table.rows)
        # No small visible cell; zero cells are never suppressed.
        assert not any(0 < count < min_cell for count in visible)
        assert all(row.count == 0 for row in table.rows if counts[row.key] == 0)
        # The total is true, or hidden only when it is itself small (then all is hidden).
        if table.total is None:
            assert 0 < true_total < min_cell
            assert visible == [0] * len(visible)
            assert table.suppressed_total is None
        else:
            assert table.total == true_total
            # The hidden remainder cannot reveal a small cell.
            remainder = table.total - sum(visible)
            assert remainder == 0 or remainder >= min_cell
            assert table.suppressed_total == (remainder or None)
        # Secondary suppression only happens when there was a primary cell.
        if not any(0 < c < min_cell for c in counts.values()):
            assert not table.any_suppressed
