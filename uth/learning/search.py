"""Learning summaries as a search document kind (registered with search by `learning.init_app`)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select

from uth.auth.models import User
from uth.deadlines.rules import local_midnight
from uth.learning.models import LearningSummary
from uth.learning.services import published_summaries
from uth.search.backend import SearchDoc
from uth.search.documents import Source, label_path
from uth.taxonomy.services import under

# A change to these re-indexes a summary.
FIELDS = ("title", "summary", "learning_points", "recommendations", "event_type", "transition_type", "published_at")


def learning_doc(summary: LearningSummary, event_labels: dict, transition_labels: dict) -> SearchDoc:
    """A learning summary as searchable text (its visibility is decided in SQL at search time)."""
    fields = {
        "summary": summary.summary, "learning_points": summary.learning_points or "",
        "recommendations": summary.recommendations or "",
        "event_type": label_path(event_labels, summary.event_type),
        "transition": label_path(transition_labels, summary.transition_type),
    }
    return SearchDoc("learning", summary.id, summary.title, fields, summary.published_at or summary.created_at)


def allowed_learning_ids(actor: User, filters) -> Select:
    """Ids of the published summaries the actor may read (their forums' and national ones), narrowed
    by the search filters that apply to summaries (event type, dates as publication dates)."""
    query = published_summaries(actor).with_only_columns(LearningSummary.id)
    if filters.event_type:
        query = query.where(under(LearningSummary.event_type, filters.event_type))
    if filters.received_from:
        query = query.where(LearningSummary.published_at >= local_midnight(filters.received_from))
    if filters.received_to:
        query = query.where(LearningSummary.published_at < local_midnight(filters.received_to + timedelta(days=1)))
    return query


SOURCE = Source(kind="learning", model=LearningSummary, fields=FIELDS, to_doc=learning_doc, allowed=allowed_learning_ids)
