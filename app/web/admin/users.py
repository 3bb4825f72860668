"""Users and roles (admin only): the officer is an editor; admins also manage users and settings."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.extensions import db
from app.models import Role, User
from app.services.accounts import MIN_PASSWORD, AccountError, save_user, set_user_active, set_user_role
from app.web.admin import add_nav, admin_required, bp

add_nav("admin.users", _l("Utilisateurs"), 80, admin_only=True)

ROLE_CHOICES = [(Role.EDITOR.value, _l("Éditeur (audience et campagnes)")), (Role.ADMIN.value, _l("Administrateur (tout)"))]


class UserForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Email(message=_l("Adresse e-mail invalide."))])
    name = StringField(_l("Nom"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Rôle"), choices=ROLE_CHOICES)
    password = PasswordField(_l("Mot de passe (%(n)s caractères au moins, pas un mot de passe courant)", n=MIN_PASSWORD), validators=[DataRequired(), Length(min=MIN_PASSWORD)])


class RoleForm(FlaskForm):
    role = SelectField(_l("Rôle"), choices=ROLE_CHOICES)


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            save_user(form.email.data, form.password.data, role=Role(form.role.data), name=form.name.data or "")
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Utilisateur créé."), "success")
            return redirect(url_for("admin.users"))
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows, form=form, role_form=RoleForm())


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_required
def user_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            set_user_role(user, Role(form.role.data), by=current_user)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Rôle mis à jour."), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_toggle_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if FlaskForm().validate_on_submit():
        try:
            set_user_active(user, not user.active, by=current_user)
        except AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Compte réactivé.") if user.active else _("Compte désactivé."), "success")
    return redirect(url_for("admin.users"))
