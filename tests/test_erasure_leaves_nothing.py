"""Issue #22, "erasure leaves personal data": after erasing one person, no table and no file of the instance
holds their address (in any case) or their name; only the suppression fingerprint, a hash, remains.

The person touches every feature that stores personal data first: the API (with an ``Idempotency-Key``),
the subscription form, the registration form, a check-in with a drawn signature, a survey answer that
names them, a transactional message, a webhook posted to a receiver on loopback, an import (and a second
upload left waiting at its preview), a campaign and a test send, all sent to the outbox. Then the
admin erases them, and the whole database is read back: every table found by introspection, every
column of text, JSON or bytes (raw messages parsed, so encoded headers and bodies are read too).
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import io
import json
import os
from datetime import date

import pytest
from sqlalchemy import MetaData, select

from app.extensions import db
from app.models import (
    Campaign,
    MailingList,
    Subscriber,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    SurveyAnswer,
    WebhookDelivery,
    email_hash,
)
from app.services.audience import import_jobs
from app.services.campaigns import send_test
from app.services.campaigns.lifecycle import start_campaign
from app.services.events import attendance as att
from app.services.events import surveys
from app.services.events.registrations import register
from app.services.integrations import create_endpoint, resend_delivery
from tests.api_helpers import token_header
from tests.event_factories import future_dates, make_cycle
from tests.import_helpers import confirm_import, job_id_of
from tests.sending_fixtures import deliver_queued
from tests.test_api_subscribers import CONSENT
from tests.test_registration_web import form_data
from tests.test_webhooks import Receiver

ADDRESS = "Zephyrine.Quokka-Erase@Example.ORG"  # as the person typed it, capitals and all
FIRST, LAST = "Zéphyrine", "Quokkasson"
NEEDLES = ("zephyrine.quokka-erase@example.org", "quokka-erase", FIRST.casefold(), LAST.casefold())
SCORES = dict.fromkeys(surveys.QUESTION_KEYS, 4)


def _as_text(value) -> str:
    """Everything a stored value could show a reader: text, JSON, bytes, and a raw message decoded."""
    if value is None or isinstance(value, (int, float, bool, date)):
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        text = data.decode("utf-8", "replace")
        if b"\nSubject:" in data or data.startswith((b"From:", b"DKIM-Signature:", b"Received:", b"Return-Path:")):
            message = email.message_from_bytes(data, policy=email.policy.default)
            text += "".join(f"\n{k}: {v}" for k, v in message.items())
            for part in message.walk():
                if not part.is_multipart():
                    try:
                        content = part.get_content()
                    except (LookupError, ValueError):
                        continue
                    text += "\n" + (content if isinstance(content, str) else content.decode("utf-8", "replace"))
        return text
    return str(value)


def database_hits(needles: tuple[str, ...] = NEEDLES) -> dict[str, list[str]]:
    """``{"table.column": [needles found]}`` over every table of the live database (introspected)."""
    db.session.commit()
    meta = MetaData()
    meta.reflect(bind=db.engine)
    hits: dict[str, list[str]] = {}
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(table.select()).mappings():
                for column, value in row.items():
                    text = _as_text(value).casefold()
                    found = [n for n in needles if n in text]
                    if found:
                        hits.setdefault(f"{table.name}.{column}", []).extend(found)
    return hits


def database_hits_of(*needles: str) -> dict[str, list[str]]:
    return database_hits(needles)


def file_hits(root: str) -> dict[str, list[str]]:
    """The same over every file under the instance folder (uploads waiting, media…), in UTF-8 and UTF-16."""
    hits: dict[str, list[str]] = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as stream:
                data = stream.read()
            text = (data.decode("utf-8", "replace") + data.decode("utf-16", "replace")).casefold()
            found = [n for n in NEEDLES if n in text]
            if found:
                hits[path] = found
    return hits


def _upload(admin_client, lst: MailingList, content: str):
    return admin_client.post("/admin/imports", data={"file": (io.BytesIO(content.encode("utf-8")), "inscrits.csv"),
                                                     "list_id": str(lst.id)}, content_type="multipart/form-data")


def _touch_everything(app, admin_client, client, hook: Receiver) -> tuple[int, dict]:
    """The person in every feature that keeps personal data; returns their id and the API request repeated later."""
    lettre = MailingList(slug="lettre", name="Lettre d'information")
    formations = MailingList(slug="formations", name="Formations CRPVE")
    db.session.add_all([lettre, formations])
    db.session.commit()
    create_endpoint(hook.url, "all")
    # The API, with an Idempotency-Key.
    api = {"headers": {**token_header("all"), "Idempotency-Key": "site-zq-1"},
           "json": {"email": ADDRESS, "first_name": FIRST, "last_name": LAST, "lists": ["lettre"], "consent": CONSENT}}
    created = client.post("/api/v1/subscribers", **api)
    assert created.status_code == 201, created.get_json()
    person_id = created.get_json()["id"]
    # The subscription form, and the registration form of an upcoming cycle.
    client.post("/subscribe", data={"email": ADDRESS.lower(), "first_name": FIRST, "last_name": LAST,
                                    "lists": ["formations"]})
    upcoming = make_cycle(slug="cycle-a-venir", dates=future_dates())
    answer = client.post(f"/inscription/{upcoming.slug}", data=form_data(
        upcoming, email=ADDRESS, first_name=FIRST, last_name=LAST, journees=[upcoming.journees[0]]))
    assert answer.status_code in (200, 302, 303)
    # A past cycle: registered by the officer, checked in with a signature, a survey answer naming them.
    past = make_cycle()
    registration = register(past, ADDRESS, first_name=FIRST, last_name=LAST, journees=[past.journees[0]],
                            allow_past=True, notify=False, source="admin", actor="admin@example.org").registration
    att.check_in(registration, past.journees[0], att.Half.AM, actor="admin@example.org", signature_svg="M 1 2 L 3 4")
    # The cycle's own questions: the five default scales and a free-text one the person answers with their name.
    questions = surveys.save_questions(past, [{"key": q.key, "label": q.label, "kind": q.kind.value}
                                              for q in surveys.questions_of(past)]
                                       + [{"key": "", "label": "Qui êtes-vous ?", "kind": "text", "required": False}])
    surveys.save_answer(registration, past.journees[0], SCORES | {questions[-1].key: f"{FIRST} {LAST}, {ADDRESS}"},
                        comment=f"Merci ! {FIRST} {LAST}, {ADDRESS}", name=f"{FIRST} {LAST}")
    # A transactional message through the API.
    template = Campaign(slug="bienvenue", name="Bienvenue", subject="Bienvenue au CRPVE",
                        content={"blocks": [{"type": "text", "text": "Bonjour, et bienvenue."}]})
    db.session.add(template)
    db.session.commit()
    tx = client.post("/api/v1/tx", headers=token_header("tx:send"), json={
        "to": ADDRESS, "campaign_id": template.id, "variables": {"first_name": FIRST}})
    assert tx.status_code == 202, tx.get_json()
    # An import holding them (twice, and once mistyped: the report names the address), and a second
    # upload left at its preview, on disk.
    rows = f"email;prenom;nom\n{ADDRESS};{FIRST};{LAST}\n{ADDRESS.upper()};{FIRST};{LAST}\n" \
           f"autre.personne@example.org;Autre;Personne\n{ADDRESS} ;{FIRST};{LAST}\n"
    job_id = job_id_of(confirm_import(admin_client, _upload(admin_client, formations, rows)))
    import_jobs.wait(job_id, timeout=60)
    assert _upload(admin_client, formations, rows).status_code == 200
    # A campaign to their list, and a test send to their address.
    campaign = Campaign(slug="annonce", name="Annonce", subject="Cycle de qualification", lists=[lettre],
                        content={"blocks": [{"type": "text", "text": "Bonjour, voici notre annonce."}]})
    db.session.add(campaign)
    db.session.commit()
    send_test(campaign, [ADDRESS], actor="admin@example.org")
    start_campaign(campaign)
    deliver_queued(app)  # to the outbox; the worker posts the webhooks too
    return person_id, api


def test_after_an_erasure_no_table_and_no_file_holds_the_address_or_the_name(app, admin_client, client):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True  # the receiver is on loopback
    hook = Receiver()
    try:
        person_id, api = _touch_everything(app, admin_client, client, hook)
        before = database_hits()
        # The dump does see the person where each feature keeps them (so its silence afterwards means something).
        for place in ("subscribers.email", "idempotency_records.body", "webhook_deliveries.payload",
                      "survey_answers.name", "survey_answers.comment", "outbox_messages.raw",
                      "transactional_messages.to_address", "import_jobs.report", "subscriber_terms.term"):
            assert place in before, (place, sorted(before))
        assert file_hits(app.instance_path), "the upload waiting at its preview holds the person"
        assert any(ADDRESS.lower() in body.decode().lower() for _h, body in hook.requests)

        erased = admin_client.post(f"/admin/subscribers/{person_id}/erase", data={"confirm": "1"})
        assert erased.status_code == 303
        deliver_queued(app)  # what the erasure queued (the "erased" webhook, a freed seat) goes out too
        posted_before = len(hook.requests)
        delivery = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).first()
        resend_delivery(delivery)  # an admin resends an old delivery: it carries no address now
        deliver_queued(app)
        replay = client.post("/api/v1/subscribers", **api)

        assert database_hits() == {}
        assert file_hits(app.instance_path) == {}
        assert len(hook.requests) > posted_before
        for _headers, body in hook.requests[posted_before:]:
            assert not any(n in body.decode().casefold() for n in NEEDLES), body
        assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
        assert not any(n in replay.get_data(as_text=True).casefold() for n in NEEDLES)
        assert replay.get_json()["email"] is None
    finally:
        hook.close()

    db.session.expire_all()
    person = db.session.get(Subscriber, person_id)
    assert person.status == SubscriberStatus.ERASED and person.email is None
    # What is kept: the fingerprint that stops a re-import (a hash, not the address) and the anonymous scores.
    suppression = db.session.get(Suppression, email_hash(ADDRESS))
    assert suppression is not None and suppression.reason == SuppressionReason.ERASED
    plain = hashlib.sha256(ADDRESS.lower().encode()).hexdigest()
    key = app.config["FINGERPRINT_KEY"].encode()
    assert suppression.email_hash == hmac.new(key, plain.encode(), "sha256").hexdigest() != plain  # keyed
    assert not database_hits_of(plain)  # the unkeyed digest, which anyone could compute, is nowhere
    [answer] = db.session.scalars(select(SurveyAnswer)).all()
    assert (answer.registration_id, answer.name, answer.comment, answer.scores) == (None, "", "", SCORES)
    # The results still count it (scores only), on the page and in the CSV.
    page = admin_client.get(f"/admin/events/{answer.cycle_id}/survey")
    assert page.status_code == 200 and LAST not in page.get_data(as_text=True)
    csv = admin_client.get(f"/admin/events/{answer.cycle_id}/survey.csv").get_data(as_text=True)
    assert csv.count("\n") >= 2 and LAST not in csv and ";4;4;4;4;4;" in csv


@pytest.mark.parametrize("way", ["api", "cli"])
def test_the_api_and_the_cli_erase_through_the_same_function(app, client, cli_runner, way):
    """The same traces (an API replay, a survey answer, the audit log) are gone whichever edge asks."""
    db.session.add(MailingList(slug="lettre", name="Lettre d'information"))
    db.session.commit()
    headers = {**token_header("all"), "Idempotency-Key": f"zq-{way}"}
    body = {"email": ADDRESS, "first_name": FIRST, "last_name": LAST, "lists": ["lettre"], "consent": CONSENT}
    person_id = client.post("/api/v1/subscribers", headers=headers, json=body).get_json()["id"]
    past = make_cycle()
    registration = register(past, ADDRESS, journees=[past.journees[0]], allow_past=True, notify=False,
                            source="admin", actor="admin@example.org").registration
    surveys.save_answer(registration, None, SCORES, comment=f"{FIRST} {LAST}", name=LAST)
    assert database_hits()
    if way == "api":
        assert client.delete(f"/api/v1/subscribers/{person_id}", headers=token_header("all")).status_code == 204
    else:
        result = cli_runner.invoke(args=["privacy", "erase", ADDRESS.lower(), "--yes"])
        assert result.exit_code == 0, result.output
    assert database_hits() == {}
    replay = client.post("/api/v1/subscribers", headers=headers, json=body)
    assert replay.headers.get("Idempotent-Replayed") == "true" and replay.get_json()["email"] is None


def test_names_are_scrubbed_as_whole_words_and_the_address_in_any_case():
    from app.services.privacy.traces import Person, scrub

    person = Person(1, "jo.x@example.org", ("Jo Martin", "Martin", "Jo"))
    payload = {"cycle": "journees-2026", "name": "Jo Martin", "email": "JO.X@Example.org",
               "text": "Bonjour Jo, écrivez à jo.x@example.org"}
    assert scrub(payload, person.pattern(with_names=True), null_email=True) == {
        "cycle": "journees-2026", "name": "[effacé]", "email": None, "text": "Bonjour [effacé], écrivez à [effacé]"}
    assert scrub("Jo, JO.X@EXAMPLE.ORG", person.pattern(with_names=False)) == "Jo, [effacé]"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_an_upload_on_disk_loses_the_lines_holding_the_address_and_keeps_its_encoding(tmp_path, encoding):
    from app.services.privacy.traces import drop_lines

    lines = ["email;prénom\r\n", f"{ADDRESS};Zéphyrine\r\n", "hélène@example.org;Hélène\r\n",
             f"{ADDRESS.upper()};encore\r\n"]
    path = tmp_path / "upload.csv"
    path.write_bytes("".join(lines).encode(encoding))
    assert drop_lines(str(path), ADDRESS.lower())
    assert path.read_bytes() == "".join([lines[0], lines[2]]).encode(encoding)
    assert not drop_lines(str(path), ADDRESS.lower())  # nothing more to drop: left as it is
    assert [p.name for p in tmp_path.iterdir()] == ["upload.csv"]  # no temporary file left behind


def test_a_suppressed_person_erased_then_imported_again_leaves_no_address_in_the_report(app, cli_runner):
    from app.services.audience import import_csv, suppress_address

    lettre = MailingList(slug="lettre", name="Lettre d'information")
    db.session.add(lettre)
    db.session.commit()
    person = Subscriber(email=ADDRESS.lower(), first_name=FIRST, last_name=LAST)
    db.session.add(person)
    db.session.commit()
    person_id = person.id
    suppress_address(ADDRESS, source=f"demande de {FIRST} {LAST} par téléphone", actor="admin@example.org")
    assert cli_runner.invoke(args=["privacy", "erase", str(person_id), "--yes"]).exit_code == 0
    suppression = db.session.get(Suppression, email_hash(ADDRESS))
    assert suppression.reason == SuppressionReason.ERASED and suppression.source == "demande de [effacé] par téléphone"
    # The officer imports the old spreadsheet again: refused, and the report names the line, not the address.
    report = import_csv(io.BytesIO(f"email;prenom\n{ADDRESS};{FIRST}\n".encode()), lettre, file_name="vieux.csv",
                        actor="admin@example.org")
    assert report.created == 0 and [r.as_dict() for r in report.rejections] == [
        {"line": 2, "email": "[effacé]", "reason": "adresse effacée (RGPD) : non réabonnée"}]
    assert database_hits() == {}
