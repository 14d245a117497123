"""Organisations by what a reporter types: a code, a name, or a place as the public form shows it
("Medicinsk afdeling, Testhospitalet"). One home for the picker's labels and for reading them back."""
from __future__ import annotations

from sqlalchemy import select

from uth.auth.models import Organisation
from uth.extensions import db

MAX_SUGGESTIONS = 5


def place_label(org: Organisation) -> str:
    """How the public form names a place: the unit and what it belongs to, without codes."""
    parent = org.parent
    return f"{org.name}, {parent.name}" if parent is not None and parent.sector != "region" else org.name


def staff_label(org: Organisation) -> str:
    """How the staff form's picker offers an organisation: its code and its name."""
    return f"{org.code} — {org.name}"


class Places:
    """Every active organisation by code, name and place label (case does not matter); loaded once,
    and only when a typed value is not a code."""

    def __init__(self) -> None:
        self._index: dict[str, list[Organisation]] | None = None
        self._orgs: list[Organisation] = []

    def _load(self) -> dict[str, list[Organisation]]:
        if self._index is None:
            query = select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
            self._orgs = list(db.session.scalars(query))
            self._index = {}
            for org in self._orgs:
                for key in {org.code.casefold(), org.name.casefold(), place_label(org).casefold(),
                            staff_label(org).casefold()}:
                    self._index.setdefault(key, []).append(org)
        return self._index

    def find(self, text: str) -> list[Organisation]:
        """The organisations the text names exactly (a code, a name or a label): one, several or none."""
        text = " ".join(text.split())
        return self._load().get(text.casefold()) or self._load().get(text.split(" — ")[0].casefold(), [])

    def suggest(self, text: str) -> list[Organisation]:
        """A few organisations whose name holds every word of the text."""
        self._load()
        words = text.casefold().replace(",", " ").split()
        hits = [o for o in self._orgs if words and all(w in place_label(o).casefold() for w in words)]
        return hits[:MAX_SUGGESTIONS]
