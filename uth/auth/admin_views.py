"""Admin pages for access (issue #15 item 9): find a user, deactivate or reactivate them, withdraw or
give back a grant, revoke an API token. Every change is audited; admins only (404 for others)."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from uth.audit.services import record
from uth.auth.models import ApiToken, Grant, Role, User
from uth.auth.services import grant_scope, revoke_token, set_grant_active, set_user_active, tokens_of
from uth.clock import utcnow
from uth.extensions import db
from uth.i18n import gettext as _
from uth.i18n import lazy_gettext as _l
from uth.web import admin_required

bp = Blueprint("users", __name__)
PER_PAGE = 50
ROLE_LABELS = {
    Role.REPORTER.value: _l("Indberetter"),
    Role.RISK_MANAGER.value: _l("Risikomanager"),
    Role.CENTRAL_RISK_MANAGER.value: _l("Central risikomanager"),
    Role.FORUM_MEMBER.value: _l("Medlem af patientsikkerhedsforum"),
    Role.ADMIN.value: _l("Administrator"),
}


@bp.get("/admin/users")
@admin_required
def users_page():
    """Users by e-mail or name."""
    q = (request.args.get("q") or "").strip()
    query = select(User).order_by(User.email).limit(PER_PAGE)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.email).like(like), func.lower(User.name).like(like)))
    return render_template("auth/users.html", users=list(db.session.scalars(query)), q=q)


@bp.get("/admin/users/<id:user_id>")
@admin_required
def user_page(user_id: int):
    """One user's account, grants and tokens, with the buttons that withdraw them."""
    user = db.session.get(User, user_id) or abort(404)
    return render_template("auth/user.html", user=user, tokens=tokens_of(user), scope=grant_scope,
                           role_label=lambda role: str(ROLE_LABELS.get(role, role)))


def _back(user: User):
    return redirect(url_for("users.user_page", user_id=user.id))


@bp.post("/admin/users/<id:user_id>/<any(deactivate, activate):action>")
@admin_required
def user_action(user_id: int, action: str):
    """Deactivate (sign-in, sessions and tokens stop at once) or reactivate an account."""
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash(_("Du kan ikke deaktivere din egen konto."))
        return _back(user)
    now = utcnow()
    ended = set_user_active(user, action == "activate", now=now)
    detail = {"email": user.email, **({"sessions_ended": ended} if action == "deactivate" else {})}
    record(current_user, f"user.{action}d", now=now, obj=user, detail=detail)
    db.session.commit()
    flash(_("Brugeren er deaktiveret.") if action == "deactivate" else _("Brugeren er aktiveret igen."))
    return _back(user)


@bp.post("/admin/grants/<id:grant_id>/<any(revoke, restore):action>")
@admin_required
def grant_action(grant_id: int, action: str):
    """Withdraw a grant or give it back."""
    grant = db.session.get(Grant, grant_id) or abort(404)
    if grant.user_id == current_user.id and grant.role == Role.ADMIN.value and action == "revoke":
        flash(_("Du kan ikke fjerne din egen administratorrolle."))
        return _back(grant.user)
    set_grant_active(grant, action == "restore")
    record(current_user, "grant.revoked" if action == "revoke" else "grant.restored", now=utcnow(), obj=grant,
           org_id=grant.org_id, detail={"email": grant.user.email, "role": grant.role, "scope": grant_scope(grant)})
    db.session.commit()
    flash(_("Rollen er fjernet.") if action == "revoke" else _("Rollen er givet igen."))
    return _back(grant.user)


@bp.post("/admin/tokens/<id:token_id>/revoke")
@admin_required
def token_revoke(token_id: int):
    """Revoke an API token: it answers 401 from the next request."""
    token = db.session.get(ApiToken, token_id) or abort(404)
    if revoke_token(token, now=utcnow()):
        record(current_user, "token.revoked", now=utcnow(), obj=token.user,
               detail={"email": token.user.email, "prefix": token.prefix})
        db.session.commit()
        flash(_("Nøglen er tilbagekaldt."))
    return _back(token.user)
