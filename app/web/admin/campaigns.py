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
from app.message.builder import HeaderInjection, Recipient
from app.sending.compose import test_builder_for
from app.sending.queue import count_audience, count_of, list_audience
from app.sending.transactional import enqueue
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, Journee, MailingList
from app.models import MessageStatus, TransactionalMessage, utcnow
from app.services.audience import InvalidAddress, cached_count, find_subscriber, normalise_email
from app.web.admin.audiences import audience_context, draft_count, event_segment
from app.services.campaigns import BLOCK_TYPES, campaign_figures, empty_block, validate_blocks
from app.services.events import reminder_subject
from app.services.support import unique_slug
from app.timeutil import format_local, to_local
from app.web.admin import add_nav, bp
from app.web.inputs import form_ids

add_nav("admin.campaigns_index", _l("Campagnes"), 30)

EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)
TEMPLATE_LABELS = {
    CampaignTemplate.CYCLE_ANNOUNCEMENT: _l("Annonce de cycle"),
    CampaignTemplate.REMINDER: _l("Rappel de journée"),
    CampaignTemplate.NEWSLETTER: _l("Lettre d'information (blocs)"),
}
NO_LINE_BREAK = Regexp(r"^[^\r\n]*$", message=_l("Pas de retour à la ligne ici."))
MAX_TEST_ADDRESSES = 10


class NewCampaignForm(FlaskForm):
    template = SelectField(_l("Modèle"), choices=[(t.value, l) for t, l in TEMPLATE_LABELS.items()])
    name = StringField(_l("Nom interne"), validators=[DataRequired(), Length(max=300)])
    cycle_id = SelectField(_l("Cycle"), coerce=int, validators=[Optional()])
    journee_id = SelectField(_l("Journée (pour un rappel)"), coerce=int, validators=[Optional()])


class CampaignForm(FlaskForm):
    name = StringField(_l("Nom interne"), validators=[DataRequired(), Length(max=300), NO_LINE_BREAK])
    subject = StringField(_l("Objet"), validators=[DataRequired(), Length(max=300), NO_LINE_BREAK])
    preheader = StringField(_l("Texte d'aperçu (affiché après l'objet)"), validators=[Optional(), Length(max=200), NO_LINE_BREAK])
    from_name = StringField(_l("Nom de l'expéditeur"), validators=[Optional(), Length(max=200), NO_LINE_BREAK])
    reply_to = StringField(_l("Adresse de réponse"), validators=[Optional(), Length(max=320), NO_LINE_BREAK])
    segment_function = StringField(_l("Fonction contient"), validators=[Optional(), Length(max=200)])
    segment_commune = StringField(_l("Commune contient"), validators=[Optional(), Length(max=200)])
    segment_organisation = StringField(_l("Organisme contient"), validators=[Optional(), Length(max=200)])


class TestSendForm(FlaskForm):
    addresses = TextAreaField(_l("Adresses de test (une par ligne, 10 au plus)"), validators=[DataRequired()])


def _cycle_choices() -> list[tuple[int, str]]:
    return [(0, "—")] + [(c.id, c.title) for c in db.session.scalars(select(Cycle).order_by(Cycle.id.desc()))]


def _journee_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Journee).join(Cycle).order_by(Cycle.id.desc(), Journee.number))
    return [(0, "—")] + [(j.id, f"{j.cycle.title} — {_('Journée')} {j.number}") for j in rows]


def _campaign_or_404(campaign_id: int) -> Campaign:
    return db.session.get(Campaign, campaign_id) or abort(404)


@bp.route("/campaigns")
def campaigns_index():
    status = request.args.get("status", "")
    query = select(Campaign).order_by(Campaign.updated_at.desc())
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
        template = CampaignTemplate(form.template.data)
        campaign = Campaign(name=form.name.data.strip(), template=template, created_by=current_user.id,
                            slug=unique_slug(Campaign, form.name.data))
        if template == CampaignTemplate.CYCLE_ANNOUNCEMENT:
            cycle = db.session.get(Cycle, form.cycle_id.data or 0)
            if cycle is None:
                flash(_("Choisissez le cycle à annoncer."), "error")
                return render_template("admin/campaign_new.html", form=form), 400
            campaign.cycle_id = cycle.id
            campaign.subject = f"{cycle.kicker + ' : ' if cycle.kicker else ''}{cycle.title}"[:300]
            campaign.preheader = (cycle.period or "")[:200]
        elif template == CampaignTemplate.REMINDER:
            journee = db.session.get(Journee, form.journee_id.data or 0)
            if journee is None:
                flash(_("Choisissez la journée à rappeler."), "error")
                return render_template("admin/campaign_new.html", form=form), 400
            campaign.cycle_id, campaign.journee_id = journee.cycle_id, journee.id
            campaign.subject = reminder_subject(journee)  # the automatic reminders' rule
        else:
            campaign.content = {"blocks": [empty_block("title"), empty_block("text")]}
        default_list = db.session.scalar(select(MailingList).order_by(MailingList.id))
        if default_list is not None and template != CampaignTemplate.REMINDER:
            campaign.lists = [default_list]
        db.session.add(campaign)
        db.session.commit()
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
            blocks.append(block)
        index += 1
    return blocks


def _apply_block_action(blocks: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """"add:image", "remove:2", "up:1", "down:0": the composer's buttons, without JavaScript."""
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
    elif not editable:
        flash(_("Cette campagne n'est plus modifiable (statut : %(status)s).", status=campaign.status.value), "error")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
    elif form.validate_on_submit():
        if campaign.template == CampaignTemplate.NEWSLETTER:
            blocks = _apply_block_action(_blocks_from_form(request.form), request.form.get("action", "save"))
        errors = validate_blocks(blocks) if request.form.get("action", "save") == "save" else []
        for field in ("name", "subject", "preheader", "from_name", "reply_to"):
            setattr(campaign, field, (getattr(form, field).data or "").strip())
        # The criterion is read first: its lookups autoflush, and a JSON dict changed in
        # place after being assigned is not seen by the next flush.
        event, event_error = (None, "") if campaign.template == CampaignTemplate.REMINDER else \
            event_segment(request.form.get("event", ""))
        if event_error:
            flash(event_error, "error")
        segment = {k: v for k, v in {
            "function": form.segment_function.data, "commune": form.segment_commune.data,
            "organisation": form.segment_organisation.data}.items() if v and v.strip()}
        campaign.segment = {**segment, "event": event} if event else segment
        if campaign.template != CampaignTemplate.REMINDER:
            chosen = form_ids("lists")
            campaign.lists = [l for l in all_lists if l.id in chosen]
        if campaign.template == CampaignTemplate.NEWSLETTER:
            campaign.content = {**(campaign.content or {}), "blocks": blocks}
        db.session.commit()
        for message in errors:
            flash(message, "error")
        if not errors and request.form.get("action", "save") == "save":
            flash(_("Campagne enregistrée."), "success")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
    cycles = {c.id: c.title for c in db.session.scalars(select(Cycle))}
    return render_template(
        "admin/campaign_edit.html", campaign=campaign, form=form, all_lists=all_lists, blocks=blocks,
        block_types=BLOCK_TYPES, cycles=cycles, editable=editable, audience=cached_count(campaign),
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
        return jsonify(count=count_audience(campaign))
    chosen = sorted(form_ids("lists", request.args))
    segment = {k: request.args.get(k, "") for k in ("function", "commune", "organisation") if request.args.get(k)}
    event, _error = event_segment(request.args.get("event", ""))
    if event:
        return jsonify(count=draft_count(chosen, {**segment, "event": event}))
    count = count_of(list_audience(chosen, segment)) if chosen else 0
    return jsonify(count=count)


@bp.route("/campaigns/<int:campaign_id>/test", methods=["POST"])
def campaign_test_send(campaign_id: int):
    """Send the real message to a few addresses (subscribers' own values when known)."""
    campaign = _campaign_or_404(campaign_id)
    form = TestSendForm()
    if not form.validate_on_submit():
        flash(_("Indiquez au moins une adresse de test."), "error")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
    raw = [a for a in form.addresses.data.replace(",", "\n").split() if a.strip()]
    if len(raw) > MAX_TEST_ADDRESSES:
        flash(_("Dix adresses de test au plus."), "error")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
    try:
        addresses = [normalise_email(a) for a in raw]
    except InvalidAddress as exc:
        flash(_("Adresse de test invalide : %(error)s", error=str(exc)), "error")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
    try:
        builder = test_builder_for(campaign)
        for address in addresses:
            known = find_subscriber(address)
            recipient = Recipient(
                subscriber_id=known.id if known else 0, uid=known.uid if known else "test",
                email=address, first_name=known.first_name if known else "",
                last_name=known.last_name if known else "",
            )
            enqueue("test", builder.build(recipient), subscriber_id=known.id if known else None,
                    reference=f"test:campaign:{campaign.id}")
        db.session.commit()
    except HeaderInjection:
        db.session.rollback()
        flash(_("L'objet ou l'expéditeur contient un retour à la ligne : corrigez-le."), "error")
        return redirect(url_for("admin.campaign_edit", campaign_id=campaign.id))
    flash(_("Message de test en file pour %(addresses)s : le résultat s'affiche ici dès que le serveur a répondu.",
            addresses=", ".join(addresses)), "success")
    return redirect(url_for("admin.campaign_tests", campaign_id=campaign.id))


@bp.get("/campaigns/<int:campaign_id>/tests")
def campaign_tests(campaign_id: int):
    """The test sends of a campaign and what the server answered (refreshes while any is pending)."""
    campaign = _campaign_or_404(campaign_id)
    rows = db.session.scalars(
        select(TransactionalMessage)
        .where(TransactionalMessage.reference == f"test:campaign:{campaign.id}")
        .order_by(TransactionalMessage.id.desc()).limit(20)
    ).all()
    pending = any(r.status in (MessageStatus.QUEUED, MessageStatus.SENDING) for r in rows)
    return render_template("admin/campaign_tests.html", campaign=campaign, rows=rows, pending=pending)
