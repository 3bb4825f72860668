#!/usr/bin/env python3
"""Sending benchmark: the personalised demo announcement (~93 KB quoted-printable, ~83 KB as 8bit)
to N subscribers, 2 worker processes.

    .venv/bin/python bench/send.py [--n 20000] [--workers 2] [--modes unsigned,qp,rsa,ed25519]

Starts ``smtp-sink`` (Debian's postfix package; never a postfix daemon) on a free
loopback port (and a second one started with ``-8``, which does not announce 8BITMIME,
for the "qp" mode), prints one message's bytes on the wire in each encoding, measures
the ceiling with ``smtp-source`` against it (at 40 KB, the size performance.md uses,
and at this message's size in each encoding), creates a
PostgreSQL database (dropped at the end), generates N subscribers, then for each
mode queues the campaign and times ``flask worker --until-idle`` processes.
Nothing runs ANALYZE by hand: the tables are as a user has them. The "cold" mode
imports N more people with the CSV importer and sends to them at once (the
stall-after-import case); during the unsigned send a confirmation is queued every
half second and its queued → accepted latency reported (median, p95).
Prints msg/s (workers already running, from "send now" to the campaign marked sent;
"steady": first to last acceptance; "cold": from the workers' launch to their exit),
CPU µs per message (whole processes, and the send loop alone), where
that CPU goes (build / sign / SMTP / DB, measured inside the workers), peak RSS per
worker and the ratio to the same-size ceiling.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FIXTURE = ROOT / "tests" / "fixtures" / "crpve-cycle-contrat-de-ville-2016.txt"
PG = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int, eight_bit: bool = True) -> subprocess.Popen:
    """``smtp-sink`` announces 8BITMIME; ``-8`` makes it a relay that does not (the "qp" mode's)."""
    options = [] if eight_bit else ["-8"]
    sink = subprocess.Popen(["/usr/sbin/smtp-sink", "-u", "nobody", *options, "-c", f"127.0.0.1:{port}", "1024"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return sink
        except OSError:
            time.sleep(0.05)
    raise SystemExit("smtp-sink did not start")


def ceiling(port: int, count: int, size: int) -> float:
    """smtp-source → smtp-sink: C on both ends, 8 sessions, persistent connections."""
    started = time.perf_counter()
    subprocess.run(["/usr/sbin/smtp-source", "-d", "-s", "8", "-m", str(count), "-l", str(size),
                    "-f", "bench@crpve91.fr", "-t", "sink@example.org", f"127.0.0.1:{port}"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return count / (time.perf_counter() - started)


def worker_env(db_url: str, port: int, dkim: tuple[str, str] | None, instance: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    env.update({
        "LETTRINE_ENV": "testing",
        "DATABASE_URL": db_url, "SECRET_KEYS": "bench-secret-key-0123456789abcdefghijklmnop",
        "BASE_URL": "https://lettrine.crpve91.fr", "MAIL_FROM": "CRPVE <formations@crpve91.fr>",
        "SMTP_URL": f"smtp://127.0.0.1:{port}?max_connections=2", "LETTRINE_INSTANCE_DIR": instance,
    })
    if dkim:
        env.update({"DKIM_DOMAIN": "crpve91.fr", "DKIM_SELECTOR": dkim[0], "DKIM_PRIVATE_KEY_FILE": dkim[1]})
    return env


def make_keys(directory: Path) -> dict[str, Path]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    keys = {"rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ed25519": ed25519.Ed25519PrivateKey.generate()}
    paths = {}
    for name, key in keys.items():
        path = directory / f"{name}.pem"
        path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
        paths[name] = path
    return paths


def setup_database(db_url: str, n: int, instance: str) -> tuple[int, int, int]:
    """Migrate, generate N subscribers in SQL, load the demo announcement; returns its id and one
    message's bytes on the wire, quoted-printable and as 8bit (for a relay with 8BITMIME)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.models import MailingList

    app = create_app({"TESTING": True}, environ=worker_env(db_url, 25, None, instance))
    with app.app_context():
        upgrade()
        lst = MailingList(slug="formations", name="Formations CRPVE")
        db.session.add(lst)
        db.session.flush()
        db.session.execute(text("""
            INSERT INTO subscribers (uid, email, email_hash, first_name, last_name, organisation, function, commune,
                                     attributes, status, created_at, updated_at)
            SELECT md5(g::text || 'uid'), 'p' || g || '@example.org', encode(sha256(('p' || g || '@example.org')::bytea), 'hex'),
                   'Prénom' || g, 'Nom' || g, 'Commune ' || (g % 50), 'Chargé(e) de mission', 'Évry', '{}', 'active', now(), now()
            FROM generate_series(1, :n) AS g"""), {"n": n})
        db.session.execute(text("""
            INSERT INTO subscriptions (subscriber_id, list_id, status, consent_at, consent_source, consent_text,
                                       confirmed_at, created_at, updated_at)
            SELECT id, :list, 'confirmed', now(), 'bench', '', now(), now(), now() FROM subscribers"""),
            {"list": lst.id})
        # The real demo announcement (the seed cycle), as `flask demo load` creates it.
        from app.services.demo import load_announcement, load_cycle

        campaign = load_announcement(*load_cycle())
        db.session.commit()
        from app.message.builder import Recipient
        from app.sending.compose import builder_for

        person = Recipient(1, "u", "p1@example.org", "Prénom1")
        size = len(builder_for(campaign).build(person).raw)
        size_8bit = len(builder_for(campaign).build(person, eight_bit=True).raw)
        campaign_id = campaign.id
        db.engine.dispose()
    return campaign_id, size, size_8bit


def prepare_queue(db_url: str, campaign_id: int, instance: str) -> Callable[[], int]:
    """Empty the queue from the previous mode (truncated, so each mode starts alike, with no
    statistics: nothing here runs ANALYZE); returns what "send now" does: ``start_campaign``
    (preflight, then one INSERT … SELECT)."""
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db
    from app.models import Campaign
    from app.services.campaigns.lifecycle import start_campaign

    app = create_app({"TESTING": True}, environ=worker_env(db_url, 25, None, instance))
    with app.app_context():
        db.session.execute(text("TRUNCATE deliveries, transactional_messages"))
        db.session.execute(text("UPDATE campaigns SET status='draft', started_at=NULL, finished_at=NULL"))
        db.session.commit()

    def queue() -> int:
        with app.app_context():
            queued = start_campaign(db.session.get(Campaign, campaign_id))
            db.engine.dispose()
        return queued

    return queue


def prepare_import(db_url: str, n: int, instance: str) -> Callable[[], int]:
    """The "cold" mode: what a centre does on day one. A new list is filled by the CSV importer
    (the code behind ``flask subscribers import`` and the admin's upload) with N new people,
    an announcement is made for it, and "send now" follows at once: no ANALYZE by hand, the
    tables as the import left them."""
    import io

    from sqlalchemy import text

    from app import create_app
    from app.services.demo import CAMPAIGN_SLUG
    from app.extensions import db
    from app.models import Campaign, MailingList
    from app.services.campaigns.lifecycle import start_campaign
    from app.services.audience.importer import import_csv

    app = create_app({"TESTING": True}, environ=worker_env(db_url, 25, None, instance))
    with app.app_context():
        db.session.execute(text("TRUNCATE deliveries, transactional_messages"))
        db.session.commit()
        fresh = MailingList(slug=f"import-{uuid.uuid4().hex[:6]}", name="Import du jour")
        db.session.add(fresh)
        db.session.commit()
        rows = "".join(f"nouveau{i}@exemple.fr;Prénom{i};Nom{i};Mairie {i % 40}\n" for i in range(n))
        csv = ("email;prénom;nom;organisme\n" + rows).encode("utf-8")
        started = time.perf_counter()
        report = import_csv(io.BytesIO(csv), fresh, file_name="nouveaux.csv", actor="bench")
        print(f"  import: {report.created:,} people in {time.perf_counter() - started:.1f} s (the importer, as users run it)")
        announcement = db.session.scalar(db.select(Campaign).where(Campaign.slug == CAMPAIGN_SLUG))
        campaign = Campaign(slug=f"annonce-{fresh.slug}", name="Annonce (import)", subject=announcement.subject,
                            preheader=announcement.preheader, template=announcement.template,
                            cycle_id=announcement.cycle_id, content=announcement.content, lists=[fresh])
        db.session.add(campaign)
        db.session.commit()
        campaign_id = campaign.id
        db.engine.dispose()

    def queue() -> int:
        with app.app_context():
            queued = start_campaign(db.session.get(Campaign, campaign_id))
            db.engine.dispose()
        return queued

    return queue


class TransactionalProbe(threading.Thread):
    """Queues a confirmation every half second while a campaign is sending, as visitors of the
    site would; the latency of each (queued → accepted by the server) is read afterwards."""

    def __init__(self, db_url: str, instance: str) -> None:
        super().__init__(daemon=True)
        from app import create_app

        self.app = create_app({"TESTING": True}, environ=worker_env(db_url, 25, None, instance))
        self.halt = threading.Event()

    def run(self) -> None:
        from app.extensions import db
        from app.sending.transactional import send_transactional

        with self.app.app_context():
            number = 0
            while not self.halt.wait(0.5):
                send_transactional("subscription_confirmation", f"visiteur{number}@exemple.fr", {
                    "subject": "Confirmez votre abonnement", "first_name": "", "confirm_url": "https://x.test/c",
                    "lists": ["Lettre"]}, reference="bench-probe")
                db.session.commit()
                number += 1
            db.engine.dispose()

    def latencies(self, db_url: str) -> list[float]:
        import psycopg

        with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            rows = conn.execute("SELECT extract(epoch FROM sent_at - created_at) FROM transactional_messages "
                                "WHERE reference = 'bench-probe' AND status = 'sent'").fetchall()
        return sorted(float(r[0]) for r in rows)


def run_workers(env: dict, count: int, queue: Callable[[], int], probe: TransactionalProbe | None = None) -> dict:
    """Start the workers, wait until each is up, queue the campaign (``queue``), then time the send.

    In production workers run all the time (``flask worker``) and a campaign is queued
    while they wait: the send is timed from the queueing to the campaign turning ``sent``.
    ``cold`` runs from the workers' launch to their exit (Python, the app, its imports).
    """
    launched = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker"], cwd=ROOT, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
             for _ in range(count)]
    usage = {}
    outputs = {}
    try:
        for proc in procs:
            if proc.stdout.readline().strip() != b"ready":
                raise SystemExit(f"worker {proc.pid} did not start")
        startup = time.perf_counter() - launched
        started = time.perf_counter()
        queued_at = time.time()
        queued = queue()
        for proc in procs:
            proc.stdin.write(b"go\n")
            proc.stdin.close()
        if probe is not None:
            probe.start()
        for proc in procs:
            out = proc.stdout.read()
            _pid, status, ru = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            usage[proc.pid] = ru
            outputs[proc.pid] = out
            if probe is not None:
                probe.halt.set()  # the first worker to finish: the campaign is done
    except BaseException:
        for proc in procs:  # interrupted: stop our workers (SIGTERM: they release their rows)
            if proc.returncode is None:
                proc.terminate()
        raise
    elapsed = time.perf_counter() - started
    stats = []
    for pid, out in outputs.items():
        line = [l for l in out.decode().splitlines() if l.startswith("{")]
        if not line:
            raise SystemExit(f"worker {pid} printed no stats: {out.decode()[-2000:]}")
        stats.append(json.loads(line[-1]))
    return {"elapsed": elapsed, "cold": startup + elapsed, "queued_at": queued_at, "queued": queued, "usage": list(usage.values()),
            "stats": stats}


def send_times(db_url: str, queued_at: float) -> tuple[float, float, float, int]:
    """Epoch seconds of the first and the last acceptance, and of the campaign turning ``sent``;
    and how many messages were accepted in the first 90 seconds after "send now"."""
    import psycopg

    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        first, last = conn.execute("SELECT min(sent_at), max(sent_at) FROM deliveries WHERE status='sent'").fetchone()
        (finished,) = conn.execute("SELECT max(finished_at) FROM campaigns WHERE status = 'sent'").fetchone()
        (early,) = conn.execute("SELECT count(*) FROM deliveries WHERE status='sent' "
                                "AND sent_at <= to_timestamp(%s)", (queued_at + 90,)).fetchone()
    return first.timestamp(), last.timestamp(), finished.timestamp(), early


def worker_main() -> None:
    """One worker process: what ``flask worker --until-idle`` does, printing its stats as JSON.

    Says "ready" once started and waits for "go", so the send is timed as in production:
    workers already running when the campaign is queued.
    """
    from app import create_app
    from app.sending.worker import WorkerOptions, run_process
    from app.services.campaigns import sending_policy

    app = create_app()
    print("ready", flush=True)
    sys.stdin.readline()
    stats = run_process(app, WorkerOptions(idle_seconds=0.2), until_idle=True, policy=sending_policy())
    data = {k: v for k, v in vars(stats).items() if k != "timings"}
    print(json.dumps({**data, "timings": dict(stats.timings)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--modes", default="unsigned,qp,rsa,ed25519,cold",
                        help="unsigned, rsa, ed25519 (N generated subscribers, a sink announcing 8BITMIME: 8bit "
                             "parts); qp: unsigned, to a sink without 8BITMIME (quoted-printable, as before); "
                             "cold: N more imported with the CSV importer just before sending, unsigned")
    parser.add_argument("--ceiling-messages", type=int, default=20_000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main()
        return
    modes = [m for m in args.modes.split(",") if m]

    from config import normalise_database_url
    from sqlalchemy import create_engine, text

    tmp = Path(tempfile.mkdtemp(prefix="lettrine-bench-"))
    os.environ["LETTRINE_INSTANCE_DIR"] = str(tmp / "instance")
    keys = make_keys(tmp)
    port, port_qp = free_port(), free_port()
    sink, sink_qp = start_sink(port), start_sink(port_qp, eight_bit=False)
    name = f"lettrine_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_database_url(PG), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = normalise_database_url(PG).rsplit("/", 1)[0] + "/" + name
    try:
        t0 = time.perf_counter()
        campaign_id, size, size_8bit = setup_database(db_url, args.n, str(tmp / "instance"))
        print(f"{args.n:,} subscribers generated in {time.perf_counter() - t0:.1f} s; one message on the wire = "
              f"{size:,} bytes quoted-printable, {size_8bit:,} bytes with 8BITMIME ({size_8bit / size - 1:+.1%})")
        reference = ceiling(port, args.ceiling_messages, 40_000)
        roofs = {size: ceiling(port, args.ceiling_messages, size),
                 size_8bit: ceiling(port, args.ceiling_messages, size_8bit)}
        print(f"ceiling (smtp-source -d -s 8 → smtp-sink): {reference:,.0f} msg/s at 40 KB (performance.md's size), "
              f"{roofs[size]:,.0f} msg/s at {size / 1000:.1f} KB and {roofs[size_8bit]:,.0f} msg/s at "
              f"{size_8bit / 1000:.1f} KB (this message in each encoding: the ratios below)")
        print("msg/s: from the queueing to the campaign marked sent, workers already running; steady: first to\n"
              "last acceptance; cold: from the workers' launch to their exit. CPU: whole processes, and the send loop alone.")
        print(f"{'mode':<10}{'msg/s':>9}{'steady':>9}{'cold':>8}{'CPU µs/msg':>12}{'loop only':>10}{'RSS MB/worker':>15}"
              f"{'ceiling':>9}   CPU µs/msg by stage: build / sign / smtp / db / guards")
        probes = {}
        for mode in modes:
            dkim = None if mode in ("unsigned", "qp", "cold") else ("bench", str(keys[mode]))
            env = worker_env(db_url, port_qp if mode == "qp" else port, dkim, str(tmp / "instance"))
            roof = roofs[size if mode == "qp" else size_8bit]
            instance = str(tmp / "instance")
            queue = prepare_import(db_url, args.n, instance) if mode == "cold" else \
                prepare_queue(db_url, campaign_id, instance)
            probe = TransactionalProbe(db_url, instance) if mode == "unsigned" else None
            result = run_workers(env, args.workers, queue, probe)
            assert result["queued"] == args.n, result["queued"]
            sent = sum(s["sent"] for s in result["stats"])
            if sent != args.n:
                print(f"  warning: {sent} sent of {args.n} ({result['stats']})")
            first, last, finished, early = send_times(db_url, result["queued_at"])
            if probe is not None:
                probes[mode] = probe.latencies(db_url)
            if mode == "cold":
                print(f"  cold: {early:,} messages accepted in the first 90 s after \"send now\"")
            rate = sent / (finished - result["queued_at"])
            steady = sent / max(last - first, 1e-3)
            cold = sent / result["cold"]
            cpu = sum(ru.ru_utime + ru.ru_stime for ru in result["usage"]) / max(sent, 1) * 1e6
            loop_cpu = sum(s["cpu_seconds"] for s in result["stats"]) / max(sent, 1) * 1e6
            rss = max(ru.ru_maxrss for ru in result["usage"]) / 1024
            stages = {k: sum(s["timings"].get(k, 0.0) for s in result["stats"]) / max(sent, 1) * 1e6
                      for k in ("build", "sign", "smtp", "db", "guard")}
            print(f"{mode:<10}{rate:>9,.0f}{steady:>9,.0f}{cold:>8,.0f}{cpu:>12,.0f}{loop_cpu:>10,.0f}{rss:>15,.0f}{rate / roof:>9.0%}   "
                  f"{stages['build']:.0f} / {stages['sign']:.0f} / {stages['smtp']:.0f} / {stages['db']:.0f}"
                  f" / {stages['guard']:.0f}")
        for mode, values in probes.items():
            if values:
                p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
                print(f"transactional messages queued during the {mode} send: {len(values)}, "
                      f"queued → accepted median {values[len(values) // 2]:.2f} s, p95 {p95:.2f} s, max {values[-1]:.2f} s")
    finally:
        for process in (sink, sink_qp):
            process.terminate()
            process.wait()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
