"""The search engine interface: documents in, visible ids with snippets out."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from sqlalchemy.sql.expression import SelectBase
from sqlalchemy.orm import Session

KINDS = ("case", "learning")
Order = Literal["relevance", "date"]
MAX_LIMIT = 200


class QuerySyntaxError(ValueError):
    """A search the user typed that cannot be run; the message is shown to the user (422)."""


# Fields of a SearchDoc that are searched but never quoted in an excerpt (taxonomy labels, reference).
SEARCH_ONLY_FIELDS = frozenset({"event_type", "transition", "reference"})


@dataclass(frozen=True)
class CaseFacets:
    """What a case search narrows by, kept beside a case's text (`documents.case_facets`).

    `scope_org_ids`: the organisations whose risk managers may see the case (the handling one, the
    involved ones, each with its ancestors), and, negated, an unrouted case's place with its
    ancestors (central risk managers'). `org_ids`: the handling and the event's (else the
    reporter's) organisation with their ancestors (the org filter: handled or happened there)."""

    scope_org_ids: tuple[int, ...] = ()
    org_ids: tuple[int, ...] = ()
    status: str | None = None
    severity: str | None = None
    event_type: str | None = None


@dataclass(frozen=True)
class FacetFilter:
    """A case search narrowed by the documents' facets, for a backend that keeps them
    (`filters_facets`): the engine narrows inside the text search. Every part given must hold.
    The caller re-checks the page's rows against the cases (a document may lag its case)."""

    scope: tuple[int, ...] | None = None  # scope_org_ids shares one of these (None: every case)
    statuses: tuple[str, ...] | None = None
    severities: tuple[str, ...] | None = None
    event_type: str | None = None  # this code or one below it ("fald" and "fald.seng")
    org_id: int | None = None  # in org_ids
    received_from: datetime | None = None  # inclusive
    received_before: datetime | None = None  # exclusive


@dataclass(frozen=True)
class SearchDoc:
    """One searchable text derived from a database row; the row stays the source of truth."""

    kind: str
    id: int
    title: str
    fields: dict[str, str] = field(default_factory=dict)
    received_at: datetime | None = None
    facets: CaseFacets | None = None  # cases only

    @property
    def body(self) -> str:
        """All named text parts as one text, in the order given: what is searched."""
        return "\n".join(value for value in self.fields.values() if value)

    @property
    def excerpt_text(self) -> str:
        """What a result's excerpt is cut from: the body without its labels and reference, which
        are searched too but read as noise beside the matched words."""
        return "\n".join(value for name, value in self.fields.items() if value and name not in SEARCH_ONLY_FIELDS)


@dataclass(frozen=True)
class Hit:
    """A matching document: the caller re-reads the row by id; snippet is HTML-safe."""

    kind: str
    id: int
    score: float
    snippet: str


class Total(int):
    """A number of matches; `exact` False when the engine stopped counting at a bound: there are
    more than this many (shown as "more than N", never as N)."""

    exact: bool

    def __new__(cls, value: int, exact: bool = True) -> "Total":
        total = super().__new__(cls, value)
        total.exact = exact
        return total

    def __str__(self) -> str:  # a number on the page, as any int
        return int.__repr__(self)

    def __repr__(self) -> str:
        return f"Total({int(self)}{'' if self.exact else ', exact=False'})"


@dataclass(frozen=True)
class SearchPage:
    """One page of hits and the total over everything the searcher may see (an int, or a
    `Total` that may say it is only a lower bound)."""

    total: int
    hits: list[Hit]


@runtime_checkable
class SearchBackend(Protocol):
    """A swappable full-text engine; visibility is decided in SQL by the caller (`allowed`).

    `transactional` says whether `index`/`delete` can join the caller's database transaction
    (PostgreSQL: pass `session=`), which makes the index update crash-safe without an outbox.
    Otherwise (whoosh) index after commit and keep pending updates in an outbox.
    """

    name: str
    transactional: bool
    probes_allowed: bool  # True: `allowed` is run as a subquery testing each candidate; False: read whole
    filters_facets: bool  # True: `allowed` may be a FacetFilter (documents keep their CaseFacets)

    def index(self, docs: Iterable[SearchDoc]) -> None:
        """Insert or replace documents (by kind and id)."""
        ...

    def delete(self, keys: Iterable[tuple[str, int]]) -> None:
        """Remove documents by (kind, id); unknown keys are ignored."""
        ...

    def bulk(self) -> AbstractContextManager[Callable[[Iterable[SearchDoc]], None]]:
        """For a new, empty index (`build_aside`): a context giving `add(docs)`, called per batch,
        written in bulk (the documents are new: no older versions to replace)."""
        ...

    def build_aside(self, session: Session) -> AbstractContextManager["SearchBackend"]:
        """A new, empty index beside the live one, as a backend of its own (`bulk`, then `index`
        and `delete`), swapped in when the block ends; a failure discards it and leaves the live
        one. Searches read the live index until the swap. Transactional backends swap in
        `session`'s transaction (the caller commits); the others at once."""
        ...

    def search(
        self,
        query: str,
        *,
        kind: str,
        session: Session,
        allowed: SelectBase | None,
        order: Order = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> SearchPage:
        """Hits among the ids `allowed` yields (None: no restriction; a FacetFilter where the
        backend `filters_facets`), counted after scoping."""
        ...

    def similar(self, text: str, *, kind: str, session: Session, allowed: SelectBase | None,
                limit: int = 10, min_df: int = 1) -> list[Hit]:
        """The documents most like `text` by the engine's own similarity, best first, among `allowed`
        (SPEC §20). `min_df=2` when `text` is an indexed document's own: a word only it has finds nothing."""
        ...

    def clear(self) -> None:
        """Remove every document of every kind from the live index."""
        ...

    def optimize(self) -> None:
        """Merge/vacuum so that deleted text is gone from disk, not only hidden."""
        ...

    def doc_count(self, kind: str) -> int:
        """Number of live documents of a kind."""
        ...


def check_search_args(kind: str, order: str, offset: int, limit: int) -> None:
    """Reject programming errors early, the same way in every backend."""
    check_kind(kind)
    if order not in ("relevance", "date"):
        raise ValueError(f"unknown order {order!r}")
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"bad paging offset={offset} limit={limit}")


def check_kind(kind: str) -> None:
    """Only the document kinds the app knows."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
