"""Checks on what the officer typed, added to preflight (``app.message.preflight`` checks
the rendered bytes; these check the campaign's own fields, which the rendering hides):

- a reply-to that is not an address ("pas-une-adresse"), and whatever the header-text check refuses
  in a campaign saved before it existed (a control character in the subject…);
- Lettrine's own per-recipient markers ("LTRNx…") typed into a field;
- a newsletter block left empty, or invalid; a newsletter that greets twice (its greeting block,
  then a text opening with "Bonjour");
- an announcement for a cycle whose journées are all past (a warning: the demo's 2016
  cycle stays sendable); for a cycle not published (an error: a duplicated cycle is a
  draft until the officer publishes it);
- a year in the cycle's texts that is none of its journées' years (a warning: last
  year's funder sentence left in a copy);
- a reminder's subject against the reminders' own rule (``app.services.events.reminders``):
  at most 78 characters, and the journée's date within the first sixty, the part a
  phone shows (a warning: the officer may reword it).

``campaign_checks(campaign)`` returns errors, ``campaign_warnings`` warnings, in the
request's language (French outside requests); ``preflight()`` adds them to its report.
"""
from __future__ import annotations

import json

from flask_babel import gettext as _

from app.extensions import db
from app.message.preflight import SUBJECT_WARN
from app.message.render import MARKER_PREFIX
from app.models import Campaign, CampaignTemplate, Cycle, Journee, utcnow
from app.services.audience import InvalidAddress, normalise_email
from app.services.campaigns.blocks import BLOCK_TYPES, greets_twice, validate_blocks
from app.services.campaigns.composition import header_text_problems
from app.services.events import SUBJECT_LIMIT, french_date, reminder_subject, stray_years


def _empty(block: dict) -> bool:
    fields = BLOCK_TYPES.get(str(block.get("type")), ("", ()))[1]
    if not fields:
        return False  # a block with nothing to fill in (the greeting) is never empty
    return all(str(block.get(f.name) or "").strip() in ("", "False") for f in fields if f.kind != "checkbox")


def _typed_texts(campaign: Campaign) -> list[str]:
    """Everything the officer typed that the message shows: the campaign's fields and its cycle's."""
    texts = [campaign.subject or "", campaign.preheader or "", json.dumps(campaign.content or {}, ensure_ascii=False)]
    cycle = db.session.get(Cycle, campaign.cycle_id) if campaign.cycle_id else None
    if cycle is not None:
        texts += [str(getattr(cycle, column.key) or "") for column in Cycle.__table__.columns]
        texts += [f"{j.title or ''}" for j in cycle.journees]
    return texts


def typed_markers(campaign: Campaign) -> bool:
    """A per-recipient marker ("LTRNx…") typed in a field: the message cannot be composed honestly."""
    return any(MARKER_PREFIX in text for text in _typed_texts(campaign))


def campaign_checks(campaign: Campaign) -> list[str]:
    errors: list[str] = []
    if campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT and campaign.cycle_id:
        cycle = db.session.get(Cycle, campaign.cycle_id)
        if cycle is not None and not cycle.published:  # a duplicated cycle stays a draft until published
            errors.append(_("Le cycle n'est pas publié : son formulaire d'inscription et sa page ne répondent pas "
                            "encore. Relisez ses textes puis cochez « Publié » dans l'éditeur du cycle."))
    # The per-recipient markers the message is compiled with ("LTRNx…"): typed by hand, one would
    # stand for someone's link or code, or stop the build with a message nobody can read.
    if typed_markers(campaign):
        errors.append(_("Le texte « %(marker)s… » est réservé par Lettrine pour les liens personnels : "
                        "retirez-le de l'objet, du contenu ou du cycle.", marker=MARKER_PREFIX))
    reply_to = (campaign.reply_to or "").strip()
    bad_reply_to = False
    if reply_to:
        try:
            normalise_email(reply_to)
        except InvalidAddress:
            bad_reply_to = True
            errors.append(_("L'adresse de réponse « %(address)s » n'est pas une adresse e-mail valide.",
                            address=reply_to))
    errors.extend(header_text_problems(campaign, skip=("reply_to",) if bad_reply_to else ()))
    if campaign.template == CampaignTemplate.NEWSLETTER:
        blocks = list((campaign.content or {}).get("blocks", []))
        for index, block in enumerate(blocks, start=1):
            if _empty(block):
                errors.append(_("Bloc %(n)d (%(kind)s) : il est vide ; remplissez-le ou supprimez-le.", n=index,
                                kind=BLOCK_TYPES.get(block.get("type"), ("?",))[0]))
        errors.extend(e for e in validate_blocks([b for b in blocks if not _empty(b)]) if e not in errors)
    return errors


def _reminder_subject_warnings(campaign: Campaign) -> list[str]:
    """The reminders' rule: the date first, where a phone shows it, and 78 characters at most."""
    journee = db.session.get(Journee, campaign.journee_id) if campaign.journee_id else None
    subject = campaign.subject or ""
    if journee is None or not subject.strip():
        return []
    if len(subject) <= SUBJECT_LIMIT and french_date(journee.starts_at) in subject[:SUBJECT_WARN]:
        return []
    return [_("L'objet de ce rappel ne suit pas la règle des rappels (la date de la journée dans les %(shown)d "
              "premiers caractères, ceux qu'un téléphone affiche ; %(limit)d au plus) : par exemple « %(example)s ».",
              shown=SUBJECT_WARN, limit=SUBJECT_LIMIT, example=reminder_subject(journee))]


def campaign_warnings(campaign: Campaign) -> list[str]:
    """Warnings (shown, not blocking): the demo's 2016 announcement must stay sendable."""
    warnings: list[str] = []
    if campaign.template == CampaignTemplate.CYCLE_ANNOUNCEMENT and campaign.cycle_id:
        cycle = db.session.get(Cycle, campaign.cycle_id)
        if cycle is not None and cycle.journees and all(j.starts_at <= utcnow() for j in cycle.journees):
            warnings.append(_("Toutes les journées de ce cycle sont passées : dupliquez-le sur de nouvelles dates "
                              "avant de l'annoncer."))
    if campaign.template == CampaignTemplate.REMINDER:
        warnings += _reminder_subject_warnings(campaign)
    if campaign.template == CampaignTemplate.NEWSLETTER and greets_twice(list((campaign.content or {}).get("blocks", []))):
        warnings.append(_("Le message salue deux fois : le bloc « Salutation » dit déjà « Bonjour Prénom, » et votre "
                          "texte commence par une salutation. Retirez l'un des deux."))
    if campaign.template in (CampaignTemplate.CYCLE_ANNOUNCEMENT, CampaignTemplate.REMINDER) and campaign.cycle_id:
        cycle = db.session.get(Cycle, campaign.cycle_id)
        for where, year in stray_years(cycle) if cycle is not None else []:
            warnings.append(_("« %(where)s » mentionne %(year)s, qui n'est l'année d'aucune journée du cycle : "
                              "un texte de l'an dernier resté dans la copie ?", where=where, year=year))
    return warnings
