"""Danish user interface with English available: templates call _("Danish text")."""
from __future__ import annotations

from flask import g, has_request_context, request, session

from uth.i18n_en import EN

LANGUAGES = ("da", "en")


def current_language() -> str:
    """The language of this request: ?lang=, then the session, then Danish (also outside a request:
    commands speak Danish)."""
    if not has_request_context():
        return "da"
    if "lang" in g:
        return g.lang
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    g.lang = session.get("lang", "da") if session.get("lang") in LANGUAGES else "da"
    return g.lang


def gettext(text: str, **values) -> str:
    """The English text when English is chosen and known; Danish otherwise."""
    if current_language() == "en":
        text = EN.get(text, text)
    return text % values if values else text



STATUS_LABELS = {
    "new": ("Ny", "New"),
    "acknowledged": ("Kvitteret", "Acknowledged"),
    "in_progress": ("Under behandling", "In progress"),
    "awaiting_statement": ("Afventer udtalelse", "Awaiting statement"),
    "closed": ("Afsluttet", "Closed"),
    "rejected": ("Afvist", "Rejected"),
}


def status_label(status: str) -> str:
    """A case state in the current language."""
    da, en = STATUS_LABELS.get(status, (status, status))
    return en if current_language() == "en" else da


ACTION_LABELS = {
    "submitted": ("Indberettet", "Reported"),
    "acknowledge": ("Kvitteret for modtagelse", "Acknowledged"),
    "assign": ("Sagsbehandler tildelt", "Handler assigned"),
    "transfer": ("Overført til anden organisation", "Transferred to another organisation"),
    "routed": ("Routet til en organisation", "Routed to an organisation"),
    "classify": ("Klassificeret", "Classified"),
    "request_statement": ("Udtalelse anmodet", "Statement requested"),
    "respond": ("Udtalelse afgivet", "Statement given"),
    "comment": ("Intern note", "Internal note"),
    "edit": ("Tekst rettet", "Text corrected"),
    "reject": ("Afvist", "Rejected"),
    "close": ("Afsluttet", "Closed"),
    "reopen": ("Genåbnet", "Reopened"),
    "message_reporter": ("Besked til indberetter", "Message to the reporter"),
    "reporter_message": ("Besked fra indberetter", "Message from the reporter"),
    "analysis_started": ("Analyse startet", "Analysis started"),
    "analysis_linked": ("Tilføjet til analyse", "Added to an analysis"),
    "analysis_approved": ("Analyse godkendt", "Analysis approved"),
}


def action_label(action: str) -> str:
    """A history entry's action in the current language (other features' entries fall back to gettext)."""
    if action not in ACTION_LABELS:
        return gettext(action)
    da, en = ACTION_LABELS[action]
    return en if current_language() == "en" else da


class LazyText:
    """A message translated when it is shown, for module-level constants (`lazy_gettext`)."""

    def __init__(self, text: str, **values):
        self.text, self.values = text, values

    def __str__(self) -> str:
        return gettext(self.text, **self.values)

    def __html__(self) -> str:
        from markupsafe import escape
        return str(escape(str(self)))

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.text)

    def __add__(self, other):
        return str(self) + str(other)

    def __mod__(self, other):
        return str(self) % other


def lazy_gettext(text: str, **values) -> LazyText:
    """`gettext` deferred until the text is shown (module-level constants)."""
    return LazyText(text, **values)


class Message(str):
    """A message for the user that a service returns (a field error): its value is the Danish text,
    so it compares, joins and serialises as Danish; `str()` and templates show it in the reader's
    language (the Danish text with `%(name)s` placeholders is the message id)."""

    def __new__(cls, text: str, **values):
        obj = super().__new__(cls, text % values if values else text)
        obj.text, obj.values = text, values
        return obj

    def __str__(self) -> str:
        return gettext(self.text, **self.values)

    def __html__(self) -> str:
        from markupsafe import escape
        return str(escape(str(self)))


def message(text: str, **values) -> Message:
    """A user-facing message made in a service, shown in the reader's language where it is shown."""
    return Message(text, **values)


_ = gettext
