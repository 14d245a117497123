"""Searchable documents derived from database rows (the rows stay the source of truth)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from uth.reports.models import Case
from uth.taxonomy.models import TaxonomyTerm

from .backend import SearchDoc

try:  # the learning feature may be absent; index its summaries when it is there
    from uth.learning.models import LearningSummary
except ImportError:  # pragma: no cover - depends on which features are installed
    LearningSummary = None


def _labels(session: Session, kind: str) -> dict[str, tuple[str, str | None]]:
    rows = session.execute(select(TaxonomyTerm.code, TaxonomyTerm.label_da, TaxonomyTerm.parent)
                           .where(TaxonomyTerm.kind == kind))
    return {code: (label, parent) for code, label, parent in rows}


def _label_path(labels: dict[str, tuple[str, str | None]], code: str | None) -> str:
    """The Danish labels of a taxonomy code and its ancestors ("Medicinering Ordination …")."""
    parts: list[str] = []
    while code and code in labels and len(parts) < 10:
        label, code = labels[code]
        parts.insert(0, label)
    return " ".join(parts)


def case_doc(case: Case, event_labels: dict, transition_labels: dict) -> SearchDoc:
    """A case as searchable text: its narrative, handling texts, statement answers and labels."""
    answers = "\n".join(st.answer for st in case.statements if st.answer)
    fields = {  # the narrative first: snippets come from the start of the text
        "description": case.description, "consequence": case.consequence or "",
        "prevention": case.prevention or "", "conclusion": case.conclusion or "", "learning": case.learning or "",
        "statements": answers, "event_type": _label_path(event_labels, case.event_type),
        "transition": _label_path(transition_labels, case.transition_type), "reference": case.reference,
    }
    return SearchDoc("case", case.id, case.title, fields, case.received_at)


def learning_doc(summary, event_labels: dict, transition_labels: dict) -> SearchDoc:
    """A learning summary as searchable text (its visibility is decided in SQL at search time)."""
    fields = {
        "summary": summary.summary, "learning_points": summary.learning_points or "",
        "recommendations": summary.recommendations or "",
        "event_type": _label_path(event_labels, summary.event_type),
        "transition": _label_path(transition_labels, summary.transition_type),
    }
    return SearchDoc("learning", summary.id, summary.title, fields, summary.published_at or summary.created_at)


def build_docs(session: Session, kind: str, ids: Iterable[int]) -> tuple[list[SearchDoc], set[int]]:
    """(documents of the rows that exist, ids that no longer exist) read from the database."""
    wanted = set(ids)
    events, transitions = _labels(session, "event_types"), _labels(session, "transition_types")
    if kind == "case":
        rows = session.scalars(select(Case).where(Case.id.in_(wanted)).options(selectinload(Case.statements)))
        docs = [case_doc(row, events, transitions) for row in rows]
    elif kind == "learning" and LearningSummary is not None:
        rows = session.scalars(select(LearningSummary).where(LearningSummary.id.in_(wanted)))
        docs = [learning_doc(row, events, transitions) for row in rows]
    else:
        docs = []
    return docs, wanted - {doc.id for doc in docs}
