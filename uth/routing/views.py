"""Admin pages for routing rules and unrouted cases."""
from __future__ import annotations


from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from uth.auth.models import SECTORS
from uth.clock import utcnow
from uth.errors import Invalid
from uth.extensions import db
from uth.reports.forms import org_code
from uth.reports.queries import unrouted_cases
from uth.routing import admin
from uth.web import admin_required, org_choices

bp = Blueprint("routing", __name__)


@bp.route("/admin/routing", methods=["GET", "POST"])
@admin_required
def rules_page():
    """List rules in order, add a rule, and see unrouted cases."""
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form
        data = dict(request.form)
        data["target_org"] = org_code(data.get("target_org"))
        data["event_org"] = org_code(data.get("event_org"))
        try:
            admin.add_rule(current_user, data, now=utcnow())
            db.session.commit()
            return redirect(url_for("routing.rules_page"))
        except Invalid as err:
            errors = err.errors
    return render_template("routing/rules.html", rules=admin.ordered_rules(), unrouted=unrouted_cases(),
                           orgs=org_choices(), sectors=SECTORS, errors=errors, values=values), (422 if errors else 200)


@bp.post("/admin/routing/<int:rule_id>/<action>")
@admin_required
def rule_action(rule_id: int, action: str):
    """Enable, disable, or move a rule up or down."""
    now = utcnow()
    if action in ("enable", "disable"):
        admin.set_active(current_user, rule_id, action == "enable", now=now)
    elif action in ("up", "down"):
        admin.move(current_user, rule_id, action, now=now)
    else:
        abort(404)
    db.session.commit()
    return redirect(url_for("routing.rules_page"))
