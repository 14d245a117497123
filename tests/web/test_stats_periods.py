"""The statistics page and CSV show one calendar year at a time, picked from the years with data."""
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from uth.auth.models import Organisation
from uth.extensions import db
from uth.learning.models import BatchCount
from tests.conftest import FIXED_NOW, login
from tests.learning_region import closed_case, make_learning_region


@pytest.fixture
def region(app):
    with app.app_context():
        make_learning_region()
        for day in range(1, 7):
            closed_case(received_at=datetime(2024, 3, day, 12, tzinfo=timezone.utc))
        for day in range(1, 8):
            closed_case(received_at=datetime(2026, 10, day, 12, tzinfo=timezone.utc))


MONTHS_DA = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
             "november", "december"]


def _month_rows(html: str) -> list[str]:
    table = re.search(r'<table class="list stats-table" id="table-month">.*?</table>', html, re.S).group(0)
    return re.findall(r"<tr><td>([a-z]+ \d{4})</td>", table)


def test_the_page_shows_the_current_year_and_offers_the_years_with_data(app, client, region):
    login(client, "forum1@kl1.dk")
    html = client.get("/stats").get_data(as_text=True)
    assert "<h1>Statistik 2026</h1>" in html
    assert re.findall(r'<option value="(\d{4})"', html) == ["2026", "2024"]  # 2025 has no data: not offered
    assert '<option value="2026" selected>' in html
    assert _month_rows(html) == [f"{m} 2026" for m in MONTHS_DA]
    assert 'name="from"' not in html and 'name="to"' not in html
    assert "/stats.csv?by=month&amp;year=2026" in html

    earlier = client.get("/stats?year=2024").get_data(as_text=True)
    assert _month_rows(earlier) == [f"{m} 2024" for m in MONTHS_DA]
    assert "<title>marts 2024: 6</title>" in earlier and '<option value="2024" selected>' in earlier
    csv_text = client.get("/stats.csv?by=month&year=2024").get_data(as_text=True)
    assert "2024-03,marts 2024,6" in csv_text and "total,I alt,6" in csv_text and "2026-10" not in csv_text
    assert "total,I alt,7" in client.get("/stats.csv?by=event_type").get_data(as_text=True)


@pytest.mark.parametrize("query", ["year=1999", "year=2027", "year=abc", "year=0026", "from=2026-01&to=2026-10", "to=2026-10"])
def test_a_bad_period_shows_the_error_in_the_form(app, client, region, query):
    login(client, "forum1@kl1.dk")
    response = client.get(f"/stats?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'role="alert"' in html and ("År: Angiv et år fra 2000 til i år" in html or "kun for hele kalenderår" in html)
    assert '<select id="year" name="year"' in html and "stats-table" not in html
    assert client.get(f"/stats.csv?by=month&{query}").status_code == 422


def test_odd_stored_batch_months_do_not_break_the_page(app, client, region):
    with app.app_context():
        h_med = db.session.scalar(select(Organisation).where(Organisation.code == "H-MED"))
        for month in (date(26, 10, 1), date(1026, 10, 1)):
            db.session.add(BatchCount(org_id=h_med.id, month=month, kind="fald", count=3, updated_at=FIXED_NOW))
        db.session.commit()
    login(client, "central@r.dk")
    response = client.get("/stats")
    assert response.status_code == 200
    assert re.findall(r'<option value="(\d{4})"', response.get_data(as_text=True)) == ["2026", "2024"]
    assert client.get("/stats.csv?by=month").status_code == 200


def test_the_month_chart_shows_suppressed_months_as_gaps_with_month_names(app, client, region):
    with app.app_context():
        for day in range(1, 3):
            closed_case(received_at=datetime(2026, 9, day, 12, tzinfo=timezone.utc))  # 2 in September: suppressed
    login(client, "forum1@kl1.dk")
    html = client.get("/stats?year=2026").get_data(as_text=True)
    svg = re.search(r'<svg class="chart line-chart".*?</svg>', html, re.S).group(0)
    assert '<g class="gap"><title>september 2026: &lt; 5</title>' in svg
    gaps = svg.count('<g class="gap">')
    assert gaps >= 1 and svg.count('class="gap-mark"') == gaps and svg.count("<circle") == 12 - gaps  # no point for a gap
    assert "pt sup" not in svg
    ticks = re.findall(r'<text class="tick"[^>]*text-anchor="middle">([^<]+)</text>', svg)
    assert ticks == ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
    assert "Antal hændelser" in svg
    english = client.get("/stats?year=2026&lang=en").get_data(as_text=True)
    assert "<title>September 2026: &lt; 5</title>" in english and ">Oct</text>" in english


def test_a_forum_member_lands_on_learning(app, client, region):
    response = login(client, "forum1@kl1.dk")
    assert response.status_code == 302 and response.headers["Location"].endswith("/learning")
