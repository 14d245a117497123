"""Samlerapportering pages: enter counts, lock the month, 409 after the lock."""
import re

from sqlalchemy import select

from uth.extensions import db
from uth.learning.models import BatchCount
from tests.conftest import csrf_token, login, logout
from tests.learning_region import make_learning_region


def test_counts_are_saved_until_the_month_is_locked(app, client):
    with app.app_context():
        make_learning_region()
    login(client, "nurse@h.dk")
    page = client.get("/batch?month=2026-10")
    assert page.status_code == 200 and 'name="count:H-MED:fald"' in page.get_data(as_text=True)
    assert 'name="count:K2:fald"' not in page.get_data(as_text=True)
    token = csrf_token(client, "/batch?month=2026-10")
    saved = client.post("/batch", data={"csrf_token": token, "month": "2026-10", "count:H-MED:fald": "4",
                                        "count:H-MED:medicin_ikke_givet": ""})
    assert saved.status_code == 302
    assert 'value="4"' in client.get("/batch?month=2026-10").get_data(as_text=True)
    bad = client.post("/batch", data={"csrf_token": token, "month": "2026-10", "count:H-MED:fald": "-1"})
    assert bad.status_code == 422 and "Skal være et helt tal" in bad.get_data(as_text=True)
    assert client.post("/batch", data={"csrf_token": token, "month": "2026-10", "count:K2:fald": "3"}).status_code == 404
    assert client.post("/batch/lock", data={"csrf_token": token, "month": "2026-10", "org": "H"}).status_code == 404

    logout(client)
    login(client, "rm@h.dk")
    token = csrf_token(client, "/batch?month=2026-10")
    assert client.post("/batch/lock", data={"csrf_token": token, "month": "2026-10", "org": "H"}).status_code == 302
    assert "Låst" in client.get("/batch?month=2026-10").get_data(as_text=True)

    logout(client)
    login(client, "nurse@h.dk")
    token = csrf_token(client, "/batch?month=2026-11")
    refused = client.post("/batch", data={"csrf_token": token, "month": "2026-10", "count:H-MED:fald": "9"})
    assert refused.status_code == 409
    assert client.post("/batch", data={"csrf_token": token, "month": "2026-11", "count:H-MED:fald": "2"}).status_code == 302
    assert client.post("/batch", data={"csrf_token": token, "month": "2026-12", "count:H-MED:fald": "2"}).status_code == 422
    with app.app_context():
        counts = {(r.month.isoformat(), r.count) for r in db.session.scalars(select(BatchCount))}
    assert counts == {("2026-10-01", 4), ("2026-11-01", 2)}


def test_batch_needs_a_unit_role(app, client):
    with app.app_context():
        make_learning_region()
    login(client, "forum1@kl1.dk")
    assert client.get("/batch").status_code == 404


def test_a_bad_month_or_count_is_a_form_error_naming_the_field(app, client):
    with app.app_context():
        make_learning_region()
    login(client, "nurse@h.dk")
    token = csrf_token(client, "/batch?month=2026-10")
    for month in ("0026-10", "1026-10", "1999-12", "0000-10"):
        page = client.get(f"/batch?month={month}")
        assert page.status_code == 422 and "Måned: Angiv måned som ÅÅÅÅ-MM fra år 2000" in page.get_data(as_text=True)
        saved = client.post("/batch", data={"csrf_token": token, "month": month, "count:H-MED:fald": "3"})
        assert saved.status_code == 422 and "Måned: Angiv måned som ÅÅÅÅ-MM fra år 2000" in saved.get_data(as_text=True)
    for count in ("999999999999999999999", "2147483648", "100001"):
        saved = client.post("/batch", data={"csrf_token": token, "month": "2026-10", "count:H-MED:fald": count})
        html = saved.get_data(as_text=True)
        assert saved.status_code == 422
        assert "Skal være et helt tal fra 0 til 100000" in html and 'aria-invalid="true"' in html
        assert re.search(r"<p class=\"error\">[^<]* – Fald: Skal være", html)
    assert client.post("/batch", data={"csrf_token": token, "month": "2026-10", "count:H-MED:fald": "100000"}).status_code == 302
    with app.app_context():
        assert {(r.month.isoformat(), r.count) for r in db.session.scalars(select(BatchCount))} == {("2026-10-01", 100000)}
    page = client.get("/batch?month=2026-10").get_data(as_text=True)
    assert 'min="2000-01" max="2026-11"' in page and 'max="100000"' in page
