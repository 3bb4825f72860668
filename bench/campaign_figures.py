"""Time a campaign's figures at the size of the CRPVE's lists: the report, the sending block (polled every
2 s while sending), the calendar and /metrics all read them.

    .venv/bin/python bench/campaign_figures.py [--people 100000] [--campaigns 10] [--db sqlite|postgresql|both]

Fills a scratch database with bulk inserts: ``--people`` subscribers, ``--campaigns`` sent campaigns
to all of them (deliveries sent, refused, skipped, bounced in realistic shares), and an audit log of
three rows a person plus one unsubscribe in 200 through each campaign. Prints the median and worst
milliseconds of a bare ``count(*)`` of one campaign's deliveries (the floor, to read the others
against on a busy machine), ``campaign_figures`` (one campaign), ``recent_figures`` (what /metrics reads, every
campaign), the report page and /metrics.
"""
from __future__ import annotations

import argparse
import statistics
import time

from _db import admin_and_list, bench_app, scratch_database


def fill(app, people: int, campaigns: int) -> list[int]:
    from sqlalchemy import insert, select

    from app.database import refresh_statistics
    from app.extensions import db
    from app.models import AuditLog, Campaign, CampaignStatus, Delivery, MailingList, Subscriber, email_hash, utcnow
    from app.models.audience import new_uid

    list_id = admin_and_list(app)
    with app.app_context():
        now = utcnow()
        lst = db.session.get(MailingList, list_id)
        for start in range(0, people, 10_000):
            db.session.execute(insert(Subscriber), [
                {"uid": new_uid(), "email": f"personne{i}@exemple.fr", "email_hash": email_hash(f"personne{i}@exemple.fr"),
                 "first_name": "Hélène", "last_name": f"Dupré{i}", "attributes": {}, "status": "active",
                 "created_at": now, "updated_at": now} for i in range(start, min(start + 10_000, people))])
            db.session.commit()
        ids = list(db.session.scalars(select(Subscriber.id).order_by(Subscriber.id)))
        campaign_ids = []
        for c in range(campaigns):
            campaign = Campaign(slug=f"lettre-{c}", name=f"Lettre {c}", subject="Lettre", lists=[lst],
                                status=CampaignStatus.SENT, started_at=now, finished_at=now)
            db.session.add(campaign)
            db.session.commit()
            campaign_ids.append(campaign.id)
            for start in range(0, len(ids), 10_000):
                rows = []
                for n, sid in enumerate(ids[start:start + 10_000], start=start):
                    status = "failed" if n % 97 == 0 else "skipped" if n % 89 == 0 else "sent"
                    rows.append({"campaign_id": campaign.id, "subscriber_id": sid, "status": status, "attempts": 1,
                                 "smtp_reply": "", "bounced": n % 53 == 0, "sent_at": now if status == "sent" else None,
                                 "updated_at": now})
                db.session.execute(insert(Delivery), rows)
            db.session.commit()
        for start in range(0, len(ids), 10_000):
            rows = []
            for n, sid in enumerate(ids[start:start + 10_000], start=start):
                rows += [{"at": now, "subscriber_id": sid, "action": action, "actor": "bench", "source": "", "detail": {}}
                         for action in ("subscribe_pending", "subscribe", "import")]
                if n % 200 == 0:
                    rows.append({"at": now, "subscriber_id": sid, "action": "unsubscribe", "actor": "public",
                                 "source": "", "detail": {"campaign": campaign_ids[n % campaigns]}})
            db.session.execute(insert(AuditLog), rows)
            db.session.commit()
        # Only the statistics the application itself refreshes: an import's (the people) and a
        # campaign start's (its deliveries). The audit log and the campaigns stay as a user has them.
        refresh_statistics("subscribers", "deliveries")
        return campaign_ids


def timed(fn, runs: int = 7) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), max(samples)


def run(kind: str, people: int, campaigns: int) -> None:
    with scratch_database(kind) as url:
        app = bench_app(url)
        campaign_ids = fill(app, people, campaigns)
        from app.extensions import db
        from app.models import Campaign
        from app.services.campaigns import campaign_figures, recent_figures

        client = app.test_client()
        client.post("/admin/login", data={"email": "bench@crpve91.fr", "password": "bench-password"})
        with app.app_context():
            campaign = db.session.get(Campaign, campaign_ids[0])
            figures = campaign_figures(campaign)
            print(f"[{kind}] {people} people, {campaigns} campaigns; one campaign's figures: audience {figures.audience}, "
                  f"sent {figures.sent}, refused {figures.refused}, skipped {figures.skipped}, bounced {figures.bounced}, "
                  f"unsubscribed {figures.unsubscribed}")
            from sqlalchemy import func, select

            from app.models import Delivery

            plain = select(func.count()).select_from(Delivery).where(Delivery.campaign_id == campaign.id)
            for label, fn in (("baseline: count(*) of its deliveries", lambda: db.session.scalar(plain)),
                              ("campaign_figures (one campaign)", lambda: campaign_figures(campaign)),
                              (f"recent_figures ({campaigns} campaigns, /metrics)", recent_figures)):
                median, worst = timed(fn)
                db.session.rollback()
                print(f"[{kind}] {label:<40} median {median:7.1f} ms   worst {worst:7.1f} ms")
        for label, path in (("report page", f"/admin/campaigns/{campaign_ids[0]}/report"),
                            ("sending block (polled)", f"/admin/campaigns/{campaign_ids[0]}/sending?fragment=1"),
                            ("/metrics", "/metrics")):
            median, worst = timed(lambda path=path: client.get(path))
            print(f"[{kind}] {label:<40} median {median:7.1f} ms   worst {worst:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=10)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        run(kind, args.people, args.campaigns)


if __name__ == "__main__":
    main()
