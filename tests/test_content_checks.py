"""Preflight additions on the campaign's own fields: reply-to, empty blocks, past cycle."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignTemplate, Journee, MailingList
from app.services.campaigns.blocks import empty_block
from app.services.campaigns.lifecycle import PreflightFailed, require_preflight
from app.services.campaigns.content_checks import campaign_checks, campaign_warnings
from app.services.campaigns.preflight import preflight
from tests.event_factories import make_cycle
from tests.emailcheck import plain_spaces


def _letter(**fields) -> Campaign:
    ml = MailingList(slug="l", name="L")
    campaign = Campaign(slug="c", name="C", subject="Les nouvelles du CRPVE", template=CampaignTemplate.NEWSLETTER,
                        lists=[ml], content={"blocks": [dict(empty_block("title"), text="Bonjour")]}, **fields)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_invalid_reply_to_and_empty_blocks_are_errors(admin_client):
    campaign = _letter(reply_to="pas-une-adresse")
    assert campaign_checks(campaign) == ["L'adresse de réponse « pas-une-adresse » n'est pas une adresse e-mail valide."]
    campaign.reply_to = "contact@crpve91.fr"
    campaign.content = {"blocks": [dict(empty_block("title"), text="Bonjour"), empty_block("text"), empty_block("image")]}
    db.session.commit()
    errors = campaign_checks(campaign)
    assert errors == ["Bloc 2 (Texte) : il est vide ; remplissez-le ou supprimez-le.",
                      "Bloc 3 (Image) : il est vide ; remplissez-le ou supprimez-le."]
    with pytest.raises(PreflightFailed) as refused:
        require_preflight(campaign)
    assert "Bloc 2 (Texte)" in str(refused.value)
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/preview").get_data(as_text=True)
    assert "Bloc 3 (Image) : il est vide" in plain_spaces(page)
    confirm = admin_client.get(f"/admin/campaigns/{campaign.id}/confirm").get_data(as_text=True)
    assert "Bloc 2 (Texte) : il est vide" in plain_spaces(confirm)
    campaign.content = {"blocks": [dict(empty_block("title"), text="Bonjour")]}
    db.session.commit()
    assert campaign_checks(campaign) == []


def test_announcement_of_a_past_cycle_is_warned(app):
    cycle = make_cycle()  # 2016
    campaign = Campaign(slug="a", name="A", subject="S", template=CampaignTemplate.CYCLE_ANNOUNCEMENT, cycle_id=cycle.id)
    db.session.add(campaign)
    db.session.commit()
    assert "sont passées" in campaign_warnings(campaign)[0]


def test_confirmation_repeats_the_warnings(admin_client):
    from app.models import Subscriber, SubscriptionStatus
    from app.services.audience.core import Consent, set_subscription

    cycle = make_cycle()  # 2016: every journée is past
    ml = MailingList(slug="l", name="L")
    person = Subscriber(email="p@example.org")
    db.session.add_all([ml, person])
    db.session.flush()
    set_subscription(person, ml, SubscriptionStatus.CONFIRMED, Consent("test"))
    campaign = Campaign(slug="a", name="A", subject="Un cycle", preheader="Mars 2016", lists=[ml],
                        template=CampaignTemplate.CYCLE_ANNOUNCEMENT, cycle_id=cycle.id)
    db.session.add(campaign)
    db.session.commit()
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/confirm").get_data(as_text=True)
    assert "Avertissements des vérifications avant envoi" in page and "sont passées" in page
    assert "Oui, envoyer à 1 destinataires" in page  # a warning does not block


def test_reminder_subjects_follow_the_reminders_rule(admin_client):
    from datetime import datetime, timezone

    from app.services.events.cycles import save_cycle
    from app.services.campaigns.preflight import preflight
    from app.services.events.reminders import reminder_subject

    cycle = make_cycle()
    cycle.title += ", avec les habitants, les associations et les services de l'État"
    db.session.commit()
    save_cycle(cycle, now=datetime(2016, 2, 1, 12, tzinfo=timezone.utc))
    reminders = db.session.scalars(
        select(Campaign).where(Campaign.template == CampaignTemplate.REMINDER).order_by(Campaign.id)).all()
    assert reminders
    for reminder in reminders:  # the automatic ones fit their own rule, and preflight's length rule
        assert campaign_warnings(reminder) == [] and len(reminder.subject) <= 78
        assert not [e for e in preflight(reminder).errors if "objet" in e.lower()]
    first = reminders[0]
    first.subject = "Rappel : n'oubliez pas notre prochaine rencontre, très attendue, le jeudi 10 mars 2016"
    db.session.commit()
    warning = campaign_warnings(first)
    assert len(warning) == 1 and "la date de la journée dans les 60 premiers caractères" in warning[0]
    assert f"« {reminder_subject(db.session.get(Journee, first.journee_id))} »" in warning[0]
    assert "règle des rappels" in admin_client.get(f"/admin/campaigns/{first.id}/preview").get_data(as_text=True)
    # A reminder created by hand gets the same subject as the automatic ones.
    journee = cycle.journees[1]
    admin_client.post("/admin/campaigns/new", data={"template": "reminder", "name": "Rappel manuel",
                                                    "cycle_id": 0, "journee_id": journee.id})
    manual = db.session.scalar(select(Campaign).where(Campaign.name == "Rappel manuel"))
    assert manual.subject == reminder_subject(journee) and campaign_warnings(manual) == []


def test_lettrine_markers_typed_by_hand_are_refused_in_french(app):
    """A marker typed into the subject, a block or the cycle would stand for someone's personal link
    or code (or stop the build with "'checkin_code'"): preflight names it in French instead."""
    ml = MailingList(slug="formations", name="Formations")
    letter = Campaign(slug="l", name="Lettre", subject="Votre code LTRNxCHECKINCODEx", template=CampaignTemplate.NEWSLETTER,
                      lists=[ml], content={"blocks": [{"type": "title", "text": "Bonjour"}]})
    cycle = make_cycle()
    cycle.title = "Cycle LTRNxUNSUBSCRIBEx"
    announcement = Campaign(slug="a", name="Annonce", subject="Un cycle", template=CampaignTemplate.CYCLE_ANNOUNCEMENT,
                            cycle_id=cycle.id)
    clean = Campaign(slug="c", name="Propre", subject="Les nouvelles", template=CampaignTemplate.NEWSLETTER, lists=[ml],
                     content={"blocks": [{"type": "title", "text": "Bonjour"}]})
    db.session.add_all([ml, letter, announcement, clean])
    db.session.commit()
    for campaign in (letter, announcement):
        errors = preflight(campaign).errors
        assert any("« LTRNx… » est réservé" in e for e in errors), errors
        assert not any("checkin_code" in e for e in errors), errors
    assert not any("LTRNx" in e for e in preflight(clean).errors)
