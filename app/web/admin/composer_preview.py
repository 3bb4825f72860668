"""``POST /admin/campaigns/<id>/preview-draft``: the composer's live preview, from the unsaved form.

The composer posts its whole form here (with its CSRF token) into the preview iframe:
``static/composer-preview.js`` does it as she types, the "Prévisualiser" button when
JavaScript is off. ``preview_draft`` builds the message with the send's own builder from
a *transient* copy of the campaign carrying the form's values: nothing is saved, and
the saved campaign stays what it was.

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
from app.models import Campaign, CampaignTemplate, MailingList
from app.services.campaigns import CampaignFields, preview_draft
from app.web.admin import bp
from app.web.admin.campaign_preview import _campaign
from app.web.admin.campaigns import _blocks_from_form
from app.web.inputs import form_ids
from app.web.security import message_csp

# The text fields the preview reads from the form (the rest is the saved campaign's).
FORM_FIELDS = ("name", "subject", "preheader", "from_name", "reply_to")


def draft_fields(campaign: Campaign, form: MultiDict) -> CampaignFields:
    """The form's values, as the composition service reads them."""
    chosen = form_ids("lists", form)
    lists = list(db.session.scalars(select(MailingList).where(MailingList.id.in_(chosen)))) if chosen else []
    return CampaignFields(
        **{name: form[name] for name in FORM_FIELDS if name in form}, lists=lists,
        blocks=_blocks_from_form(form) if campaign.template == CampaignTemplate.NEWSLETTER else None)


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
    preview = preview_draft(campaign, draft_fields(campaign, request.form))
    if preview.parts.html:
        return _framed(preview.parts.html)
    error = preview.error or _("Le message n'a pas de partie HTML.")
    return _framed(render_template("admin/composer_preview_error.html", error=error), 200)
