"""National export (SPEC §8, DOMAIN §1.2 § 199): anonymised closed cases as JSON lines, no personal data."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from uth.deadlines.rules import local_date, local_midnight
from uth.extensions import db
from uth.reports.models import Case, CaseStatus
from uth.taxonomy.services import labels

FORMAT_VERSION = 1
TEXT_FIELDS = ("title", "description", "consequence", "prevention", "conclusion", "learning")


def _day(value: datetime | None) -> str | None:
    return local_date(value).isoformat() if value is not None else None


def _org(org) -> dict | None:
    return {"code": org.code, "sector": org.sector} if org is not None else None


def national_record(case: Case, event_labels: dict[str, dict[str, str]]) -> dict:
    """One exported case: classification, dates to the day, organisations by code and sector, anonymised text."""
    transition = None
    if case.transition_type:
        transition = {"type": case.transition_type, "from": _org(case.transition_from_org), "to": _org(case.transition_to_org)}
    return {
        "format_version": FORMAT_VERSION,
        "reference": case.reference,
        "received_on": _day(case.received_at),
        "occurred_on": _day(case.occurred_at),
        "occurred_on_precision": case.occurred_at_precision,
        "closed_on": _day(case.closed_at),
        "event_type": case.event_type,
        "event_type_label": {lang: table.get(case.event_type) for lang, table in event_labels.items()},
        "actual_consequence": case.actual_consequence,
        "possible_consequence": case.possible_consequence,
        "severity": case.severity,
        "ncc_merp": case.ncc_merp,
        "sac": case.sac,
        "handling_org": _org(case.handling_org),
        "event_org": _org(case.effective_org),
        "reporting_org": _org(case.reporting_org),
        "transition": transition,
        "involved_orgs": [{"code": link.org.code, "sector": link.org.sector, "role": link.role} for link in case.involved],
        "cross_sector": case.cross_sector,
        "reporter_kind": case.reporter_kind,
        "statutory": case.statutory,
        **{name: getattr(case, name) for name in TEXT_FIELDS},
    }


def exported_cases(since: date | None = None) -> Select:
    """The cases a national export holds, in any format: closed and anonymised, closed on or after
    `since` (a Copenhagen date), oldest first."""
    query = select(Case).where(Case.status == CaseStatus.CLOSED, Case.anonymised_at.is_not(None))
    if since is not None:
        query = query.where(Case.closed_at >= local_midnight(since))
    return query.order_by(Case.closed_at, Case.id)


def national_records(since: date | None = None) -> Iterator[dict]:
    """Closed, anonymised cases (closed on or after `since`), oldest first."""
    event_labels = {"da": labels("event_types", "da"), "en": labels("event_types", "en")}
    for case in db.session.scalars(exported_cases(since).options(selectinload(Case.involved))):
        yield national_record(case, event_labels)
