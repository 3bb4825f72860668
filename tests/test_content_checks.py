"""Preflight additions on the campaign's own fields: reply-to, empty blocks, past cycle."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Campaign, CampaignTemplate, MailingList
from app.services.blocks import empty_block
from app.services.campaigns import PreflightFailed, require_preflight
from app.services.content_checks import campaign_checks, campaign_warnings
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
