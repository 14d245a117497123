"""Similar cases and similar learning (SPEC §20): the search engine's own similarity over the words of
a case's title and narrative, among what the caller may see (scope decided in SQL before ranking)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from uth.auth.models import User
from uth.auth.permissions import has_case_role
from uth.extensions import db
from uth.reports.models import Case
from uth.taxonomy.services import terms

from .indexing import catch_up, get_backend
from .services import EVERY_CASE, SearchFilters, allowed_case_ids, recheck

LIMIT = 10  # SPEC §20: up to 10 other cases
VOTERS = 5  # the suggestion: the event types of the 5 most similar classified cases
MIN_VOTES = 2  # one neighbour alone suggests nothing


def case_text(case: Case) -> str:
    """What "similar" compares: the title (twice, as the index weighs it) and the narrative."""
    return f"{case.title}\n{case.title}\n{case.description or ''}"


def similar_ids(kind: str, text: str, allowed, *, limit: int, exclude: int | None = None) -> list[tuple[int, float]]:
    """(id, score) of the `limit` documents of `kind` most like `text` among `allowed` (a select of
    ids, or EVERY_CASE), best first; `exclude`: the indexed document the text is taken from."""
    catch_up()
    hits = get_backend().similar(text, kind=kind, session=db.session, allowed=None if allowed is EVERY_CASE else allowed,
                                 limit=limit + (exclude is not None), min_df=2 if exclude is not None else 1)
    return [(hit.id, hit.score) for hit in hits if hit.id != exclude][:limit]


def similar_cases(actor: User, case: Case, *, limit: int = LIMIT) -> list[tuple[Case, float]]:
    """Up to `limit` other cases the actor may see, most similar first, with the engine's score."""
    if not has_case_role(actor):
        return []
    allowed = allowed_case_ids(actor, SearchFilters())
    ranked = similar_ids("case", case_text(case), allowed, limit=limit, exclude=case.id)
    rows = {row.id: row for row in db.session.scalars(select(Case).where(Case.id.in_([i for i, _ in ranked]),
                                                                         *recheck(actor, SearchFilters(), allowed)))}
    return [(rows[i], score) for i, score in ranked if i in rows]


@dataclass(frozen=True)
class Suggestion:
    """An event type voted for by the most similar classified cases: `votes` of `of`."""

    code: str
    label_da: str
    label_en: str
    votes: int
    of: int

    def as_json(self) -> dict:
        return {"code": self.code, "label_da": self.label_da, "support": {"votes": self.votes, "of": self.of}}


def vote(neighbours: list[tuple[str, float]]) -> tuple[str, int] | None:
    """The event type most of the neighbours have (ties: the larger summed score), with its votes."""
    if not neighbours:
        return None
    counts: Counter = Counter()
    weight: Counter = Counter()
    for code, score in neighbours:
        counts[code] += 1
        weight[code] += score
    code = max(counts, key=lambda c: (counts[c], weight[c], c))
    return (code, counts[code]) if counts[code] >= MIN_VOTES else None


def suggested_event_type(actor: User, case: Case) -> Suggestion | None:
    """For a case without an event type: the vote of the most similar classified cases the actor may see.

    Ranked in the actor's whole scope (as `similar_cases`), the classified ones picked from the top
    afterwards: restricting the scope to classified cases in SQL meant reading ~90,000 ids for a
    central risk manager at 100,000 cases, several times the cost of the ranking itself."""
    if case.event_type or not has_case_role(actor):
        return None
    allowed = allowed_case_ids(actor, SearchFilters())
    ranked = similar_ids("case", case_text(case), allowed, limit=VOTERS * 4, exclude=case.id)
    types = dict(db.session.execute(select(Case.id, Case.event_type).where(
        Case.id.in_([i for i, _ in ranked]), *recheck(actor, SearchFilters(), allowed))).all())
    neighbours = [(types[i], score) for i, score in ranked if types.get(i)][:VOTERS]
    result = vote(neighbours)
    if result is None:
        return None
    term = {t.code: t for t in terms("event_types")}.get(result[0])
    return Suggestion(term.code, term.label_da, term.label_en, result[1], len(neighbours)) if term else None
