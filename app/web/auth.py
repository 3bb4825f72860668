"""Admin login and logout (Flask-Login), rate limited.

A failed login costs the same whether the account exists or not: an unknown (or
deactivated) address is checked against a dummy hash of the same kind. Logout
changes the user's session token, so a cookie copied before it no longer works.
"""
from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from app.extensions import db, limiter
from app.models import User, utcnow

bp = Blueprint("auth", __name__)
# Made once with the same method and cost as real hashes, so checking it takes as long.
DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


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
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            check_password_hash(DUMMY_HASH, form.password.data)  # same time as a real check
        elif user.check_password(form.password.data) and user.active:
            login_user(user, remember=form.remember.data)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        flash(_("Adresse ou mot de passe incorrect."), "error")
    return render_template("admin/login.html", form=form), (401 if request.method == "POST" else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    current_user.end_sessions()  # every copy of this session's cookies dies with it
    db.session.commit()
    logout_user()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
