"""Similar cases, the suggested event type and similar learning (SPEC §20): scope per role, never the
case itself, the vote of the most similar classified cases on a small fixed corpus."""
import pytest

from tests.conftest import FIXED_NOW
from tests.factories import make_case, make_token, make_user
from tests.workflow_region import make_region, user
from uth.extensions import db
from uth.handling.actions import perform

FALL = ("Patient faldt ved toiletbesøg", "Patienten faldt på badeværelset om natten ved toiletbesøg uden rollator og "
        "slog hoften. Sengehesten var nede og alarmen var ikke inden for rækkevidde.")
INSULIN = ("Insulin givet to gange", "Patienten fik sin insulindosis to gange, fordi aftenvagten ikke kunne se i "
           "medicinmodulet at dagvagten allerede havde givet insulin. Blodsukkeret faldt kraftigt.")
EPIKRISE = ("Epikrise ikke modtaget", "Egen læge modtog ikke epikrisen efter udskrivelse, og hjemmeplejen kendte "
            "ikke den nye medicinliste ved hjemkomst.")
CORPUS = [  # (title, description, event type) handled by the hospital H
    ("Fald fra seng om natten", "Patienten faldt ud af sengen om natten, sengehesten var nede og alarmen var "
     "ikke inden for rækkevidde. Hun slog hoften.", "fald.med_skade"),
    ("Fald på toilet", "Patienten faldt på toilettet uden rollator om natten og slog hovedet. Alarmen var ikke "
     "inden for rækkevidde.", "fald.med_skade"),
    ("Faldt ved toiletbesøg", "Ældre patient faldt ved toiletbesøg om natten, rollatoren stod ved døren.", "fald.uden_skade"),
    ("Insulin givet dobbelt", "Aftenvagten gav insulin selvom dagvagten havde givet insulindosis; medicinmodulet "
     "viste det ikke. Blodsukkeret faldt.", "medicinering.administration.forkert_tidspunkt"),
    ("Dobbelt dosis insulin", "Patienten fik dobbelt dosis insulin, da givet medicin ikke var registreret i "
     "medicinmodulet.", "medicinering.administration.forkert_tidspunkt"),
    ("Epikrise forsinket", "Epikrisen nåede ikke egen læge før kontrollen efter udskrivelse.", "overgange.information.epikrise"),
    ("Manglende epikrise", "Hjemmeplejen og egen læge fik ingen epikrise ved udskrivelse og kendte ikke medicinlisten.",
     "overgange.information.epikrise"),
]


def submit(title, description, *, org="H-MED", reporter="nurse@h.dk"):
    case, _ = make_case(db.session.get(type(user("nurse")), user("nurse").id) if reporter == "nurse@h.dk" else
                        _user(reporter), title=title, description=description, event_org=org)
    return case


def _user(email):
    from uth.auth.services import find_user

    return find_user(email)


def classify(case, event_type):
    perform(user("rm_h") if case.handling_org.code == "H" else _user("rm@k2.dk"), case, "classify",
            {"event_type": event_type}, now=FIXED_NOW)
    db.session.commit()


@pytest.fixture
def world(app):
    with app.app_context():
        make_region()
        make_user("carer@k2.dk", "reporter", "K2")
        make_user("forum@kl1.dk", None, None, ("forum_member", "KL1"))
        refs = {}
        for title, description, event_type in CORPUS:
            case = submit(title, description)
            classify(case, event_type)
            refs[title] = case.reference
        other = submit(*FALL, org="K2", reporter="carer@k2.dk")  # a fall the hospital may not see
        refs["k2 fall"] = other.reference
        for key, (title, description) in {"fall": FALL, "insulin": INSULIN, "epikrise": EPIKRISE}.items():
            refs[key] = submit(title, description).reference  # unclassified
        tokens = {key: {"Authorization": f"Bearer {make_token(_user(email))}"} for key, email in (
            ("rm_h", "rm@h.dk"), ("rm_k2", "rm@k2.dk"), ("central", "central@r.dk"), ("forum", "forum@kl1.dk"),
            ("nurse", "nurse@h.dk"))}
    return refs, tokens


def similar(client, headers, reference):
    return client.get(f"/api/v1/cases/{reference}/similar", headers=headers)


def test_similar_cases_are_the_callers_most_similar_first_never_itself(client, world):
    refs, tokens = world
    body = similar(client, tokens["rm_h"], refs["fall"]).get_json()
    found = [item["reference"] for item in body["items"]]
    assert refs["fall"] not in found and refs["k2 fall"] not in found  # itself; a kommune far away
    assert set(found[:3]) == {refs["Fald fra seng om natten"], refs["Fald på toilet"], refs["Faldt ved toiletbesøg"]}
    assert len(found) <= 10 and body["items"][0]["score"] >= body["items"][-1]["score"]
    assert set(body["items"][0]) == {"reference", "title", "status", "score"}


def test_a_central_risk_manager_sees_across_the_region(client, world):
    refs, tokens = world
    found = [item["reference"] for item in similar(client, tokens["central"], refs["fall"]).get_json()["items"]]
    assert refs["k2 fall"] not in found  # K2 lies outside region R too
    found = [item["reference"] for item in similar(client, tokens["rm_k2"], refs["k2 fall"]).get_json()["items"]]
    assert found == []  # K2 sees only its own case: no other to show


def test_outside_scope_and_for_a_forum_member_it_is_404(client, world):
    refs, tokens = world
    assert similar(client, tokens["rm_k2"], refs["fall"]).status_code == 404
    assert similar(client, tokens["forum"], refs["fall"]).status_code == 404
    assert similar(client, tokens["nurse"], refs["fall"]).status_code == 404
    assert similar(client, tokens["rm_h"], "UTH-2026-999999").status_code == 404


def test_the_suggested_event_type_is_the_vote_of_the_most_similar_classified_cases(client, world):
    refs, tokens = world
    expected = {"fall": "fald.med_skade", "insulin": "medicinering.administration.forkert_tidspunkt",
                "epikrise": "overgange.information.epikrise"}
    for key, code in expected.items():
        suggestion = client.get(f"/api/v1/cases/{refs[key]}", headers=tokens["rm_h"]).get_json()["suggested_event_type"]
        assert suggestion["code"] == code, (key, suggestion)
        assert suggestion["support"]["votes"] >= 2 and suggestion["support"]["of"] >= suggestion["support"]["votes"]
        assert suggestion["label_da"]
    classified = client.get(f"/api/v1/cases/{refs['Fald på toilet']}", headers=tokens["rm_h"]).get_json()
    assert "suggested_event_type" not in classified  # it has an event type


def test_no_suggestion_from_cases_the_handler_may_not_see(client, world):
    refs, tokens = world
    body = client.get(f"/api/v1/cases/{refs['k2 fall']}", headers=tokens["rm_k2"]).get_json()
    assert body["suggested_event_type"] is None  # the hospital's classified falls are not K2's to see
