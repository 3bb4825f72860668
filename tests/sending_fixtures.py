"""Helpers for sending tests: a list of N confirmed subscribers and a campaign for them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import insert

from app.extensions import db
from app.models import Campaign, MailingList, Subscriber, Subscription, SubscriptionStatus, email_hash, utcnow
from tests.conftest import app_environ

ROOT = Path(__file__).resolve().parent.parent


def make_campaign(n: int, slug: str = "annonce", start: bool = True, prefix: str = "p") -> Campaign:
    """``n`` confirmed subscribers ``p0000@example.org``… (``prefix`` changes the p) on one list, and a campaign to them."""
    from app.services.campaigns.lifecycle import start_campaign

    lst = MailingList(slug=f"liste-{slug}", name="Formations CRPVE")
    db.session.add(lst)
    db.session.flush()
    now = utcnow()
    first = db.session.execute(insert(Subscriber).returning(Subscriber.id), [
        {"uid": f"{slug[:8]}{i:08d}", "email": f"{prefix}{i:04d}@example.org", "email_hash": email_hash(f"{prefix}{i:04d}@example.org"),
         "first_name": f"Prénom{i}", "last_name": "Dupont", "attributes": {}, "created_at": now, "updated_at": now}
        for i in range(n)
    ]).scalars().all() if n else []
    if first:
        db.session.execute(insert(Subscription), [
            {"subscriber_id": sid, "list_id": lst.id, "status": SubscriptionStatus.CONFIRMED, "consent_at": now,
             "confirmed_at": now, "created_at": now, "updated_at": now, "consent_source": "test", "consent_text": ""}
            for sid in first
        ])
    campaign = Campaign(slug=slug, name="Annonce", subject="Cycle de qualification : Contrat de ville",
                        lists=[lst], content={"blocks": [
                            {"type": "title", "text": "Annonce"},
                            # A line starting with a dot must survive SMTP dot-stuffing.
                            {"type": "text", "text": "Bonjour,\n\n.ligne avec un point\n\nÀ bientôt"}]})
    db.session.add(campaign)
    db.session.commit()
    if start:
        start_campaign(campaign)
    return campaign


def worker_env(database_url: str, smtp_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(app_environ(database_url, SMTP_URL=smtp_url, **extra))
    return env


def worker_command(*args: str) -> list[str]:
    flask = str(Path(sys.executable).with_name("flask"))
    return [flask, "--app", "wsgi", "worker", "--retry-base", "0.05", "--idle", "0.05", *args]


def start_worker(database_url: str, smtp_url: str, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(worker_command(*args), cwd=ROOT, env=worker_env(database_url, smtp_url, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def deliver_queued(app=None, **options) -> "WorkerStats":
    """Run a worker until nothing is left to send, as ``flask worker --until-idle`` would.

    Transactional messages (confirmations, registration messages…) are only queued by
    the request that asks for them; tests that read what was sent run this first.
    The test's own session is committed first so SQLite's single writer is free.
    """
    from flask import current_app

    from app.sending.worker import Worker, WorkerOptions
    from app.services.campaigns import sending_policy

    db.session.commit()
    application = app or current_app._get_current_object()
    stats = Worker(application, WorkerOptions(**{"idle_seconds": 0.01, "retry_base_seconds": 0.05, **options}),
                   policy=sending_policy()).run(until_idle=True)
    db.session.expire_all()
    return stats


def draft_letter(title: str = "Mars", text: str = "Bonjour.") -> Campaign:
    """A draft newsletter "Les nouvelles de mars" (never sent) to the list ``lettre``, whose one confirmed
    subscriber is abonnee@example.org: for test sends and their web-view links."""
    from app.models import CampaignTemplate
    from app.services.audience.core import Consent, set_subscription

    letter = MailingList(slug="lettre", name="Lettre du CRPVE")
    person = Subscriber(email="abonnee@example.org", first_name="Inès")
    db.session.add_all([letter, person])
    db.session.flush()
    set_subscription(person, letter, SubscriptionStatus.CONFIRMED, Consent("test"))
    campaign = Campaign(slug="mars", name="Mars", subject="Les nouvelles de mars", preheader="Agenda",
                        template=CampaignTemplate.NEWSLETTER, lists=[letter],
                        content={"blocks": [{"type": "title", "text": title}, {"type": "text", "text": text}]})
    db.session.add(campaign)
    db.session.commit()
    return campaign
