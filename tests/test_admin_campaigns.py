"""The composer: create from a template, edit blocks without JavaScript, live count, test send."""
import email
from email import policy

from sqlalchemy import select

from app.extensions import db
from tests.sending_fixtures import deliver_queued
from app.models import Campaign, CampaignStatus, MailingList, OutboxMessage, Subscriber, SubscriptionStatus
from app.services.audience.core import Consent, set_subscription
from app.sending.compose import builder_for


def _list_with_people(n=3):
    lst = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add(lst)
    people = [Subscriber(email=f"p{i}@example.org", first_name=f"Prénom{i}", commune="Évry" if i == 0 else "Grigny") for i in range(n)]
    db.session.add_all(people)
    db.session.flush()
    for p in people:
        set_subscription(p, lst, SubscriptionStatus.CONFIRMED, Consent("test"))
    db.session.commit()
    return lst, people


def test_newsletter_from_blocks(admin_client):
    lst, _people = _list_with_people()
    response = admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": "Lettre de mars", "cycle_id": 0, "journee_id": 0})
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.slug == "lettre-de-mars" and campaign.lists == [lst]
    assert [b["type"] for b in campaign.content["blocks"]] == ["title", "greeting", "text"]  # the greeting shown, movable, removable
    url = f"/admin/campaigns/{campaign.id}/edit"
    base = {"name": "Lettre de mars", "subject": "Les nouvelles de mars", "preheader": "Agenda", "lists": [str(lst.id)],
            "blocks-0-type": "title", "blocks-0-text": "Bonjour",
            "blocks-1-type": "text", "blocks-1-text": "Un **texte**."}
    admin_client.post(url, data={**base, "action": "add:image"})
    db.session.refresh(campaign)
    assert [b["type"] for b in campaign.content["blocks"]] == ["title", "text", "image"]
    # An image with no alt and a non-https source is refused with French messages, nothing lost.
    page = admin_client.post(url, data={**base, "blocks-2-type": "image", "blocks-2-src": "http://x.org/a.png", "action": "save"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "https://" in text and "texte alternatif" in text
    db.session.refresh(campaign)
    assert campaign.content["blocks"][2]["src"] == "http://x.org/a.png"
    # Move the image to the top, then fix it.
    admin_client.post(url, data={**base, "blocks-2-type": "image", "blocks-2-src": "https://www.crpve91.fr/logo.png", "blocks-2-alt": "Logo", "action": "up:2"})
    db.session.refresh(campaign)
    assert [b["type"] for b in campaign.content["blocks"]] == ["title", "image", "text"]
    compiled = builder_for(campaign).fingerprint
    admin_client.post(url, data={**base, "blocks-0-type": "image", "blocks-0-src": "https://www.crpve91.fr/logo.png", "blocks-0-alt": "Logo",
                                 "blocks-1-type": "title", "blocks-1-text": "Bonjour", "blocks-2-type": "text", "blocks-2-text": "x", "action": "remove:1"})
    db.session.refresh(campaign)
    assert [b["type"] for b in campaign.content["blocks"]] == ["image", "text"]
    assert builder_for(campaign).fingerprint != compiled and campaign.subject == "Les nouvelles de mars"


def test_subject_with_line_break_is_refused(admin_client):
    _list_with_people(1)
    admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": "X", "cycle_id": 0, "journee_id": 0})
    campaign = db.session.scalar(select(Campaign))
    page = admin_client.post(f"/admin/campaigns/{campaign.id}/edit", data={"name": "X", "subject": "Hello\r\nBcc: victim@example.org", "action": "save"})
    assert page.status_code == 200 and "retour à la ligne" in page.get_data(as_text=True)
    db.session.refresh(campaign)
    assert "Bcc" not in campaign.subject


def test_live_audience_count_follows_lists_and_segment(admin_client):
    lst, _people = _list_with_people(3)
    admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": "X", "cycle_id": 0, "journee_id": 0})
    campaign = db.session.scalar(select(Campaign))
    url = f"/admin/campaigns/{campaign.id}/audience-count"
    assert admin_client.get(f"{url}?lists={lst.id}").json == {"count": 3}
    assert admin_client.get(f"{url}?lists={lst.id}&commune=évry").json == {"count": 1}
    assert admin_client.get(url).json == {"count": 0}
    # Counting changed nothing.
    db.session.refresh(campaign)
    assert campaign.lists == [lst] and campaign.segment == {}


def test_test_send_lands_in_the_outbox(admin_client):
    lst, people = _list_with_people(1)
    admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": "X", "cycle_id": 0, "journee_id": 0})
    campaign = db.session.scalar(select(Campaign))
    campaign.subject = "Sujet de test"
    db.session.commit()
    response = admin_client.post(f"/admin/campaigns/{campaign.id}/test", data={"addresses": "p0@example.org\nnew.person@example.org"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    # Queued, not "sent": the page says so and refreshes itself until the server answers.
    assert "Message de test en file" in page and page.count('data-status="queued"') == 2
    assert 'http-equiv="refresh"' in page
    assert db.session.query(OutboxMessage).count() == 0
    deliver_queued()
    page = admin_client.get(f"/admin/campaigns/{campaign.id}/tests").get_data(as_text=True)
    assert page.count('data-status="sent"') == 2 and 'http-equiv="refresh"' not in page
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [r.recipients for r in rows] == ["p0@example.org", "new.person@example.org"]
    msg = email.message_from_bytes(rows[0].raw, policy=policy.default)
    assert msg["Subject"] == "[TEST] Sujet de test" and "List-Unsubscribe" in msg
    bad = admin_client.post(f"/admin/campaigns/{campaign.id}/test", data={"addresses": "not-an-address"}, follow_redirects=True)
    assert "invalide" in bad.get_data(as_text=True)
    deliver_queued()
    assert db.session.query(OutboxMessage).count() == 2


def test_sent_campaigns_are_read_only(admin_client):
    _list_with_people(1)
    admin_client.post("/admin/campaigns/new", data={"template": "newsletter", "name": "X", "cycle_id": 0, "journee_id": 0})
    campaign = db.session.scalar(select(Campaign))
    campaign.status = CampaignStatus.SENT
    db.session.commit()
    admin_client.post(f"/admin/campaigns/{campaign.id}/edit", data={"name": "Changed", "subject": "Changed", "action": "save"})
    db.session.refresh(campaign)
    assert campaign.name == "X"
    listing = admin_client.get("/admin/campaigns?status=sent").get_data(as_text=True)
    assert "Envoyée" in listing and "X" in listing


def test_announcement_needs_a_cycle(admin_client):
    response = admin_client.post("/admin/campaigns/new", data={"template": "cycle_announcement", "name": "Annonce", "cycle_id": 0, "journee_id": 0})
    assert response.status_code == 400 and "cycle" in response.get_data(as_text=True)
    assert db.session.scalar(select(Campaign)) is None
