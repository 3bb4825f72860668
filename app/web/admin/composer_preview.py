"""``POST /admin/campaigns/<id>/preview-draft``: the composer's live preview, from the unsaved form.

The composer posts its whole form here (with its CSRF token) into the preview iframe:
``static/composer-preview.js`` does it as she types, the "Prévisualiser" button when
JavaScript is off. The message is built by the send's own builder
(``app.services.campaigns.preflight.sample_message``) from a *transient* copy of the campaign
carrying the form's values, never added to the session: nothing is saved, and the
saved campaign stays what it was.

The response is e-mail HTML with its inline styles, so it gets the preview frames'
own policy (sandboxed, no script, framed by our own pages only: see
``app.web.security.FRAMED_BY_SELF``). A message that cannot be built shows why, in
French, in the frame.
"""
from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.message.builder import HeaderInjection
from app.message.inspect import message_parts
from app.message.render import RenderError
from app.models import Campaign, CampaignTemplate, MailingList
from app.services.campaigns import sample_message
from app.web.admin import bp
from app.web.admin.campaign_preview import _campaign
from app.web.admin.campaigns import EDITABLE, _blocks_from_form
from app.web.inputs import form_ids
from app.web.security import message_csp

# The text fields the preview reads from the form (the rest is the saved campaign's).
FORM_FIELDS = ("name", "subject", "preheader", "from_name", "reply_to")


def draft_of(campaign: Campaign, form: MultiDict) -> Campaign:
    """A transient copy of ``campaign`` with the form's values (never added to the session)."""
    draft = Campaign(
        id=campaign.id, slug=campaign.slug, template=campaign.template, from_email=campaign.from_email,
        cycle_id=campaign.cycle_id, journee_id=campaign.journee_id, track_clicks=campaign.track_clicks,
        content=dict(campaign.content or {}), segment=dict(campaign.segment or {}), status=campaign.status,
        **{f: str(form.get(f, getattr(campaign, f) or "")).strip() for f in FORM_FIELDS},
    )
    if campaign.template == CampaignTemplate.NEWSLETTER:
        draft.content = {**draft.content, "blocks": _blocks_from_form(form)}
    if campaign.template == CampaignTemplate.REMINDER:
        draft.lists = list(campaign.lists)
    else:
        chosen = form_ids("lists", form)
        draft.lists = list(db.session.scalars(
            select(MailingList).where(MailingList.id.in_(chosen)).order_by(MailingList.id))) if chosen else []
    return draft


def _framed(body: str, status: int = 200):
    response = make_response(body, status)
    response.headers["Content-Security-Policy"] = message_csp()
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/campaigns/<int:campaign_id>/preview-draft")
def campaign_preview_draft(campaign_id: int):
    """The real message for a sample subscriber, as the form stands (saved campaigns: as saved)."""
    campaign = _campaign(campaign_id)
    source = draft_of(campaign, request.form) if campaign.status in EDITABLE else campaign
    try:
        with db.session.no_autoflush:
            html = message_parts(sample_message(source).raw).html
    except HeaderInjection:
        error = _("L'objet, l'expéditeur ou l'adresse de réponse contient un saut de ligne.")
    except (RenderError, KeyError, ValueError, TypeError) as exc:
        error = _("Le message ne peut pas être composé : %(error)s", error=str(exc))
    else:
        if html:
            return _framed(html)
        error = _("Le message n'a pas de partie HTML.")
    finally:
        if source is not campaign and source in db.session:
            db.session.expunge(source)
    return _framed(render_template("admin/composer_preview_error.html", error=error), 200)
