"""Time the sequences' engine at 100,000 people enrolled in a two-step sequence.

    .venv/bin/python bench/sequences.py [--people 100000] [--due 1000] [--send 2000] [--db sqlite|postgresql|both]

Fills a scratch database with bulk inserts: ``--people`` subscribers on one list, all enrolled in a
two-step sequence (the "Bienvenue" file), ``--due`` of them due now and the others spread over the
next three days. Nothing is analysed (on PostgreSQL, autovacuum may not have run on tables this
fresh): the figures are those of a cold, never-analysed table, as right after a big import.

Prints:

- **due query**: the tick's one query that finds due steps (``find_due``), its first run on a fresh
  connection and the median of 20, with its plan (the partial index, read in order), with 1,000 due
  and again with every enrolment due at once;
- **tick**: one whole tick handling the due batch (exits, window, condition, the unique step rows,
  the deliveries, the enrolments moved on);
- **enqueue rate**: steps per second reaching the send path when every enrolment falls due at once,
  beside a campaign's enqueue to the same people (``start_campaign``: one ``INSERT … SELECT``);
- **send rate** (``--send N``, 0 to skip): one worker draining N step messages, then N messages of a
  campaign, into ``smtp-sink`` (Postfix's, as bench/send.py) or the outbox when it is not installed.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from datetime import timedelta

from _db import admin_and_list, bench_app, scratch_database
from send import free_port, start_sink

SINK = shutil.which("smtp-sink") or ("/usr/sbin/smtp-sink" if os.path.exists("/usr/sbin/smtp-sink") else None)


def fill(app, people: int, due: int) -> int:
    """Subscribers on the list, the sequence loaded, every one of them enrolled (``due`` due now)."""
    import json
    from pathlib import Path

    from sqlalchemy import insert, select

    from app.extensions import db
    from app.models import EnrolmentStatus, SequenceEnrolment, Subscriber, Subscription, email_hash, utcnow
    from app.models.audience import new_uid
    from app.services.sequences import example_files, load_sequence

    list_id = admin_and_list(app)
    with app.app_context():
        now = utcnow()
        for start in range(0, people, 10_000):
            rows = [{"uid": new_uid(), "email": f"personne{i}@exemple.fr", "email_hash": email_hash(f"personne{i}@exemple.fr"),
                     "first_name": "Hélène", "last_name": f"Dupré{i}", "attributes": {}, "status": "active",
                     "created_at": now, "updated_at": now} for i in range(start, min(start + 10_000, people))]
            ids = db.session.execute(insert(Subscriber).returning(Subscriber.id), rows).scalars().all()
            db.session.execute(insert(Subscription), [
                {"subscriber_id": sid, "list_id": list_id, "status": "confirmed", "consent_at": now, "confirmed_at": now,
                 "created_at": now, "updated_at": now, "consent_source": "bench", "consent_text": ""} for sid in ids])
            db.session.commit()
        data = json.loads(Path(next(p for p in example_files() if p.stem == "bienvenue")).read_text(encoding="utf-8"))
        data["steps"][1].pop("window")  # the bench's clock is the real one: no weekend to wait for
        sequence, _ = load_sequence(data)
        ids = list(db.session.scalars(select(Subscriber.id).order_by(Subscriber.id)))
        spread = timedelta(days=3) / max(len(ids) - due, 1)
        for start in range(0, len(ids), 10_000):
            db.session.execute(insert(SequenceEnrolment), [
                {"sequence_id": sequence.id, "subscriber_id": sid, "status": EnrolmentStatus.ACTIVE, "anchor_at": now,
                 "next_position": 1, "source": "bench", "exit_reason": "", "enrolled_at": now,
                 "next_due_at": now - timedelta(seconds=1) if n < due else now + timedelta(minutes=5) + (n - due) * spread}
                for n, sid in enumerate(ids[start:start + 10_000], start=start)])
            db.session.commit()
        return sequence.id


def due_query(app) -> tuple[float, float, str]:
    """First run on a fresh connection, median of 20, and the plan's nodes."""
    from sqlalchemy import text

    from app.extensions import db
    from app.models import utcnow
    from app.services.sequences import find_due

    with app.app_context():
        db.engine.dispose()
        db.session.execute(text("SELECT 1"))  # a fresh connection, opened: what is timed is the query
        db.session.rollback()
        now = utcnow()
        times = []
        for _ in range(21):
            started = time.perf_counter()
            rows = find_due(now, 1000, [])
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        plan = find_due(now, 1000, [], explain=True)
        db.session.rollback()
        assert len(rows) <= 1000
        nodes = [p.strip().lstrip("->").strip().split("  (")[0] for p in plan
                 if not p.strip().startswith(("Index Cond", "Filter", "Sort Key", "Recheck"))]
        return times[0], statistics.median(times[1:]), " / ".join(nodes)


def one_tick(app) -> tuple[float, dict]:
    from app.services.sequences import tick

    with app.app_context():
        started = time.perf_counter()
        report = tick(batch=1000, most=1000)
        return (time.perf_counter() - started) * 1000, report.as_dict() | {"due_ms": round(report.due_ms, 1)}


def all_due(app) -> None:
    """Every enrolment still at step 1 falls due now (a scheduler back after a long outage)."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models import SequenceEnrolment, utcnow

    with app.app_context():
        db.session.execute(update(SequenceEnrolment).where(SequenceEnrolment.status == "active",
                                                           SequenceEnrolment.next_position == 1)
                           .values(next_due_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def enqueue_rates(app) -> tuple[int, float, float]:
    """Ticks until no step is left due; then a campaign to the same list, started."""
    from sqlalchemy import delete, select

    from app.extensions import db
    from app.models import Campaign, Delivery, MailingList, SequenceStep
    from app.services.campaigns import start_campaign
    from app.services.sequences import tick

    with app.app_context():
        queued = 0
        started = time.perf_counter()
        while True:
            report = tick(batch=1000, most=20_000)
            queued += report.queued
            if not report.queued:
                break
        steps_rate = queued / (time.perf_counter() - started)
        step_campaign = db.session.scalar(select(SequenceStep.campaign_id).where(SequenceStep.position == 1))
        db.session.execute(delete(Delivery).where(Delivery.campaign_id != step_campaign))
        lst = db.session.scalar(select(MailingList))
        campaign = Campaign(slug="lettre", name="Lettre", subject="Lettre", lists=[lst],
                            content={"blocks": [{"type": "text", "text": "Bonjour"}]})
        db.session.add(campaign)
        db.session.commit()
        started = time.perf_counter()
        count = start_campaign(campaign) or 0
        campaign_rate = count / (time.perf_counter() - started)
        return queued, steps_rate, campaign_rate


def send_rates(app, n: int) -> tuple[float, float, str]:
    """One worker drains ``n`` step messages, then ``n`` of the campaign (the others stay queued)."""
    from sqlalchemy import select, update

    from app.extensions import db
    from app.models import Campaign, Delivery, DeliveryStatus, SequenceStep
    from app.sending.worker import Worker, WorkerOptions
    from app.services.campaigns import sending_policy

    sink = None
    if SINK:
        port = free_port()
        sink = start_sink(port)
        app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    target = app.config.get("SMTP_URL") or "outbox"
    try:
        with app.app_context():
            step_campaign = db.session.scalar(select(SequenceStep.campaign_id).where(SequenceStep.position == 1))
            other = db.session.scalar(select(Campaign.id).where(Campaign.slug == "lettre"))
            rates = []
            for campaign_id, held in ((step_campaign, other), (other, step_campaign)):
                db.session.execute(update(Campaign).where(Campaign.id == held).values(status="paused"))
                db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(status="sending"))
                keep = select(Delivery.id).where(Delivery.campaign_id == campaign_id).order_by(Delivery.id).limit(n)
                db.session.execute(update(Delivery).where(Delivery.campaign_id == campaign_id,
                                                          Delivery.status == DeliveryStatus.QUEUED,
                                                          Delivery.id.not_in(keep.scalar_subquery()))
                                   .values(status=DeliveryStatus.SKIPPED))
                db.session.commit()
                started = time.perf_counter()
                stats = Worker(app, WorkerOptions(idle_seconds=0.01), policy=sending_policy()).run(until_idle=True)
                rates.append(stats.sent / (time.perf_counter() - started))
            return rates[0], rates[1], "smtp-sink" if sink else target
    finally:
        if sink is not None:
            sink.terminate()
            sink.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--send", type=int, default=2000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        with scratch_database(kind) as url:
            app = bench_app(url)
            started = time.perf_counter()
            fill(app, args.people, args.due)
            print(f"[{kind}] {args.people:,} enrolled in a two-step sequence, {args.due:,} due "
                  f"(filled in {time.perf_counter() - started:.0f} s, never analysed)")
            first, median, plan = due_query(app)
            print(f"[{kind}] due query (LIMIT 1000): first {first:.1f} ms, median {median:.1f} ms; plan: {plan}")
            elapsed, report = one_tick(app)
            print(f"[{kind}] one tick handling the due batch: {elapsed:.0f} ms {report}")
            all_due(app)
            first, median, plan = due_query(app)
            print(f"[{kind}] due query, every enrolment due: first {first:.1f} ms, median {median:.1f} ms; plan: {plan}")
            queued, steps_rate, campaign_rate = enqueue_rates(app)
            print(f"[{kind}] enqueue: {queued:,} steps at {steps_rate:,.0f}/s; a campaign to the same "
                  f"{args.people:,}: {campaign_rate:,.0f}/s")
            if args.send:
                step_rate, other_rate, target = send_rates(app, min(args.send, queued))
                print(f"[{kind}] send ({target}, one worker): steps {step_rate:,.0f} msg/s, "
                      f"campaign {other_rate:,.0f} msg/s ({step_rate / other_rate:.0%})")


if __name__ == "__main__":
    main()
