"""API tokens (admin only): create one (its value is shown once, on the page that follows), list them
with their last use, revoke. A token made here belongs to the administrator who made it."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional

from app.services.integrations import SCOPES, TokenError, all_tokens, create_token, revoke_token
from app.web.admin import add_nav, admin_required, bp

add_nav("admin.api_tokens", _l("API"), 85, admin_only=True)


def _scope_choices() -> list[tuple[str, str]]:
    """Each scope with what it allows, in the page's language only: SCOPES holds "français / English"
    for the CLI's help, and a French page showing both halves reads as half English."""
    half = 1 if str(get_locale()) == "en" else 0
    return [(scope, f"{scope} — {what.split(' / ')[half].strip()}") for scope, what in SCOPES.items()]


class TokenForm(FlaskForm):
    name = StringField(_l("Nom (qui l'utilise, pour quoi)"), validators=[DataRequired(), Length(max=200)])
    scopes = SelectMultipleField(_l("Portées"), choices=_scope_choices,
                                 option_widget=widgets.CheckboxInput(), widget=widgets.ListWidget(prefix_label=False),
                                 validators=[DataRequired(message=_l("Choisissez au moins une portée."))])
    expires = DateField(_l("Dernier jour de validité (facultatif)"), validators=[Optional()])


@bp.route("/api-tokens", methods=["GET", "POST"])
@admin_required
def api_tokens():
    form = TokenForm()
    shown = None
    if form.validate_on_submit():
        try:
            shown = create_token(form.name.data, form.scopes.data, last_day=form.expires.data,
                                 user=current_user)
        except TokenError as exc:
            flash(str(exc), "error")
        else:
            form = TokenForm(formdata=None)
    else:
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text} : {error}", "error")
    return render_template("admin/api_tokens.html", form=form, tokens=all_tokens(), shown=shown)


@bp.post("/api-tokens/<int:token_id>/revoke")
@admin_required
def api_token_revoke(token_id: int):
    row = revoke_token(token_id)
    if row is not None:
        flash(_("Jeton « %(name)s » révoqué.", name=row.name), "success")
    return redirect(url_for("admin.api_tokens"))
