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


def shown_label(org: Organisation, *, public: bool) -> str:
    """A place as an error names it: the place label, and for staff its code too."""
    return place_label(org) if public else f"{place_label(org)} ({org.code})"


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

    def candidates(self, text: str) -> tuple[list[Organisation], bool]:
        """The places a text that names no single one may have meant, by label: those it names
        (several share the name: True) or, failing that, the suggestions (False)."""
        found = self.find(text)
        if len(found) > 1:
            return sorted(found, key=place_label), True
        return ([] if found else sorted(self.suggest(text), key=place_label)), False

    def picks(self, text: str, *, public: bool) -> list[tuple[str, str]]:
        """The candidates as (value the picker takes back, what the button says), each value naming
        exactly one place (the public form's labels have no code, so two places of the same label
        cannot be offered there)."""
        value = place_label if public else staff_label
        return [(value(o), shown_label(o, public=public)) for o in self.candidates(text)[0]
                if len(self.find(value(o))) == 1]

    def suggest(self, text: str) -> list[Organisation]:
        """A few organisations whose name holds every word of the text, a word also without its
        definite ending ("hjemmeplejen", "lægen", "apoteket" find Hjemmepleje, Læge…, Apotek); words
        of one or two letters ("på", "i") count only when nothing else was typed."""
        self._load()
        typed = text.casefold().replace(",", " ").split()
        words = [_word_forms(w) for w in typed if len(w) > 2] or [(w,) for w in typed]  # "på", "i": not needed
        hits = [o for o in self._orgs
                if words and all(any(form in place_label(o).casefold() for form in forms) for forms in words)]
        return hits[:MAX_SUGGESTIONS]


# Danish definite endings, longest first: how people name a place ("skadestuen", "hjemmeplejen").
_DEFINITE = ("erne", "ene", "en", "et", "ne", "n", "t")


def _word_forms(word: str) -> tuple[str, ...]:
    """The word, and the word without a definite ending when what is left is a word of 4 letters or more."""
    return (word, *(word[:-len(end)] for end in _DEFINITE if word.endswith(end) and len(word) - len(end) >= 4))
