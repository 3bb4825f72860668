"""A cycle's satisfaction survey before it goes out: its questions (edited here, in the officer's order) and a
preview of the survey page and of the invitation, exactly as the participants will get them.

The rules (kinds, options, what may change once answered) are the service's
(app/services/events/surveys.py); this view reads the rows of the form and shows the pages.
"""
from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app import links
from app.extensions import db
from app.models import Cycle, Journee
from app.services.events import (
    SURVEY_KIND_LABELS,
    save_survey_questions,
    survey_invitation_preview as invitation_message,
    survey_invitation_subject,
    survey_questions,
)
from app.web.admin import bp
from app.web.security import message_csp

NEW_ROWS = 2  # blank rows offered for new questions


def _cycle(cycle_id: int) -> Cycle:
    return db.session.get(Cycle, cycle_id) or abort(404)


def _posted_questions(form) -> list[dict[str, Any]]:
    """The form's rows (``q-<i>-label``…), in the order of their "Ordre" numbers; removed and blank new rows left out."""
    rows = []
    index = 0
    while f"q-{index}-label" in form:
        prefix = f"q-{index}-"
        key, label = form.get(prefix + "key", ""), form.get(prefix + "label", "").strip()
        if form.get(prefix + "remove") or (not key and not label):
            index += 1
            continue
        try:
            order = float(form.get(prefix + "order") or index + 1)
        except ValueError:
            order = index + 1
        rows.append((order, index, {"key": key, "label": label, "kind": form.get(prefix + "kind", "scale"),
                                    "choices": form.get(prefix + "choices", ""),
                                    "required": bool(form.get(prefix + "required"))}))
        index += 1
    return [item for _order, _index, item in sorted(rows, key=lambda row: (row[0], row[1]))]


@bp.route("/events/<int:cycle_id>/survey/questions", methods=["GET", "POST"])
def survey_questions_edit(cycle_id: int):
    cycle = _cycle(cycle_id)
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        save_survey_questions(cycle, _posted_questions(request.form))
        flash(_("Questions enregistrées."), "success")
        return redirect(url_for("admin.survey_questions_edit", cycle_id=cycle.id), 303)
    return render_template("admin/survey_questions.html", cycle=cycle, questions=survey_questions(cycle),
                           kinds=SURVEY_KIND_LABELS, new_rows=NEW_ROWS, form=FlaskForm())


def _journee(cycle: Cycle) -> Journee | None:
    number = request.args.get("journee", type=int)
    return next((j for j in cycle.journees if j.number == number), None) if number else None


@bp.get("/events/<int:cycle_id>/survey/preview")
def survey_preview(cycle_id: int):
    """The survey page's form as a participant sees it (nothing can be posted from here) beside the
    invitation message as it will leave."""
    cycle = _cycle(cycle_id)
    journee = _journee(cycle)
    subject = survey_invitation_subject(cycle, journee)
    return render_template("admin/survey_preview.html", cycle=cycle, journee=journee, subject=subject,
                           questions=survey_questions(cycle), values={}, comment="", name="", form=FlaskForm(),
                           answered=False, preview=True)


@bp.get("/events/<int:cycle_id>/survey/invitation.html")
def survey_invitation_html(cycle_id: int):
    """The invitation message's HTML, for the preview's frame (sandboxed: no script, no form); its button
    leads to the preview of the survey page."""
    cycle = _cycle(cycle_id)
    journee = _journee(cycle)
    link = links.absolute(url_for("admin.survey_preview", cycle_id=cycle.id,
                                  journee=journee.number if journee else None))
    _subject, html = invitation_message(cycle, journee, link)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = message_csp()
    response.headers["Cache-Control"] = "private, no-store"
    return response
