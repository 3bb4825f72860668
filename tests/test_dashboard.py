"""The dashboard shows next sends in local time with their audience, sends in flight, and what needs attention."""
from datetime import datetime, timezone

from app.extensions import db
from app.sending.queue import enqueue
from app.models import Campaign, CampaignStatus, Delivery, DeliveryStatus, MailingList, Subscriber, SubscriptionStatus
from app.services.audience.core import Consent, audit, set_subscription
from tests.emailcheck import plain_spaces


def test_dashboard_sections(admin_client):
    lst = MailingList(slug="formations", name="Formations")
    people = [Subscriber(email=f"p{i}@example.org") for i in range(4)]
    db.session.add_all([lst, *people])
    db.session.flush()
    for p in people:
        set_subscription(p, lst, SubscriptionStatus.CONFIRMED, Consent("test"))
    scheduled = Campaign(slug="s", name="Annonce programmée", subject="S", lists=[lst], status=CampaignStatus.SCHEDULED,
                         scheduled_at=datetime(2030, 4, 10, 8, 0, tzinfo=timezone.utc))
    sending = Campaign(slug="n", name="Lettre en cours", subject="N", lists=[lst], status=CampaignStatus.SENDING)
    missed = Campaign(slug="m", name="Rappel manqué", subject="M", status=CampaignStatus.MISSED, status_reason="Le serveur était arrêté.")
    db.session.add_all([scheduled, sending, missed])
    db.session.flush()
    enqueue(sending)
    db.session.flush()
    first = db.session.query(Delivery).filter_by(campaign_id=sending.id).first()
    first.status = DeliveryStatus.SENT
    audit("unsubscribe", people[0], lst, source="lien de désinscription")
    db.session.commit()
    page = plain_spaces(admin_client.get("/admin/").get_data(as_text=True))
    assert "Annonce programmée" in page and "mercredi 10 avril 2030, 10 h 00" in page  # French, local time, no offset
    assert "1 / 4 (25 %)" in page
    assert "Rappel manqué" in page and "Le serveur était arrêté." in page
    assert "désinscription" in page and "lien de désinscription" in page


def test_empty_dashboard_has_helpful_states(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "Aucun envoi en cours." in page and "Rien de programmé" in page
