"""After the journée, in the admin: check-in at the door (phone-sized), attendance corrections,
attendance sheets (PDF, CSV), certificates (one or all as ZIP), closing the cycle, survey results.

The check-in page marks the *current* half-day: today's journée and morning or
afternoon from the clock; on another day (or to catch up) the officer picks one,
and the choice is kept in the session for the scans that follow. A scanned QR code
opens ``/admin/presence/<token>``, which records the check-in with a POST (sent
by the page itself, and retried safely: checking in twice changes nothing).

The list is the journée's (those registered for it), check-in opens on its day, and
checking in anyone not registered for it asks first whether to record a walk-in ("sur
place"): the services decide (app/services/events/attendance.py), these views ask.
"""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.extensions import db
from app.models import AttendanceStatus, Cycle, Half, Journee, Registration, utcnow
from app.services.events import (
    ATTENDANCE_STATUS_LABELS,
    AttendanceError,
    CycleNotOver,
    HALF_LABELS,
    NotRegisteredForJournee,
    RegistrationError,
    SurveyError,
    add_signature,
    attendance_sheet_csv,
    attendance_sheet_pdf,
    certificates_zip as zip_of_certificates,
    certified,
    check_in,
    checkin_closed_reason,
    checkin_token,
    close_cycle,
    closure,
    current_slot,
    cycle_attendance,
    cycle_results,
    find_by_short_code,
    is_registered_for,
    journee_participants,
    not_on_list,
    record_walk_in,
    registration_from_token,
    send_survey,
    set_status,
    sheet_rows,
    short_code,
    survey_results_csv,
)
from app.services.audience import InvalidAddress
from app.timeutil import format_when
from app.web.admin import bp
from app.web.certificate_response import certificate_response

SESSION_KEY = "presence_slot"


def _cycle_or_404(cycle_id: int) -> Cycle:
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _slot(cycle: Cycle) -> tuple[Journee, Half] | None:
    """The half-day being checked in: the one chosen for this cycle in the session, else the clock's."""
    chosen = session.get(SESSION_KEY, {}).get(str(cycle.id))
    if chosen:
        journee = next((j for j in cycle.journees if j.id == chosen[0]), None)
        if journee is not None and chosen[1] in {"am", "pm"}:
            return journee, Half(chosen[1])
    return current_slot(cycle)


def _remember_slot(cycle: Cycle, journee_id: int, half: str) -> None:
    slots = dict(session.get(SESSION_KEY, {}))
    slots[str(cycle.id)] = [journee_id, half]
    session[SESSION_KEY] = slots


def _state(registration: Registration, slot: tuple[Journee, Half] | None) -> str:
    if slot is None:
        return ""
    for row in cycle_attendance(registration.cycle):
        if row.registration_id == registration.id and row.journee_id == slot[0].id and row.half == slot[1]:
            return row.status.value
    return ""


@bp.route("/events/<int:cycle_id>/presence", methods=["GET", "POST"])
def presence(cycle_id: int):
    """The door page: pick the half-day, find a person (name or code), tap to mark them present."""
    cycle = _cycle_or_404(cycle_id)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        journee_id, half = request.form.get("journee", type=int), request.form.get("half", "")
        if journee_id not in {j.id for j in cycle.journees} or half not in {"am", "pm"}:
            flash(_("Choisissez une journée et une demi-journée."), "error")
        else:
            _remember_slot(cycle, journee_id, half)
        return redirect(url_for("admin.presence", cycle_id=cycle.id))
    slot = _slot(cycle)
    query = (request.args.get("q") or "").strip().lower()
    people, others, marks, signed, walk_ins, closed = [], [], {}, set(), set(), None
    if slot is not None:
        people = journee_participants(slot[0])
        # Searching a name also finds the cycle's other registrants: checking them in asks for a walk-in.
        others = _matching(not_on_list(slot[0]), query) if query else []
        people = _matching(people, query) if query else people
        rows = [a for a in cycle_attendance(cycle) if a.journee_id == slot[0].id and a.half == slot[1]]
        marks = {a.registration_id: a.status.value for a in rows}
        signed = {a.registration_id for a in rows if a.signed_at is not None}
        walk_ins = {a.registration_id for a in rows if a.walk_in and a.status == AttendanceStatus.PRESENT}
        closed = checkin_closed_reason(slot[0], utcnow())
    present = sum(1 for v in marks.values() if v == "present")
    return render_template("admin/presence.html", cycle=cycle, slot=slot, people=people, others=others, marks=marks,
                           query=query, form=form, present=present, walk_ins=walk_ins, closed=closed,
                           half_labels=HALF_LABELS, checkin_token=checkin_token, signed=signed)


def _matching(people: list[Registration], query: str) -> list[Registration]:
    return [r for r in people if query in f"{r.subscriber.full_name} {r.subscriber.email} "
            f"{r.subscriber.organisation}".lower()]


def _check_in(registration: Registration, slot: tuple[Journee, Half], signature: str | None = None,
              walk_in: bool = False) -> bool:
    """Check in and flash the outcome; True when the person was already present.

    Raises what the service refuses: NotRegisteredForJournee (ask about a walk-in first),
    AttendanceError (the journée has not come yet)."""
    result = check_in(registration, slot[0], slot[1], actor=current_user.email, signature_svg=signature,
                      walk_in=walk_in)
    _flash_check_in(registration, result.already, result.attendance.walk_in)
    return result.already


def _flash_check_in(registration: Registration, already: bool, walk_in: bool) -> None:
    name = registration.subscriber.full_name or registration.subscriber.email
    if already:
        flash(_("%(name)s : déjà présent·e.", name=name), "info")
    elif walk_in:
        flash(_("%(name)s : présent·e, venu·e sur place.", name=name), "success")
    else:
        flash(_("%(name)s : présent·e.", name=name), "success")


def _walk_in_question(cycle: Cycle, slot: tuple[Journee, Half], registration: Registration):
    """"Not registered for this journée: record a walk-in?" — nothing is written until the officer says yes."""
    form = FlaskForm()
    return render_template("admin/presence_walk_in.html", cycle=cycle, slot=slot, registration=registration,
                           person=registration.subscriber, form=form, token=checkin_token(registration))


def _posted_slot(cycle_id: int) -> tuple[Cycle, tuple[Journee, Half] | None]:
    """The cycle and half-day of a check-in POST (CSRF checked); None, with a message, when none is chosen."""
    cycle = _cycle_or_404(cycle_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    slot = _slot(cycle)
    if slot is None:
        flash(_("Choisissez d'abord la journée et la demi-journée."), "error")
    return cycle, slot


@bp.route("/events/<int:cycle_id>/presence/mark", methods=["POST"])
def presence_mark(cycle_id: int):
    cycle, slot = _posted_slot(cycle_id)
    if slot is None:
        return redirect(url_for("admin.presence", cycle_id=cycle.id))
    code = (request.form.get("code") or "").strip()
    if code:
        registration = find_by_short_code(cycle, code)
        if registration is None:
            flash(_("Code inconnu pour ce cycle : %(code)s", code=code), "error")
            return redirect(url_for("admin.presence", cycle_id=cycle.id))
    else:
        registration = db.session.get(Registration, request.form.get("registration", type=int) or 0)
        if registration is None or registration.cycle_id != cycle.id:
            abort(404)
    try:
        _check_in(registration, slot, walk_in=request.form.get("walk_in") == "1")
    except NotRegisteredForJournee:
        return _walk_in_question(cycle, slot, registration)
    except AttendanceError as exc:
        flash(str(exc), "error")
    if request.form.get("back") == "camera":  # the typed code under the camera: back to scanning
        return redirect(url_for("admin.presence_camera", cycle_id=cycle.id))
    return redirect(url_for("admin.presence", cycle_id=cycle.id, q=request.form.get("q") or None))


@bp.route("/events/<int:cycle_id>/presence/walk-in", methods=["POST"])
def presence_walk_in(cycle_id: int):
    """Someone who did not register: present, recorded as a walk-in ("sur place"), without a seat."""
    cycle, slot = _posted_slot(cycle_id)
    if slot is None:
        return redirect(url_for("admin.presence", cycle_id=cycle.id))
    try:
        result = record_walk_in(cycle, slot[0], slot[1], request.form.get("email", ""),
                                first_name=request.form.get("first_name", ""),
                                last_name=request.form.get("last_name", ""),
                                organisation=request.form.get("organisation", ""), actor=current_user.email)
    except (InvalidAddress, RegistrationError, AttendanceError) as exc:
        flash(_("Ajout impossible : %(error)s", error=str(exc)), "error")
        return redirect(url_for("admin.presence", cycle_id=cycle.id))
    _flash_check_in(result.attendance.registration, result.already, result.attendance.walk_in)
    return redirect(url_for("admin.presence", cycle_id=cycle.id))


@bp.route("/events/<int:cycle_id>/presence/camera")
def presence_camera(cycle_id: int):
    """The door page with the phone's camera: it reads the QR codes of the confirmation and reminder
    messages in the browser (static/checkin-camera.js) and checks each person in through the same POST as
    a scanned link; the typed code stays below for a phone without a camera or a crumpled code."""
    cycle = _cycle_or_404(cycle_id)
    slot = _slot(cycle)
    closed = checkin_closed_reason(slot[0], utcnow()) if slot is not None else None
    return render_template("admin/presence_camera.html", cycle=cycle, slot=slot, closed=closed, form=FlaskForm())


@bp.route("/presence/<token>", methods=["GET", "POST"])
def presence_scan(token: str):
    """What a scanned QR code opens: the person, the half-day, and the check-in (POSTed by the page)."""
    try:
        registration = registration_from_token(token)
    except AttendanceError as exc:
        return render_template("admin/presence_scan.html", error=str(exc), form=FlaskForm()), 404
    cycle = registration.cycle
    slot = _slot(cycle)
    form = FlaskForm()
    outcome = None
    closed = checkin_closed_reason(slot[0], utcnow()) if slot is not None else None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if slot is not None:
            signature = request.form.get("signature") or None
            try:
                already = _check_in(registration, slot, signature, walk_in=request.form.get("walk_in") == "1")
                outcome = "already" if already else "done"
            except NotRegisteredForJournee:
                outcome = "walk-in"
            except AttendanceError as exc:
                flash(str(exc), "error")
        if request.accept_mimetypes.best == "application/json":  # admin.js and the camera page (retried)
            return jsonify(outcome=outcome or "none",
                           name=registration.subscriber.full_name or registration.subscriber.email)
        if outcome == "walk-in" and slot is not None:
            return _walk_in_question(cycle, slot, registration)
    elif slot is not None and _state(registration, slot) == "present":
        # After admin.js's POST: its answer (?r=done) is shown only when it is true.
        outcome = "done" if request.args.get("r") == "done" else "already"
    elif slot is not None and closed is None and not is_registered_for(registration, slot[0]):
        # Not on this journée's list: ask before anything is written (the page does not post itself).
        return _walk_in_question(cycle, slot, registration)
    mark = _mark(registration, slot) if outcome else None
    signed_at = format_when(mark.signed_at, "HH:mm") if mark is not None and mark.signed_at else ""
    return render_template("admin/presence_scan.html", registration=registration, person=registration.subscriber,
                           cycle=cycle, slot=slot, outcome=outcome, form=form, half_labels=HALF_LABELS,
                           short_code=short_code(registration), error=None, token=token, signed_at=signed_at,
                           closed=closed, walk_in=mark is not None and mark.walk_in)


def _mark(registration: Registration, slot: tuple[Journee, Half] | None):
    if slot is None:
        return None
    return next((row for row in cycle_attendance(registration.cycle) if row.registration_id == registration.id
                 and row.journee_id == slot[0].id and row.half == slot[1]), None)


@bp.route("/presence/<token>/signature", methods=["POST"])
def presence_sign(token: str):
    """"Faire signer": the drawing (SVG path data from static/signature.js) of someone checked in."""
    try:
        registration = registration_from_token(token)
    except AttendanceError:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    slot = _slot(registration.cycle)
    if slot is None:
        flash(_("Choisissez d'abord la journée et la demi-journée."), "error")
    else:
        try:
            add_signature(registration, slot[0], slot[1], request.form.get("signature", ""), actor=current_user.email)
        except AttendanceError as exc:
            flash(_("Signature non enregistrée : %(error)s", error=str(exc)), "error")
        else:
            flash(_("Signature enregistrée."), "success")
    return redirect(url_for("admin.presence_scan", token=token), 303)


# --- afterwards: corrections, sheets, certificates, closing ---------------------------------

@bp.route("/events/<int:cycle_id>/attendance", methods=["GET", "POST"])
def attendance_edit(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        registration = db.session.get(Registration, request.form.get("registration", type=int) or 0)
        journee = db.session.get(Journee, request.form.get("journee", type=int) or 0)
        half, status = request.form.get("half", ""), request.form.get("status", "")
        if (registration is None or journee is None or registration.cycle_id != cycle.id or journee.cycle_id != cycle.id
                or half not in {"am", "pm"} or status not in {s.value for s in AttendanceStatus}):
            abort(400)
        try:
            set_status(registration, journee, Half(half), AttendanceStatus(status), actor=current_user.email)
        except AttendanceError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Présence enregistrée."), "success")
        return redirect(url_for("admin.attendance_edit", cycle_id=cycle.id, _anchor=f"j{journee.number}"))
    return render_template("admin/attendance.html", cycle=cycle, tables=sheet_rows(cycle), form=form,
                           closed=closure(cycle), certified=certified(cycle),
                           statuses=ATTENDANCE_STATUS_LABELS)


@bp.route("/events/<int:cycle_id>/emargement.<fmt>")
def attendance_sheet(cycle_id: int, fmt: str):
    cycle = _cycle_or_404(cycle_id)
    number = request.args.get("journee", type=int)
    suffix = f"-journee-{number}" if number else ""
    if fmt == "pdf":
        return Response(attendance_sheet_pdf(cycle, number), mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="emargement-{cycle.slug}{suffix}.pdf"'})
    if fmt == "csv":
        return Response(attendance_sheet_csv(cycle, number), headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="emargement-{cycle.slug}{suffix}.csv"'})
    abort(404)


@bp.route("/events/<int:cycle_id>/attestations.zip")
def certificates_zip(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    return Response(zip_of_certificates(cycle), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="attestations-{cycle.slug}.zip"'})


@bp.route("/events/<int:cycle_id>/attestations/<int:registration_id>.pdf")
def certificate_one(cycle_id: int, registration_id: int):
    cycle = _cycle_or_404(cycle_id)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.cycle_id != cycle.id:
        abort(404)
    return certificate_response(registration)


@bp.route("/events/<int:cycle_id>/close", methods=["POST"])
def cycle_close(cycle_id: int):
    """Close the cycle; before its last journée has ended, a second confirmation naming that date."""
    cycle = _cycle_or_404(cycle_id)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = close_cycle(cycle, actor=current_user.email, before_end=_posted_date("before_end"))
    except CycleNotOver as refused:
        return render_template("admin/cycle_close_confirm.html", cycle=cycle, refused=refused, form=form), 409
    if report.already:
        flash(_("Ce cycle est déjà clos."), "info")
    else:
        flash(_("Cycle clos : %(n)s attestation(s) envoyée(s), %(f)s échec(s).", n=report.sent, f=report.failed),
              "success")
    return redirect(url_for("admin.attendance_edit", cycle_id=cycle.id))


def _posted_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name) or "")
    except ValueError:
        return None


@bp.route("/events/<int:cycle_id>/survey")
def survey_results(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    return render_template("admin/survey_results.html", cycle=cycle, results=cycle_results(cycle),
                           form=FlaskForm())


@bp.route("/events/<int:cycle_id>/survey.csv")
def survey_csv(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    return Response(survey_results_csv(cycle), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="avis-{cycle.slug}.csv"'})


@bp.route("/events/<int:cycle_id>/survey/send", methods=["POST"])
def survey_send(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    number = request.form.get("journee", type=int)
    journee = next((j for j in cycle.journees if j.number == number), None) if number else None
    try:
        report = send_survey(cycle, journee)
    except SurveyError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Questionnaire mis en file pour %(n)s personne(s).", n=report.sent), "success")
    return redirect(url_for("admin.survey_results", cycle_id=cycle.id))
