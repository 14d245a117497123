"""Taxonomy labels on pages follow a new taxonomy: in this process at once, from another within the
minute the labels are kept per process (uth.taxonomy.services)."""
import shutil

from tests.conftest import login
from tests.factories import make_case, make_org, make_user


def _severity_cell(html: str, reference: str) -> str:
    row = html[html.index(reference):].split("</tr>")[0]
    return row[row.index('class="sev-'):].split("</td>")[0]


def test_a_severity_label_changed_by_a_new_taxonomy_shows_on_the_queue(app, client, tmp_path, monkeypatch):
    from sqlalchemy import text

    from uth.extensions import db
    from uth.taxonomy import services
    from uth.taxonomy.loader import DEFAULT_DIR

    with app.app_context():
        make_org("H", "hospital")
        make_user("rm@h.dk", "risk_manager", "H")
        case, _ = make_case(title="Alvorlig risiko", event_org="H", actual_consequence="none",
                            possible_consequence="serious_or_fatal")
        reference, severity = case.reference, case.severity
    login(client, "rm@h.dk")
    assert "Alvorlig patientsikkerhedsrisiko" in _severity_cell(client.get("/cases").get_data(as_text=True), reference)
    changed = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, changed)
    severities = changed / "severities.csv"
    severities.write_text(severities.read_text().replace("Alvorlig patientsikkerhedsrisiko", "Alvorlig risiko for patienten"))
    try:
        with app.app_context():  # `uth init` in this process
            services.load_taxonomy(changed)
            db.session.commit()
        assert "Alvorlig risiko for patienten" in _severity_cell(client.get("/cases").get_data(as_text=True), reference)
        # the label changed as another server's `uth init` would, read here once the kept labels are a minute old
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("UPDATE taxonomy_terms SET label_da = 'Risiko for alvorlig skade' "
                              "WHERE kind = 'severities' AND code = :code"), {"code": severity})
        later = services.time.monotonic() + services.CODES_TTL_SECONDS + 1
        monkeypatch.setattr(services.time, "monotonic", lambda: later)
        assert "Risiko for alvorlig skade" in _severity_cell(client.get("/cases").get_data(as_text=True), reference)
    finally:
        monkeypatch.undo()
        with app.app_context():
            services.load_taxonomy()
            db.session.commit()
