"""Admin login and logout (Flask-Login), rate limited.

The accounts service decides (``sign_in``: a failed login costs the same whether the
account exists or not, and ten failures on one address lock it, whatever the IP; ``sign_out``: a new session token, so a cookie copied before
the logout no longer works); these views parse the form and redirect.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from app.extensions import limiter
from app.services.accounts import AccountLocked, sign_in, sign_out

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired()])
    remember = BooleanField(_l("Rester connecté"))


def safe_next(target: str | None) -> str:
    """Only same-site paths: ``next`` must never become an open redirect."""
    if not target:
        return url_for("admin.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("admin.dashboard")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    status = 401 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            user = sign_in(form.email.data, form.password.data)
        except AccountLocked as locked:  # even the right password, until the lock ends
            flash(str(locked), "error")
            status = 429
        else:
            if user is not None:
                login_user(user, remember=form.remember.data)
                return redirect(safe_next(request.args.get("next")))
            flash(_("Adresse ou mot de passe incorrect."), "error")
    return render_template("admin/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sign_out(current_user)  # every copy of this session's cookies dies with it
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
