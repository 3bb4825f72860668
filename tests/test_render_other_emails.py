"""Reminder (.ics attached), newsletter blocks and the transactional messages, on their real bytes."""
from __future__ import annotations

import email
import re
from email import policy

import lxml.html
import pytest

from app.services import demo
from app.services.demo import load_seed_cycle as load_cycle
from app.extensions import db
from app.message.builder import Recipient
from app.sending.compose import builder_for
from app.sending.transactional import Attachment, build_transactional, send_transactional
from app.models import Campaign, CampaignTemplate, Cycle, MailingList, MessageStatus, OutboxMessage, TransactionalMessage
from tests.sending_fixtures import deliver_queued
from tests.emailcheck import html_text


@pytest.fixture
def cycle(app):
    demo.load_base()
    load_cycle()
    return db.session.query(Cycle).one()


def parse(raw: bytes):
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert all(not p.defects for p in msg.walk())
    return msg


def check_html(html: str) -> None:
    doc = lxml.html.fromstring(html)
    assert doc.get("lang") == "fr"
    assert len(doc.xpath("//h1")) == 1
    assert all(t.get("role") == "presentation" for t in doc.xpath("//table"))
    assert all(i.get("alt") is not None for i in doc.xpath("//img"))
    assert all(a.get("href").startswith(("https://", "mailto:", "tel:")) for a in doc.xpath("//a"))
    assert "{{" not in html and "LTRNx" not in html


def test_reminder_carries_the_day_and_its_ics(cycle):
    lst = db.session.query(MailingList).one()
    journee = cycle.journees[2]
    campaign = Campaign(slug="rappel-j3", name="Rappel J3", subject="Rappel : journée du 26 mai",
                        preheader="Jeudi 26 mai, 10h00, au CRPVE", template=CampaignTemplate.REMINDER,
                        journee_id=journee.id, cycle_id=cycle.id, reminder_days_before=7)
    campaign.lists.append(lst)
    db.session.add(campaign)
    db.session.commit()
    msg = parse(builder_for(campaign).build(Recipient(1, "u1", "a@example.org", "Zoé")).raw)
    assert msg.get_content_type() == "multipart/mixed"
    alternative, ics = list(msg.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "PUBLISH"
    assert f"journee-{journee.uid}@" in ics.get_content()
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    check_html(html)
    for part in (text, html_text(html)):
        # French typography: no-break spaces tie the date and the hours together
        assert "26\u00a0mai\u00a02016 de 10\u00a0h\u00a000 à 17\u00a0h\u00a000" in part
        assert "participation et de la co-construction" in part
        assert "Salle de conférence" in part and "chmission1@crpve91.fr" in part
        assert "Bonjour Zoé," in part


def test_newsletter_blocks(cycle):
    lst = db.session.query(MailingList).one()
    blocks = [
        {"type": "title", "text": "La lettre du CRPVE"},
        {"type": "text", "text": "Un **texte** avec une liste :\n\n- un\n- deux\n\n[Le site](https://www.crpve91.fr)"},
        {"type": "image", "src": "https://www.crpve91.fr/photo.jpg", "alt": "Atelier au CRPVE", "width": 400},
        {"type": "image", "src": "http://insecure.example.org/x.jpg", "alt": "refusée"},
        {"type": "button", "label": "Lire la suite", "url": "https://www.crpve91.fr/actu"},
        {"type": "image", "src": "https://www.crpve91.fr/filet.png", "alt": "", "decorative": True,
         "href": "https://www.crpve91.fr/"},
        {"type": "columns", "left": "### À gauche\n\nColonne un", "right": "### À droite\n\nColonne deux"},
        {"type": "event", "cycle_id": cycle.id},
        {"type": "event", "cycle_id": str(cycle.id), "journee": "1"},
        {"type": "title", "text": "Second titre"},
    ]
    campaign = Campaign(slug="lettre", name="Lettre", subject="La lettre", preheader="Nouvelles",
                        template=CampaignTemplate.NEWSLETTER, content={"blocks": blocks})
    campaign.lists.append(lst)
    db.session.add(campaign)
    db.session.commit()
    msg = parse(builder_for(campaign).build(Recipient(1, "u1", "a@example.org", "Léa")).raw)
    html = msg.get_body(("html",)).get_content()
    text = msg.get_body(("plain",)).get_content()
    check_html(html)
    doc = lxml.html.fromstring(html)
    assert [i.get("alt") for i in doc.xpath("//img")] == ["Atelier au CRPVE", ""]
    assert doc.xpath("//a[@href='https://www.crpve91.fr/']//img")
    assert "insecure.example.org" not in html
    visible = html_text(html)
    for expected in ("La lettre du CRPVE", "Second titre", "À gauche", "Colonne deux", "Lire la suite",
                     "Journée 1", "Comment faire vivre un contrat de ville"):
        assert expected in visible and expected in text
    # the text part puts each URL on a line of its own, after a narrow no-break space and its colon
    assert re.search("Lire la suite\u202f:\r?\nhttps://www.crpve91.fr/actu\r?\n", text)
    assert re.search("Le site\u202f:\r?\nhttps://www.crpve91.fr\r?\n", text)
    assert "- un" in text and "**" not in text


@pytest.mark.parametrize("kind,context,expected", [
    ("subscription_confirmation",
     {"subject": "Confirmez votre inscription", "first_name": "Éloïse",
      "confirm_url": "https://lettrine.test/confirm/abc=def", "lists": ["Formations CRPVE"]},
     ["Formations CRPVE", "https://lettrine.test/confirm/abc=def", "Bonjour Éloïse,"]),
    ("data_export", {"subject": "Vos données", "first_name": "",
                     "export_url": "https://lettrine.test/export/xyz"},
     ["https://lettrine.test/export/xyz", "Bonjour,"]),
])
def test_simple_transactional(app, kind, context, expected):
    out = build_transactional(kind, "eloise@example.org", context)
    msg = parse(out.raw)
    assert msg["Subject"] == context["subject"] and "List-Unsubscribe" not in msg
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    check_html(html)
    for value in expected:
        assert value in text and (value in html_text(html) or f"\"{value}\"" in html)


def test_registration_confirmation_and_update_are_sent_with_attachments(cycle):
    from app.sending.calendar import journee_ics

    confirmed, waiting = cycle.journees[:2], cycle.journees[3:]
    ics = [Attachment(f"journee-{j.number}.ics", journee_ics(j), "text", "calendar", {"method": "PUBLISH"})
           for j in confirmed]
    context = {"subject": "Inscription confirmée", "first_name": "Anne", "cycle": cycle,
               "journees": confirmed, "waiting": waiting, "manage_url": "https://lettrine.test/r/tok"}
    out = send_transactional("registration_confirmation", "anne@example.org", context, ics)
    built = bytes(out.raw)
    assert db.session.query(OutboxMessage).count() == 0  # queued for the workers, not sent by the caller
    deliver_queued()
    stored = db.session.query(OutboxMessage).one()
    assert stored.raw == built  # no DKIM key configured: the worker sends the bytes as built
    assert db.session.get(TransactionalMessage, out.id).status == MessageStatus.SENT
    msg = parse(built)
    assert [p.get_filename() for p in msg.iter_attachments()] == ["journee-1.ics", "journee-2.ics"]
    text = msg.get_body(("plain",)).get_content()
    assert "Journée 1 - 10\u00a0mars\u00a02016 de 10\u00a0h\u00a000 à 17\u00a0h\u00a000" in text
    assert "liste d'attente" in text and "Journée 4" in text
    assert "https://lettrine.test/r/tok" in text
    assert "(.ics) sont jointes" in text
    update = build_transactional("registration_update", "anne@example.org",
                                 dict(context, changes="Vous êtes désormais inscrite à la journée 2."))
    body = parse(update.raw).get_body(("plain",)).get_content()
    assert "Votre inscription a été modifiée" in body and "désormais inscrite" in body
    assert "(.ics) sont jointes" not in body  # no attachment this time: no false promise


def test_unknown_kind_and_injection_refused(app):
    from app.message.builder import HeaderInjection

    with pytest.raises(ValueError):
        build_transactional("nope", "a@example.org", {"subject": "x"})
    with pytest.raises(HeaderInjection):
        build_transactional("data_export", "a@example.org\nBcc: b@example.org",
                            {"subject": "x", "export_url": "https://x"})
