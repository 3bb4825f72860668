"""Acting on one person from the subscriber page: add, edit, lists, unsubscribe /
resubscribe, suppress / unsuppress. Every action is a POST with CSRF and goes through
``app.services.audience.people`` (the same rules as the public flows, the officer as actor)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from app.extensions import db
from app.models import MailingList, Subscriber
from app.services.audience import (
    PersonError,
    add_person,
    kept_reminders,
    open_lists,
    resubscribe_all,
    set_lists,
    suppress_person,
    unsubscribe_all,
    unsuppress_person,
    update_person,
)
from app.web.admin import bp

FIELDS = ("email", "first_name", "last_name", "organisation", "function", "commune")


def _person(subscriber_id: int) -> Subscriber:
    return db.session.get(Subscriber, subscriber_id) or abort(404)


def _back(person: Subscriber):
    return redirect(url_for("admin.subscriber", subscriber_id=person.id), 303)


def _chosen_lists() -> list[MailingList]:
    ids = {int(v) for v in request.form.getlist("lists") if v.isdigit()}
    return [m for m in open_lists() if m.id in ids]


@bp.route("/subscribers/new", methods=["GET", "POST"])
def subscriber_new():
    values = {f: request.form.get(f, "") for f in FIELDS}
    chosen = {int(v) for v in request.form.getlist("lists") if v.isdigit()}
    if request.method == "POST":
        try:
            person = add_person(values["email"], values, _chosen_lists(), actor=current_user.email)
        except PersonError as exc:
            flash(str(exc), "error")
        else:
            flash(_("%(email)s a été ajouté·e.", email=person.email), "success")
            return _back(person)
    return render_template("admin/subscriber_new.html", values=values, lists=open_lists(), chosen=chosen)


@bp.post("/subscribers/<int:subscriber_id>/edit")
def subscriber_edit(subscriber_id: int):
    person = _person(subscriber_id)
    changed = update_person(person, {f: request.form[f] for f in FIELDS if f in request.form},
                            actor=current_user.email)
    flash(_("Fiche enregistrée.") if changed else _("Rien n'a changé."), "success" if changed else "info")
    return _back(person)


@bp.post("/subscribers/<int:subscriber_id>/lists")
def subscriber_lists(subscriber_id: int):
    person = _person(subscriber_id)
    set_lists(person, {m.id for m in _chosen_lists()}, actor=current_user.email)
    flash(_("Listes mises à jour."), "success")
    return _back(person)


@bp.post("/subscribers/<int:subscriber_id>/unsubscribe")
def subscriber_unsubscribe(subscriber_id: int):
    person = _person(subscriber_id)
    unsubscribe_all(person, actor=current_user.email)
    kept = kept_reminders(person)
    message = _("Désabonné·e de toutes les listes.")
    if kept:
        message += " " + _("Ses inscriptions restent : elle ou il recevra les rappels de %(days)s.",
                           days=", ".join(_("la journée %(n)s", n=k.number) for k in kept))
    flash(message, "success")
    return _back(person)


@bp.post("/subscribers/<int:subscriber_id>/resubscribe")
def subscriber_resubscribe(subscriber_id: int):
    person = _person(subscriber_id)
    resubscribe_all(person, actor=current_user.email)
    flash(_("Réabonné·e aux listes quittées."), "success")
    return _back(person)


@bp.post("/subscribers/<int:subscriber_id>/suppress")
def subscriber_suppress(subscriber_id: int):
    person = _person(subscriber_id)
    suppress_person(person, actor=current_user.email, note=request.form.get("note", "").strip()[:400])
    flash(_("Adresse ajoutée à la liste d'exclusion : plus aucun message ne lui sera envoyé."), "success")
    return _back(person)


@bp.post("/subscribers/<int:subscriber_id>/unsuppress")
def subscriber_unsuppress(subscriber_id: int):
    person = _person(subscriber_id)
    unsuppress_person(person, actor=current_user.email)
    flash(_("Adresse retirée de la liste d'exclusion."), "success")
    return _back(person)
