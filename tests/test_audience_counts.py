"""Display counts are shared between campaigns aimed at the same people."""
from app.extensions import db
from app.models import Campaign, MailingList, Subscriber, SubscriptionStatus
from app.services.audience import counts as audience_counts
from app.services.audience.core import Consent, set_subscription


def test_same_audience_shares_one_count_and_segments_do_not(app):
    audience_counts.forget()
    lst = MailingList(slug="l", name="L")
    people = [Subscriber(email=f"p{i}@example.org", commune="Grigny" if i else "Évry") for i in range(3)]
    db.session.add_all([lst, *people])
    db.session.flush()
    for p in people:
        set_subscription(p, lst, SubscriptionStatus.CONFIRMED, Consent("t"))
    a = Campaign(slug="a", name="A", lists=[lst])
    b = Campaign(slug="b", name="B", lists=[lst])
    c = Campaign(slug="c", name="C", lists=[lst], segment={"commune": "Évry "})
    db.session.add_all([a, b, c])
    db.session.commit()
    assert audience_counts.signature(a) == audience_counts.signature(b) != audience_counts.signature(c)
    assert audience_counts.cached_count(a) == 3
    assert audience_counts.cached_count(c) == 1
    set_subscription(people[2], lst, SubscriptionStatus.UNSUBSCRIBED)
    db.session.commit()
    assert audience_counts.cached_count(b) == 3  # cached for a minute: display only
    audience_counts.forget()
    assert audience_counts.cached_count(b) == 2
