"""The composer's live preview: the real message from the unsaved form, nothing saved, framed safely."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, MailingList
from app.sending.compose import builder_for


def _letter() -> Campaign:
    ml = MailingList(slug="formations", name="Formations CRPVE")
    campaign = Campaign(slug="lettre", name="Lettre", subject="Les nouvelles", template=CampaignTemplate.NEWSLETTER,
                        lists=[ml], content={"blocks": [{"type": "title", "text": "Bonjour"},
                                                        {"type": "text", "text": "Texte enregistré."}]})
    db.session.add(campaign)
    db.session.commit()
    return campaign


def _form(campaign: Campaign, **extra: str) -> dict:
    return {"name": "Lettre", "subject": "Objet tapé", "preheader": "", "from_name": "", "reply_to": "",
            "lists": [str(campaign.lists[0].id)],
            "blocks-0-type": "title", "blocks-0-text": "Bonjour",
            "blocks-1-type": "text", "blocks-1-text": "Un **texte** tapé mais pas enregistré.", **extra}


def test_the_preview_renders_the_unsaved_form_and_saves_nothing(admin_client):
    campaign = _letter()
    saved_fingerprint = builder_for(campaign).fingerprint
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/preview-draft", data=_form(campaign))
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<strong>texte</strong> tapé mais pas enregistré" in html
    assert "Texte enregistré" not in html and 'lang="fr"' in html  # the real message, not the saved one
    assert "Objet tapé" in html  # the <title> of the message is its subject
    # Only our own pages may frame it; it runs no script.
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "frame-ancestors 'self'" in csp and "script-src" not in csp
    assert "default-src 'none'" in csp and response.headers["X-Frame-Options"] == "SAMEORIGIN"
    db.session.expire_all()
    again = db.session.scalar(select(Campaign))
    assert again.subject == "Les nouvelles" and again.content["blocks"][1]["text"] == "Texte enregistré."
    assert builder_for(again).fingerprint == saved_fingerprint


def test_a_message_that_cannot_be_built_says_why_in_french(admin_client):
    campaign = _letter()
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/preview-draft",
                                 data=_form(campaign, subject="Objet\r\nBcc: x@example.org"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "L'aperçu ne peut pas être affiché" in text
    assert "Objet" in text and "pas de retour à la ligne" in text and "sandbox" in response.headers["Content-Security-Policy"]


def test_a_sent_campaign_previews_as_saved(admin_client):
    campaign = _letter()
    campaign.status = CampaignStatus.SENT
    db.session.commit()
    html = admin_client.post(f"/admin/campaigns/{campaign.id}/preview-draft", data=_form(campaign)).get_data(as_text=True)
    assert "Texte enregistré." in html and "pas enregistré" not in html


def test_the_composer_page_has_the_preview_pane_and_a_no_script_button(admin_client):
    campaign = _letter()
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert 'id="composer-preview-pane"' in page and "composer-preview.js" in page
    assert f'formaction="/admin/campaigns/{campaign.id}/preview-draft"' in page
    assert 'formtarget="composer-preview"' in page and 'name="composer-preview"' in page
    assert "<script>" not in page and "style=" not in page


def test_the_preview_needs_a_login(client, app):
    campaign = _letter()
    response = client.post(f"/admin/campaigns/{campaign.id}/preview-draft", data=_form(campaign))
    assert response.status_code in (302, 401) and "Objet tapé" not in response.get_data(as_text=True)


def test_an_announcement_previews_its_typed_subject_and_preheader(admin_client):
    from tests.event_factories import make_cycle

    cycle = make_cycle()
    campaign = Campaign(slug="annonce", name="Annonce", subject="Objet enregistré", preheader="Aperçu enregistré",
                        template=CampaignTemplate.CYCLE_ANNOUNCEMENT, cycle_id=cycle.id)
    db.session.add(campaign)
    db.session.commit()
    html = admin_client.post(f"/admin/campaigns/{campaign.id}/preview-draft", data={
        "name": "Annonce", "subject": "Objet tapé", "preheader": "Aperçu tapé"}).get_data(as_text=True)
    assert "Aperçu tapé" in html and "Objet tapé" in html and "Aperçu enregistré" not in html
    assert "Comment faire vivre un contrat de ville" in html and f"?c={campaign.id}" in html
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).preheader == "Aperçu enregistré"
