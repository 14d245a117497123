"""Pages for samlerapportering (SPEC §11): a month form of counts per unit, and month locks."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from uth.clock import utcnow
from uth.errors import Invalid
from uth.extensions import db
from uth.i18n import gettext as _
from uth.learning.batch import (
    FIRST_YEAR,
    MAX_COUNT,
    batch_units,
    counts_for,
    current_month,
    is_locked,
    lock_month,
    lock_units,
    parse_month,
    save_counts,
)
from uth.learning.models import BATCH_KINDS
from uth.taxonomy.services import label

bp = Blueprint("batch", __name__)


def _month(raw: str | None):
    return parse_month(raw) if raw else current_month(utcnow())


def _page(month, *, errors=None, values=None, status=200):
    units = batch_units(current_user)
    if not units:
        abort(404)
    stored = counts_for(units, month)
    rows = [{"org": u, "locked": is_locked(u, month),
             "counts": {k: (values or {}).get(f"count:{u.code}:{k}", stored.get((u.id, k), "")) for k in BATCH_KINDS}}
            for u in units]
    field_labels = {"month": _("Måned"), **{f"{u.code}_{k}": f"{u.name} – {label('batch_types', k)}" for u in units for k in BATCH_KINDS}}
    return render_template("batch/month.html", month=month, rows=rows, kinds=BATCH_KINDS, errors=errors or {},
                           field_labels=field_labels, max_count=MAX_COUNT,
                           first_month=f"{FIRST_YEAR}-01", latest_month=f"{current_month(utcnow()):%Y-%m}",
                           lock_units=[(o, is_locked(o, month)) for o in lock_units(current_user)]), status


@bp.get("/batch")
@login_required
def batch_page():
    """The month form; ?month=YYYY-MM, default the current month (a bad month shows the current one with the error)."""
    try:
        month = _month(request.args.get("month"))
    except Invalid as err:
        return _page(current_month(utcnow()), errors=err.errors, status=422)
    return _page(month)


@bp.post("/batch")
@login_required
def save_batch():
    """Save the month's counts; 409 when the month is locked for a unit."""
    counts = {}
    for name, value in request.form.items():
        parts = name.split(":")
        if len(parts) == 3 and parts[0] == "count":
            counts[(parts[1], parts[2])] = value
    month = None
    try:
        month = _month(request.form.get("month"))
        save_counts(current_user, month, counts, now=utcnow())
    except Invalid as err:
        db.session.rollback()
        return _page(month or current_month(utcnow()), errors=err.errors, values=request.form if month else None, status=422)
    db.session.commit()
    return redirect(url_for("batch.batch_page", month=f"{month:%Y-%m}", saved=1))


@bp.post("/batch/lock")
@login_required
def lock_batch():
    """Lock a month for an organisation's subtree (risk managers)."""
    month = _month(request.form.get("month"))
    lock_month(current_user, request.form.get("org", ""), month, now=utcnow())
    db.session.commit()
    return redirect(url_for("batch.batch_page", month=f"{month:%Y-%m}"))
