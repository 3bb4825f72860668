"""docs/api.md says what works: its curl examples are sent as written (the message one then goes out to a
real SMTP server), and its webhook verification function checks a real delivery (and refuses a tampered one)."""
from __future__ import annotations

import json

from app.extensions import db
from app.models import Campaign, MailingList, TransactionalMessage
from app.sending.webhooks import deliver_due
from app.services.audience import wait_for_import
from tests.api_helpers import token_header
from tests.doc_commands import ROOT, commands_in, fenced_blocks
from tests.event_factories import future_dates, make_cycle
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)
from tests.test_webhooks import SECRET, endpoint_row, receiver  # noqa: F401 (fixture)

API_DOC = ROOT / "docs" / "api.md"


def _curls() -> list[tuple[str, str, dict[str, str], dict | None]]:
    """(method, path, headers, JSON body) of each ``curl`` of docs/api.md, as a shell would split it."""
    found = []
    for command in commands_in(API_DOC):
        words = command.words
        if words[0] != "curl":
            continue
        method = words[words.index("-X") + 1] if "-X" in words else "GET"
        url = next(w for w in words if w.startswith("https://"))
        headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
        body = json.loads(words[words.index("-d") + 1]) if "-d" in words else None
        found.append((method, url.split("crpve91.fr", 1)[1], headers, body))
    return found


# doc-commands: docs/api.md curl
def test_the_curl_examples_work_as_written(app, client, smtp_server):
    """Each curl is sent through the test client with its method, path, headers and body; the bearer token is
    a real one; the message the tx example queues is then sent to a real SMTP server, and its status read
    back as the doc shows (queued, then sent with the server's 250)."""
    app.config.update(SMTP_URL=smtp_server.url)
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    template = Campaign(id=12, slug="bienvenue", name="Bienvenue", subject="Bienvenue",
                        content={"blocks": [{"type": "title", "text": "Bienvenue"}, {"type": "text", "text": "Bonjour"}]})
    db.session.add(template)
    db.session.commit()
    make_cycle(dates=future_dates())
    token = token_header("all")
    curls = _curls()
    assert [(method, path.rstrip("0123456789")) for method, path, _, _ in curls] == [
        ("POST", "/api/v1/subscribers"), ("POST", "/api/v1/cycles/contrat-de-ville-2016/registrations"),
        ("POST", "/api/v1/cycles"), ("POST", "/api/v1/cycles/fondamentaux-2031/journees"),
        ("POST", "/api/v1/imports?list=lettre&mapping=%7B%22Contact%22%3A%22email%22%7D"), ("GET", "/api/v1/imports/"),
        ("POST", "/api/v1/tx"), ("GET", "/api/v1/tx/")]
    queued_id = import_id = None
    for method, path, headers, body in curls:
        headers = {**headers, **token}
        if method == "GET" and path.startswith("/api/v1/imports/"):
            assert path == "/api/v1/imports/7"  # the id the doc's POST answered
            wait_for_import(import_id, timeout=30)
            followed = client.get(f"/api/v1/imports/{import_id}", headers=headers).get_json()
            assert followed["status"] == "done" and followed["counts"]["created"] == 2, followed
            assert [r["line"] for r in followed["rejections"]] == [3]
            continue
        if method == "GET":
            assert path == "/api/v1/tx/345"  # the id the doc's POST answered
            deliver_queued(app)
            response = client.get(f"/api/v1/tx/{queued_id}", headers=headers)
            assert response.status_code == 200
            sent = response.get_json()
            assert sent["status"] == "sent" and sent["smtp_code"] == 250, sent
            continue
        if path.startswith("/api/v1/imports"):
            # contacts.csv, hand-made: an address column no alias names ("Contact"), one bad line.
            response = client.post(path, headers=headers,
                                   data="Contact;Prénom\na@example.org;Anne\nnon\nb@example.org;Basile\n".encode())
            assert response.status_code == 202, response.get_json()
            import_id = response.get_json()["id"]
            continue
        response = client.post(path, headers=headers, json=body)
        assert response.status_code in (200, 201, 202), (path, response.get_json())
        if path == "/api/v1/tx":
            assert response.status_code == 202 and response.get_json()["status"] == "queued"
            queued_id = response.get_json()["id"]
    assert db.session.query(TransactionalMessage).filter_by(kind="api").count() == 1
    assert [list(m.rcpt_tos) for m in smtp_server.messages if b"Subject: Bienvenue" in m.data] == [
        ["laura.kossi@example.org"]]


def test_the_verify_function_of_the_doc_checks_a_real_delivery(app, client, receiver):  # noqa: F811
    [code] = ["\n".join(lines) for lang, _, _, lines in fenced_blocks(API_DOC) if lang == "python"]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - the doc's own example
    verify = namespace["verify"]
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True  # the receiver is on loopback
    hook = receiver()
    db.session.add(endpoint_row(hook.url, ["subscriber.created"]))
    db.session.add(MailingList(slug="lettre", name="Lettre"))
    db.session.commit()
    client.post("/api/v1/subscribers", headers=token_header(), json={
        "email": "a@example.org", "lists": ["lettre"], "consent": {"text": "oui"}})
    assert deliver_due("w", 10) == 1
    [(headers, body)] = hook.requests
    assert verify(SECRET, headers, body)
    assert not verify(SECRET, headers, body.replace(b"a@example.org", b"b@example.org"))
    assert not verify("whsec_" + "B" * 32, headers, body)
