"""The "Séquences" pages: the list with where everyone stands, "create from a ready-made sequence",
the editor (steps on a timeline: delay, window, condition, subject, Markdown), a preview and a test
send of each step, pause and resume; a person's page shows her sequences (``_person_sequences.html``).

Every write goes through ``app.services.sequences``: the editor posts the same JSON shape as the file
and the API (``load_sequence``), so a sequence edited here and one loaded by ``flask sequences load``
obey the same checks. A step is carried by a campaign, so its preview and its test send are the
campaign ones (``preview_message``, ``send_test``).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, FieldList, Form, FormField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.errors import LettrineError
from app.extensions import db
from app.models import Campaign, Cycle, MailingList, Sequence, SequenceStep
from app.services.campaigns import preview_message
from app.services.sequences import (
    CONDITIONS,
    EXITS,
    create_from_example,
    format_delay,
    load_sequence,
    person_sequences,
    ready_made,
    sequence_counts,
    set_paused,
)
from app.web.admin import add_nav, bp
from app.web.admin.campaigns import TestSendForm, test_send_from_form

add_nav("admin.sequences", _l("Séquences"), 32)

TRIGGER_LABELS = {
    "subscribed": _l("Abonnement confirmé à une liste"),
    "registered": _l("Inscription à un cycle"),
    "attended": _l("Présence à une journée"),
    "absent": _l("Absence à une journée"),
    "after_journee": _l("Après une journée (présents et absents)"),
    "before_journee": _l("Avant une journée, à une liste sauf les inscrits"),
    "survey_not_answered": _l("Questionnaire sans réponse"),
    "api": _l("Appel à l'API"),
}
EXIT_LABELS = {
    "unsubscribed": _l("désabonnement"),
    "erased": _l("effacement (RGPD)"),
    "registered": _l("inscription au cycle"),
    "cycle_full": _l("cycle complet"),
    "cycle_started": _l("cycle commencé"),
    "ineligible": _l("plus joignable (rebond, plainte, exclusion)"),
    "paused": _l("séquence en pause"),
}
CONDITION_LABELS = {
    "": _l("toujours"),
    "not_registered": _l("pas encore inscrit·e au cycle"),
    "registered": _l("inscrit·e au cycle"),
    "places_left": _l("il reste des places"),
    "present": _l("présent·e à la journée"),
    "absent": _l("absent·e à la journée"),
    "not_answered": _l("pas encore répondu au questionnaire"),
}
STATUS_LABELS = {"active": _l("en cours"), "completed": _l("terminée"), "exited": _l("sortie")}
NEW_STEPS = 1  # blank step rows offered under the others ("Ajouter une étape")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StepForm(Form):
    """One step; a blank one (no subject, no text) is ignored, "remove" drops it."""

    after = StringField(_l("Délai"), validators=[Length(max=20)],
                        description=_l("après le déclencheur ou l'étape précédente : 0, 3d, 12h, 1d12h"))
    window = StringField(_l("Fenêtre d'envoi (heure de Paris)"), validators=[Length(max=80)],
                         description=_l("facultative, par exemple mon-fri 09:00-18:00"))
    condition = SelectField(_l("Condition vérifiée à l'échéance"),
                            choices=[(c, CONDITION_LABELS.get(c, c)) for c in ("", *CONDITIONS)])
    subject = StringField(_l("Objet"), validators=[Length(max=300)])
    markdown = TextAreaField(_l("Texte (Markdown)"))
    remove = BooleanField(_l("Retirer cette étape"))


class SequenceForm(FlaskForm):
    exits = MultiCheckboxField(_l("Sortir de la séquence en cas de"),
                               choices=[(e, EXIT_LABELS[e]) for e in EXITS if e not in ("unsubscribed", "erased")])
    steps = FieldList(FormField(StepForm), min_entries=0)


class FromExampleForm(FlaskForm):
    example = SelectField(_l("Séquence toute faite"))
    name = StringField(_l("Nom de la nouvelle séquence"), validators=[DataRequired(message=_l("Le nom est obligatoire.")),
                                                                      Length(max=200)])
    list_slug = SelectField(_l("Liste (bienvenue, relance)"), validators=[Optional()])
    cycle_slug = SelectField(_l("Cycle (relance, après le cycle)"), validators=[Optional()])


def _from_example_form() -> FromExampleForm:
    form = FromExampleForm()
    form.example.choices = [(e.key, e.name) for e in ready_made()]
    form.list_slug.choices = [("", "—")] + [(m.slug, m.name) for m in db.session.scalars(
        select(MailingList).where(MailingList.archived_at.is_(None)).order_by(MailingList.name))]
    form.cycle_slug.choices = [("", "—")] + [(c.slug, c.title) for c in db.session.scalars(
        select(Cycle).order_by(Cycle.id.desc()))]
    return form


def _sequence_or_404(sequence_id: int) -> Sequence:
    return db.session.get(Sequence, sequence_id) or abort(404)


def _step_or_404(sequence: Sequence, position: int) -> tuple[SequenceStep, Campaign]:
    step = next((s for s in sequence.steps if s.position == position), None)
    campaign = db.session.get(Campaign, step.campaign_id) if step is not None and step.campaign_id else None
    if step is None or campaign is None:
        abort(404)
    return step, campaign


def delay_label(seconds: int) -> str:
    """``3 j``, ``12 h``, ``1 j 12 h``; "immédiatement" for none."""
    if not seconds:
        return _("immédiatement")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    parts = [_("%(n)s j", n=days)] if days else []
    parts += [_("%(n)s h", n=hours)] if hours else []
    parts += [_("%(n)s min", n=rest // 60)] if rest >= 60 else []
    return " ".join(parts)


def trigger_label(sequence: Sequence) -> str:
    """The trigger in words, naming what the file names (a list, a cycle, a journée, days)."""
    trigger = sequence.definition.get("trigger") or {}
    kind = sequence.trigger_kind
    value = trigger.get(kind)
    label = str(TRIGGER_LABELS.get(kind, kind))
    if isinstance(value, list):
        details = " · ".join(str(v) for v in value if v is not None)
    elif isinstance(value, str):
        details = value
    else:
        details = ""
    return f"{label} ({details})" if details else label


@bp.app_template_global("person_sequences")
def _person_sequences(subscriber_id: int) -> list[dict[str, Any]]:
    """A person's sequences for her page, with the words to show."""
    rows = person_sequences(subscriber_id)
    for row in rows:
        row["status_label"] = str(STATUS_LABELS.get(row["status"], row["status"]))
        row["exit_label"] = str(EXIT_LABELS.get(row["exit_reason"], row["exit_reason"])) if row["exit_reason"] else ""
    return rows


@bp.route("/sequences")
def sequences():
    rows = [(s, sequence_counts(s)) for s in db.session.scalars(select(Sequence).order_by(Sequence.name))]
    return render_template("admin/sequences.html", rows=rows, form=_from_example_form(), trigger_label=trigger_label,
                           exit_labels=EXIT_LABELS, examples=ready_made())


@bp.route("/sequences/new", methods=["POST"])
def sequence_from_example():
    form = _from_example_form()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text} : {error}", "error")
        return redirect(url_for("admin.sequences"))
    try:
        sequence = create_from_example(form.example.data, name=form.name.data.strip(),
                                       list_slug=form.list_slug.data or None, cycle_slug=form.cycle_slug.data or None)
    except LettrineError as exc:
        flash(_("Séquence non créée : %(error)s", error=exc.message), "error")
        return redirect(url_for("admin.sequences"))
    flash(_("Séquence « %(name)s » créée, en pause : relisez ses étapes, puis reprenez-la.", name=sequence.name),
          "success")
    return redirect(url_for("admin.sequence_edit", sequence_id=sequence.id))


def _editor_form(sequence: Sequence) -> SequenceForm:
    """The editor's form, posted or filled from the sequence; the exits a cycle brings only for a sequence
    that follows one (the file's checks refuse them elsewhere)."""
    form = SequenceForm() if request.method == "POST" else SequenceForm(formdata=None,
                                                                        data={"exits": list(sequence.exits)})
    if sequence.cycle_id is None:
        form.exits.choices = []
    if request.method == "POST":
        return form
    for step in sequence.steps:
        form.steps.append_entry({"after": format_delay(step.after_seconds), "window": step.window,
                                 "condition": step.condition, "subject": step.subject, "markdown": step.markdown})
    for _blank in range(NEW_STEPS):
        form.steps.append_entry({"after": "3d"})
    return form


def _definition(sequence: Sequence, form: SequenceForm) -> dict[str, Any]:
    """The file's JSON from the editor: the sequence's trigger and audience, the steps and exits posted."""
    steps = []
    for entry in form.steps:
        step = entry.form
        if step.remove.data or not ((step.subject.data or "").strip() or (step.markdown.data or "").strip()):
            continue
        steps.append({"after": (step.after.data or "0").strip(), "subject": (step.subject.data or "").strip(),
                      "markdown": (step.markdown.data or "").strip(),
                      **({"window": step.window.data.strip()} if (step.window.data or "").strip() else {}),
                      **({"if": step.condition.data} if step.condition.data else {})})
    kept = [e for e in sequence.exits if e in ("unsubscribed", "erased")]
    definition = {key: value for key, value in sequence.definition.items() if key in ("trigger", "audience")}
    return {"name": sequence.name, **definition, "steps": steps, "exit": kept + list(form.exits.data or [])}


def _render_editor(sequence: Sequence, form: SequenceForm, status: int = 200):
    counts = sequence_counts(sequence)
    timeline, offset = [], 0
    for step in sequence.steps:
        offset += step.after_seconds
        timeline.append({"step": step, "after": delay_label(step.after_seconds), "from_trigger": delay_label(offset),
                         "condition": CONDITION_LABELS.get(step.condition, step.condition),
                         "waiting": counts["waiting"].get(str(step.position), 0),
                         "queued": counts["queued"].get(str(step.position), 0),
                         "passed": counts["passed"].get(str(step.position), 0)})
    return render_template("admin/sequence_edit.html", sequence=sequence, form=form, counts=counts, timeline=timeline,
                           trigger_label=trigger_label(sequence), exit_labels=EXIT_LABELS,
                           test_form=TestSendForm(formdata=None)), status


@bp.route("/sequences/<int:sequence_id>", methods=["GET", "POST"])
def sequence_edit(sequence_id: int):
    sequence = _sequence_or_404(sequence_id)
    form = _editor_form(sequence)
    if request.method == "GET":
        return _render_editor(sequence, form)
    if not form.validate_on_submit():
        flash(_("Séquence non enregistrée : corrigez les champs signalés."), "error")
        return _render_editor(sequence, form, 400)
    try:
        load_sequence(_definition(sequence, form))
    except LettrineError as exc:
        db.session.rollback()
        flash(_("Séquence non enregistrée : %(error)s", error=exc.message), "error")
        return _render_editor(_sequence_or_404(sequence_id), form, 400)
    flash(_("Séquence enregistrée."), "success")
    return redirect(url_for("admin.sequence_edit", sequence_id=sequence.id))


@bp.route("/sequences/<int:sequence_id>/pause", methods=["POST"])
def sequence_pause(sequence_id: int):
    sequence = _sequence_or_404(sequence_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    paused = request.form.get("paused") == "1"
    set_paused(sequence, paused)
    flash(_("Séquence en pause : chacun attend là où il en est.") if paused
          else _("Séquence reprise : les étapes dues partent au prochain passage du planificateur."), "success")
    return redirect(url_for("admin.sequence_edit", sequence_id=sequence.id))


@bp.route("/sequences/<int:sequence_id>/steps/<int:position>/preview")
def sequence_step_preview(sequence_id: int, position: int):
    sequence = _sequence_or_404(sequence_id)
    step, campaign = _step_or_404(sequence, position)
    return render_template("admin/sequence_step_preview.html", sequence=sequence, step=step, campaign=campaign,
                           preview=preview_message(campaign), parts=preview_message(campaign).parts,
                           test_form=TestSendForm(formdata=None))


@bp.route("/sequences/<int:sequence_id>/steps/<int:position>/test", methods=["POST"])
def sequence_step_test(sequence_id: int, position: int):
    """The step's real message, marked [TEST], to a few addresses (the campaign test send)."""
    sequence = _sequence_or_404(sequence_id)
    _step, campaign = _step_or_404(sequence, position)
    if test_send_from_form(campaign):
        return redirect(url_for("admin.campaign_tests", campaign_id=campaign.id))
    return redirect(url_for("admin.sequence_step_preview", sequence_id=sequence.id, position=position))
