"""Campaigns: the list, a new campaign from a template, the composer, the live audience count
and the test send. Preview, sending actions and reports live in their own modules."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.digits import is_digits
from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, MailingList
from app.models import MessageStatus, TransactionalMessage, not_a_step_campaign, utcnow
from app.services.audience import cached_count, draft_count, live_count
from app.services.campaigns import (
    BLOCK_TYPES,
    EDITABLE_STATUSES,
    FIELD_LIMITS,
    FILTER_LIMIT,
    CampaignFields,
    CompositionError,
    TestSendError,
    campaign_figures,
    create_campaign,
    empty_block,
    place_images,
    send_test,
    test_reference,
    update_campaign,
)
from app.services.support import media_url
from app.timeutil import format_local, to_local
from app.services.events import cycle_choices, journee_choices
from app.web.admin.cycle_editor import CycleTextsForm
from app.web.admin.audiences import audience_context, event_segment
from app.web.admin import add_nav, bp
from app.web.inputs import form_ids

add_nav("admin.campaigns_index", _l("Campagnes"), 30)

EDITABLE = EDITABLE_STATUSES
TEMPLATE_LABELS = {
    CampaignTemplate.CYCLE_ANNOUNCEMENT: _l("Annonce de cycle"),
    CampaignTemplate.REMINDER: _l("Rappel de journée"),
    CampaignTemplate.NEWSLETTER: _l("Lettre d'information (blocs)"),
}
NO_LINE_BREAK = Regexp(r"^[^\r\n]*$", message=_l("Pas de retour à la ligne ici."))


class NewCampaignForm(FlaskForm):
    template = SelectField(_l("Modèle"), choices=[(t.value, l) for t, l in TEMPLATE_LABELS.items()])
    name = StringField(_l("Nom interne"), validators=[DataRequired(), Length(max=300)])
    cycle_id = SelectField(_l("Cycle"), coerce=int, validators=[Optional()])
    journee_id = SelectField(_l("Journée (pour un rappel)"), coerce=int, validators=[Optional()])


def _limit(field: str) -> Length:
    return Length(max=FIELD_LIMITS[field])


class CampaignForm(FlaskForm):
    """The composer's fields; the limits are the service's own (it checks them again)."""

    name = StringField(_l("Nom interne"), validators=[DataRequired(), _limit("name"), NO_LINE_BREAK])
    subject = StringField(_l("Objet"), validators=[DataRequired(), _limit("subject"), NO_LINE_BREAK])
    preheader = StringField(_l("Texte d'aperçu (affiché après l'objet)"), validators=[Optional(), _limit("preheader"), NO_LINE_BREAK])
    from_name = StringField(_l("Nom de l'expéditeur"), validators=[Optional(), _limit("from_name"), NO_LINE_BREAK])
    reply_to = StringField(_l("Adresse de réponse"), validators=[Optional(), _limit("reply_to"), NO_LINE_BREAK])
    segment_function = StringField(_l("Fonction contient"), validators=[Optional(), Length(max=FILTER_LIMIT)])
    segment_commune = StringField(_l("Commune contient"), validators=[Optional(), Length(max=FILTER_LIMIT)])
    segment_organisation = StringField(_l("Organisme contient"), validators=[Optional(), Length(max=FILTER_LIMIT)])


class TestSendForm(FlaskForm):
    addresses = TextAreaField(_l("Adresses de test (une par ligne, 10 au plus)"))


def _cycle_choices() -> list[tuple[int, str]]:
    return [(0, "—")] + cycle_choices()


def _journee_choices() -> list[tuple[int, str]]:
    return [(0, "—")] + journee_choices()


def _campaign_or_404(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


@bp.route("/campaigns")
def campaigns_index():
    status = request.args.get("status", "")
    query = select(Campaign).where(not_a_step_campaign()).order_by(Campaign.updated_at.desc())
    if status in {s.value for s in CampaignStatus}:
        query = query.where(Campaign.status == CampaignStatus(status))
    rows = db.session.scalars(query.limit(200)).all()
    return render_template("admin/campaigns.html", campaigns=rows, labels=TEMPLATE_LABELS, status=status,
                           statuses=list(CampaignStatus))


@bp.route("/campaigns/new", methods=["GET", "POST"])
def campaign_new():
    form = NewCampaignForm()
    form.cycle_id.choices = _cycle_choices()
    form.journee_id.choices = _journee_choices()
    if request.method == "GET" and request.args.get("template"):
        form.template.data = request.args["template"]
    if form.validate_on_submit():
        try:
            campaign = create_campaign(CampaignFields(
                name=form.name.data, template=CampaignTemplate(form.template.data),
                cycle_id=form.cycle_id.data or None, journee_id=form.journee_id.data or None,
            ), created_by=current_user.id)
        except CompositionError as exc:
            flash(str(exc), "error")
            return render_template("admin/campaign_new.html", form=form), 400
        flash(_("Campagne créée : complétez-la puis prévisualisez-la."), "success")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
    return render_template("admin/campaign_new.html", form=form)


def _blocks_from_form(form_data) -> list[dict[str, Any]]:
    """Rebuild the blocks list from ``blocks-<i>-<field>`` inputs, in index order."""
    blocks: list[dict[str, Any]] = []
    index = 0
    while f"blocks-{index}-type" in form_data:
        kind = form_data[f"blocks-{index}-type"]
        if kind in BLOCK_TYPES:
            block: dict[str, Any] = {"type": kind}
            for field in BLOCK_TYPES[kind][1]:
                key = f"blocks-{index}-{field.name}"
                block[field.name] = key in form_data if field.kind == "checkbox" else form_data.get(key, "").strip()
            if kind == "image":  # the library image picked in the block (its address follows from it)
                block["media"] = form_data.get(f"blocks-{index}-media", "").strip()
            blocks.append(block)
        index += 1
    return blocks


def _uploads_from_form(files) -> dict[int, tuple[bytes, str]]:
    """Files chosen in image blocks (``blocks-<i>-upload``), by block index."""
    uploads = {}
    for key, file in files.items():
        index = key.removeprefix("blocks-").removesuffix("-upload")
        if key.startswith("blocks-") and key.endswith("-upload") and is_digits(index) and file.filename:
            uploads[int(index)] = (file.read(), file.filename)
    return uploads


def _block_anchor(action: str, count: int) -> str | None:
    """Where the author is after a block button: the moved block at its new place, the uploaded one."""
    verb, _sep, arg = action.partition(":")
    if not is_digits(arg):
        return f"block-{count - 1}" if verb == "add" and count else None
    i = int(arg) + {"up": -1, "down": 1}.get(verb, 0)
    return f"block-{max(0, min(i, count - 1))}" if verb in {"up", "down", "upload"} and count else None


def _apply_block_action(blocks: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """"add:image", "remove:2", "up:1", "down:0": the composer's buttons, without JavaScript
    ("upload:3" only sends the file chosen in block 3, placed by :func:`place_images`)."""
    verb, _sep, arg = action.partition(":")
    if verb == "add" and arg in BLOCK_TYPES:
        blocks.append(empty_block(arg))
    elif verb in {"remove", "up", "down"} and is_digits(arg) and int(arg) < len(blocks):
        i = int(arg)
        if verb == "remove":
            blocks.pop(i)
        elif verb == "up" and i > 0:
            blocks[i - 1], blocks[i] = blocks[i], blocks[i - 1]
        elif verb == "down" and i + 1 < len(blocks):
            blocks[i + 1], blocks[i] = blocks[i], blocks[i + 1]
    return blocks


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
def campaign_edit(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    editable = campaign.status in EDITABLE
    form = CampaignForm(obj=campaign)
    all_lists = db.session.scalars(select(MailingList).order_by(MailingList.name)).all()
    blocks = list((campaign.content or {}).get("blocks", []))
    if request.method == "GET":
        segment = campaign.segment or {}
        form.segment_function.data = segment.get("function", "")
        form.segment_commune.data = segment.get("commune", "")
        form.segment_organisation.data = segment.get("organisation", "")
    elif not editable or form.validate_on_submit():  # the service says why a campaign can no longer change
        action = request.form.get("action", "save")
        posted, image_problems = None, []
        if campaign.template == CampaignTemplate.NEWSLETTER:
            posted = _blocks_from_form(request.form)
            if editable:
                image_problems = place_images(posted, _uploads_from_form(request.files), actor=current_user.email)
            posted = _apply_block_action(posted, action)
        event, event_error = (None, "") if campaign.template == CampaignTemplate.REMINDER else \
            event_segment(request.form.get("event", ""))
        if event_error:
            flash(event_error, "error")
        chosen = form_ids("lists")
        fields = CampaignFields(
            name=form.name.data or "", subject=form.subject.data or "", preheader=form.preheader.data or "",
            from_name=form.from_name.data or "", reply_to=form.reply_to.data or "",
            filters={"function": form.segment_function.data or "", "commune": form.segment_commune.data or "",
                     "organisation": form.segment_organisation.data or ""},
            audience=event or {}, lists=[l for l in all_lists if l.id in chosen], blocks=posted,
        )
        try:
            problems = update_campaign(campaign, fields, keep_invalid_blocks=True)
        except CompositionError as exc:
            flash(str(exc), "error")
            return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
        for message in image_problems:
            flash(message, "error")
        if action == "save":
            for message in problems:
                flash(message, "error")
            if not problems:
                flash(_("Campagne enregistrée."), "success")
        anchor = _block_anchor(action, len(posted or []))
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id, _anchor=anchor))
    cycles = dict(cycle_choices())
    cycle = db.session.get(Cycle, campaign.cycle_id) if campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT else None
    return render_template(
        "admin/campaign_edit.html", campaign=campaign, form=form, all_lists=all_lists, blocks=blocks,
        block_types=BLOCK_TYPES, media_url=media_url, cycles=cycles, editable=editable, cycle=cycle,
        texts_form=CycleTextsForm(obj=cycle, formdata=None, prefix="cycle") if cycle is not None else None, audience=cached_count(campaign),
        **audience_context(campaign),
        test_form=TestSendForm(), labels=TEMPLATE_LABELS, p=campaign_figures(campaign), **_schedule_context(campaign),
    )


def _schedule_context(campaign: Campaign) -> dict[str, Any]:
    """Values for the "Programmer" input: Paris wall-clock, its UTC offset, and the earliest allowed minute."""
    now = to_local(utcnow())
    planned = to_local(campaign.scheduled_at) if campaign.scheduled_at else None
    offset = now.strftime("%z")
    return {
        "schedule_min": now.strftime("%Y-%m-%dT%H:%M"),
        "schedule_value": planned.strftime("%Y-%m-%dT%H:%M") if planned else "",
        "local_offset": f"UTC{offset[:3]}:{offset[3:]}",
        "format_local": format_local,
    }


@bp.route("/campaigns/<int:campaign_id>/audience-count")
def campaign_audience_count(campaign_id: int):
    """The live recipient count for the lists and segment being edited (not yet saved)."""
    campaign = _campaign_or_404(campaign_id)
    if campaign.template == CampaignTemplate.REMINDER:
        return jsonify(count=live_count(campaign))
    filters = {k: request.args.get(k, "") for k in ("function", "commune", "organisation") if request.args.get(k)}
    event, _error = event_segment(request.args.get("event", ""))
    return jsonify(count=draft_count(sorted(form_ids("lists", request.args)), filters, event))


@bp.route("/campaigns/<int:campaign_id>/test", methods=["POST"])
def campaign_test_send(campaign_id: int):
    """Send the real message to a few addresses (subscribers' own values when known)."""
    campaign = _campaign_or_404(campaign_id)
    if not test_send_from_form(campaign):
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
    return redirect(url_for("admin.campaign_tests", campaign_id=campaign.id))


def test_send_from_form(campaign: Campaign) -> bool:
    """Send the posted :class:`TestSendForm`'s addresses the campaign's test (also a sequence step's); the
    flash says to whom, or why not. True when queued (the "Tests" page then shows the server's answers)."""
    form = TestSendForm()
    addresses = (form.addresses.data or "").replace(",", "\n").split() if form.validate_on_submit() else []
    try:
        rows = send_test(campaign, addresses, actor=current_user.email)
    except TestSendError as exc:
        flash(str(exc), "error")
        return False
    flash(_("Message de test en file pour %(addresses)s : le résultat s'affiche ici dès que le serveur a répondu.",
            addresses=", ".join(row.to_address for row in rows)), "success")
    return True


@bp.get("/campaigns/<int:campaign_id>/tests")
def campaign_tests(campaign_id: int):
    """The test sends of a campaign and what the server answered (refreshes while any is pending)."""
    campaign = _campaign_or_404(campaign_id)
    rows = db.session.scalars(
        select(TransactionalMessage)
        .where(TransactionalMessage.reference == test_reference(campaign))
        .order_by(TransactionalMessage.id.desc()).limit(20)
    ).all()
    pending = any(r.status in (MessageStatus.QUEUED, MessageStatus.SENDING) for r in rows)
    return render_template("admin/campaign_tests.html", campaign=campaign, rows=rows, pending=pending)
