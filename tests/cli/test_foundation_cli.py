"""CLI commands of SPEC §15: init, import-orgs, add-user, grant, create-token, demo."""
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from uth.auth.models import Cluster, Organisation
from uth.extensions import db


def invoke(runner, *args, input=None):
    return runner.invoke(args=["uth", *args], input=input)


def test_import_orgs_upserts_and_creates_clusters(runner, app, tmp_path):
    csv = tmp_path / "orgs.csv"
    csv.write_text("code,name,sector,parent,cluster\nK-HJ,Hjemmeplejen,kommune,K,KL9\nK,Kommunen,kommune,,KL9\n", encoding="utf-8")
    result = invoke(runner, "import-orgs", str(csv))
    assert result.exit_code == 0, result.output
    csv.write_text("code,name,sector,parent,cluster\nK,Kommunen Ny,kommune,,\n", encoding="utf-8")
    assert invoke(runner, "import-orgs", str(csv)).exit_code == 0
    with app.app_context():
        orgs = {o.code: o for o in db.session.scalars(select(Organisation))}
        assert orgs["K"].name == "Kommunen Ny" and orgs["K-HJ"].parent.code == "K"
        assert orgs["K-HJ"].path == f"/{orgs['K'].id}/{orgs['K-HJ'].id}/"
        assert db.session.scalars(select(Cluster.name)).all() == ["KL9"]


def test_a_bad_row_rejects_the_whole_file_with_its_line_number(runner, app, tmp_path):
    csv = tmp_path / "orgs.csv"
    csv.write_text("code,name,sector,parent,cluster\nA,Alfa,hospital,,\nB,Beta,spaceship,,\nC,Gamma,kommune,,\n", encoding="utf-8")
    result = invoke(runner, "import-orgs", str(csv))
    assert result.exit_code != 0
    assert "line 3" in result.output and "spaceship" in result.output
    with app.app_context():
        assert db.session.scalars(select(Organisation)).all() == []
    csv.write_text("code,name,sector,parent,cluster\nA,Alfa,hospital,NOPE,\n", encoding="utf-8")
    result = invoke(runner, "import-orgs", str(csv))
    assert result.exit_code != 0 and "line 2" in result.output and "NOPE" in result.output
    csv.write_text("code;name\n", encoding="utf-8")
    assert "line 1" in invoke(runner, "import-orgs", str(csv)).output


def test_users_grants_and_tokens(runner, app, client, tmp_path):
    csv = tmp_path / "orgs.csv"
    csv.write_text("code,name,sector,parent,cluster\nH,Hospital,hospital,,KL1\n", encoding="utf-8")
    invoke(runner, "import-orgs", str(csv))
    assert invoke(runner, "add-user", "ny@h.dk", "--name", "Ny Bruger", "--password-stdin", input="long-enough-pw\n").exit_code == 0
    dup = invoke(runner, "add-user", "NY@h.dk", "--name", "Igen", "--password-stdin", input="long-enough-pw\n")
    assert dup.exit_code != 0 and "findes allerede" in dup.output
    short = invoke(runner, "add-user", "kort@h.dk", "--name", "Kort", "--password-stdin", input="kort\n")
    assert short.exit_code != 0
    assert invoke(runner, "grant", "ny@h.dk", "reporter", "H").exit_code == 0
    assert invoke(runner, "grant", "ny@h.dk", "forum_member", "KL1").exit_code == 0
    assert invoke(runner, "grant", "ny@h.dk", "wizard", "H").exit_code != 0
    assert invoke(runner, "grant", "ny@h.dk", "risk_manager", "NOPE").exit_code != 0
    assert invoke(runner, "grant", "nobody@h.dk", "reporter", "H").exit_code != 0
    result = invoke(runner, "create-token", "ny@h.dk")
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    mine = client.get("/api/v1/reports/mine", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200
    with app.app_context():
        from uth.auth.models import ApiToken
        stored = db.session.scalars(select(ApiToken.token_hash)).one()
        assert token not in stored and len(stored) == 64
        from uth.auth.services import find_user
        assert find_user("ny@h.dk").primary_org.code == "H"


def test_init_is_idempotent_and_demo_loads_a_region(runner, app):
    assert invoke(runner, "demo").exit_code == 0
    result = invoke(runner, "demo")
    assert result.exit_code == 0 and "risiko@auh.demo.uth.dk" in result.output
    with app.app_context():
        from sqlalchemy import func

        from uth.auth.models import Grant
        from uth.reports.models import Case
        assert db.session.scalar(select(func.count()).select_from(Case)) >= 30  # loaded once, not twice
        roles = set(db.session.scalars(select(Grant.role)))
        assert roles == {"admin", "reporter", "risk_manager", "central_risk_manager", "forum_member"}
        assert db.session.scalar(select(func.count()).select_from(Case).where(Case.cross_sector.is_(True))) > 5
        statuses = set(db.session.scalars(select(Case.status)))
        assert {"new", "in_progress", "closed"} <= statuses  # older demo cases have been handled
        # The catch-all rule takes what the tree does not reach (the pharmacies): no case reaches nobody.
        assert db.session.scalar(select(func.count()).select_from(Case).where(Case.handling_org_id.is_(None))) == 0
        # The demo nurse finds her own report with the risk manager's question on *Mine indberetninger*.
        from uth.auth.models import User
        nurse = db.session.scalar(select(User).where(User.email == "sygeplejerske@auh.demo.uth.dk"))
        own = db.session.scalars(select(Case).where(Case.reporter_user_id == nurse.id)).all()
        assert [[m.sender for m in case.messages] for case in own] == [["risk_manager"]]


def test_init_migrates_an_empty_database_and_is_idempotent(tmp_path):
    from uth import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["uth", "init"])
    assert first.exit_code == 0, first.output
    assert "taxonomy loaded" in first.output
    assert runner.invoke(args=["uth", "init"]).exit_code == 0
    with app.app_context():
        from sqlalchemy import func

        from uth.taxonomy.models import TaxonomyTerm
        assert db.session.scalar(select(func.count()).select_from(TaxonomyTerm)) > 100
        db.engine.dispose()


def test_broken_taxonomy_file_names_file_and_line(tmp_path):
    import shutil

    import pytest

    from uth.taxonomy.loader import DEFAULT_DIR, TaxonomyError, read_taxonomy

    copy = tmp_path / "taxonomy"
    shutil.copytree(DEFAULT_DIR, copy)
    (copy / "event_types.csv").write_text("code,parent,label_da,label_en\nfald,,Fald,Falls\nfald.x,nope,X,X\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"event_types.csv:3: unknown parent 'nope'"):
        read_taxonomy(copy)


def test_commands_index_what_they_commit_before_exiting(runner, app):
    app.config["UTH_SEARCH_APPLY"] = "background"
    assert invoke(runner, "demo").exit_code == 0
    with app.app_context():
        from uth.search.indexing import get_backend, pending_count
        assert pending_count() == 0
        assert get_backend().doc_count("case") >= 30


def test_make_runs_setup_succeeds_in_a_fresh_process(tmp_path):
    """`make run`'s first steps as a new machine runs them: `uth init`, then `uth demo`, each a
    process of its own with the default SQLite database. The demo's commit once failed after it had
    written (its first write gate, taken by the search applier inside an after-commit listener, added a
    listener to the list being run), so `make run` stopped before serving."""
    root = Path(__file__).resolve().parents[2]
    env = {key: value for key, value in os.environ.items()
           if key not in ("UTH_DATABASE_URL", "UTH_INDEX_DIR", "UTH_TEST_DATABASE_URL", "UTH_ENV")}
    env["UTH_INSTANCE_DIR"] = str(tmp_path)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "uth"]
    for command in ("init", "demo"):
        done = subprocess.run([*flask, command], cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "sample cases loaded." in done.stdout
