"""The cycle editor: create and edit a cycle (texts, venue, contact, registration settings, reminder
rules) and its journées, with the timeline of every message the cycle will send.

Every write goes through ``app.services.events.cycles``: ``save_cycle`` keeps reminders in step,
and ``move_journee`` (when a journée's date or times change) sends registrants the updated
.ics. Dates and times are entered in Europe/Paris and stored in UTC.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from app.extensions import db
from app.models import Campaign, Cycle, Journee
from app.models.events import DEFAULT_REMINDER_RULES
from app.services.campaigns import cycle_timeline, open_announcement
from app.services.events import (
    ANNOUNCEMENT_TEXT_FIELDS,
    JOURNEE_TEXT_FIELDS,
    CycleError,
    InvalidReminderRules,
    add_journee,
    delete_journee,
    parse_rules,
    save_cycle,
    save_cycle_texts,
    save_journee,
)
from app.services.support import unique_slug
from app.timeutil import local_to_utc, to_local
from app.web.admin import bp

MARKDOWN_HINT = _l("Markdown simple : **gras**, *italique*, listes « - », liens [texte](https://…).")
CYCLE_TEXT_FIELDS = ("kicker", "title", "subtitle", "period", "introduction", "stakes", "objectives", "audience",
                     "format", "speakers", "sponsor_note", "venue_name", "venue_room", "venue_address",
                     "contact_name", "contact_email", "contact_phone", "registration_url", "agenda_url")
OPTIONAL_URL = [Optional(), URL(require_tld=False, message=_l("Adresse web invalide (https://…)."))]


class CycleTextsForm(FlaskForm):
    """The cycle's announcement texts: in the cycle editor, and in its announcement's campaign."""

    kicker = StringField(_l("Surtitre (ex. « Cycle de qualification »)"), validators=[Length(max=200)])
    title = StringField(_l("Titre"), validators=[DataRequired(message=_l("Le titre est obligatoire.")), Length(max=300)])
    subtitle = StringField(_l("Sous-titre"), validators=[Length(max=300)])
    period = StringField(_l("Période (ex. « Mars 2016 – Juin 2016 »)"), validators=[Length(max=200)])
    introduction = TextAreaField(_l("Introduction"))
    stakes = TextAreaField(_l("Enjeux"))
    objectives = TextAreaField(_l("Objectifs"))
    audience = TextAreaField(_l("Public"))
    format = TextAreaField(_l("Format"))
    speakers = TextAreaField(_l("Intervenants"))
    sponsor_note = TextAreaField(_l("Mention des financeurs"))


class CycleForm(CycleTextsForm):
    venue_name = StringField(_l("Lieu"), validators=[Length(max=300)])
    venue_room = StringField(_l("Salle"), validators=[Length(max=300)])
    venue_address = TextAreaField(_l("Adresse"))
    contact_name = StringField(_l("Contact : nom"), validators=[Length(max=200)])
    contact_email = EmailField(_l("Contact : e-mail"), validators=[Optional(), Email(message=_l("Adresse e-mail invalide.")), Length(max=320)])
    contact_phone = StringField(_l("Contact : téléphone"), validators=[Length(max=50)])
    registration_required = BooleanField(_l("Inscription obligatoire"))
    capacity = IntegerField(_l("Places par journée (vide = illimité)"), validators=[
        Optional(), NumberRange(min=1, message=_l("Au moins une place (ou laissez vide)."))])
    hold_seats = BooleanField(_l("Places réservées seulement après confirmation de l'adresse par un clic "
                                 "(cycles avec un nombre de places)"), default=True)
    registration_url = StringField(_l("Formulaire d'inscription externe (vide = celui de Lettrine)"),
                                   validators=[*OPTIONAL_URL, Length(max=500)])
    agenda_url = StringField(_l("Page programme (facultatif)"), validators=[*OPTIONAL_URL, Length(max=500)])
    published = BooleanField(_l("Publié (visible dans l'agenda et ouvert aux inscriptions)"))


class JourneeForm(FlaskForm):
    number = IntegerField(_l("Numéro"), validators=[DataRequired(message=_l("Numéro obligatoire.")),
                                                   NumberRange(min=1, max=99)])
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Date obligatoire (JJ/MM/AAAA)."))])
    start = TimeField(_l("Début (heure de Paris)"), validators=[DataRequired(message=_l("Heure de début obligatoire."))])
    end = TimeField(_l("Fin (heure de Paris)"), validators=[DataRequired(message=_l("Heure de fin obligatoire."))])
    title = StringField(_l("Titre de la journée"), validators=[Length(max=300)])
    introduction = TextAreaField(_l("Introduction"))
    objectives = TextAreaField(_l("Objectifs"))
    work_axes = TextAreaField(_l("Axes de travail"))


RULE_ROWS = 5  # rows shown in the "Rappels" card (the filled ones plus blank ones)
RuleRow = tuple[str, str, str]  # days before, HH:MM, the reminder's introduction


def _posted_rule_rows() -> list[RuleRow] | None:
    """The "N jours avant, à HH:MM" rows and their introductions as posted (None when the form had none)."""
    if not any(f"rule-days-{i}" in request.form for i in range(RULE_ROWS)):
        return None
    rows = [(request.form.get(f"rule-days-{i}", "").strip(), request.form.get(f"rule-time-{i}", "").strip(),
             request.form.get(f"rule-intro-{i}", "").strip()) for i in range(RULE_ROWS)]
    return [row for row in rows if row[0] or row[1]]


def _rules_from_form(current: list[dict] | None) -> list[dict]:
    """The rules from the rows: the one place and the one syntax for them. A form without the rows
    keeps the rules as they are (``current``; the defaults for a new cycle)."""
    rows = _posted_rule_rows()
    if rows is None:
        return current if current is not None else [dict(r) for r in DEFAULT_REMINDER_RULES]
    return [r.as_json() for r in parse_rules([{"days_before": d, "time": t or "09:00", "intro": i} for d, t, i in rows])]


def _rule_rows(cycle: Cycle | None) -> list[RuleRow]:
    """What the rows show: what was just posted (kept after an error, never a Python list),
    else the cycle's rules, else the defaults; padded with blank rows."""
    rows = _posted_rule_rows() if request.method == "POST" else None
    if rows is None:
        try:
            rules = parse_rules(cycle.reminder_rules if cycle is not None else DEFAULT_REMINDER_RULES)
        except InvalidReminderRules:
            rules = []
        rows = [(str(r.days_before), r.at.strftime("%H:%M"), r.intro) for r in rules]
    return (rows + [("", "", "")] * RULE_ROWS)[:max(RULE_ROWS, len(rows))]


def _journee_form(journee: Journee | None, **kwargs) -> JourneeForm:
    prefix = f"j{journee.id}" if journee else "new"
    form = JourneeForm(prefix=prefix, **kwargs)
    if journee is not None and not form.is_submitted():
        form.process(obj=journee)
        form.day.data = to_local(journee.starts_at).date()
        form.start.data = to_local(journee.starts_at).time()
        form.end.data = to_local(journee.ends_at).time()
    return form


def _cycle_or_404(cycle_id: int) -> Cycle:
    return db.session.get(Cycle, cycle_id) or abort(404)


def _render(cycle: Cycle | None, form: CycleForm, journee_forms: dict | None = None, status: int = 200):
    journee_forms = journee_forms or {}
    if cycle is not None:
        for journee in cycle.journees:
            journee_forms.setdefault(journee.id, _journee_form(journee, formdata=None))
        if "new" not in journee_forms:
            next_number = max((j.number for j in cycle.journees), default=0) + 1
            journee_forms["new"] = _journee_form(None, formdata=None, data={"number": next_number})
    return render_template(
        "admin/cycle_edit.html", cycle=cycle, form=form, journee_forms=journee_forms,
        timeline=cycle_timeline(cycle) if cycle is not None else [],
        rule_rows=_rule_rows(cycle),
        markdown_hint=MARKDOWN_HINT, text_areas={"introduction", "stakes", "objectives", "audience", "format",
                                                 "speakers", "sponsor_note", "venue_address"},
    ), status


def _apply(form: CycleForm, cycle: Cycle) -> None:
    """Copy the form onto the cycle; InvalidReminderRules when a rule's row is wrong."""
    for name in CYCLE_TEXT_FIELDS:
        setattr(cycle, name, (getattr(form, name).data or "").strip())
    cycle.registration_required = bool(form.registration_required.data)
    cycle.published = bool(form.published.data)
    cycle.capacity = form.capacity.data
    cycle.hold_seats = bool(form.hold_seats.data)
    cycle.reminder_rules = _rules_from_form(cycle.reminder_rules if cycle.id else None)


@bp.route("/events/new", methods=["GET", "POST"])
def cycle_create():
    form = CycleForm()
    if request.method == "GET":
        form.registration_required.data = True
        form.hold_seats.data = True
        form.published.data = False
    if form.validate_on_submit():
        cycle = Cycle(slug=unique_slug(Cycle, form.title.data))
        try:
            _apply(form, cycle)
            save_cycle(cycle)
        except (InvalidReminderRules, CycleError) as exc:
            db.session.rollback()
            flash(_("Cycle non enregistré : %(error)s", error=str(exc)), "error")
            return _render(None, form, status=400)
        flash(_("Cycle créé : ajoutez maintenant ses journées."), "success")
        return redirect(url_for("admin.cycle_edit", cycle_id=cycle.id))
    return _render(None, form, status=400 if form.is_submitted() else 200)


@bp.route("/events/<int:cycle_id>/edit", methods=["GET", "POST"])
def cycle_edit(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = CycleForm(obj=cycle)
    if request.method == "GET":
        return _render(cycle, form)
    if not form.validate_on_submit():
        flash(_("Le cycle n'a pas été enregistré : corrigez les champs signalés."), "error")
        return _render(cycle, form, status=400)
    try:
        _apply(form, cycle)
        report = save_cycle(cycle)
    except (InvalidReminderRules, CycleError) as exc:
        db.session.rollback()
        flash(_("Cycle non enregistré : %(error)s", error=str(exc)), "error")
        return _render(_cycle_or_404(cycle_id), form, status=400)
    flash(_("Cycle enregistré ; rappels : %(a)s créé(s), %(b)s déplacé(s), %(c)s annulé(s).",
            a=len(report.created), b=len(report.updated), c=len(report.cancelled)), "success")
    return redirect(url_for("admin.cycle_edit", cycle_id=cycle.id))


def _journee_times(form: JourneeForm):
    return local_to_utc(form.day.data, form.start.data), local_to_utc(form.day.data, form.end.data)


@bp.route("/events/<int:cycle_id>/journees/new", methods=["POST"])
def journee_add(cycle_id: int):
    cycle = _cycle_or_404(cycle_id)
    form = _journee_form(None)
    if not form.validate_on_submit():
        flash(_("Journée non ajoutée : corrigez les champs signalés."), "error")
        return _render(cycle, CycleForm(obj=cycle, formdata=None),
                       {"new": form}, status=400)
    start, end = _journee_times(form)
    try:
        journee = add_journee(cycle, number=form.number.data, starts_at=start, ends_at=end,
                              texts={f: getattr(form, f).data for f in JOURNEE_TEXT_FIELDS})
    except CycleError as exc:
        flash(_("Journée non ajoutée : %(error)s", error=str(exc)), "error")
        cycle = _cycle_or_404(cycle_id)
        return _render(cycle, CycleForm(obj=cycle, formdata=None),
                       {"new": form}, status=400)
    flash(_("Journée %(n)s ajoutée ; ses rappels sont programmés.", n=journee.number), "success")
    return redirect(url_for("admin.cycle_edit", cycle_id=cycle.id) + f"#journee-{journee.id}")


def _journee_or_404(cycle: Cycle, journee_id: int) -> Journee:
    journee = db.session.get(Journee, journee_id)
    if journee is None or journee.cycle_id != cycle.id:
        abort(404)
    return journee


@bp.route("/events/<int:cycle_id>/journees/<int:journee_id>/edit", methods=["POST"])
def journee_save(cycle_id: int, journee_id: int):
    """Save a journée; a new date or time goes through move_journee (registrants get the new .ics)."""
    cycle = _cycle_or_404(cycle_id)
    journee = _journee_or_404(cycle, journee_id)
    form = _journee_form(journee)
    if not form.validate_on_submit():
        flash(_("Journée non enregistrée : corrigez les champs signalés."), "error")
        return _render(cycle, CycleForm(obj=cycle, formdata=None),
                       {journee.id: form}, status=400)
    start, end = _journee_times(form)
    try:
        moved = save_journee(journee, number=form.number.data, starts_at=start, ends_at=end,
                             texts={f: getattr(form, f).data for f in JOURNEE_TEXT_FIELDS})
    except CycleError as exc:
        flash(_("Journée non enregistrée : %(error)s", error=str(exc)), "error")
        cycle = _cycle_or_404(cycle_id)
        return _render(cycle, CycleForm(obj=cycle, formdata=None),
                       {journee_id: form}, status=400)
    if moved is not None:
        flash(_("Journée %(n)s déplacée ; %(k)s personne(s) prévenue(s) avec le fichier calendrier mis à jour.",
                n=journee.number, k=moved.notified), "success")
    else:
        flash(_("Journée %(n)s enregistrée.", n=journee.number), "success")
    return redirect(url_for("admin.cycle_edit", cycle_id=cycle.id) + f"#journee-{journee.id}")


@bp.route("/events/<int:cycle_id>/journees/<int:journee_id>/delete", methods=["POST"])
def journee_delete(cycle_id: int, journee_id: int):
    """Delete a journée nobody registered for and whose reminders never left."""
    cycle = _cycle_or_404(cycle_id)
    journee = _journee_or_404(cycle, journee_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        number = delete_journee(journee)
    except CycleError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Journée %(n)s supprimée, ainsi que ses rappels.", n=number), "success")
    return redirect(url_for("admin.cycle_edit", cycle_id=cycle.id))


@bp.route("/events/<int:cycle_id>/announcement", methods=["POST"])
def cycle_announcement(cycle_id: int):
    """"Créer l'annonce": the draft already started if there is one, else a new one."""
    cycle = _cycle_or_404(cycle_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    campaign, created = open_announcement(cycle, announcement_name(cycle), created_by=current_user.id)
    flash(_("Annonce créée : ses textes sont ceux du cycle.") if created else
          _("L'annonce de ce cycle est déjà en brouillon : la voici."), "success" if created else "info")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/cycle-texts", methods=["POST"])
def announcement_texts(campaign_id: int):
    """The announcement's texts, edited from its campaign: they are the cycle's, saved on the cycle."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    cycle = db.session.get(Cycle, campaign.cycle_id or 0) or abort(404)
    form = CycleTextsForm(prefix="cycle")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id) + "#cycle-texts")
    try:
        save_cycle_texts(cycle, {name: form[name].data or "" for name in ANNOUNCEMENT_TEXT_FIELDS})
    except CycleError as exc:
        flash(_("Textes non enregistrés : %(error)s", error=str(exc)), "error")
    else:
        flash(_("Textes du cycle enregistrés : l'annonce, la page d'inscription et les rappels les reprennent."),
              "success")
    return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id) + "#cycle-texts")


def announcement_name(cycle: Cycle) -> str:
    return _("Annonce — %(title)s", title=cycle.title)[:300]

