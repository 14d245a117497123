"""Every kind of event leaves an audit entry (SPEC §13): create, change, action, export, view, sign-in/out,
and the administration commands."""
from sqlalchemy import select

from tests.anon_cases import close, personal_case, region
from tests.conftest import FIXED_NOW, csrf_token, login, logout
from uth.audit.models import AuditEntry
from uth.extensions import db
from uth.handling.actions import perform


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_case_lifecycle_is_audited(app, client, runner):
    with app.app_context():
        users = region()
        case = personal_case(users["nurse"])
        perform(users["rm"], case, "edit", {"title": "Epikrise ikke sendt"}, now=FIXED_NOW)
        db.session.commit()
        close(users["rm"], case)
        reference = case.reference
    login(client, "rm@h.dk")
    client.post(f"/cases/{reference}/personal-data", data={"purpose": "analyse", "csrf_token": csrf_token(client, f"/cases/{reference}")})
    logout(client)
    runner.invoke(args=["uth", "export-national"])
    actions = _actions(app)
    for expected in ("case.created", "case.edit", "case.assign", "case.classify", "case.close", "case.anonymised",
                     "auth.login", "auth.logout", "export.national"):
        assert expected in actions, expected
    with app.app_context():
        edit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "case.edit")).one()
        assert "Epikrise" not in str(edit.detail)  # the audit names the fields, not their content


def test_administration_commands_are_audited(app, runner, tmp_path):
    orgs = tmp_path / "orgs.csv"
    orgs.write_text("code,name,sector,parent,cluster\nH,Hospital,hospital,,\n", encoding="utf-8")
    assert runner.invoke(args=["uth", "import-orgs", str(orgs)]).exit_code == 0
    assert runner.invoke(args=["uth", "add-user", "a@h.dk", "--name", "A"]).exit_code == 0
    assert runner.invoke(args=["uth", "grant", "a@h.dk", "risk_manager", "H"]).exit_code == 0
    result = runner.invoke(args=["uth", "create-token", "a@h.dk"])
    token = result.output.strip().splitlines()[-1]
    assert _actions(app) == ["orgs.imported", "user.created", "grant.created", "token.created"]
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert all(e.actor_label.startswith("cli:") for e in entries)
        assert token not in str([e.detail for e in entries])
