"""After the journée, without a login: the check-in QR image, one's certificate, the satisfaction survey.

Each is reached through a signed token (app/tokens.py, one purpose each). The QR
image only encodes the officer's check-in URL for that same token: opening that
URL needs an admin login, so the image gives nothing away.
"""
from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.services.events import (
    AttendanceError,
    SurveyError,
    find_survey_answer,
    parse_survey_answers,
    qr_png,
    registration_for_certificate,
    registration_from_token,
    save_answer,
    survey_from_token,
    survey_is_closed,
    survey_questions,
)
from app.web.certificate_response import certificate_response
from app.web.public import bp


@bp.route("/presence/qr/<token>.png")
def checkin_qr(token: str):
    try:
        registration = registration_from_token(token)
    except AttendanceError:
        abort(404)
    return Response(qr_png(registration), mimetype="image/png", headers={"Cache-Control": "private, max-age=86400"})


@bp.route("/attestation/<token>")
def certificate_download(token: str):
    registration = registration_for_certificate(token)
    if registration is None:
        abort(404)
    return certificate_response(registration)


@bp.route("/avis/<token>", methods=["GET", "POST"])
def survey(token: str):
    """The satisfaction survey: one answer per person and journée, editable until the cycle is closed."""
    try:
        registration, journee = survey_from_token(token)
    except SurveyError as exc:
        return render_template("error.html", code=404, message=str(exc)), 404
    answer = find_survey_answer(registration, journee)
    closed = survey_is_closed(registration.cycle)
    form = FlaskForm()
    error, saved, status = None, None, 200
    values = dict(answer.scores) if answer else {}
    comment, name = (answer.comment, answer.name) if answer else ("", "")
    if request.method == "POST" and closed:
        status = 409  # nothing is saved once the cycle is closed; the page says so
    elif request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        comment, name = request.form.get("comment", ""), request.form.get("name", "")
        values = {q.key: request.form.get(q.key, "") for q in survey_questions(registration.cycle)}
        try:
            scores = parse_survey_answers(registration.cycle, request.form)
            answer, created = save_answer(registration, journee, scores, comment, name)
        except SurveyError as exc:
            error, status = str(exc), 422
        else:
            saved = _("Merci ! Votre réponse est enregistrée.") if created else _("Votre réponse est modifiée.")
            values = dict(answer.scores)
    return render_template("public/survey.html", cycle=registration.cycle, journee=journee,
                           questions=survey_questions(registration.cycle),
                           values={k: str(v) for k, v in values.items()},
                           comment=comment, name=name, form=form, error=error, saved=saved, closed=closed,
                           answered=answer is not None), status
