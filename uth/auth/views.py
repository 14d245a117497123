"""Sign in and out (SPEC §14: /login, /logout), with throttling of failed attempts."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from uth.audit.services import record
from uth.auth.models import Role
from uth.auth.services import check_password, find_user
from uth.clock import utcnow
from uth.extensions import db, limiter
from uth.i18n import gettext as _

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


def home_for(user) -> str:
    """Where a user lands after signing in."""
    if user.has_role(Role.RISK_MANAGER, Role.CENTRAL_RISK_MANAGER):
        return url_for("handling.queue_page")
    if user.has_role(Role.ADMIN):
        return url_for("routing.rules_page")
    return url_for("reports.new_report")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_failure_limit, key_func=_login_key, methods=["POST"], deduct_when=lambda r: r.status_code != 302)
def login():
    """Sign in with e-mail and password."""
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.active and check_password(user, form.password.data):
            login_user(user)
            session.permanent = True
            record(user, "auth.login", now=utcnow())
            db.session.commit()
            target = request.args.get("next")
            if not target or not target.startswith("/") or target.startswith("//"):
                target = home_for(user)
            return redirect(target)
        error = _("Forkert e-mail eller adgangskode")
    status = 200 if request.method == "GET" else (401 if error else 422)
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Sign out and forget the session."""
    if current_user.is_authenticated:
        record(current_user, "auth.logout", now=utcnow())
        db.session.commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.get("/")
def index():
    """The front page: staff go to their work, others see how to report."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("index.html")


@bp.get("/me")
@login_required
def me():
    """Who am I and what may I do."""
    return render_template("auth/me.html")
