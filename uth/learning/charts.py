"""Geometry for server-rendered SVG charts (readable without JavaScript); pure, no Flask.

A suppressed cell never gets a bar or a point height: it is drawn as a marker labelled "< m", so
the picture reveals no more than the table under it."""
from __future__ import annotations

from collections.abc import Callable

from uth.learning.suppression import SuppressedTable

# Each bar under its label, so a long label never squeezes the bars and the chart stays narrow
# enough to read on a phone (420 units shown ~366 px wide: 15-unit text stays ~13 px).
BAR_HEIGHT, BAR_GAP, LABEL_HEIGHT, BAR_AREA, VALUE_ROOM = 20, 12, 20, 360, 60


def value_text(count: int | None, min_cell: int) -> str:
    """A cell as people read it: the number, or "< m" when suppressed."""
    return f"< {min_cell}" if count is None else str(count)


def _nice_max(value: int) -> int:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    return value


def bar_chart(table: SuppressedTable, label: Callable[[str], str]) -> dict:
    """Horizontal bars, one per row in the given (key) order, each with its label above it."""
    visible = [r.count for r in table.rows if r.count is not None]
    top = _nice_max(max(visible, default=0) or 1)
    row_height = LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP
    bars = []
    for i, row in enumerate(table.rows):
        width = 0 if row.count is None else round(BAR_AREA * row.count / top, 1)
        bars.append({"label": label(row.key), "text": value_text(row.count, table.min_cell), "suppressed": row.count is None,
                     "y": i * row_height, "width": width})
    return {"bars": bars, "height": max(1, len(bars)) * row_height + 4, "top": top, "area": BAR_AREA,
            "bar_height": BAR_HEIGHT, "label_height": LABEL_HEIGHT, "width": BAR_AREA + VALUE_ROOM}


def line_chart(table: SuppressedTable, label: Callable[[str], str] = str, tick: Callable[[str], str] | None = None,
               width: int = 540, height: int = 250) -> dict:
    """A monthly time series. A suppressed month is a gap: the line breaks around it, it gets no point
    (a point at 0 would read as zero), only the "< m" mark at its place on the axis. `label` names a
    month in full (for the hover title), `tick` shortly (under the axis)."""
    left, right, top_pad, bottom = 40, 20, 30, 40  # room for the axis title and the month names
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    visible = [r.count for r in table.rows if r.count is not None]
    top = _nice_max(max(visible, default=0) or 1)
    n = len(table.rows)
    step = plot_w / max(1, n - 1)
    tick = tick or label
    points, segments, current = [], [], []
    for i, row in enumerate(table.rows):
        x = round(left + (i * step if n > 1 else plot_w / 2), 1)
        y = None if row.count is None else round(top_pad + plot_h * (1 - row.count / top), 1)
        points.append({"x": x, "y": y, "label": label(row.key), "tick": tick(row.key),
                       "text": value_text(row.count, table.min_cell), "suppressed": row.count is None,
                       "ticked": n <= 13 or i % max(1, n // 12) == 0})
        if row.count is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{x},{y}")
    if current:
        segments.append(current)
    ticks = [{"value": v, "y": round(top_pad + plot_h * (1 - v / top), 1)} for v in sorted({0, top // 2, top})]
    return {"points": points, "lines": [" ".join(s) for s in segments if len(s) > 1], "ticks": ticks,
            "width": width, "height": height, "left": left, "right": width - right, "base": top_pad + plot_h,
            "top": top_pad}
