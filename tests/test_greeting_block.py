"""The greeting is a block (issue #24): the author sees it, moves it or removes it; a letter whose own
text opens with "Bonjour" is warned that it greets twice; letters written before keep their greeting."""
from __future__ import annotations

import email
from email import policy

from sqlalchemy import select

from app.extensions import db
from app.message.builder import Recipient
from app.models import Campaign, CampaignTemplate, MailingList
from app.sending.compose import builder_for
from app.services.campaigns import CampaignFields, create_campaign, preflight_campaign, update_campaign


def _text(campaign: Campaign) -> str:
    raw = builder_for(campaign).build(Recipient(1, "u1", "lea@example.org", "Léa")).raw
    return email.message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()


def _letter(blocks: list[dict]) -> Campaign:
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    campaign = create_campaign(CampaignFields(name="Lettre", template=CampaignTemplate.NEWSLETTER))
    update_campaign(campaign, CampaignFields(subject="Les nouvelles", preheader="Agenda", blocks=blocks))
    return campaign


def test_a_new_letter_shows_the_greeting_as_a_block_where_the_author_puts_it(app):
    campaign = create_campaign(CampaignFields(name="Lettre", template=CampaignTemplate.NEWSLETTER))
    assert [b["type"] for b in campaign.content["blocks"]] == ["title", "greeting", "text"]
    campaign = _letter([{"type": "title", "text": "Les nouvelles de mars"},
                        {"type": "text", "text": "Le cycle 2027 ouvre ses inscriptions."},
                        {"type": "greeting"}])
    text = _text(campaign)
    assert text.index("Les nouvelles de mars") < text.index("Le cycle 2027") < text.index("Bonjour Léa,")
    update_campaign(campaign, CampaignFields(blocks=[b for b in campaign.content["blocks"] if b["type"] != "greeting"]))
    assert "Bonjour" not in _text(campaign)  # removed: no greeting at all


def test_a_letter_that_greets_by_itself_is_warned(app):
    campaign = _letter([{"type": "greeting"}, {"type": "title", "text": "Les nouvelles"},
                        {"type": "text", "text": "Bonjour à toutes et à tous, voici les nouvelles."}])
    assert _text(campaign).count("Bonjour") == 2
    warnings = preflight_campaign(campaign).warnings
    assert any(w.startswith("Le message salue deux fois") for w in warnings)
    update_campaign(campaign, CampaignFields(blocks=campaign.content["blocks"][1:]))
    assert not any("salue deux fois" in w for w in preflight_campaign(db.session.get(Campaign, campaign.id)).warnings)


def test_a_letter_written_in_markdown_greets_once(app):
    db.session.add(MailingList(slug="formations", name="Formations CRPVE"))
    plain = create_campaign(CampaignFields(name="A", template=CampaignTemplate.NEWSLETTER, markdown="# Titre\n\nLe texte."))
    own = create_campaign(CampaignFields(name="B", template=CampaignTemplate.NEWSLETTER,
                                         markdown="# Titre\n\nBonjour à toutes et à tous,\n\nle texte."))
    assert [b["type"] for b in plain.content["blocks"]] == ["greeting", "title", "text"]  # as it always greeted
    assert [b["type"] for b in own.content["blocks"]] == ["title", "text"]
    assert _text(db.session.scalar(select(Campaign).where(Campaign.name == "B"))).count("Bonjour") == 1
