"""The /cases queue page (SPEC §6): nearest deadline first, what it is for in Danish, overdue marked."""
from tests.conftest import login
from tests.factories import make_case, make_org, make_user


def test_queue_page_shows_next_deadline_in_danish_and_marks_overdue(app, client):
    with app.app_context():
        make_org("H", "hospital")
        make_user("rm@h.dk", "risk_manager", "H")
        late, _ = make_case(title="Sen kvittering", received_at="2026-11-16T10:00:00+01:00",
                            occurred_at="2026-11-16T09:00:00+01:00", event_org="H")
        fresh, _ = make_case(title="Ny i dag", event_org="H")
        late_ref, fresh_ref = late.reference, fresh.reference
    login(client, "rm@h.dk")
    html = client.get("/cases").get_data(as_text=True)
    assert html.index(late_ref) < html.index(fresh_ref)
    assert "(kvittering)" in html and "acknowledge_by" not in html
    row = html[html.index(late_ref):html.index(fresh_ref)]
    assert "19-11-2026" in row and "Overskredet" in row
    assert "Overskredet" not in html[html.index(fresh_ref):]
    overdue_only = client.get("/cases?overdue=true").get_data(as_text=True)
    assert late_ref in overdue_only and fresh_ref not in overdue_only


def _morning(app):
    """A hospital queue: overdue, due this week, assigned, closed, and (for the central) unrouted."""
    from uth.clock import utcnow
    from uth.extensions import db
    from uth.handling.actions import perform
    with app.app_context():
        make_org("R", "region")
        make_org("H", "hospital", parent="R")
        make_org("R-X", "hospital", parent="R")  # no risk manager: its cases are unrouted
        rm = make_user("rm@h.dk", "risk_manager", "H", name="Rikke Risiko")
        make_user("rm2@h.dk", "risk_manager", "H", name="Bo Behandler")
        make_user("central@r.dk", "central_risk_manager", "R")
        late, _ = make_case(title="Sen kvittering", received_at="2026-11-16T10:00:00+01:00",
                            occurred_at="2026-11-16T09:00:00+01:00", event_org="H")
        fresh, _ = make_case(title="Ny i dag", event_org="H", actual_consequence="none", possible_consequence="serious_or_fatal")
        taken, _ = make_case(title="Under behandling", event_org="H")
        perform(rm, taken, "assign", {"assignee": "rm2@h.dk"}, now=utcnow())
        closed, _ = make_case(title="Lukket alvorlig", event_org="H", actual_consequence="none", possible_consequence="serious_or_fatal")
        perform(rm, closed, "classify", {"event_type": "fald"}, now=utcnow())
        perform(rm, closed, "assign", {"assignee": "rm@h.dk"}, now=utcnow())
        perform(rm, closed, "close", {"conclusion": "Afsluttet efter gennemgang.", "learning": "Intet nyt at lære her.",
                                      "not_personal": []}, now=utcnow())
        unrouted, _ = make_case(title="Uden modtager", event_org="R-X")
        db.session.commit()
        return {k: v.reference for k, v in dict(late=late, fresh=fresh, taken=taken, closed=closed, unrouted=unrouted).items()}


def test_the_queue_shows_open_cases_by_default_with_their_handler(app, client):
    refs = _morning(app)
    login(client, "rm@h.dk")
    html = client.get("/cases").get_data(as_text=True)
    assert refs["late"] in html and refs["taken"] in html and refs["closed"] not in html
    assert "Bo Behandler" in html[html.index(refs["taken"]):].split("</tr>")[0]
    everything = client.get("/cases?status=all").get_data(as_text=True)
    assert refs["closed"] in everything
    assert refs["closed"] in client.get("/cases?status=closed").get_data(as_text=True)


def test_the_counters_count_open_cases_and_link_to_their_filter(app, client):
    import re
    refs = _morning(app)
    login(client, "central@r.dk")
    html = client.get("/cases").get_data(as_text=True)
    counters = dict(re.findall(r'counter-(\w+)[^"]*" href="[^"]*"[^>]*>\s*<strong>(\d+)</strong>', html))
    assert counters == {"overdue": "1", "due_this_week": "2", "unassigned": "3", "unrouted": "1"}
    week = client.get("/cases?status=open&due=week").get_data(as_text=True)
    assert refs["fresh"] in week and refs["unrouted"] in week and refs["late"] not in week and refs["taken"] not in week
    unassigned = client.get("/cases?status=open&assignee=none").get_data(as_text=True)
    assert refs["taken"] not in unassigned and refs["late"] in unassigned
    assert 'href="/cases?status=open&amp;unrouted=1"' in html or 'href="/cases?status=open&unrouted=1"' in html


def test_should_be_analysed_only_on_open_serious_cases_without_an_analysis(app, client):
    refs = _morning(app)
    login(client, "rm@h.dk")
    html = client.get("/cases?status=all").get_data(as_text=True)
    row = lambda ref: html[html.index(ref):].split("</tr>")[0]  # noqa: E731
    assert "Bør analyseres" in row(refs["fresh"])
    assert "Bør analyseres" not in row(refs["closed"])


def test_bulk_acknowledge_and_assign_audit_each_case(app, client):
    from sqlalchemy import select

    from tests.conftest import csrf_token
    from uth.audit.models import AuditEntry
    from uth.extensions import db
    from uth.reports.models import Case
    refs = _morning(app)
    login(client, "rm@h.dk")
    token = csrf_token(client, "/cases")
    assert client.post("/cases/bulk", data={"bulk_action": "acknowledge", "case": [refs["late"]]}).status_code == 400
    response = client.post("/cases/bulk", data={"csrf_token": token, "bulk_action": "acknowledge", "back": "status=open",
                                                "case": [refs["late"], refs["fresh"], refs["taken"]]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/cases?status=open")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kvitteret for modtagelse: 2 sag(er)." in page and f"Sprunget over: {refs['taken']}" in page
    with app.app_context():
        acks = db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "case.acknowledge")).all()
        assert sorted(d["reference"] for d in acks) == sorted([refs["late"], refs["fresh"]])
    client.post("/cases/bulk", data={"csrf_token": token, "bulk_action": "assign", "assignee": "rm2@h.dk",
                                     "case": [refs["late"], refs["fresh"], refs["unrouted"]]})
    with app.app_context():
        cases = {c.reference: c for c in db.session.scalars(select(Case))}
        assert cases[refs["late"]].assignee.email == "rm2@h.dk" and cases[refs["fresh"]].status == "in_progress"
        assert cases[refs["unrouted"]].assignee is None  # outside rm@h.dk's scope: skipped, not found
        assigned = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.assign")).all()
        assert len(assigned) == 4  # the two in _morning and these two


def test_queue_in_english(app, client):
    _morning(app)
    login(client, "rm@h.dk")
    html = client.get("/cases?lang=en").get_data(as_text=True)
    for text in ("Overdue", "Due this week", "Unassigned", "Unrouted", "Case handler", "Acknowledge receipt"):
        assert text in html, text


def test_the_bulk_form_offers_whoever_may_handle_one_of_the_shown_cases(app, client):
    import re
    with app.app_context():
        make_org("R", "region")
        make_org("H", "hospital", parent="R")
        make_org("K", "kommune", parent="R")
        make_org("Y", "region")
        make_user("central@r.dk", "central_risk_manager", "R", name="Cecilie Central")
        make_user("rm@h.dk", "risk_manager", "H", name="Rikke Risiko")
        make_user("rm@k.dk", "risk_manager", "K", name="Anders Kommune")
        make_user("nurse@h.dk", "reporter", "H", name="Nina Sygeplejerske")  # no case role: never offered
        make_user("rm@y.dk", "risk_manager", "Y", name="Yrsa Andenregion")  # handles none of the cases
        make_case(title="På hospitalet", event_org="H")
        make_case(title="I kommunen", event_org="K")
    login(client, "central@r.dk")
    html = client.get("/cases").get_data(as_text=True)
    bulk = html[html.index('name="assignee" aria-label'):].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)"', bulk) == ["rm@k.dk", "central@r.dk", "rm@h.dk"]  # by name
    login(client, "rm@h.dk")
    bulk = client.get("/cases").get_data(as_text=True).split('name="assignee" aria-label')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)"', bulk) == ["central@r.dk", "rm@h.dk"]  # the kommune's case is not shown


def _a_kommune_case_involving_h(app):
    """A kommune with its risk manager, and its case H is involved in (seen by rm@h.dk only as involved)."""
    with app.app_context():
        make_org("K", "kommune", parent="R")
        make_user("rm@k.dk", "risk_manager", "K")
        make_case(title="Overdraget fra kommunen", event_org="K", received_at="2026-11-16T10:00:00+01:00",
                  occurred_at="2026-11-16T09:00:00+01:00",
                  transition={"type": "indlaeggelse", "from_org": "K", "to_org": "H"})  # H is involved


def test_each_counter_equals_the_total_of_the_list_it_links_to(app, client):
    """The counters and the lists are counted apart (one grouped query, the list's count): for a
    handler, a central risk manager, and a risk manager who sees a case only as an involved party."""
    import html as htmllib
    import re
    _morning(app)
    _a_kommune_case_involving_h(app)
    seen = {}
    for who in ("rm@h.dk", "central@r.dk", "rm@k.dk"):
        login(client, who)
        page = client.get("/cases").get_data(as_text=True)
        counters = re.findall(r'counter-(\w+)[^"]*" href="([^"]+)"[^>]*>\s*<strong>(\d+)</strong>', page)
        assert len(counters) == 4
        for key, href, shown in counters:
            listed = client.get(htmllib.unescape(href)).get_data(as_text=True)
            total = re.search(r"<h1>[^<]*<small>\((\d+)\)</small>", listed).group(1)
            assert total == shown, (who, key)
        seen[who] = {key: int(n) for key, _, n in counters}
    assert seen["rm@h.dk"] == {"overdue": 2, "due_this_week": 1, "unassigned": 3, "unrouted": 0}  # the kommune's case too
    assert seen["central@r.dk"] == {"overdue": 2, "due_this_week": 2, "unassigned": 4, "unrouted": 1}
    assert seen["rm@k.dk"]["overdue"] == 1


def test_the_assign_lists_offer_exactly_the_users_who_may_handle_the_case(app, client):
    """The bulk form's and the case page's assignees (read as plain rows of users and grants) are the
    users can_handle admits: not an inactive grant or user, not a reporter, and for an unrouted case
    only the central risk managers over it, not a plain risk manager above it."""
    import re

    from uth.auth.models import User
    from uth.auth.services import find_grant, set_grant_active, set_user_active
    from uth.extensions import db
    from uth.reports.visibility import can_handle
    with app.app_context():
        make_org("R", "region")
        make_org("H", "hospital", parent="R")
        make_org("R-X", "hospital", parent="R")  # no risk manager: its cases are unrouted
        make_user("central@r.dk", "central_risk_manager", "R", name="Cecilie Central")
        make_user("rm@h.dk", "risk_manager", "H", name="Rikke Risiko")
        make_user("nurse@h.dk", "reporter", "H", name="Nina Sygeplejerske")
        gone = make_user("gone@h.dk", "risk_manager", "H", name="Gitte Gået")
        old = make_user("old@h.dk", "risk_manager", "H", ("reporter", "H"), name="Olga Ophørt")
        handled, _ = make_case(title="På hospitalet", event_org="H")
        unrouted, _ = make_case(title="Uden modtager", event_org="R-X")
        make_user("rm@r.dk", "risk_manager", "R", name="Rasmus Region")  # given after the case stayed unrouted
        set_user_active(gone, False, now=handled.received_at)
        set_grant_active(find_grant(old, "risk_manager", "H"), False)
        db.session.commit()
        assert unrouted.handling_org is None
        users = db.session.query(User).order_by(User.name).all()
        may_handle = {ref: [u.email for u in users if u.active and can_handle(u, case)]
                      for ref, case in ((handled.reference, handled), (unrouted.reference, unrouted))}
        handled_ref, unrouted_ref = handled.reference, unrouted.reference
    assert may_handle == {handled_ref: ["central@r.dk", "rm@r.dk", "rm@h.dk"], unrouted_ref: ["central@r.dk"]}
    login(client, "central@r.dk")
    html = client.get("/cases").get_data(as_text=True)
    assert handled_ref in html and unrouted_ref in html
    bulk = html[html.index('name="assignee" aria-label'):].split("</select>")[0]
    assert re.findall(r'<option value="([^"]+)"', bulk) == may_handle[handled_ref]  # unrouted cases are not bulk-assigned
    for ref in (handled_ref, unrouted_ref):
        page = client.get(f"/cases/{ref}").get_data(as_text=True)
        form = page[page.index('name="assignee"'):].split("</select>")[0]
        assert re.findall(r'<option value="([^"]+)"', form) == may_handle[ref], ref


def test_the_pages_total_is_the_apis_whatever_the_filters(app, client):
    """The page counts its total in one statement with the counters (the API apart, over the list's
    own conditions): the same total for every filter, open or not, and the same counters on each."""
    import re

    from tests.factories import auth_header, make_token
    from uth.auth.services import find_user
    refs = _morning(app)
    _a_kommune_case_involving_h(app)
    with app.app_context():
        tokens = {who: make_token(find_user(who)) for who in ("rm@h.dk", "central@r.dk", "rm@k.dk")}
    queries = ["status=open", "status=all", "status=closed", "status=new", "status=all&overdue=true",
               "status=open&due=week", "status=all&assignee=none", "status=all&assignee=me", "status=all&unrouted=1",
               "status=all&org=H", "status=open&org=K&assignee=none"]
    seen = {}
    for who, token in tokens.items():
        login(client, who)
        counters = None
        for query in queries:
            page = client.get(f"/cases?{query}").get_data(as_text=True)
            total = int(re.search(r"<h1>[^<]*<small>\((\d+)\)</small>", page).group(1))
            api = client.get(f"/api/v1/cases?{query}", headers=auth_header(token)).get_json()["total"]
            assert total == api, (who, query)
            shown = re.findall(r'counter-(\w+)[^"]*" href="[^"]*"[^>]*>\s*<strong>(\d+)</strong>', page)
            assert counters is None or shown == counters, (who, query)
            counters = shown
            seen[(who, query)] = total
    assert seen[("central@r.dk", "status=all")] == 6 and seen[("central@r.dk", "status=closed")] == 1
    assert seen[("rm@h.dk", "status=all&assignee=me")] == 1 and seen[("rm@h.dk", "status=all&unrouted=1")] == 0
    assert seen[("rm@k.dk", "status=open&org=K&assignee=none")] == 1 and refs


def test_the_rows_show_what_people_wrote_as_text_never_as_markup(app, client):
    """The rows are written by the view, not by the template's autoescape: a title, a handler's name
    and an organisation's name with HTML in them show as typed and add no element to the page."""
    from uth.clock import utcnow
    from uth.extensions import db
    from uth.handling.actions import perform
    with app.app_context():
        make_org("H", "hospital", name='Sygehus <i>Syd</i> & "Co"')
        rm = make_user("rm@h.dk", "risk_manager", "H", name="Rikke <b>Risiko</b>")
        case, _ = make_case(title='<script>alert("x")</script> & fald', event_org="H")
        perform(rm, case, "assign", {"assignee": "rm@h.dk"}, now=utcnow())
        db.session.commit()
    login(client, "rm@h.dk")
    html = client.get("/cases").get_data(as_text=True)
    row = html[html.index("<tbody>"):html.index("</tbody>")]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; fald" in row
    assert "Rikke &lt;b&gt;Risiko&lt;/b&gt;" in row and "Sygehus &lt;i&gt;Syd&lt;/i&gt; &amp; &#34;Co&#34;" in row
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
