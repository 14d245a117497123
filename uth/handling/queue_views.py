"""The queue page's rows: what each shows, worked out in the view, and the table's rows as HTML."""
from __future__ import annotations

from urllib.parse import quote

from flask import url_for
from markupsafe import Markup, escape

from uth.auth.models import User
from uth.deadlines.rules import age_in_days
from uth.handling.offers import assignees_for, open_statements_for
from uth.i18n import gettext, status_label
from uth.rca.services import queue_marks
from uth.reports.due import next_deadline
from uth.reports.presenters import days_to_close, overdue_names
from uth.reports.queries import QueueUser
from uth.reports.visibility import FULL, LIMITED, scope_key, view_level_in
from uth.taxonomy.services import label
from uth.web import dkdate

URL_SAFE = "!$&'()*+,/:;=@"  # what werkzeug's path converter leaves unquoted in a URL it builds


class QueueRow:
    """What one row of the queue shows (attributes, not a dict: cheaper to read ~30 times a row)."""

    __slots__ = ("age", "case", "days_to_close", "handles", "level", "next", "overdue", "severity", "statement_wanted",
                 "status", "url")

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)


def queue_rows(actor: User, cases, now) -> list[QueueRow]:
    """What each row of the queue shows, worked out here rather than in the template (a page of 50
    rows asked Jinja for ~350 calls): the labels once per status and severity, not once per row."""
    status_texts = {s: status_label(s) for s in {c.status for c in cases}}
    severity_texts = {s: label("severities", s) for s in {c.severity for c in cases}}
    scope = scope_key(actor)  # the actor's grants read once for the page, not once a row
    # Each row's link as url_for builds it, from one url_for (~40 us each: 2 ms a page).
    case_url = url_for("handling.case_page", reference="-")[:-1]
    rows = []
    for c in cases:
        level = view_level_in(scope, c)
        due = next_deadline(c)
        rows.append(QueueRow(
            case=c, level=level, handles=level == FULL,  # can_handle, without asking again
            url=case_url + quote(c.reference, safe=URL_SAFE),
            status=status_texts[c.status], severity=severity_texts[c.severity],
            next=(dkdate(due[1]), due[0].split(":")[0]) if due else None,
            days_to_close=days_to_close(c, now), age=age_in_days(c.received_at, now),
            overdue=overdue_names(c, now),
            statement_wanted=bool(c.statements) and bool(open_statements_for(actor, c)),  # most have none
        ))
    return rows


def rows_html(actor: User, rows: list[QueueRow], today) -> Markup:
    """The table's rows, each as one string with its values escaped: Jinja spent ~60 us a row (60
    pieces of output and ~30 escapes, each passed up through the layout's blocks), most of the
    page's template time. The texts every row repeats are translated and escaped once for the page."""
    needs_analysis, overdue_actions = queue_marks(scope_key(actor), [r.case for r in rows], today)
    pick, involved, statement_wanted, cross_sector = (escape(t) for t in (
        gettext("Vælg"), gettext("involveret"), gettext("Udtalelse ønsket"), gettext("Tværsektoriel")))
    l_status, l_severity, l_assignee, l_handled_by, l_next, l_days, l_age = (escape(t) for t in (
        gettext("Status"), gettext("Alvorlighed"), gettext("Sagsbehandler"), gettext("Håndteres af"),
        gettext("Næste frist"), gettext("Dage til afslutning"), gettext("Sagsalder")))
    unrouted, overdue_mark = escape(gettext("Ikke routet")), escape(gettext("Overskredet"))
    deadline_words = {"acknowledge_by": escape(gettext("kvittering")), "close_by": escape(gettext("afslutning")),
                      "respond_by": escape(gettext("udtalelse"))}
    analyse = f' <span class="tag needs-analysis">{escape(gettext("Bør analyseres"))}</span>'
    actions_late = f' <strong class="overdue-mark overdue-actions">{escape(gettext("Tiltag overskredet"))}</strong>'
    out = []
    for r in rows:
        c = r.case
        ref = escape(c.reference)
        marks = ""
        if c.id in needs_analysis or c.id in overdue_actions:
            marks = (analyse if c.id in needs_analysis else "") + "\n" + (actions_late if c.id in overdue_actions else "")
        out.append(
            f'\n      <tr class="{"overdue" if r.overdue else ""}{" unrouted" if c.handling_org_id is None else ""}">'
            f'\n        <td class="pick">'
            + (f'<label class="tap"><input type="checkbox" name="case" value="{ref}"><span class="visually-hidden">'
               f'{pick} {ref}</span></label>' if r.handles else "")
            + f'</td>\n        <td class="ref"><a href="{escape(r.url)}">{ref}</a>'
            + (f' <span class="tag">{involved}</span>' if r.level == LIMITED else "")
            + (f' <strong class="tag statement-wanted">{statement_wanted}</strong>' if r.statement_wanted else "")
            + f'</td>\n        <td class="title">{escape(c.title)}'
            + (f' <span class="tag">{cross_sector}</span>' if c.cross_sector else "")
            + f'{marks}</td>'
            f'\n        <td class="status-{escape(c.status)}" data-label="{l_status}">{escape(r.status)}</td>'
            f'\n        <td class="sev-{escape(c.severity)}" data-label="{l_severity}">{escape(r.severity)}</td>'
            f'\n        <td class="assignee" data-label="{l_assignee}">'
            f'{escape(c.assignee.name) if c.assignee else "–"}</td>'
            f'\n        <td data-label="{l_handled_by}">{escape(c.handling_org.name) if c.handling_org else unrouted}</td>'
            f'\n        <td data-label="{l_next}">'
            + (f'{escape(r.next[0])} <small>({deadline_words[r.next[1]]})</small>' if r.next else "")
            + '\n            ' + (f'<strong class="overdue-mark">{overdue_mark}</strong>' if r.overdue else "")
            + f'</td>\n        <td data-label="{l_days}">{"" if r.days_to_close is None else r.days_to_close}</td>'
            f'\n        <td data-label="{l_age}">{r.age}</td>\n      </tr>\n    ')
    return Markup("".join(out))


def bulk_assignees(cases) -> list[QueueUser]:
    """Who the bulk form offers: the risk managers who may handle the shown cases (who may is
    decided by the handling organisation: one case of each)."""
    by_org = {c.handling_org_id: c for c in cases if c.handling_org_id}
    return sorted(assignees_for(list(by_org.values())), key=lambda u: u.name)
