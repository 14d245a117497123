"""Sign in and out (SPEC §14: /login, /logout), with throttling of failed attempts."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_limiter.util import get_remote_address
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from uth.audit.services import record
from uth.auth.models import Role
from uth.auth.services import check_password, end_session, find_user, start_session
from uth.clock import utcnow
from uth.extensions import db, limiter
from uth.i18n import gettext as _
from uth.web import carried_fields

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """E-mail and password; CSRF from FlaskForm."""

    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Adgangskode", validators=[DataRequired()])


def _login_key() -> str:
    """Failures count per address and e-mail, so one user's typos do not lock out a ward."""
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()}"


def _failure_limit() -> str:
    return current_app.config["UTH_LOGIN_FAILURE_LIMIT"]


def _address_limit() -> str:
    """Failures from one address over every e-mail: one password tried against many accounts."""
    return current_app.config["UTH_LOGIN_ADDRESS_LIMIT"]


def _failed(response) -> bool:
    return response.status_code != 302


SESSION_TOKEN = "uth_session"  # the key of the server-side session's token in the signed cookie


def safe_next(target: str | None) -> str | None:
    """A `next` to go to after sign-in: a path on this site, or None. Browsers drop tabs and line
    breaks from a URL (`/\t/evil.example/` becomes `//evil.example/`) and read a backslash as a
    slash, so a target holding any of them is refused (400) rather than followed; a target that
    names another site is ignored."""
    if not target:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        abort(400, description=_("Ugyldig adresse at vende tilbage til efter login"))
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target


def resumes(target: str | None) -> bool:
    """Whether a carried form may be posted on to `target`: a path on this site where a form is
    posted, outside signing in and out."""
    if not target:
        return False
    try:
        endpoint, _args = current_app.url_map.bind("localhost").match(target, method="POST")
    except HTTPException:
        return False
    return not endpoint.startswith("auth.")


def home_for(user) -> str:
    """Where a user lands after signing in."""
    if user.has_role(Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER):
        return url_for("handling.queue_page")
    if user.has_role(Role.ADMIN):
        return url_for("routing.rules_page")
    if user.has_role(Role.FORUM_MEMBER):
        return url_for("learning.forum_page")
    return url_for("reports.new_report")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_failure_limit, key_func=_login_key, methods=["POST"], deduct_when=_failed)
@limiter.limit(_address_limit, key_func=get_remote_address, methods=["POST"], deduct_when=_failed)
def login():
    """Sign in with e-mail and password; starts a server-side session that sign-out ends."""
    target = safe_next(request.args.get("next"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if check_password(user, form.password.data):  # Argon2 runs for unknown e-mails too
            now = utcnow()
            login_user(user)
            session.permanent = True
            session[SESSION_TOKEN] = start_session(user, now=now, lifetime=current_app.permanent_session_lifetime)
            record(user, "auth.login", now=now)
            db.session.commit()
            kind = request.form.get("resume")
            if kind and resumes(target):
                # a sign-in-again page carries a report or a message typed before the session ended:
                # one button sends it on (SPEC §18, nothing typed is lost); the password stays here
                carried = carried_fields()
                return render_template("auth/continue.html", target=target, carried=carried, kind=kind)
            return redirect(target or home_for(user))
        error = _("Forkert e-mail eller adgangskode")
    status = 200 if request.method == "GET" else (401 if error else 422)
    return render_template("auth/login.html", form=form, error=error), status


@bp.get("/logout")
def logout_page():
    """Sign-out is a POST (a link on another site must not sign anyone out): this page offers the button."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html")


@bp.post("/logout")
def logout():
    """Sign out: the server-side session ends, so a copy of the cookie signs no one in."""
    if current_user.is_authenticated:
        now = utcnow()
        end_session(session.get(SESSION_TOKEN), now=now)
        record(current_user, "auth.logout", now=now)
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/")
def index():
    """The front page: staff go to their work, others see how to report."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("index.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their own (on JSON and file responses too): the one icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/me")
@login_required
def me():
    """Who am I and what may I do."""
    return render_template("auth/me.html")
