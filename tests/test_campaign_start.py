"""Starting a campaign is a compare-and-set: the second start does nothing."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CampaignStatus, Delivery, MailingList, Subscriber, SubscriptionStatus
from app.services.audience.core import Consent, set_subscription
from app.services.campaigns.lifecycle import start_campaign


def test_second_start_is_refused(app):
    lst = MailingList(slug="l", name="L")
    sub = Subscriber(email="a@example.org")
    db.session.add_all([lst, sub])
    db.session.flush()
    set_subscription(sub, lst, SubscriptionStatus.CONFIRMED, Consent("test"))
    campaign = Campaign(slug="c", name="C", subject="S", lists=[lst], status=CampaignStatus.SCHEDULED)
    db.session.add(campaign)
    db.session.commit()
    assert start_campaign(campaign) == 1
    assert campaign.status == CampaignStatus.SENDING and campaign.started_at is not None
    assert start_campaign(campaign) is None
    assert db.session.scalar(select(func.count()).select_from(Delivery)) == 1
