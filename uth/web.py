"""What the HTML pages of every feature share: pickers, highlighting, dates and paging in templates."""
from __future__ import annotations

from collections.abc import Mapping

from functools import wraps

from flask import Flask, abort, render_template, request
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import select

from uth.auth.models import Organisation, Role
from uth.auth.orgs import get_org
from uth.clock import LOCAL_TZ
from uth.deadlines.rules import local_date
from uth.extensions import db, read
from uth.fields import IdConverter
from uth.learning.models import SummaryStatus, Visibility
from uth.rca.workflow import ActionStatus, AnalysisStatus
from uth.reports.models import CaseStatus
from uth.reports.places import place_label, staff_label
from uth.routing.services import kept
from uth.taxonomy.services import label, term_label

MAX_PAGE = 10_000
CREDENTIAL_FIELDS = ("csrf_token", "email", "password", "resume")  # never carried on after signing in


def carried_fields() -> list[tuple[str, str]]:
    """The posted form's fields to carry on through signing in again, without the credentials."""
    return [(k, v) for k, v in request.form.items(multi=True) if k not in CREDENTIAL_FIELDS]


SIGN_IN_AGAIN_KINDS = {"reports.new_report": "report", "reports.own_report_reply": "reply"}  # the words; else "form"


def sign_in_again():
    """A form posted after the session ended, kept on a sign-in page (401): signing in offers one
    button that posts it on to where it was sent (SPEC §18, nothing typed is lost). Nothing of it is
    stored on the server meanwhile; the password is never carried."""
    return render_template("auth/sign_in_again.html", carried=carried_fields(), target=request.path,
                           kind=SIGN_IN_AGAIN_KINDS.get(request.endpoint, "form")), 401


def admin_required(view):
    """Admins only; others get 404 (SPEC §1)."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.has_role(Role.ADMIN):
            abort(404)
        return view(*args, **kwargs)

    return wrapper


def org_choices() -> list[Organisation]:
    """Every active organisation for the pickers (a datalist filters hundreds as you type)."""
    return list(db.session.scalars(select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)))


# The filters' datalist names only each organisation's code and name: built once for the process.
_ORG_FILTER_CHOICES = (select(Organisation.code, Organisation.name).where(Organisation.active.is_(True))
                       .order_by(Organisation.name))


def org_filter_choices() -> tuple:
    """Code and name of every active organisation, as rows, for a filter's datalist (`org_filter`):
    kept per process while the routing generation stands (every change to an organisation renews it)."""
    return kept("org_filter_choices", lambda: tuple(read(_ORG_FILTER_CHOICES)))


def highlight(text: str | None, findings) -> Markup:
    """The text with each finding (anything with `start`, `end`, `kind`) wrapped in <mark>, the rest escaped."""
    text = text or ""
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out += [escape(text[pos:f.start]), Markup('<mark title="%s">%s</mark>') % (f.kind, text[f.start:f.end])]
        pos = f.end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def page_arg(args: Mapping[str, str], name: str = "page") -> int:
    """A page number from the query string: 1 unless it is a whole number from 1 to MAX_PAGE."""
    raw = (args.get(name) or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_PAGE else 1


def dkdate(value) -> str:
    """A date (or the Copenhagen date of an instant) as Danes write it: 23-11-2026."""
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = local_date(value)
    return value.strftime("%d-%m-%Y")


def dktime(value) -> str:
    """An instant in Copenhagen time: 23-11-2026 10:00."""
    return value.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M") if value else ""


def org_name(code: str | None) -> str:
    """An organisation's name for its code (a case's history keeps codes); the code when unknown."""
    org = get_org(code)
    return org.name if org else (code or "")


def init_app(app: Flask) -> None:
    """Template globals and filters every page uses (`_`, `ngettext` and the label helpers of
    `uth.i18n` are installed by `uth.i18n.init_app`), and the `<id:…>` URL converter (before any route is added)."""
    app.url_map.converters["id"] = IdConverter
    app.jinja_env.globals.update(tx=label, term_label=term_label, place_label=place_label, staff_label=staff_label,
                                 org_name=org_name)
    # The state machines, so templates compare with their members rather than repeat the strings.
    app.jinja_env.globals.update(CaseStatus=CaseStatus, AnalysisStatus=AnalysisStatus, ActionStatus=ActionStatus,
                                 SummaryStatus=SummaryStatus, Visibility=Visibility)
    app.jinja_env.filters.update(dkdate=dkdate, dktime=dktime)
