"""The case page's "Lignende sager" panel and the suggested event type on the classify form (SPEC §20)."""
import re

from tests.api.test_similar import world  # noqa: F401  (the fixed corpus)
from tests.conftest import csrf_token, login


def test_the_case_page_lists_similar_cases_in_scope_and_offers_the_suggestion(client, world):  # noqa: F811
    refs, _ = world
    login(client, "rm@h.dk")
    html = client.get(f"/cases/{refs['fall']}").get_data(as_text=True)
    panel = html[html.index('id="similar-cases"'):]
    panel = panel[:panel.index("</section>")]
    assert "Lignende sager" in panel and refs["Fald fra seng om natten"] in panel
    assert refs["fall"] not in panel and refs["k2 fall"] not in panel
    assert "Forslag til hændelsestype" in html and "Fald med skade" in html
    assert re.search(r'\d af de \d mest lignende klassificerede sager', html)
    response = client.post(f"/cases/{refs['fall']}/actions", data={
        "csrf_token": csrf_token(client, f"/cases/{refs['fall']}"), "action": "classify", "event_type": "fald.med_skade"})
    assert response.status_code == 302  # one click: the suggestion's form posts it
    html = client.get(f"/cases/{refs['fall']}").get_data(as_text=True)
    assert "Forslag til hændelsestype" not in html and "Fald med skade" in html


def test_in_english(client, world):  # noqa: F811
    refs, _ = world
    login(client, "rm@h.dk")
    html = client.get(f"/cases/{refs['fall']}?lang=en").get_data(as_text=True)
    assert "Similar cases" in html and "Suggested event type" in html and "Use the suggestion" in html
