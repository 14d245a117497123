"""The month chart draws a suppressed month as a gap with its "< m" mark, never as a point at 0."""
from uth.learning.charts import line_chart
from uth.learning.suppression import Row, SuppressedTable, suppress


def test_a_suppressed_month_is_a_gap_not_a_zero():
    counts = {"2026-01": 8, "2026-02": None, "2026-03": 9, "2026-04": 7, "2026-05": 0}
    table = SuppressedTable(rows=[Row(k, v) for k, v in counts.items()], total=None, suppressed_total=None, min_cell=5)
    chart = line_chart(table, label=lambda k: f"m{k[-2:]}")
    by_key = {p["label"]: p for p in chart["points"]}
    assert by_key["m02"]["suppressed"] and by_key["m02"]["y"] is None and by_key["m02"]["text"] == "< 5"
    assert by_key["m05"]["y"] == chart["base"]  # a real zero is a point on the axis
    assert len(chart["lines"]) == 1  # broken at February: January is a lone point, then a line March to May
    assert all(str(by_key["m02"]["x"]) not in line for line in chart["lines"])


def test_month_ticks_use_the_short_label():
    table = suppress({f"2026-{m:02d}": 10 for m in range(1, 13)}, 5)
    chart = line_chart(table, label=lambda k: "long " + k, tick=lambda k: "t" + k[-2:])
    assert [p["tick"] for p in chart["points"] if p["ticked"]] == [f"t{m:02d}" for m in range(1, 13)]


def test_bars_sit_under_their_labels_and_fit_a_phone():
    from uth.learning.charts import bar_chart
    table = SuppressedTable(rows=[Row("a", 40), Row("b", None), Row("c", 12)], total=None, suppressed_total=None,
                            min_cell=5)
    chart = bar_chart(table, label=lambda k: "label " + k)
    assert chart["width"] <= 420  # shown ~366 px wide at 390: 15-unit text stays readable
    assert [b["suppressed"] for b in chart["bars"]] == [False, True, False]
    assert all(b["width"] <= chart["area"] for b in chart["bars"]) and chart["bars"][1]["width"] == 0
