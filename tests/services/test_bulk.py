"""Rows written past the unit of work (uth.bulk) come out as the ORM would have written them."""
from datetime import datetime, timezone

from sqlalchemy import bindparam, select

from uth.bulk import insert_returning_id, insert_rows, run_compiled
from uth.extensions import db
from uth.notifications.models import OutboxMessage, OutboxStatus
from tests.factories import make_org

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def _mail(to: str) -> dict:
    return {"kind": "case_new", "to_address": to, "subject": "s", "body": "b", "created_at": NOW, "next_attempt_at": NOW}


def test_columns_left_out_get_their_own_defaults_each_row_its_own(app):
    with app.app_context():
        insert_rows(db.session(), OutboxMessage.__table__, [_mail("a@x.dk"), _mail("b@x.dk")])
        one = insert_returning_id(db.session(), OutboxMessage.__table__, _mail("c@x.dk"))
        db.session.commit()
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [m.to_address for m in rows] == ["a@x.dk", "b@x.dk", "c@x.dk"] and rows[-1].id == one
        assert len({m.uid for m in rows}) == 3 and all(len(m.uid) == 32 for m in rows)
        assert {(m.status, m.attempts, m.purge_when_done) for m in rows} == {(OutboxStatus.PENDING, 0, False)}
        assert rows[0].created_at.replace(tzinfo=timezone.utc) == NOW


def test_a_compiled_statement_keeps_its_own_literals_beside_the_given_values(app):
    from uth.auth.models import Organisation

    with app.app_context():
        make_org("H", "hospital")
        make_org("K", "kommune")
        db.session.commit()
        query = select(Organisation.code).where(Organisation.sector == "kommune", Organisation.code != bindparam("not_code"))
        assert run_compiled(db.session.connection(), query, {"not_code": "X"}) == ("K",)
        assert run_compiled(db.session.connection(), query, {"not_code": "K"}) is None


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it_and_the_transaction_keeps_what_came_before(app):
    """Rows past the unit of work go through the driver's own cursor (bulk.driver_execute): a broken
    constraint is SQLAlchemy's IntegrityError, as a flush would raise it, and rolling back takes
    every row of the transaction along."""
    import pytest
    from sqlalchemy import func
    from sqlalchemy.exc import IntegrityError

    from uth.reports.models import CaseOrg

    with app.app_context():
        insert_rows(db.session(), OutboxMessage.__table__, [_mail("a@x.dk")])
        with pytest.raises(IntegrityError):
            insert_rows(db.session(), CaseOrg.__table__, [{"case_id": 999_999, "org_id": 999_999, "role": "event"}])
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
