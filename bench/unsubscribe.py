"""Benchmark: 200 concurrent RFC 8058 one-click unsubscribes while a campaign is sending.

For each database (SQLite file, PostgreSQL on 127.0.0.1), this script:
1. creates a fresh database, runs the real migrations, seeds an audience and
   starts a campaign (``start_campaign``: one delivery row per recipient);
2. serves Lettrine with gunicorn (2 processes x 8 threads) on a loopback port;
3. runs a sending loop in another process that does what the worker does to the
   database — claim a batch of queued deliveries, re-check ``still_eligible``,
   mark them sent or skipped, commit — as fast as it can (no SMTP: the point is
   the write contention);
4. fires N one-click POSTs at once from N threads (a barrier releases them together);
5. checks that every unsubscribe landed, that no request failed, that the server
   logged no "database is locked", and that no delivery was marked *sent* to a
   person after their unsubscribe was acknowledged (in-flight batches aside).

Prints requests/s and latency percentiles. Usage:
    .venv/bin/python bench/unsubscribe.py [--db sqlite|postgresql|both] [-n 200] [--audience 5000]
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1/postgres")
KEYS = "bench-secret-key-0123456789abcdefghijklmnop"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environ(database_url: str, instance: str, base_url: str) -> dict[str, str]:
    return {"LETTRINE_ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEYS": KEYS,
            "BASE_URL": base_url, "MAIL_FROM": "CRPVE <formations@crpve91.fr>", "LETTRINE_INSTANCE_DIR": instance,
            "RATELIMIT_STORAGE_URI": "memory://"}


def make_app(env: dict[str, str]):
    from app import create_app

    return create_app({"RATELIMIT_ENABLED": False}, environ=env)


def seed(env: dict[str, str], audience: int, targets: int) -> tuple[int, list[tuple[int, str]]]:
    """Migrate, create the audience and start the campaign; return its id and the targets' (id, token)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from app import links
    from app.extensions import db
    from app.models import Campaign, MailingList, Subscriber, Subscription, SubscriptionStatus, email_hash, utcnow
    from app.services.campaigns.lifecycle import start_campaign

    app = make_app(env)
    with app.app_context():
        upgrade()
        lst = MailingList(slug="formations", name="Formations CRPVE")
        db.session.add(lst)
        db.session.flush()
        now = utcnow()
        rows = []
        for i in range(audience):
            address = f"personne{i}@example.org"
            rows.append({"uid": secrets.token_urlsafe(16), "email": address, "email_hash": email_hash(address),
                         "first_name": f"P{i}", "last_name": "", "organisation": "", "function": "",
                         "commune": "", "attributes": {}, "status": "active", "created_at": now, "updated_at": now})
        db.session.execute(insert(Subscriber), rows)
        ids = list(db.session.execute(select(Subscriber.id, Subscriber.uid).order_by(Subscriber.id)))
        db.session.execute(insert(Subscription), [
            {"subscriber_id": sid, "list_id": lst.id, "status": SubscriptionStatus.CONFIRMED, "consent_at": now,
             "consent_source": "bench", "consent_text": "", "confirmed_at": now, "created_at": now, "updated_at": now}
            for sid, _uid in ids])
        campaign = Campaign(slug="bench", name="Bench", subject="Bench", lists=[lst])
        db.session.add(campaign)
        db.session.commit()
        queued = start_campaign(campaign)
        assert queued == audience, queued
        # Targets spread over the audience, so some are still queued when they unsubscribe.
        step = max(1, audience // targets)
        chosen = ids[::step][:targets]
        tokens = [(sid, links.unsubscribe_token(uid, campaign.id)) for sid, uid in chosen]
        db.engine.dispose()
        return campaign.id, tokens


def sending_loop(env: dict[str, str], campaign_id: int, stop, ready, stats) -> None:
    """What the worker does to the database, without SMTP: claim, re-check, mark, commit."""
    from sqlalchemy import select, update

    from app.extensions import db
    from app.sending.queue import still_eligible
    from app.models import Campaign, Delivery, DeliveryStatus, utcnow

    app = make_app(env)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        batches = marked = 0
        while not stop.is_set():
            ids = list(db.session.execute(
                select(Delivery.id, Delivery.subscriber_id)
                .where(Delivery.campaign_id == campaign_id, Delivery.status == DeliveryStatus.QUEUED)
                .order_by(Delivery.id).limit(50)
            ))
            if not ids:
                # Campaign done: start over so writes continue for the whole burst.
                db.session.execute(update(Delivery).where(Delivery.campaign_id == campaign_id,
                                                          Delivery.status == DeliveryStatus.SENT)
                                   .values(status=DeliveryStatus.QUEUED))
                db.session.commit()
                continue
            db.session.execute(update(Delivery).where(Delivery.id.in_([i for i, _ in ids]))
                               .values(status=DeliveryStatus.SENDING))
            db.session.commit()
            eligible = still_eligible(campaign, [s for _, s in ids])
            now = utcnow()
            sent = [i for i, s in ids if s in eligible]
            skipped = [i for i, s in ids if s not in eligible]
            if sent:
                db.session.execute(update(Delivery).where(Delivery.id.in_(sent))
                                   .values(status=DeliveryStatus.SENT, sent_at=now, attempts=Delivery.attempts + 1))
            if skipped:
                db.session.execute(update(Delivery).where(Delivery.id.in_(skipped))
                                   .values(status=DeliveryStatus.SKIPPED))
            db.session.commit()
            batches += 1
            marked += len(ids)
            if batches == 3:
                ready.set()
        stats["batches"] = batches
        stats["marked"] = marked


def fire(url_base: str, tokens: list[tuple[int, str]]) -> tuple[list[float], list[str], float, dict[int, float]]:
    barrier = threading.Barrier(len(tokens) + 1)
    latencies: list[float] = []
    errors: list[str] = []
    done_at: dict[int, float] = {}
    lock = threading.Lock()

    def one(sid: int, token: str) -> None:
        request = urllib.request.Request(
            f"{url_base}/u/{token}", data=b"List-Unsubscribe=One-Click", method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        barrier.wait()
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                body = response.read()
                ok = response.status == 200 and "Location" not in response.headers
        except Exception as exc:  # noqa: BLE001 - every failure is a result to report
            with lock:
                errors.append(f"{sid}: {exc}")
            return
        elapsed = time.perf_counter() - start
        with lock:
            latencies.append(elapsed)
            done_at[sid] = time.time()
            if not ok:
                errors.append(f"{sid}: unexpected answer {body[:80]!r}")

    threads = [threading.Thread(target=one, args=t) for t in tokens]
    for t in threads:
        t.start()
    barrier.wait()
    wall = time.perf_counter()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - wall, done_at


def wait_ready(url: str, proc: subprocess.Popen) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).read()
            return
        except Exception:  # noqa: BLE001
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def verify(env: dict[str, str], campaign_id: int, tokens, done_at) -> tuple[int, int]:
    from datetime import datetime, timezone

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Delivery, DeliveryStatus, Subscription, SubscriptionStatus

    app = make_app(env)
    with app.app_context():
        ids = [sid for sid, _ in tokens]
        statuses = dict(db.session.execute(select(Subscription.subscriber_id, Subscription.status)
                                           .where(Subscription.subscriber_id.in_(ids))).all())
        lost = sum(1 for sid in ids if statuses.get(sid) != SubscriptionStatus.UNSUBSCRIBED)
        late = 0
        for sid, sent_at in db.session.execute(select(Delivery.subscriber_id, Delivery.sent_at).where(
                Delivery.campaign_id == campaign_id, Delivery.subscriber_id.in_(ids),
                Delivery.status == DeliveryStatus.SENT)):
            acked = done_at.get(sid)
            # one batch may be in flight when the answer comes back: allow 1 s
            if acked and sent_at and sent_at > datetime.fromtimestamp(acked + 1, timezone.utc):
                late += 1
        db.engine.dispose()
        return lost, late


def run(kind: str, n: int, audience: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"lettrine-bench-{kind}-"))
    instance = str(tmp / "instance")
    admin_engine = None
    if kind == "sqlite":
        database_url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        from sqlalchemy import create_engine, text

        name = f"lettrine_bench_{os.getpid()}"
        admin_engine = create_engine(PG_ADMIN.replace("postgresql://", "postgresql+psycopg://"),
                                     isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        database_url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environ(database_url, instance, base)
    campaign_id, tokens = seed(env, audience, n)

    log = open(tmp / "gunicorn.log", "w+")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "gthread", "--threads", "8", "--backlog", "512",
         "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    ready = ctx.Event()
    manager = ctx.Manager()
    stats = manager.dict()
    sender = ctx.Process(target=sending_loop, args=(env, campaign_id, stop, ready, stats))
    try:
        wait_ready(base, server)
        sender.start()
        if not ready.wait(60):  # the campaign is sending when the burst arrives
            raise RuntimeError("the sending loop did not start")
        latencies, errors, wall, done_at = fire(base, tokens)
        time.sleep(0.5)
    finally:
        stop.set()
        sender.join(30)
        server.terminate()
        try:
            server.wait(60)  # gunicorn finishes its requests first: slow on a loaded machine
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    log.seek(0)
    server_log = log.read()
    lost, late = verify(env, campaign_id, tokens, done_at)
    if admin_engine is not None:
        from sqlalchemy import text

        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "lettrine_bench_{os.getpid()}" WITH (FORCE)'))
    lat = sorted(latencies)
    pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    return {
        "db": kind, "requests": n, "ok": len(latencies) - sum(1 for e in errors if "unexpected" in e),
        "errors": len(errors), "lost": lost, "locked": server_log.lower().count("database is locked"),
        "server_errors": server_log.count("Traceback"), "late_sends": late,
        "rps": n / wall if wall else 0.0, "p50": pct(0.50), "p99": pct(0.99), "max": lat[-1] * 1000 if lat else 0,
        "mean": statistics.mean(lat) * 1000 if lat else 0, "worker_batches": stats.get("batches", 0),
        "worker_rows": stats.get("marked", 0), "first_errors": errors[:3],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", type=int, default=200, help="concurrent one-click POSTs")
    parser.add_argument("--audience", type=int, default=5000, help="campaign recipients")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    failed = False
    print(f"{args.n} concurrent one-click POSTs, campaign of {args.audience} sending; gunicorn 2x8 threads, loopback")
    for kind in kinds:
        r = run(kind, args.n, args.audience)
        print(f"[{r['db']}] ok {r['ok']}/{r['requests']}  errors {r['errors']}  lost unsubscribes {r['lost']}  "
              f"'database is locked' {r['locked']}  server tracebacks {r['server_errors']}  "
              f"sent after ack {r['late_sends']}")
        print(f"[{r['db']}] {r['rps']:.0f} requests/s  latency p50 {r['p50']:.0f} ms  p99 {r['p99']:.0f} ms  "
              f"max {r['max']:.0f} ms  (sending loop: {r['worker_batches']} batches, {r['worker_rows']} rows marked)")
        if r["first_errors"]:
            print(f"[{r['db']}] first errors: {r['first_errors']}")
        failed |= bool(r["errors"] or r["lost"] or r["locked"] or r["late_sends"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
