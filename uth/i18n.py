"""Danish user interface with English available, through Flask-Babel.

Danish is the source language: every message id is the Danish text (what the users, the SPEC and the
outside tests speak), and the one catalog is the English translation,
`uth/translations/en/LC_MESSAGES/messages.po`. Danish pages need no catalog; a Danish text without
English would show in Danish on the English page, and `tests/unit/test_translations.py` fails on it.

Adding a text: wrap it where it is shown, `_("Dansk tekst")` / `_("Sag %(ref)s", ref=...)` in code or
templates, `ngettext` for counts, `lazy_gettext` for module-level constants, `N_` for a Danish text kept
as data and translated where it is shown (a message in `Invalid.errors` shown with `{{ _(m) }}`, a
label in a table of codes: `code_label`). Then `make messages` (extracts, adds the id with an empty
msgstr), and write the English in the msgstr (or `scripts/po-fill FILE.json` with {"Dansk": "English"}).
On a merge conflict in messages.po take main's file, run `make messages`, re-add your msgstr.
The catalog is compiled to its `.mo` when the app starts, if the `.mo` is missing or older.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import flask_babel
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel
from flask_babel.speaklater import LazyString
from markupsafe import escape

LANGUAGES = ("da", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"

log = logging.getLogger(__name__)
babel = Babel(configure_jinja=False)


LANGUAGE_COOKIE = "uth_lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def current_language() -> str:
    """The language of this request: ?lang=, then the language cookie, then Danish (also Danish
    outside a request). The choice lives in a cookie of its own, not in the session: a reporter whose
    session cookie is gone (an expired form, signing out) still reads the next page in their language."""
    if not has_request_context():
        return "da"
    if "lang" in g:
        return g.lang
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        g.lang_chosen = lang
    else:
        lang = request.cookies.get(LANGUAGE_COOKIE)
    g.lang = lang if lang in LANGUAGES else "da"
    return g.lang


def gettext(text: str, **values) -> str:
    """The text in the current language (the Danish text when no English is in the catalog)."""
    if not text:  # gettext("") would answer the catalog's header
        return text
    if current_language() == "da":  # the message ids are the Danish texts: there is no catalog to read
        return text % values if values else text
    translated = _translations().ugettext(text)
    return translated % values if values else translated


def _translations():
    """This request's catalog, looked up once (Flask-Babel finds it again on every call: a page of the
    queue asks for ~700 texts)."""
    if "uth_translations" not in g:
        g.uth_translations = flask_babel.get_translations()
    return g.uth_translations


def ngettext(singular: str, plural: str, num: int, **values) -> str:
    """`gettext` for a count: `num` is also available to the text as %(num)s."""
    return flask_babel.ngettext(singular, plural, num, **values)


class LazyText(LazyString):
    """A message translated when it is shown; escaped in templates like any other text."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(text: str, **values) -> LazyText:
    """`gettext` deferred until the text is shown (module-level constants)."""
    return LazyText(gettext, text, **values)


def N_(text: str) -> str:  # noqa: N802 (the usual name, and one of Babel's extraction keywords)
    """Marks a Danish text for the catalog without translating it: it is kept as data (an error
    message, a label in a table) and translated with `_()` where it is shown."""
    return text


_ = gettext


class Message(str):
    """A message for the user that a service returns (a field error): its value is the Danish text,
    so it compares, joins and serialises as Danish (the API answers in Danish); `str()` and templates
    show it in the reader's language (the Danish text with `%(name)s` placeholders is the message id)."""

    def __new__(cls, text: str, **values):
        obj = super().__new__(cls, text % values if values else text)
        obj.text, obj.values = text, values
        return obj

    def __str__(self) -> str:
        return gettext(self.text, **self.values)

    def __html__(self) -> str:
        return str(escape(str(self)))


def message(text: str, **values) -> Message:
    """A user-facing message made in a service, shown in the reader's language where it is shown
    (an extraction keyword like `_`)."""
    return Message(text, **values)


def code_label(labels: Mapping[str, str], code: str | None) -> str:
    """A code's label from a table of Danish labels (marked with N_) in the current language; the
    code itself when the table does not know it."""
    if not code:
        return ""
    return gettext(labels[code]) if code in labels else code


CASE_STATUS_LABELS = {
    "new": N_("Ny"),
    "acknowledged": N_("Kvitteret"),
    "in_progress": N_("Under behandling"),
    "awaiting_statement": N_("Afventer udtalelse"),
    "closed": N_("Afsluttet"),
    "rejected": N_("Afvist"),
}


def status_label(status: str) -> str:
    """A case state in the current language."""
    return code_label(CASE_STATUS_LABELS, status)


ACTION_LABELS = {
    "submitted": N_("Indberettet"),
    "acknowledge": N_("Kvitteret for modtagelse"),
    "assign": N_("Sagsbehandler tildelt"),
    "transfer": N_("Overført til anden organisation"),
    "routed": N_("Routet til en organisation"),
    "classify": N_("Klassificeret"),
    "request_statement": N_("Udtalelse anmodet"),
    "respond": N_("Udtalelse afgivet"),
    "withdraw_statement": N_("Anmodning om udtalelse trukket tilbage"),
    "remind_statement": N_("Påmindelse om udtalelse sendt"),
    "comment": N_("Intern note"),
    "edit": N_("Tekst rettet"),
    "reject": N_("Afvist"),
    "close": N_("Afsluttet"),
    "reopen": N_("Genåbnet"),
    "message_reporter": N_("Besked til indberetter"),
    "reporter_message": N_("Besked fra indberetter"),
    "analysis_started": N_("Analyse startet"),
    "analysis_linked": N_("Tilføjet til analyse"),
    "analysis_approved": N_("Analyse godkendt"),
    "analysis_declined": N_("Analyse sendt tilbage til kladde"),
}


def action_label(action: str) -> str:
    """A history entry's action in the current language (other features' entries hold their Danish text)."""
    return gettext(ACTION_LABELS.get(action, action))


def language_switch_url(lang: str) -> str:
    """This page in another language: the query kept (a search, the queue's filters), `lang` replaced."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", lang)]
    return "?" + urlencode(args)


def _read_language() -> None:
    if "lang" in request.args:
        current_language()


def _remember_language(response):
    """A language chosen with ?lang= is kept in its cookie for a year, even when the answer is a
    redirect (a signed-in user's front page, an action's redirect)."""
    chosen = g.get("lang_chosen")
    if chosen and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=LANGUAGE_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def init_app(app: Flask) -> None:
    """Flask-Babel with today's language rule, the compiled catalog, and `_` / `ngettext` in templates."""
    from uth.translations.catalog import compile_catalogs

    try:
        compile_catalogs()
    except OSError as exc:  # a read-only install without a compiled catalog: pages fall back to Danish
        log.warning("cannot compile the translations: %s", exc)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "da")
    babel.init_app(app, locale_selector=current_language, default_translation_directories=str(TRANSLATIONS),
                   default_domain=DOMAIN)
    app.before_request(_read_language)
    app.after_request(_remember_language)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Plain functions, not Jinja's "newstyle" ones: the result is an ordinary string that autoescape
    # escapes, as every other text on the page (newstyle would mark the translation itself as safe).
    app.jinja_env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=False)
    app.jinja_env.globals.update(_=gettext, current_language=current_language, status_label=status_label,
                                 action_label=action_label, language_switch_url=language_switch_url)
