"""The /search page and learning summaries in search (SPEC §12, §10)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from uth.auth.models import Cluster, Organisation
from uth.extensions import db
from tests.conftest import FIXED_NOW, login
from tests.factories import make_case, make_user
from tests.search.test_integration import region, refs, search  # noqa: F401 - the fixture and helpers


def _summary(title: str, text: str, *, visibility: str, cluster: str, status: str = "published"):
    from uth.learning.models import LearningSummary

    summary = LearningSummary(
        title=title, summary=text, learning_points="Brug tjekliste.", visibility=visibility, status=status,
        cluster_id=db.session.scalar(select(Cluster.id).where(Cluster.code == cluster)),
        org_id=db.session.scalar(select(Organisation.id).where(Organisation.code == "H")),
        created_at=FIXED_NOW, updated_at=FIXED_NOW, published_at=FIXED_NOW if status == "published" else None)
    db.session.add(summary)
    db.session.commit()
    return summary.id


def test_forum_members_search_published_summaries_of_their_cluster_and_national(app, client, region):
    with app.app_context():
        make_user("forum@kl2.dk", "forum_member", "KL2")
        from tests.factories import make_token
        from uth.auth.services import find_user

        token = make_token(find_user("forum@kl2.dk"))
        local = _summary("Epikriser i KL1", "Okapiepikriser sendes nu elektronisk.", visibility="cluster", cluster="KL1")
        national = _summary("Epikriser nationalt", "Okapiepikriser i hele landet.", visibility="national", cluster="KL1")
        _summary("Kladde", "Okapiepikriser i en kladde.", visibility="national", cluster="KL1", status="draft")
        make_case(title="Okapi", description="Okapiepikriser i en sag, som forum ikke må se.", event_org="H-MED")
    assert refs(search(client, region, "okapiepikris*", who="forum")) == {f"learning:{local}", f"learning:{national}"}
    region.headers["forum2"] = {"Authorization": f"Bearer {token}"}
    assert refs(search(client, region, "okapiepikris*", who="forum2")) == {f"learning:{national}"}
    assert search(client, region, "okapiepikris*", who="forum", kind="case")["total"] == 0
    # risk managers search cases by default and learning on request
    assert search(client, region, "okapiepikris*", who="rm_h")["total"] == 1
    assert search(client, region, "okapiepikris*", who="rm_h", kind="learning")["total"] == 2
    login(client, "forum@kl1.dk")
    html = client.get("/search?q=okapiepikris*").get_data(as_text=True)
    assert "Søg i læringsopsamlinger" in html and "2 resultater" in html
    assert f'href="/learning/{national}"' in html and "<mark>Okapiepikriser</mark>" in html


def test_search_page_shows_highlighted_escaped_results_with_status_and_deadline(app, client, region):
    with app.app_context():
        case, _ = make_case(title="<b>Fed</b> titel", event_org="H-MED",
                            description="Patienten fik <script>alert(1)</script> Pandaserum ved en fejl om aftenen.")
        reference = case.reference
    login(client, "rm@h.dk")
    page = client.get("/search?q=pandaserum")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert reference in html and "&lt;b&gt;Fed&lt;/b&gt; titel" in html and "<b>Fed</b>" not in html
    assert "<mark>Pandaserum</mark>" in html and "<script>alert(1)</script>" not in html
    assert "1 resultat<" in html and "Ny" in html  # status label
    assert "Næste frist 26-11-2026" in html  # acknowledge by Thursday (3 working days)
    assert 'href="/search"' in client.get("/cases").get_data(as_text=True)  # the nav link
    # the organisation filter offers the organisations by code as you type, as the queue does
    assert 'list="org-codes"' in html and '<option value="H-MED">' in html


def test_search_page_errors_and_paging(app, client, region):
    with app.app_context():
        for n in range(23):
            make_case(title=f"Sag {n}", event_org="H-MED", description=f"Nummer {n}: Tapirsprøjten var tom igen.",
                      received_at=(FIXED_NOW - timedelta(hours=n)).isoformat())
    assert client.get("/search?q=tapir*").status_code == 302  # sign in first
    login(client, "rm@h.dk")
    first = client.get("/search?q=tapir*&order=date").get_data(as_text=True)
    assert "23 resultater" in first and "Side 1 / 2" in first and "Sag 0<" in first and "Sag 22<" not in first
    second = client.get("/search?q=tapir*&order=date&page=2").get_data(as_text=True)
    assert "Sag 22<" in second and "Sag 0<" not in second
    bad = client.get('/search?q=NOT+tapir')
    assert bad.status_code == 422 and "NOT" in bad.get_data(as_text=True)
    assert client.get("/search?q=tapir&received_from=igår").status_code == 422
    empty = client.get("/search")
    assert empty.status_code == 200 and 'name="q"' in empty.get_data(as_text=True)
