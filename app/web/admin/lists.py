"""Mailing lists: see them with their member counts, create and edit them."""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.extensions import db
from app.models import MailingList, Subscription, SubscriptionStatus
from app.web.admin import add_nav, bp

add_nav("admin.lists", _l("Listes"), 20)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class ListForm(FlaskForm):
    name = StringField(_l("Nom"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Identifiant"),
        validators=[DataRequired(), Regexp(SLUG_RE, message=_l("Lettres minuscules, chiffres et tirets."))],
    )
    description = TextAreaField(_l("Description"))
    public = BooleanField(_l("Proposée sur le formulaire d'inscription public"), default=True)


@bp.route("/lists")
def lists():
    counts = dict(
        db.session.execute(
            select(Subscription.list_id, func.count())
            .where(Subscription.status == SubscriptionStatus.CONFIRMED)
            .group_by(Subscription.list_id)
        ).all()
    )
    rows = db.session.scalars(select(MailingList).order_by(MailingList.name)).all()
    return render_template("admin/lists.html", lists=rows, counts=counts, form=ListForm())


@bp.route("/lists/new", methods=["POST"])
def list_create():
    form = ListForm()
    if form.validate_on_submit():
        if db.session.scalar(select(MailingList).where(MailingList.slug == form.slug.data)):
            flash(_("Une liste porte déjà cet identifiant."), "error")
        else:
            db.session.add(
                MailingList(
                    slug=form.slug.data, name=form.name.data.strip(),
                    description=form.description.data or "", public=form.public.data,
                )
            )
            db.session.commit()
            flash(_("Liste créée."), "success")
    else:
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text} : {error}", "error")
    return redirect(url_for("admin.lists"))
