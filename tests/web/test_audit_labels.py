"""The audit trail read by people (issue 12): every event kind and detail in words, Danish and English;
the CSV keeps the machine names."""
import re
from pathlib import Path

from tests.anon_cases import personal_case, region
from tests.conftest import login
from uth.translations.catalog import read as read_catalog

UTH = Path(__file__).resolve().parents[2] / "uth"


def _body(html: str) -> str:
    return html.split("<tbody>")[1].split("</tbody>")[0]


def test_the_trail_page_shows_events_and_details_in_words(app, client):
    with app.app_context():
        users = region()
        reference = personal_case(users["nurse"]).reference
    login(client, "rm@h.dk")
    client.get(f"/cases/{reference}")  # case.viewed with shown=['reporter']
    login(client, "admin@x.dk")
    body = _body(client.get("/audit?lang=da").get_data(as_text=True))
    assert "Sag åbnet" in body and "Sag oprettet (indberetning modtaget)" in body
    assert "viste: indberetter" in body and "fra patient/pårørende: nej" in body
    for machine in (">case.viewed<", "shown=", "['reporter']", "public=False", "=False", "=True"):
        assert machine not in body, machine
    english = _body(client.get("/audit?lang=en").get_data(as_text=True))
    assert "Case opened" in english and "shown: reporter" in english and "from a patient or relative: no" in english


def test_the_csv_keeps_the_machine_names(app, client):
    with app.app_context():
        users = region()
        reference = personal_case(users["nurse"]).reference
    login(client, "rm@h.dk")
    client.get(f"/cases/{reference}")
    login(client, "admin@x.dk")
    text = client.get("/audit.csv?lang=en").get_data(as_text=True)
    assert "case.viewed" in text and '"shown": ["reporter"]' in text.replace('""', '"')
    assert "Case opened" not in text


def _recorded_kinds() -> set[str]:
    """Every event kind the code records, the f-string ones expanded."""
    from uth.handling.workflow import ACTIONS
    from uth.rca.models import PARTS
    source = "\n".join(p.read_text(encoding="utf-8") for p in UTH.rglob("*.py"))
    kinds = set(re.findall(r'record\(\s*[^,()]+(?:\([^)]*\))?,\s*"([a-z_]+\.[a-z_.]+)"', source))
    kinds |= set(re.findall(r'"([a-z_]+\.[a-z_]+)" if [a-z_ ]+ else "([a-z_]+\.[a-z_]+)"', source)[0])
    for template, values in (("case.{action}", ACTIONS), ("analysis.{part}.added", PARTS),
                             ("user.{action}d", ("activate", "deactivate"))):
        assert template in source, template
        kinds |= {template.replace("{action}", v).replace("{part}", v) for v in values}
    return kinds


def test_every_event_kind_has_words_in_both_languages():
    from uth.audit.labels import EVENTS
    kinds = _recorded_kinds()
    assert {"case.viewed", "case.routed", "routing_rule.disabled", "analysis.team.added", "user.deactivated"} <= kinds
    assert sorted(kinds - set(EVENTS)) == []
    english = {m.id: m.string for m in read_catalog() if m.id}
    assert all(da and english.get(da) and english[da] != da for da in EVENTS.values())


def test_every_detail_key_has_words():
    from uth.audit.labels import DETAILS
    source = "\n".join(p.read_text(encoding="utf-8") for p in UTH.rglob("*.py"))
    keys = set()
    for block in re.findall(r"detail=\{(.*?)\}\)", source, flags=re.S):
        keys |= set(re.findall(r'"([a-z_]+)":', block))
    for call in re.findall(r"_done\(actor, case, \"[a-z_]+\", now,?(.*?)\)\n", source, flags=re.S):
        keys |= set(re.findall(r"\b([a-z_]+)=", call))
    keys |= {"severity_from", "comment_given", "shown", "anonymous"}
    keys -= {"comment"}  # free text never reaches the trail: only comment_given does
    assert {"reference", "public", "shown", "assignee", "statement_id"} <= keys
    assert sorted(keys - set(DETAILS)) == []


def test_edited_statement_and_message_fields_are_named_in_words(app):
    from uth.audit.labels import detail_items

    detail = {"fields": ["title", "statement:3:answer", "statement:3:question", "message:4"]}
    with app.test_request_context("/audit?lang=da"):
        assert detail_items(detail) == [
            ("felter", "overskrift, svar i udtalelse 3, spørgsmål i udtalelse 3, besked 4 i dialogen med indberetter")]
    with app.test_request_context("/audit?lang=en"):
        words = detail_items(detail)[0][1]
        assert "answer to statement 3" in words and "statement:" not in words and "message:" not in words
