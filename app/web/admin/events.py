"""Events in the admin: cycles, registrants per journée, adding one by hand, the attendance sheet (CSV).

This page also lets the officer move a journée, through ``app.services.events.cycles`` so
reminders and registrants follow; the reminder rules are edited in the cycle editor only.
"""
from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

from app.extensions import db
from app.models import Campaign, CampaignTemplate, Cycle, Journee, RegistrationStatus
from app.services.audience import InvalidAddress, source_label
from app.services.campaigns import cycle_timeline
from app.services.support import text_cell
from app.services.events import (
    CycleError,
    RegistrationError,
    cancel_registration,
    move_journee,
    register,
    registrants,
    seats_left,
)
from app.timeutil import format_local, format_when, parse_local, to_local
from app.web.admin import add_nav, bp
from app.web.inputs import form_ids

add_nav("admin.events", _l("Événements"), 40)

STATUS_LABELS = {
    "draft": _l("brouillon"), "scheduled": _l("programmé"), "sending": _l("en cours d'envoi"),
    "paused": _l("en pause"), "sent": _l("envoyé"), "cancelled": _l("annulé"), "missed": _l("manqué"),
}


class AddRegistrantForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(), Length(max=320)])
    first_name = StringField(_l("Prénom"), validators=[Length(max=200)])
    last_name = StringField(_l("Nom"), validators=[Length(max=200)])
    organisation = StringField(_l("Structure"), validators=[Length(max=300)])
    function = StringField(_l("Fonction"), validators=[Length(max=300)])


def _cycle_or_404(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _reminders(cycle: Cycle) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).where(Campaign.cycle_id == cycle.id, Campaign.template == CampaignTemplate.REMINDER)
        .order_by(Campaign.scheduled_at)
    ))


@bp.route("/events")
def events():
    cycles = db.session.scalars(select(Cycle).order_by(Cycle.created_at.desc())).all()
    counts = {}
    for cycle in cycles:
        for j in cycle.journees:
            days = registrants(j)
            counts[j.id] = (sum(d.status == RegistrationStatus.CONFIRMED for d in days),
                            sum(d.status == RegistrationStatus.WAITING for d in days))
    return render_template("admin/events.html", cycles=cycles, counts=counts)


@bp.route("/events/<int:cycle_id>")
def event_cycle(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    per_journee = [{"journee": j, "days": registrants(j), "seats_left": seats_left(j)} for j in cycle.journees]
    return render_template(
        "admin/event_cycle.html", cycle=cycle, per_journee=per_journee, form=AddRegistrantForm(),
        action_form=FlaskForm(), reminders=_reminders(cycle), timeline=cycle_timeline(cycle),
        format_local=format_local, to_local=to_local, Status=RegistrationStatus, status_labels=STATUS_LABELS,
    )


@bp.route("/events/<int:cycle_id>/registrants", methods=["POST"])
def event_add_registrant(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = AddRegistrantForm()
    if not form.validate_on_submit():
        flash(_("Indiquez une adresse e-mail."), "error")
        return redirect(url_for("admin.event_cycle", cycle_id=cycle.id))
    wanted = form_ids("journees")
    chosen = [j for j in cycle.journees if j.id in wanted]
    try:
        outcome = register(
            cycle, form.email.data, first_name=form.first_name.data or "", last_name=form.last_name.data or "",
            organisation=form.organisation.data or "", function=form.function.data or "", journees=chosen,
            source="admin", actor=current_user.email, allow_past=True,
        )
    except (InvalidAddress, RegistrationError) as exc:
        flash(_("Inscription impossible : %(error)s", error=str(exc)), "error")
    else:
        flash(_("Inscription enregistrée : %(c)s confirmée(s), %(w)s en liste d'attente.",
                c=len(outcome.confirmed), w=len(outcome.waiting)), "success")
    return redirect(url_for("admin.event_cycle", cycle_id=cycle.id))


@bp.route("/events/<int:cycle_id>/days/<int:day_id>/cancel", methods=["POST"])
def event_cancel_day(cycle_id: int, day_id: int):
    cycle = _cycle_or_404(cycle_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    from app.models import RegistrationDay

    day = db.session.get(RegistrationDay, day_id)
    if day is None or day.registration.cycle_id != cycle.id:
        abort(404)
    cancel_registration(day.registration, [day.journee], actor=current_user.email)
    flash(_("Participation annulée."), "success")
    return redirect(url_for("admin.event_cycle", cycle_id=cycle.id))


@bp.route("/events/<int:cycle_id>/journees/<int:journee_id>/move", methods=["POST"])
def event_move_journee(cycle_id: int, journee_id: int):
    cycle = _cycle_or_404(cycle_id)
    journee = db.session.get(Journee, journee_id)
    if journee is None or journee.cycle_id != cycle.id or not FlaskForm().validate_on_submit():
        abort(404)
    try:
        day = request.form.get("date", "")
        start = parse_local(f"{day} {request.form.get('start', '')}")
        end = parse_local(f"{day} {request.form.get('end', '')}")
        report = move_journee(journee, start, end)
    except (ValueError, CycleError) as exc:
        flash(_("Date invalide : %(error)s", error=str(exc)), "error")
    else:
        flash(_("Journée %(n)s déplacée ; %(k)s personne(s) prévenue(s), rappels recalculés.",
                n=journee.number, k=report.notified) if report.moved else _("Rien n'a changé."), "success")
    return redirect(url_for("admin.event_cycle", cycle_id=cycle.id))



def _french(function, *args):
    """A label for a French file (its headings are French), whatever the officer's interface language."""
    with force_locale("fr"):
        return function(*args)


@bp.route("/events/<int:cycle_id>/attendance.csv")
def event_attendance_csv(cycle_id: int):
    """The attendance sheet: one line per confirmed registrant per journée (UTF-8 BOM, ``;``, Excel-ready)."""
    cycle = _cycle_or_404(cycle_id)
    only = request.args.get("journee", type=int)
    include_waiting = request.args.get("waiting") == "1"
    statuses = [RegistrationStatus.CONFIRMED] + ([RegistrationStatus.WAITING] if include_waiting else [])
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Journée", "Date", "Statut", "Nom", "Prénom", "E-mail", "Structure", "Fonction",
                     "Inscrit·e le", "Source", "Signature"])
    labels = {RegistrationStatus.CONFIRMED: "inscrit·e", RegistrationStatus.WAITING: "liste d'attente"}
    for journee in cycle.journees:
        if only is not None and journee.number != only:
            continue
        days = sorted(registrants(journee, statuses),
                      key=lambda d: (d.status.value, d.registration.subscriber.last_name.lower(),
                                     d.registration.subscriber.first_name.lower()))
        for day in days:
            person = day.registration.subscriber
            writer.writerow([text_cell(v) for v in (
                journee.number, format_when(journee.starts_at, "numeric_day", "fr"), labels[day.status],
                person.last_name, person.first_name, person.email or "", person.organisation, person.function,
                format_when(day.created_at, "numeric", "fr"),
                _french(source_label, day.registration.source, cycle.slug), "",
            )])
    suffix = f"-journee-{only}" if only is not None else ""
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="presence-{cycle.slug}{suffix}.csv"',
    })
