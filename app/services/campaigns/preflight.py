"""Preflight of a campaign: its REAL message, built for a sample recipient, checked before it may go.

``preflight(campaign) -> Report`` (errors block sending, warnings inform);
``preflight_errors(campaign) -> list[str]`` for the sending controls and the scheduler.
In a request the admin's language applies; elsewhere (CLI, scheduler) French.
"""
from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context
from flask_babel import force_locale, gettext as _

from app.message.builder import HeaderInjection, OutgoingMessage, Recipient
from app.message.preflight import Report, check_message
from app.message.render import RenderError
from app.models import Campaign
from app.sending.compose import builder_for
from app.sending.language import interface_language
from app.services.campaigns.content_checks import campaign_checks, campaign_warnings, typed_markers

SAMPLE_UID = "apercu-preflight"


def sample_message(campaign: Campaign) -> OutgoingMessage:
    sample = Recipient(subscriber_id=0, uid=SAMPLE_UID, email="apercu@example.org", first_name="Camille",
                       last_name="Exemple")
    return builder_for(campaign).build(sample)


def preflight(campaign: Campaign) -> Report:
    """Render the campaign for a sample recipient and check the result."""
    with (nullcontext() if has_request_context() else force_locale("fr")):
        report = Report()
        if not (campaign.subject or "").strip():
            report.errors.append(_("L'objet du message est vide."))
        # What the campaign itself says, before any byte is built (reply-to, empty blocks, past cycle).
        report.errors += campaign_checks(campaign)
        report.warnings += campaign_warnings(campaign)
        if typed_markers(campaign):
            return report  # said above in plain French; composing would only add "'checkin_code'"
        try:
            outgoing = sample_message(campaign)
        except HeaderInjection:
            report.errors.append(_("L'objet, l'expéditeur ou l'adresse de réponse contient un saut de ligne."))
            return report
        except (RenderError, KeyError, ValueError) as exc:
            report.errors.append(_("Le message ne peut pas être composé : %(error)s", error=str(exc)))
            return report
        config = current_app.config
        return check_message(outgoing.raw, campaign.subject or "", campaign.preheader or "", report,
                             own_base_url=config["BASE_URL"], development=config.get("LETTRINE_ENV") != "production",
                             language=interface_language())


def preflight_errors(campaign: Campaign) -> list[str]:
    """The blocking problems; an empty list means the campaign may be sent."""
    return preflight(campaign).errors
