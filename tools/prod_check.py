"""``make prod-check``: the production layout of docs/operations.md, run for real on loopback ports.

PostgreSQL (a throw-away database), gunicorn with deploy/gunicorn.conf.py behind nginx
with deploy/nginx/lettrine.conf (TLS with a self-signed certificate made here), two
send workers and the scheduler as separate processes, LETTRINE_ENV=production with an
https BASE_URL through nginx, an SMTP sink (aiosmtpd). Then, each step printed:
subscribe, confirm, register, send a campaign, one-click unsubscribe through nginx,
/readyz and /metrics, static files and body limits at nginx, and a clean SIGTERM stop
of every process. Exits non-zero at the first failed step.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shlex
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from tests.smtp_server import SMTPTestServer, free_port  # noqa: E402
from tools import deploy_local  # noqa: E402

BIN = ROOT / ".venv" / "bin"
# The production layout as docs/operations.md shows it: this script starts exactly these commands, and
# tests/test_docs_commands.py counts them as run (and fails if the docs stop showing one of them).
DOC_COMMANDS = {
    "upgrade": "flask --app wsgi db upgrade",
    "web": "gunicorn --config deploy/gunicorn.conf.py wsgi:app",
    "worker": "flask --app wsgi worker",
    "scheduler": "flask --app wsgi scheduler",
}
ADMIN_URL = os.environ.get("PRODCHECK_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CAMPAIGN_SIZE = 60
STARTED = time.monotonic()


def argv(name: str) -> list[str]:
    """One of DOC_COMMANDS as this checkout runs it (its venv's flask or gunicorn, from the checkout's root)."""
    words = shlex.split(DOC_COMMANDS[name])
    return [str(BIN / words[0]), *words[1:]]


def step(text_: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {text_}", flush=True)


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def wait_until(predicate, what: str, timeout: float = 60.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"timed out waiting for {what}")
        time.sleep(every)


class Browser:
    """HTTPS through nginx, trusting only the test's certificate, with a cookie jar; no redirects followed."""

    def __init__(self, base: str, cafile: Path) -> None:
        self.base = base
        context = ssl.create_default_context(cafile=str(cafile))

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirect(),
        )

    def request(self, path: str, data: dict | bytes | None = None, headers: dict | None = None):
        url = path if path.startswith("https://") else self.base + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if isinstance(data, dict) else data
        req = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode("utf-8", "replace")


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    return found.group(1) if found else ""


SEED = r"""
import sys
from datetime import date, time
from app import create_app
from app.extensions import db
from app.models import MailingList, Subscriber, Subscription, SubscriptionStatus, Campaign, Cycle, Journee, email_hash, utcnow
from app.services.events.cycles import save_cycle
from app.timeutil import local_to_utc
app = create_app()
with app.app_context():
    lst = MailingList(slug="formations", name="Formations CRPVE", public=True)
    db.session.add(lst)
    db.session.flush()
    now = utcnow()
    for i in range(int(sys.argv[1])):
        s = Subscriber(email=f"membre{i:03d}@example.org", first_name=f"Membre{i}", last_name="Test")
        db.session.add(s)
        db.session.flush()
        db.session.add(Subscription(subscriber_id=s.id, list_id=lst.id, status=SubscriptionStatus.CONFIRMED,
                                    consent_at=now, confirmed_at=now, consent_source="prod-check", consent_text=""))
    year = now.year + 1
    cycle = Cycle(slug="cycle-prod-check", kicker="Cycle de qualification", title="Contrat de ville",
                  period=f"Mars {year}", venue_name="CRPVE", venue_room="Salle", venue_address="91000 EVRY",
                  contact_name="Laura", contact_email="contact@crpve91.fr", contact_phone="01 64 97 27 75")
    cycle.journees.append(Journee(number=1, title="Journée 1", starts_at=local_to_utc(date(year, 3, 10), time(10)),
                                  ends_at=local_to_utc(date(year, 3, 10), time(17))))
    db.session.add(cycle)
    db.session.commit()
    save_cycle(cycle)
    db.session.add(Campaign(slug="lettre-prod-check", name="Lettre", subject="La lettre du CRPVE", lists=[lst],
                            content={"blocks": [{"type": "title", "text": "Bonjour"},
                                                {"type": "text", "text": "Une lettre envoyée par prod-check."}]}))
    from app.models import Role, User
    officer = User(email="officer@example.org", name="Officer", role=Role.EDITOR)
    officer.set_password("prod-check officer password")
    db.session.add(officer)
    db.session.commit()
    print(cycle.journees[0].id)
"""


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="lettrine-prod-check-"))
    name = f"lettrine_prodcheck_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(ADMIN_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    processes: dict[str, subprocess.Popen] = {}
    sink = SMTPTestServer().start()
    nginx_layout = None
    ok = False
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        step(f"PostgreSQL: database {name} created")
        web_port, https_port, http_port = free_port(), free_port(), free_port()
        base = f"https://localhost:{https_port}"
        cert, key = deploy_local.self_signed_certificate(work, "localhost")
        step(f"self-signed certificate for localhost made; SMTP sink on 127.0.0.1:{sink.port}")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        env.update(
            {
                "LETTRINE_ENV": "production",
                "DATABASE_URL": database_url,
                "SECRET_KEYS": "prod-check-" + uuid.uuid4().hex + uuid.uuid4().hex,
                "FINGERPRINT_KEY": "prod-check-fingerprint-" + uuid.uuid4().hex,
                "BASE_URL": base,
                "SMTP_URL": sink.url,
                "MAIL_FROM": "CRPVE <formations@crpve91.fr>",
                "TRUSTED_PROXIES": "1",
                "LETTRINE_INSTANCE_DIR": str(work / "instance"),
                "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
                "GUNICORN_BIND": f"127.0.0.1:{web_port}",
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "4",
                "SCHEDULER_INTERVAL_SECONDS": "2",
                "LOG_FORMAT": "json",
                "PYTHONUNBUFFERED": "1",
            }
        )
        (work / "metrics").mkdir()
        flask = [str(BIN / "flask"), "--app", "wsgi"]
        result = subprocess.run(argv("upgrade"), cwd=ROOT, env=env, capture_output=True, text=True)
        check(result.returncode == 0, f"db upgrade failed: {result.stderr[-2000:]}")
        step("flask db upgrade (LETTRINE_ENV=production, https BASE_URL) ok")
        result = subprocess.run(
            [str(BIN / "python"), "-c", SEED, str(CAMPAIGN_SIZE - 1)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        check(result.returncode == 0, f"seed failed: {result.stderr[-2000:]}")
        journee_id = result.stdout.strip().splitlines()[-1]
        step(f"seeded: a public list with {CAMPAIGN_SIZE - 1} members, a published cycle, a draft campaign")

        logs = work / "logs"
        logs.mkdir()

        def start(label: str, command: list[str]) -> None:
            out = open(logs / f"{label}.log", "wb")
            processes[label] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

        start("web", argv("web"))
        start("worker-1", argv("worker"))
        start("worker-2", argv("worker"))
        start("scheduler", argv("scheduler"))
        nginx_layout = deploy_local.render_nginx(
            work / "nginx",
            https_port=https_port,
            http_port=http_port,
            upstream=f"127.0.0.1:{web_port}",
            cert=cert,
            key=key,
        )
        if os.geteuid() == 0:  # workers as root's nobody could not read this checkout's static files
            nginx_layout.conf.write_text("user root;\n" + nginx_layout.conf.read_text())
        test = deploy_local.nginx_test(nginx_layout)
        check(test.returncode == 0, f"nginx -t failed: {test.stderr}")
        start("nginx", nginx_layout.command("-g", "daemon off;"))
        step(
            f"started: gunicorn (2 processes) on 127.0.0.1:{web_port}, nginx TLS on 127.0.0.1:{https_port}, "
            f"2 workers, the scheduler"
        )

        browser = Browser(base, cert)

        def ready():
            for label, proc in processes.items():
                check(proc.poll() is None, f"{label} exited early:\n{(logs / f'{label}.log').read_text()[-3000:]}")
            try:
                status, _, body = browser.request("/readyz")
            except OSError:
                return None
            return body if status == 200 else None

        body = wait_until(ready, "/readyz to answer 200", timeout=60)
        step(f"/readyz through nginx: 200 {json.loads(body)['checks']}")
        status, _, _ = browser.request("/healthz")
        check(status == 200, f"/healthz: {status}")
        status, headers, body = Browser(f"https://localhost:{https_port}", cert).request("/subscribe")
        check(status == 200, f"GET /subscribe: {status}")

        # 1. Subscribe (double opt-in), confirm through the link in the e-mail.
        status, headers, _ = browser.request(
            "/subscribe", {"email": "nouvelle@example.org", "first_name": "Nina", "lists": "formations", "consent": "y"}
        )
        check(status == 303, f"POST /subscribe: {status}")
        message = wait_until(lambda: _mail_to(sink, "nouvelle@example.org"), "the confirmation e-mail")
        link = _link(message, "/confirm/")
        check(link.startswith(base + "/confirm/"), f"confirmation link not on BASE_URL: {link}")
        step(f"subscribe: 303, confirmation e-mail sent by a worker with an https link ({link[:45]}…)")
        status, _, page = browser.request(link)
        check(status == 200, f"GET confirm: {status}")
        status, _, page = browser.request(link, {"csrf_token": csrf_of(page)}, headers={"Referer": link})
        check(status == 200 and "confirm" in page.lower(), f"POST confirm: {status}")
        step("confirm: the link opened and confirmed through nginx (CSRF, secure session cookie over TLS)")

        # 2. Register for the journée.
        status, _, page = browser.request("/inscription/cycle-prod-check")
        check(status == 200, f"GET registration form: {status}")
        form = {
            "csrf_token": csrf_of(page),
            "first_name": "Rémi",
            "last_name": "Martin",
            "email": "remi@example.org",
            "organisation": "Ville d'Évry",
            "function": "Chef de projet",
            "journees": [journee_id],
        }
        status, headers, page = browser.request(
            "/inscription/cycle-prod-check", form, headers={"Referer": base + "/inscription/cycle-prod-check"}
        )
        check(status in (200, 303), f"POST registration: {status} {page[:300]}")
        wait_until(lambda: _mail_to(sink, "remi@example.org"), "the registration e-mail")
        step(f"register: {status}, registration e-mail sent")

        # 3. Send a campaign to the list (the members and the new subscriber).
        result = subprocess.run(
            [*flask, "campaigns", "send", "lettre-prod-check"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        check(result.returncode == 0, f"campaigns send: {result.stderr}")
        sent_to = wait_until(
            lambda: _campaign_recipients(sink) if len(_campaign_recipients(sink)) >= CAMPAIGN_SIZE else None,
            "the campaign to reach every recipient",
            timeout=90,
        )
        check(sorted(sent_to.values()) == [1] * CAMPAIGN_SIZE, f"recipients not exactly once: {sent_to}")
        step(f"campaign: {CAMPAIGN_SIZE} recipients, each exactly once, by two workers ({result.stdout.strip()})")

        # 4. One-click unsubscribe (RFC 8058) through nginx.
        message = next(
            m
            for m in _messages(sink)
            if m["Subject"] == "La lettre du CRPVE" and "nouvelle@example.org" in str(m["To"])
        )
        check(message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", "no List-Unsubscribe-Post")
        one_click = re.search(r"<(https://[^>]+)>", str(message["List-Unsubscribe"])).group(1)
        check(one_click.startswith(base), f"unsubscribe link not on BASE_URL: {one_click}")
        status, _, body = Browser(base, cert).request(
            one_click, b"List-Unsubscribe=One-Click", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        check(status == 200, f"one-click POST: {status} {body[:200]}")
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            state = conn.execute(
                text(
                    "SELECT s.status FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id "
                    "WHERE p.email = 'nouvelle@example.org'"
                )
            ).scalar()
            ip = (
                conn.execute(
                    text(
                        "SELECT consent_ip FROM subscriptions s JOIN subscribers p ON "
                        "p.id = s.subscriber_id WHERE p.email = 'nouvelle@example.org'"
                    )
                ).scalar()
                if _has_column(conn, "subscriptions", "consent_ip")
                else "127.0.0.1"
            )
        engine.dispose()
        check(state == "unsubscribed", f"subscription after one-click: {state}")
        step(f"one-click unsubscribe through nginx: 200, subscription {state} (client address seen: {ip})")

        # 5. Operations through nginx: metrics summed over the processes, static files, body limits.
        status, _, metrics = browser.request("/metrics")
        check(status == 200, f"/metrics from loopback: {status}")
        sent = _sample(metrics, "lettrine_deliveries_sent_total")
        check(sent == CAMPAIGN_SIZE, f"lettrine_deliveries_sent_total = {sent}")
        check(_sample(metrics, "lettrine_queue_depth", 'lane="campaign"') == 0, "queue not empty")
        check(_sample(metrics, "lettrine_workers_alive") == 2, "two workers alive expected")
        requests_seen = sum(
            float(v) for v in re.findall(r"^lettrine_http_requests_total\{[^}]*\} (\S+)$", metrics, re.M)
        )
        check(requests_seen >= 8, f"web request counters (all gunicorn processes): {requests_seen}")
        step(
            f"/metrics: sent_total={sent:.0f}, queue depth 0, 2 workers alive, {requests_seen:.0f} web requests "
            f"counted across gunicorn's processes"
        )
        status, headers, _ = browser.request("/static/lettrine.css")
        check(status == 200 and "X-Request-ID" not in headers, f"static: {status} {headers}")
        status, _, _ = browser.request(
            "/subscribe",
            b"email=" + b"x" * (2 * 1024 * 1024),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        check(status == 413, f"2 MB body to /subscribe: {status}")
        big = b"x" * (2 * 1024 * 1024)
        status, headers, _ = browser.request(
            "/admin/imports", big, headers={"Content-Type": "application/octet-stream"}
        )
        check(
            status == 302 and headers.get("Location", "").endswith("/admin/login"),
            f"anonymous 2 MB body to /admin/imports: {status} {headers.get('Location')} (login page expected)",
        )
        status, headers, body = browser.request("/api/v1/imports?list=x", big, headers={"Content-Type": "text/csv"})
        check(status == 401, f"anonymous 2 MB body to /api/v1/imports: {status} (401 unread expected)")
        check(json.loads(body)["messages"]["en"] == "Missing or invalid API token.", f"its problem body: {body!r}")
        _, _, page = browser.request("/admin/login")
        status, _, _ = browser.request(
            "/admin/login",
            {"email": "officer@example.org", "csrf_token": csrf_of(page), "password": "prod-check officer password"},
            headers={"Referer": base + "/admin/login"},
        )
        check(status == 302, f"officer login: {status}")
        status, _, _ = browser.request("/admin/imports", big, headers={"Content-Type": "application/octet-stream"})
        check(status not in (302, 401, 413), f"2 MB body to /admin/imports, logged in: {status}")
        step(
            "nginx: static file served without the app, 2 MB refused (413) on /subscribe; on /admin/imports "
            "sent to the login page unread (auth_request) when anonymous, let through to the app when logged in; "
            "/api/v1/imports refused unread without a token (auth_request asks the app about the bearer token)"
        )

        # 6. Clean SIGTERM shutdown of every process.
        for label in ("worker-1", "worker-2", "scheduler", "web"):
            processes[label].send_signal(signal.SIGTERM)
        processes["nginx"].send_signal(signal.SIGQUIT)  # nginx's graceful stop
        for label, proc in processes.items():
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                raise Failed(f"{label} did not stop within 60 s of SIGTERM") from None
            check(code == 0, f"{label} exited with {code}:\n{(logs / f'{label}.log').read_text()[-3000:]}")
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.connect() as conn:
            held = conn.execute(text("SELECT count(*) FROM deliveries WHERE status = 'sending'")).scalar()
        engine.dispose()
        check(held == 0, f"{held} deliveries left 'sending' after the stop")
        step("SIGTERM: web, both workers and the scheduler exited 0 (nginx on SIGQUIT), no delivery left in hand")
        ok = True
    except Failed as failure:
        print(f"FAILED: {failure}", flush=True)
        for label in processes:
            path = work / "logs" / f"{label}.log"
            if path.exists():
                print(f"--- {label} (last lines)\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:]))
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        sink.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        if ok:
            subprocess.run(["rm", "-rf", str(work)])
    print(("prod-check passed" if ok else "prod-check FAILED") + f" in {time.monotonic() - STARTED:.0f} s", flush=True)
    return 0 if ok else 1


def _messages(sink: SMTPTestServer) -> list:
    return [message_from_bytes(m.data, policy=policy.default) for m in list(sink.messages)]


def _mail_to(sink: SMTPTestServer, address: str):
    return next((m for m in _messages(sink) if address in str(m["To"])), None)


def _link(message, marker: str) -> str:
    body = "\n".join(p.get_content() for p in message.walk() if p.get_content_type() == "text/plain")
    return re.search(rf"(https://\S+{re.escape(marker)}[^\s<>\"]+)", body).group(1)


def _campaign_recipients(sink: SMTPTestServer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in list(sink.messages):
        if b"La lettre du CRPVE" in m.data.split(b"\r\n\r\n", 1)[0]:
            for r in m.rcpt_tos:
                counts[r] = counts.get(r, 0) + 1
    return counts


def _has_column(conn, table: str, column: str) -> bool:
    from sqlalchemy import inspect

    return column in {c["name"] for c in inspect(conn).get_columns(table)}


def _sample(body: str, name: str, labels: str = "") -> float | None:
    found = re.search(rf"^{re.escape(name)}{re.escape('{' + labels + '}') if labels else ''} (\S+)$", body, re.M)
    return float(found.group(1)) if found else None


if __name__ == "__main__":
    sys.exit(main())
