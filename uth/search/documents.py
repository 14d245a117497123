"""Searchable documents derived from database rows (the rows stay the source of truth)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from uth import hooks
from uth.auth.models import Organisation
from uth.reports.models import Case, CaseOrg, Statement
from uth.taxonomy.models import TaxonomyTerm

from .backend import CaseFacets, SearchDoc


@dataclass(frozen=True)
class Source:
    """A kind of document beside cases, registered by its feature (`hooks.SEARCH_SOURCES`).

    `fields`: the row attributes whose change re-indexes it; `to_doc(row, event_labels,
    transition_labels)`: the row as a document; `allowed(actor, filters)`: a select of the ids the
    actor may find (None: none at all)."""

    kind: str
    model: type
    fields: tuple[str, ...]
    to_doc: Callable
    allowed: Callable


def sources() -> list[Source]:
    """The registered document kinds beside cases."""
    return hooks.get(hooks.SEARCH_SOURCES)


def source_of(kind: str) -> Source | None:
    """The registered source of a document kind."""
    return next((s for s in sources() if s.kind == kind), None)


def _labels(session: Session, kind: str) -> dict[str, tuple[str, str | None]]:
    rows = session.execute(select(TaxonomyTerm.code, TaxonomyTerm.label_da, TaxonomyTerm.parent)
                           .where(TaxonomyTerm.kind == kind))
    return {code: (label, parent) for code, label, parent in rows}


def label_path(labels: dict[str, tuple[str, str | None]], code: str | None) -> str:
    """The Danish labels of a taxonomy code and its ancestors ("Medicinering Ordination …")."""
    parts: list[str] = []
    while code and code in labels and len(parts) < 10:
        label, code = labels[code]
        parts.insert(0, label)
    return " ".join(parts)


def _path_ids(path: str | None) -> list[int]:
    return [int(part) for part in (path or "").strip("/").split("/") if part]


def case_facets(case, involved: Iterable[int], paths: dict[int, str]) -> CaseFacets:
    """A case's scope and filter values (`CaseFacets`), by the rules of `visibility.scope_clause`:
    its handling organisation's risk managers and those above (full view), the involved
    organisations' and those above (limited), and for an unrouted case the central risk managers
    over its place (negated ids). `paths`: the organisations' tree paths by id. The migration that
    fills existing documents (0018) computes the same in SQL."""
    place = case.event_org_id or case.reporting_org_id
    scope = set(_path_ids(paths.get(case.handling_org_id)))
    for org_id in involved:
        scope.update(_path_ids(paths.get(org_id)))
    if case.handling_org_id is None:
        scope.update(-i for i in _path_ids(paths.get(place)))
    orgs = set(_path_ids(paths.get(case.handling_org_id))) | set(_path_ids(paths.get(place)))
    return CaseFacets(tuple(sorted(scope)), tuple(sorted(orgs)), case.status, case.severity, case.event_type)


def case_doc(case, answers: Iterable[str], event_labels: dict, transition_labels: dict,
             facets: CaseFacets | None = None) -> SearchDoc:
    """A case (a Case or a row of `_CASE_COLUMNS`) as searchable text: its narrative, handling
    texts, its statements' answers (in their order) and labels; `facets` beside it."""
    fields = {  # the narrative first: snippets come from the start of the text
        "description": case.description, "consequence": case.consequence or "",
        "prevention": case.prevention or "", "conclusion": case.conclusion or "", "learning": case.learning or "",
        "statements": "\n".join(answer for answer in answers if answer),
        "event_type": label_path(event_labels, case.event_type),
        "transition": label_path(transition_labels, case.transition_type), "reference": case.reference,
    }
    return SearchDoc("case", case.id, case.title, fields, case.received_at, facets)


_CASE_COLUMNS = (Case.id, Case.title, Case.description, Case.consequence, Case.prevention, Case.conclusion,
                 Case.learning, Case.event_type, Case.transition_type, Case.reference, Case.received_at,
                 Case.status, Case.severity, Case.handling_org_id, Case.event_org_id, Case.reporting_org_id)


def taxonomy_labels(session: Session) -> tuple[dict, dict]:
    """The event and transition type labels documents carry (read once for a whole rebuild)."""
    return _labels(session, "event_types"), _labels(session, "transition_types")


def build_docs(session: Session, kind: str, ids: Iterable[int],
               labels: tuple[dict, dict] | None = None) -> tuple[list[SearchDoc], set[int]]:
    """(documents of the rows that exist, ids that no longer exist) read from the database."""
    wanted = set(ids)
    events, transitions = labels or taxonomy_labels(session)
    if kind == "case":
        # Plain rows, not Case objects with their statements loaded: a rebuild or an import's
        # backlog reads every case, and the ORM's objects cost more than the rest of reading them.
        answers: dict[int, list[str]] = {}
        for case_id, answer in session.execute(select(Statement.case_id, Statement.answer).where(
                Statement.case_id.in_(wanted), Statement.answer.is_not(None)).order_by(Statement.id)):
            answers.setdefault(case_id, []).append(answer)
        involved: dict[int, list[int]] = {}
        for case_id, org_id in session.execute(select(CaseOrg.case_id, CaseOrg.org_id).where(CaseOrg.case_id.in_(wanted))):
            involved.setdefault(case_id, []).append(org_id)
        rows = session.execute(select(*_CASE_COLUMNS).where(Case.id.in_(wanted))).all()
        org_ids = {row.handling_org_id for row in rows} | {row.event_org_id or row.reporting_org_id for row in rows}
        org_ids |= {org_id for links in involved.values() for org_id in links}
        org_ids.discard(None)
        paths = dict(session.execute(select(Organisation.id, Organisation.path).where(Organisation.id.in_(org_ids))).all())
        docs = [case_doc(row, answers.get(row.id, ()), events, transitions,
                         case_facets(row, involved.get(row.id, ()), paths)) for row in rows]
    elif (source := source_of(kind)) is not None:
        rows = session.scalars(select(source.model).where(source.model.id.in_(wanted)))
        docs = [source.to_doc(row, events, transitions) for row in rows]
    else:
        docs = []
    return docs, wanted - {doc.id for doc in docs}
