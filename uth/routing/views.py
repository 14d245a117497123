"""Admin pages for routing rules and unrouted cases."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from uth.auth.models import SECTORS
from uth.clock import utcnow
from uth.errors import Invalid
from uth.extensions import db
from uth.fields import parse_id
from uth.i18n import gettext
from uth.reports.forms import org_code
from uth.reports.queries import unrouted_cases
from uth.reports.rerouting import MAX_UNROUTED, preview_rule, route_unrouted
from uth.routing import admin
from uth.routing.models import RoutingRule
from uth.routing.services import stored_rule
from uth.taxonomy.services import terms
from uth.web import admin_required, org_choices

bp = Blueprint("routing", __name__)


def _page(errors=None, values=None, preview=None, offer=None, status=200):
    return render_template(
        "routing/rules.html", rules=admin.ordered_rules(), unrouted=unrouted_cases(MAX_UNROUTED), orgs=org_choices(),
        sectors=SECTORS, event_types=terms("event_types"), errors=errors or {}, values=values or {},
        preview=preview, offer=offer), status


@bp.route("/admin/routing", methods=["GET", "POST"])
@admin_required
def rules_page():
    """Unrouted cases first, then the rules in order, the form to add (or first test) a rule, and,
    after a rule was added or enabled, the offer to route the open unrouted cases it matches."""
    if request.method == "GET":
        offer = None
        rule_id = parse_id(request.args.get("offer"))
        if rule_id is not None:
            rule = db.session.get(RoutingRule, rule_id)
            if rule is not None and rule.active:
                offer = (rule, preview_rule(stored_rule(rule)))
        return _page(offer=offer)
    data = dict(request.form)
    data["target_org"] = org_code(data.get("target_org"))
    data["event_org"] = org_code(data.get("event_org"))
    try:
        if request.form.get("preview"):
            return _page(values=request.form, preview=preview_rule(admin.as_rule(admin.parse_rule(data))))
        rule = admin.add_rule(current_user, data, now=utcnow())
        db.session.commit()
    except Invalid as err:
        return _page(errors=err.errors, values=request.form, status=422)
    flash(gettext("Reglen er tilføjet."))
    return redirect(url_for("routing.rules_page", offer=rule.id) + "#offer")


@bp.post("/admin/routing/<id:rule_id>/reroute")
@admin_required
def reroute(rule_id: int):
    """Route the open unrouted cases that this rule matches (SPEC §24)."""
    routed = route_unrouted(current_user, now=utcnow(), rule_id=rule_id)
    db.session.commit()
    flash(gettext("%(n)s sag(er) routet.", n=len(routed)))
    return redirect(url_for("routing.rules_page"))


@bp.post("/admin/routing/reroute")
@admin_required
def reroute_all():
    """Route every open unrouted case again (after a risk manager was given access), as `uth route-unrouted`."""
    routed = route_unrouted(current_user, now=utcnow())
    db.session.commit()
    flash(gettext("%(n)s sag(er) routet.", n=len(routed)))
    return redirect(url_for("routing.rules_page"))


@bp.post("/admin/routing/<id:rule_id>/<action>")
@admin_required
def rule_action(rule_id: int, action: str):
    """Enable, disable, or move a rule up or down; enabling (or moving) offers the re-routing."""
    now = utcnow()
    if action in ("enable", "disable"):
        admin.set_active(current_user, rule_id, action == "enable", now=now)
    elif action in ("up", "down"):
        admin.move(current_user, rule_id, action, now=now)
    else:
        abort(404)
    db.session.commit()
    if action == "disable":
        return redirect(url_for("routing.rules_page"))
    return redirect(url_for("routing.rules_page", offer=rule_id) + "#offer")
