"""The digest page: by default the summaries published since the first day of last month."""
from datetime import timedelta

from uth.auth.services import find_user
from uth.extensions import db
from uth.learning import services
from tests.conftest import FIXED_NOW, login
from tests.learning_region import closed_case, make_learning_region


def test_digest_page_defaults_to_since_the_start_of_last_month(app, client):
    with app.app_context():
        make_learning_region()
        rm = find_user("rm@h.dk")
        for title, days in (("Fald efter hjemkomst", 34), ("Gammel læring", 60)):  # 20 October; 24 September
            summary = services.create_summary_from_case(rm, closed_case(), now=FIXED_NOW - timedelta(days=days))
            services.update_summary(rm, summary, {"title": title, "visibility": "national"}, now=FIXED_NOW)
            services.publish_summary(rm, summary, now=FIXED_NOW - timedelta(days=days))
        db.session.commit()
    login(client, "forum1@kl1.dk")
    html = client.get("/learning/digest").get_data(as_text=True)
    assert 'value="2026-10-01"' in html
    assert "Fald efter hjemkomst" in html and "Gammel læring" not in html


def test_a_digest_since_year_one_is_refused_not_a_500(app, client):
    with app.app_context():
        make_learning_region()
    login(client, "forum1@kl1.dk")
    response = client.get("/learning/digest?since=0001-01-01")
    assert response.status_code == 422  # as a date that is no date; was 500 (OverflowError)
