"""Mailing lists: see them with their member counts, create, rename, archive, delete them."""
from __future__ import annotations


from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

from app.extensions import db
from app.models import MailingList
from app.services.audience import (
    SLUG_RE,
    campaigns_using,
    create_list,
    delete_list,
    list_growth,
    member_counts,
    search_subscribers,
    set_list_archived,
    update_list,
)
from app.web.admin import add_nav, bp

add_nav("admin.lists", _l("Listes"), 20)


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
    counts = member_counts()
    rows = db.session.scalars(select(MailingList).order_by(MailingList.name)).all()
    return render_template("admin/lists.html", lists=rows, counts=counts, form=ListForm())


@bp.route("/lists/new", methods=["POST"])
def list_create():
    form = ListForm()
    if form.validate_on_submit():
        create_list(form.slug.data, name=form.name.data, description=form.description.data or "",
                    public=form.public.data)
        flash(_("Liste créée."), "success")
    else:
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text} : {error}", "error")
    return redirect(url_for("admin.lists"))


@bp.get("/lists/<int:list_id>")
def list_detail(list_id: int):
    mailing_list = db.session.get(MailingList, list_id) or abort(404)
    after = request.args.get("after", type=int)
    result = search_subscribers("", list_id=mailing_list.id, after=after)
    return render_template(
        "admin/list.html", ml=mailing_list, result=result, after=after,
        count=member_counts().get(mailing_list.id, 0), growth=list_growth(mailing_list),
        campaigns=campaigns_using(mailing_list)[:10],
    )


@bp.post("/lists/<int:list_id>/edit")
def list_edit(list_id: int):
    mailing_list = db.session.get(MailingList, list_id) or abort(404)
    update_list(mailing_list, name=request.form.get("name", ""),
                description=request.form.get("description", ""), public=bool(request.form.get("public")))
    flash(_("Liste enregistrée."), "success")
    return redirect(url_for("admin.list_detail", list_id=list_id), 303)


@bp.post("/lists/<int:list_id>/archive")
def list_archive(list_id: int):
    mailing_list = db.session.get(MailingList, list_id) or abort(404)
    archived = request.form.get("archived") == "1"
    set_list_archived(mailing_list, archived)
    flash(_("Liste archivée : elle n'est plus proposée nulle part.") if archived else _("Liste désarchivée."), "success")
    return redirect(url_for("admin.list_detail", list_id=list_id), 303)


@bp.post("/lists/<int:list_id>/delete")
def list_delete(list_id: int):
    mailing_list = db.session.get(MailingList, list_id) or abort(404)
    delete_list(mailing_list)
    flash(_("Liste supprimée."), "success")
    return redirect(url_for("admin.lists"), 303)
