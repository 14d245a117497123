"""Cases as R5 AdverseEvents (SPEC §22): one case for the API, every exported case for the national export."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import Row, select

from uth.anonymisation.export import exported_cases
from uth.auth.models import Organisation
from uth.extensions import db
from uth.fhir.mapping import EventFacts, adverse_event
from uth.rca.services import approved_contributing_factors
from uth.reports.models import Case
from uth.taxonomy.services import labels

EXPORT_BATCH = 1000
# What event_facts reads of a case, by the same names.
EXPORT_COLUMNS = (Case.id, Case.reference, Case.status, Case.received_at, Case.occurred_at, Case.title, Case.description,
                  Case.actual_consequence, Case.possible_consequence, Case.severity, Case.event_type,
                  Case.event_org_id, Case.reporting_org_id)


def event_facts(case: Case | Row, *, event_org: str | None, reporting_org: str | None, factor_codes: Iterable[str],
                labels_of: dict[str, dict[str, str]]) -> EventFacts:
    """What the AdverseEvent of a case carries; the event organisation falls back to the reporting one (SPEC §3)."""
    return EventFacts(
        reference=case.reference, status=case.status, received_at=case.received_at, occurred_at=case.occurred_at,
        title=case.title, description=case.description, actual_consequence=case.actual_consequence,
        possible_consequence=case.possible_consequence, severity=case.severity, event_type=case.event_type,
        event_type_label=labels_of["event_types"].get(case.event_type) if case.event_type else None,
        severity_label=labels_of["severities"].get(case.severity),
        event_org=event_org or reporting_org, reporting_org=reporting_org,
        contributing_factors=tuple((c, labels_of["contributing_factors"].get(c, c)) for c in dict.fromkeys(factor_codes)),
    )


def taxonomy_labels() -> dict[str, dict[str, str]]:
    """The Danish labels the resource shows beside its codes (the codes are what a system reads)."""
    return {kind: labels(kind) for kind in ("event_types", "severities", "contributing_factors")}


def _code(org: Organisation | None) -> str | None:
    return org.code if org is not None else None


def case_resource(case: Case) -> dict:
    """The AdverseEvent of one case, as the API serves it."""
    return adverse_event(event_facts(
        case, event_org=_code(case.event_org), reporting_org=_code(case.reporting_org),
        factor_codes=approved_contributing_factors([case.id]).get(case.id, []),
        labels_of=taxonomy_labels()))


def national_resources(since: date | None = None) -> Iterator[dict]:
    """One AdverseEvent per case of the national export (closed, anonymised), oldest first; only the
    columns the resource needs are read, in batches, so 100,000 cases never sit in memory at once."""
    org_codes = dict(db.session.execute(select(Organisation.id, Organisation.code)).all())
    labels_of = taxonomy_labels()
    query = exported_cases(since)
    factors = approved_contributing_factors(query.with_only_columns(Case.id).order_by(None))
    rows = db.session.execute(query.with_only_columns(*EXPORT_COLUMNS).execution_options(yield_per=EXPORT_BATCH))
    for row in rows:
        yield adverse_event(event_facts(
            row, event_org=org_codes.get(row.event_org_id), reporting_org=org_codes.get(row.reporting_org_id),
            factor_codes=factors.get(row.id, ()), labels_of=labels_of))
