"""One provider refusing us on policy slows its own share of the list, not everyone's.

A real SMTP server (aiosmtpd on loopback) answers the first message to each Gmail address
with a policy refusal worded like Gmail's published 5.7.1 reply (hand-made, not copied
from any mail log); other domains are accepted.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import insert, select, update

from app.extensions import db
from app.models import (
    Campaign, CampaignStatus, Delivery, DeliveryStatus, MailingList, ProviderThrottle, Subscriber, Subscription,
    SubscriptionStatus, email_hash, utcnow,
)
from app.sending.providers import is_policy_refusal, provider_of
from app.sending.transport import SendResult
from app.sending.worker import Worker, WorkerOptions
from app.services.campaigns import sending_policy
from config import Guards
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

GMAIL_BLOCK = ("550 5.7.1 [192.0.2.10] Our system has detected that this message is likely unsolicited mail. "
               "To reduce the amount of spam sent to Gmail, this message has been blocked.")


def test_providers_and_policy_refusals():
    assert provider_of("Anne@Hotmail.FR") == provider_of("bob@outlook.com") == "Microsoft"
    assert provider_of("c@gmail.com") == provider_of("d@googlemail.com") == "Google"
    assert provider_of("e@mairie-evry.fr") == "mairie-evry.fr"
    assert is_policy_refusal(SendResult(550, "5.7.1 Message rejected due to local policy", recipient_rejected=True))
    assert is_policy_refusal(SendResult(421, "4.7.0 Try again later, closing connection. (unusual rate)"))
    assert is_policy_refusal(SendResult(554, "Your IP 192.0.2.10 is listed on a blocklist"))
    assert not is_policy_refusal(SendResult(550, "5.1.1 The email account that you tried to reach does not exist",
                                            recipient_rejected=True))
    assert not is_policy_refusal(SendResult(452, "4.2.2 Mailbox full"))
    assert not is_policy_refusal(SendResult(0, "connexion perdue", connection_failure=True))


def _campaign(addresses: list[str]) -> Campaign:
    from app.services.campaigns import start_campaign

    lst = MailingList(slug="liste", name="Formations CRPVE")
    db.session.add(lst)
    db.session.flush()
    now = utcnow()
    ids = db.session.execute(insert(Subscriber).returning(Subscriber.id), [
        {"uid": f"u{i:08d}", "email": a, "email_hash": email_hash(a), "first_name": "Prénom", "last_name": "Nom",
         "attributes": {}, "created_at": now, "updated_at": now} for i, a in enumerate(addresses)]).scalars().all()
    db.session.execute(insert(Subscription), [
        {"subscriber_id": sid, "list_id": lst.id, "status": SubscriptionStatus.CONFIRMED, "consent_at": now,
         "confirmed_at": now, "created_at": now, "updated_at": now, "consent_source": "test", "consent_text": ""}
        for sid in ids])
    campaign = Campaign(slug="annonce", name="Annonce", subject="Cycle de qualification", lists=[lst],
                        content={"blocks": [{"type": "text", "text": "Bonjour"}]})
    db.session.add(campaign)
    db.session.commit()
    start_campaign(campaign)
    return campaign


def outcomes(campaign_id: int) -> Counter:
    rows = db.session.execute(select(Subscriber.email, Delivery.status).join(Subscriber).where(
        Delivery.campaign_id == campaign_id)).all()
    return Counter((provider_of(email), status.value) for email, status in rows)


def test_a_provider_blocking_us_is_deferred_while_the_others_go_on(app, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url, GUARDS=Guards(provider_refusals=5, provider_window_seconds=60,
                                                              provider_pause_seconds=300))
    gmail = [f"personne{i:03d}@gmail.com" for i in range(40)]
    others = [f"agent{i:03d}@mairie-evry.fr" for i in range(40)]
    for address in gmail:  # Gmail refuses every message for now
        smtp_server.scripted[address] = [GMAIL_BLOCK]
    campaign = _campaign([a for pair in zip(gmail, others) for a in pair])
    stop = threading.Event()
    worker = Worker(app, WorkerOptions(idle_seconds=0.05, retry_base_seconds=0.01, pipeline=4, batch=40), stop, policy=sending_policy())
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(smtp_server.messages) < 40:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(60)
    db.session.expire_all()

    counts = outcomes(campaign.id)
    # Five refusals trip it (a few more may be in the same pipelined exchange); the rest of Gmail's share waits.
    assert counts[("mairie-evry.fr", "sent")] == 40, counts
    assert 5 <= counts[("Google", "failed")] <= 8, counts
    assert counts[("Google", "queued")] == 40 - counts[("Google", "failed")]
    assert worker.stats.deferred >= 30
    throttle = db.session.get(ProviderThrottle, "Google")
    assert throttle is not None and throttle.strikes == 1 and "5.7.1" in throttle.reason
    waiting = db.session.scalars(select(Delivery).join(Subscriber).where(
        Delivery.status == DeliveryStatus.QUEUED, Subscriber.email.like("%@gmail.com"))).all()
    assert all(d.attempts == 0 and d.next_attempt_at >= throttle.until - timedelta(seconds=1) for d in waiting)
    assert "Google ralenti" in waiting[0].smtp_reply
    failed = db.session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.FAILED)).all()
    assert all(not d.bounced for d in failed)  # about our mail, not the addresses

    # Once the pause is over (and Gmail trusts us again), its share goes.
    smtp_server.scripted.clear()
    db.session.execute(update(Delivery).where(Delivery.status == DeliveryStatus.QUEUED).values(next_attempt_at=utcnow()))
    db.session.execute(update(ProviderThrottle).values(until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    Worker(app, WorkerOptions(idle_seconds=0.05, retry_base_seconds=0.01), policy=sending_policy()).run(until_idle=True)
    db.session.expire_all()
    assert outcomes(campaign.id)[("Google", "sent")] == counts[("Google", "queued")]
    assert db.session.get(Campaign, campaign.id).status == CampaignStatus.SENT


def test_hard_bounces_at_one_provider_do_not_throttle_it(app, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url, GUARDS=Guards(provider_refusals=3, provider_window_seconds=60))
    gmail = [f"ancien{i:03d}@gmail.com" for i in range(10)]
    for address in gmail[:6]:
        smtp_server.reject[address] = "550 5.1.1 The email account that you tried to reach does not exist."
    campaign = _campaign(gmail)
    worker = Worker(app, WorkerOptions(idle_seconds=0.05, retry_base_seconds=0.01, pipeline=4), policy=sending_policy())
    worker.run(until_idle=True)
    db.session.expire_all()
    assert outcomes(campaign.id) == Counter({("Google", "failed"): 6, ("Google", "sent"): 4})
    assert worker.stats.deferred == 0 and db.session.get(ProviderThrottle, "Google") is None


def test_no_throttle_when_everyone_refuses_or_when_refusals_are_a_minority():
    """Everyone refusing is the relay's or the message's fault (the campaign's SMTP-error guard pauses it);
    one policy refusal in twelve is no block."""
    from app.sending.providers import ProviderPacer

    block = SendResult(550, "5.7.1 blocked by policy", recipient_rejected=True)
    ok = SendResult(250, "2.0.0 Ok")
    pacer = ProviderPacer(Guards(provider_refusals=3, provider_window_seconds=60))
    now = utcnow()
    assert pacer.note([(f"a{i}@gmail.com", block) for i in range(10)]
                      + [(f"b{i}@orange.fr", block) for i in range(10)], now, 100.0) == []
    mixed = [(f"c{i}@gmail.com", block if i % 12 == 0 else ok) for i in range(60)] + [("d@orange.fr", ok)]
    assert pacer.note(mixed, now, 101.0) == []
