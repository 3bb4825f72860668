"""Checks on what the officer typed, added to preflight (``app.message.preflight`` checks
the rendered bytes; these check the campaign's own fields, which the rendering hides):

- a reply-to that is not an address ("pas-une-adresse");
- a newsletter block left empty, or invalid;
- an announcement for a cycle whose journées are all past (a warning: the demo's 2016
  cycle stays sendable).

``campaign_checks(campaign)`` returns French errors, ``campaign_warnings`` warnings;
``require_preflight`` and the preview add them to preflight's (the lead may move the
calls into ``preflight()`` itself).
"""
from __future__ import annotations

from app.models import Campaign, CampaignTemplate, Cycle, utcnow
from app.extensions import db
from app.services.audience import InvalidAddress, normalise_email
from app.services.blocks import BLOCK_TYPES, validate_blocks


def _empty(block: dict) -> bool:
    fields = BLOCK_TYPES.get(str(block.get("type")), ("", ()))[1]
    return all(str(block.get(f.name) or "").strip() in ("", "False") for f in fields if f.kind != "checkbox")


def campaign_checks(campaign: Campaign) -> list[str]:
    errors: list[str] = []
    reply_to = (campaign.reply_to or "").strip()
    if reply_to:
        try:
            normalise_email(reply_to)
        except InvalidAddress:
            errors.append(f"L'adresse de réponse « {reply_to} » n'est pas une adresse e-mail valide.")
    if campaign.template == CampaignTemplate.NEWSLETTER:
        blocks = list((campaign.content or {}).get("blocks", []))
        for index, block in enumerate(blocks, start=1):
            if _empty(block):
                errors.append(f"Bloc {index} ({BLOCK_TYPES.get(block.get('type'), ('?',))[0]}) : il est vide ; "
                              "remplissez-le ou supprimez-le.")
        errors.extend(e for e in validate_blocks([b for b in blocks if not _empty(b)]) if e not in errors)
    return errors


def campaign_warnings(campaign: Campaign) -> list[str]:
    """Warnings (shown, not blocking): the demo's 2016 announcement must stay sendable."""
    warnings: list[str] = []
    if campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT and campaign.cycle_id:
        cycle = db.session.get(Cycle, campaign.cycle_id)
        if cycle is not None and cycle.journees and all(j.starts_at <= utcnow() for j in cycle.journees):
            warnings.append("Toutes les journées de ce cycle sont passées : dupliquez-le sur de nouvelles dates "
                            "avant de l'annoncer.")
    return warnings
