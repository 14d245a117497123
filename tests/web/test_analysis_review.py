"""Issue 12: an analysis in review lists its open warnings; the author does not approve their own where
another risk manager can (UTH_RCA_SEPARATE_APPROVER); never with an action item due in the past; a
reviewer declines it back to draft with a reason."""
from sqlalchemy import select

from tests.conftest import FIXED_NOW, csrf_token, login
from tests.factories import auth_header, make_token, make_user
from tests.rca_fixtures import make_rca_region
from uth.auth.services import find_user
from uth.extensions import db
from uth.rca.models import Analysis
from uth.rca.parts import add_part
from uth.rca.services import create_analysis, set_status
from uth.reports.models import Case

HUMAN_ERROR = {"cause": "Sygeplejersken lavede en fejl ved doseringen", "effect": "patienten fik dobbelt dosis insulin",
               "event": "patienten fik lavt blodsukker"}


def _in_review(app, due_on="2026-11-01", second_risk_manager=True) -> int:
    """A one-member team, a rule-3 statement and an action due before the pinned clock (23-11-2026)."""
    with app.app_context():
        region = make_rca_region()
        if second_risk_manager:
            make_user("rm2@h.dk", "risk_manager", "H", name="Rasmus Reviewer")
        rm = find_user("rm@h.dk")
        case = db.session.scalar(select(Case).where(Case.reference == region.serious))
        analysis = create_analysis(rm, case, "kaa", now=FIXED_NOW)
        add_part(rm, analysis, "team", {"name": "Rikke Risiko", "role": "Risikomanager"}, now=FIXED_NOW)
        add_part(rm, analysis, "causal_statements", HUMAN_ERROR, now=FIXED_NOW)
        add_part(rm, analysis, "action_items", {"text": "Dobbeltkontrol af insulin", "strength": "intermediate",
                                                "responsible": "Afdelingen", "due_on": due_on}, now=FIXED_NOW)
        set_status(rm, analysis, "in_review", now=FIXED_NOW)
        db.session.commit()
        return analysis.id


def test_review_lists_the_open_warnings_and_refuses_a_past_due_action(app, client):
    analysis_id = _in_review(app)
    login(client, "rm2@h.dk")
    page = client.get(f"/analyses/{analysis_id}").get_data(as_text=True)
    assert 'id="review-warnings"' in page
    assert "Teamet har 1 medlem" in page and "Årsagssammenhæng 1: Regel 3" in page
    assert "Tiltaget »Dobbeltkontrol af insulin« har en tidsfrist i fortiden (01-11-2026)" in page
    refused = client.post(f"/analyses/{analysis_id}/status", data={"csrf_token": csrf_token(client, f"/analyses/{analysis_id}"),
                                                                   "status": "approved"})
    assert refused.status_code == 422 and "Dobbeltkontrol af insulin" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Analysis, analysis_id).status == "in_review"


def test_the_author_does_not_approve_their_own_where_another_can(app, client):
    analysis_id = _in_review(app, due_on="2027-02-01")
    with app.app_context():
        author, reviewer = (auth_header(make_token(find_user(e))) for e in ("rm@h.dk", "rm2@h.dk"))
    url = f"/api/v1/analyses/{analysis_id}/status"
    own = client.post(url, json={"status": "approved"}, headers=author)
    assert own.status_code == 422 and set(own.get_json()["errors"]) == {"approver"}
    login(client, "rm@h.dk")
    page = client.get(f"/analyses/{analysis_id}").get_data(as_text=True)
    assert 'id="own-analysis"' in page and 'id="approve"' not in page
    approved = client.post(url, json={"status": "approved"}, headers=reviewer)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"


def test_the_sole_risk_manager_or_the_setting_off_lets_the_author_approve(app, client):
    analysis_id = _in_review(app, due_on="2027-02-01", second_risk_manager=False)
    with app.app_context():
        author = auth_header(make_token(find_user("rm@h.dk")))
    assert client.post(f"/api/v1/analyses/{analysis_id}/status", json={"status": "approved"}, headers=author).status_code == 200


def test_the_setting_turns_the_separate_approver_off(app, client):
    app.config["UTH_RCA_SEPARATE_APPROVER"] = False
    analysis_id = _in_review(app, due_on="2027-02-01")
    with app.app_context():
        author = auth_header(make_token(find_user("rm@h.dk")))
    assert client.post(f"/api/v1/analyses/{analysis_id}/status", json={"status": "approved"}, headers=author).status_code == 200


def test_decline_back_to_draft_with_a_reason(app, client):
    analysis_id = _in_review(app)
    login(client, "rm2@h.dk")
    token = csrf_token(client, f"/analyses/{analysis_id}")
    refused = client.post(f"/analyses/{analysis_id}/status", data={"csrf_token": token, "status": "draft", "reason": " "})
    assert refused.status_code == 422
    declined = client.post(f"/analyses/{analysis_id}/status", data={
        "csrf_token": token, "status": "draft", "reason": "Ret tidsfristen, og beskriv hvad der førte til fejlen."})
    assert declined.status_code == 302
    page = client.get(f"/analyses/{analysis_id}").get_data(as_text=True)
    assert 'id="declined"' in page and "Ret tidsfristen, og beskriv hvad der førte til fejlen." in page
    with app.app_context():
        analysis = db.session.get(Analysis, analysis_id)
        assert analysis.status == "draft" and analysis.cases[0].events[-1].action == "analysis_declined"
