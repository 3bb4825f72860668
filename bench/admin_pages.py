"""Time every admin page with 100,000 subscribers and 50 campaigns (issue 7: < 300 ms each).

    .venv/bin/python bench/admin_pages.py [--subscribers 100000] [--campaigns 50] [--db sqlite|postgresql|both]

Fills a scratch database with bulk inserts, logs in through the test client, then
GETs each admin page (every GET route of the admin blueprint; id routes get the
first campaign/subscriber/list/cycle) several times and prints the median and worst ms.
"""
from __future__ import annotations

import argparse
import statistics
import time

from _db import admin_and_list, bench_app, scratch_database


def fill(app, subscribers: int, campaigns: int) -> None:
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import (Campaign, CampaignStatus, MailingList, Subscriber, Subscription, campaign_lists,
                            email_hash, utcnow)
    from app.models.audience import new_uid

    list_id = admin_and_list(app)
    with app.app_context():
        now = utcnow()
        lst = db.session.get(MailingList, list_id)
        communes = ["Évry-Courcouronnes", "Grigny", "Corbeil-Essonnes", "Massy", "Les Ulis"]
        batch = 10_000
        for start in range(0, subscribers, batch):
            rows = []
            for i in range(start, min(start + batch, subscribers)):
                address = f"personne{i}@exemple.fr"
                rows.append({"uid": new_uid(), "email": address, "email_hash": email_hash(address),
                             "first_name": "Hélène", "last_name": f"Dupré{i}", "organisation": "Mairie",
                             "function": "Chef de projet", "commune": communes[i % 5], "attributes": {},
                             "status": "active", "created_at": now, "updated_at": now})
            db.session.execute(insert(Subscriber), rows)
            ids = [r[0] for r in db.session.execute(
                Subscriber.__table__.select().with_only_columns(Subscriber.id).where(Subscriber.id > start).order_by(Subscriber.id).limit(batch))]
            db.session.execute(insert(Subscription), [
                {"subscriber_id": sid, "list_id": lst.id, "status": "confirmed", "consent_at": now, "consent_source": "bench",
                 "consent_text": "", "created_at": now, "updated_at": now, "confirmed_at": now} for sid in ids])
            db.session.commit()
        for i in range(campaigns):
            status = [CampaignStatus.DRAFT, CampaignStatus.SENT, CampaignStatus.SCHEDULED][i % 3]
            c = Campaign(slug=f"campagne-{i}", name=f"Campagne {i}", subject=f"Lettre n° {i}", status=status,
                         scheduled_at=now if status == CampaignStatus.SCHEDULED else None)
            db.session.add(c)
            db.session.flush()
            db.session.execute(insert(campaign_lists), [{"campaign_id": c.id, "list_id": lst.id}])
        db.session.commit()
        _cycle(now)


def _cycle(now) -> None:
    """A cycle of four future journées (so the cycle pages and their reminder timeline are measured)."""
    from datetime import timedelta

    from app.models import Cycle, Journee
    from app.services.events.cycles import save_cycle

    cycle = Cycle(slug="cycle-bench", title="Cycle de qualification", capacity=30)
    for n in range(1, 5):
        start = now + timedelta(days=30 * n)
        cycle.journees.append(Journee(number=n, starts_at=start, ends_at=start + timedelta(hours=7)))
    save_cycle(cycle)


def admin_urls(app) -> list[str]:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Campaign, Cycle, MailingList, Subscriber

    with app.app_context():
        ids = {
            "campaign_id": db.session.scalar(select(Campaign.id).order_by(Campaign.id)),
            "subscriber_id": db.session.scalar(select(Subscriber.id).order_by(Subscriber.id)),
            "list_id": db.session.scalar(select(MailingList.id)),
            "cycle_id": db.session.scalar(select(Cycle.id)),
        }
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or "GET" not in rule.methods or rule.endpoint == "auth.login":
            continue
        url = rule.rule
        missing = False
        for arg in rule.arguments:
            if ids.get(arg) is None:
                missing = True
                break
            url = url.replace(f"<int:{arg}>", str(ids[arg])).replace(f"<{arg}>", str(ids[arg]))
        if not missing and "<" not in url and not url.endswith((".csv", ".json", "/raw", "/html")):
            urls.append(url)
    return sorted(set(urls))


def run(kind: str, subscribers: int, campaigns: int, repeat: int) -> None:
    with scratch_database(kind) as url:
        app = bench_app(url)
        t0 = time.perf_counter()
        fill(app, subscribers, campaigns)
        print(f"[{kind}] filled {subscribers:,} subscribers and {campaigns} campaigns in {time.perf_counter() - t0:.1f} s")
        client = app.test_client()
        client.post("/admin/login", data={"email": "bench@crpve91.fr", "password": "bench-password"})
        worst_overall = 0.0
        for path in admin_urls(app):
            timings, status = [], None
            for _ in range(repeat):
                t = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - t) * 1000)
                status = response.status_code
            worst_overall = max(worst_overall, max(timings))
            print(f"[{kind}] {path:55s} {status}  median {statistics.median(timings):7.1f} ms  worst {max(timings):7.1f} ms")
        print(f"[{kind}] slowest page: {worst_overall:.1f} ms (target < 300 ms)")
        from app.extensions import db

        with app.app_context():
            db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    for kind in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        run(kind, args.subscribers, args.campaigns, args.repeat)


if __name__ == "__main__":
    main()
