"""Defects found using the product as its users do (QA, /work/notes/qa.md): the language kept across a
redirect, search errors and placeholders in English, table headers with a name."""
import re

import pytest

from tests.conftest import csrf_token, login
from tests.factories import make_case, make_org, make_user
from tests.web.test_english_pages import danish_leftovers


@pytest.fixture
def region(app):
    with app.app_context():
        make_org("H", "hospital", name="North Hospital")
        make_org("H-MED", "hospital", parent="H", name="North Hospital Medicine")
        make_user("nurse@h.dk", "reporter", "H-MED", name="Nora Nurse")
        make_user("rm@h.dk", "risk_manager", "H", ("reporter", "H"), name="Rita Manager")
        make_org("K", "kommune", name="Kommunen")
        make_user("rm@k.dk", "risk_manager", "K")
        make_user("admin@x.dk", "admin", name="Ada Admin")
        make_case(title="Wrong dose given", event_org="H",
                  description="The patient was given a double dose of metformin in the evening.")


def test_english_asked_for_on_the_front_page_stays_after_the_redirect(client, region):
    """A signed-in user's front page redirects to their work: ?lang=en is not dropped on the way."""
    login(client, "rm@h.dk")
    response = client.get("/?lang=en")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in page and "Case queue" in page


@pytest.mark.parametrize("query, english", [
    ("q=wrong&received_from=2026-13-45", "Give a date as YYYY-MM-DD"),
    ("q=wrong&received_from=2026-11-02&received_to=2026-11-01", "The end date is before the start date"),
    ("q=NOT+wrong", "The search must contain at least one word without NOT or - in front"),
    ("q=a*", "letters before *"),
])
def test_search_errors_are_in_english_on_the_english_page(client, region, query, english):
    login(client, "rm@h.dk")
    response = client.get(f"/search?{query}&lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and english in html
    assert danish_leftovers(html) == []


def test_search_errors_stay_danish_on_the_danish_page(client, region):
    login(client, "rm@h.dk")
    assert "Angiv en dato som ÅÅÅÅ-MM-DD" in client.get("/search?q=x&received_from=bad&lang=da").get_data(as_text=True)


@pytest.mark.parametrize("path, user", [("/batch?month=2026-10", "nurse@h.dk"), ("/audit", "admin@x.dk")])
def test_date_placeholders_are_english_on_the_english_page(client, region, path, user):
    login(client, user)
    html = client.get(path + "&lang=en" if "?" in path else path + "?lang=en").get_data(as_text=True)
    assert "ÅÅÅÅ" not in html and "YYYY" in html


@pytest.mark.parametrize("path", ["/batch?month=2026-10", "/admin/routing", "/admin/users/{admin}"])
def test_no_table_has_a_nameless_column_header(app, client, region, path):
    """A screen reader names each column (axe: empty-table-header)."""
    with app.app_context():
        from uth.auth.services import find_user
        admin_id = find_user("admin@x.dk").id
    login(client, "nurse@h.dk" if path.startswith("/batch") else "admin@x.dk")
    html = client.get(path.format(admin=admin_id)).get_data(as_text=True)
    assert "<table" in html
    assert re.search(r"<th>\s*</th>", html) is None


@pytest.mark.parametrize("path, user", [("/audit", "admin@x.dk"), ("/admin/users", "admin@x.dk"),
                                        ("/batch?month=2026-10", "nurse@h.dk")])
def test_wide_tables_scroll_inside_the_page_not_the_page(client, region, path, user):
    """On a phone a table of many columns scrolls in its own box, the page itself never sideways."""
    login(client, user)
    html = client.get(path).get_data(as_text=True)
    assert re.search(r'<div class="scroll-x">\s*<table', html)


@pytest.fixture
def workflow_ref(app):
    from tests.workflow_region import hospital_case, make_region
    with app.app_context():
        make_region()
        return hospital_case(event_type="medicinering", anonymous=True)


def _act(client, ref, action, **fields):
    token = csrf_token(client, f"/cases/{ref}")
    return client.post(f"/cases/{ref}/actions", data={"csrf_token": token, "action": action, **fields})


def test_a_missing_downgrade_reason_is_named_in_english_on_the_english_page(client, workflow_ref):
    """Was "Begrundelsen for den lavere alvorlighed is required": the field's name stayed Danish."""
    login(client, "rm@h.dk")
    client.get("/cases?lang=en")
    response = _act(client, workflow_ref, "classify", event_type="medicinering", actual_consequence="minor",
                    possible_consequence="minor", reason="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "The reason for the lower severity is required" in html
    assert "Begrundelsen" not in html
    client.get("/cases?lang=da")
    response = _act(client, workflow_ref, "classify", event_type="medicinering", actual_consequence="minor",
                    possible_consequence="minor", reason="")
    assert "Begrundelsen for den lavere alvorlighed skal udfyldes" in response.get_data(as_text=True)


def test_the_close_page_names_the_missing_texts_in_english(client, workflow_ref):
    login(client, "rm@h.dk")
    token = csrf_token(client, f"/cases/{workflow_ref}/close?lang=en")
    response = client.post(f"/cases/{workflow_ref}/close", data={"csrf_token": token, "conclusion": "", "learning": ""})
    html = response.get_data(as_text=True)
    assert response.status_code in (409, 422)  # refused (not yet in progress), the missing texts named too
    assert "The conclusion is required" in html and "The learning is required" in html



def test_the_rule_order_buttons_say_what_they_do(app, client, region):
    """The ↑ and ↓ buttons were read out as "upwards arrow": they have a name now, in the page's language."""
    from uth.extensions import db
    from uth.routing.admin import add_rule
    from uth.auth.services import find_user
    from uth.clock import utcnow
    with app.app_context():
        add_rule(find_user("admin@x.dk"), {"name": "Kommunen", "sector": "kommune", "target_org": "K"}, now=utcnow())
        db.session.commit()
    login(client, "admin@x.dk")
    html = client.get("/admin/routing?lang=en").get_data(as_text=True)
    assert 'aria-label="Move the rule up"' in html and 'aria-label="Move the rule down"' in html


def test_switching_language_keeps_the_search_and_the_filters(client, region):
    """'English' in the top bar was '?lang=en': the search typed and the queue's filters were lost."""
    login(client, "rm@h.dk")
    html = client.get("/search?q=wrong+dose&kind=cases&lang=da").get_data(as_text=True)
    assert 'href="?q=wrong+dose&amp;kind=cases&amp;lang=en"' in html
    html = client.get("/cases?status=open&overdue=true").get_data(as_text=True)
    assert 'href="?status=open&amp;overdue=true&amp;lang=en"' in html
    english = client.get("/search?q=wrong+dose&kind=cases&lang=en").get_data(as_text=True)
    assert 'href="?q=wrong+dose&amp;kind=cases&amp;lang=da"' in english and "Wrong dose given" in english


def test_the_audit_trail_names_the_close_check_in_words(app, client, workflow_ref):
    """Opening the close page is audited as a case view; the trail showed "shown: close_check"."""
    from tests.factories import make_user
    with app.app_context():
        make_user("admin@x.dk", "admin")
    login(client, "rm@h.dk")
    assert client.get(f"/cases/{workflow_ref}/close").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})
    login(client, "admin@x.dk")
    html = client.get("/audit?lang=en").get_data(as_text=True)
    assert "check before closing" in html and "close_check" not in html


def test_the_audit_trail_names_the_deleted_personal_fields_in_words(app, client):
    """Closing deletes the personal data; the trail listed "fields: patient_cpr, patient_name, …"."""
    from uth.audit.labels import value_text
    with app.test_request_context("/?lang=en"):
        text = value_text(["patient_cpr", "patient_name", "reporter_name", "reporter_email"], "fields")
    assert text == "the patient's CPR number, the patient's name, the reporter's name, the reporter's e-mail"
    with app.test_request_context("/"):
        assert value_text(["patient_cpr", "reporter_phone"], "fields") == "patientens CPR-nummer, indberetterens telefon"
