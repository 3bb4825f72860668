"""Preflight catches each kind of error on the rendered message; the demo announcement passes."""
from __future__ import annotations

import email
import re
from email import policy

import pytest

from app.services import demo
from app.services.demo import CAMPAIGN_SLUG, load_seed_cycle as load_cycle
from app.extensions import db
from app.message import encoding
from app.message.builder import Recipient
from app.sending.compose import builder_for
from app.message.preflight import Report, check_message
from app.services.campaigns.preflight import preflight, preflight_errors
from app.models import Campaign, CampaignTemplate, MailingList


@pytest.fixture
def announcement(app):
    demo.load_base()
    load_cycle()
    return db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).one()


def newsletter(blocks, subject="Lettre d'information du CRPVE", preheader="Les nouvelles du mois") -> Campaign:
    lst = db.session.query(MailingList).filter_by(slug="formations").one()
    campaign = Campaign(slug=f"lettre-{len(blocks)}-{len(subject)}", name="Lettre", subject=subject,
                        preheader=preheader, template=CampaignTemplate.NEWSLETTER, content={"blocks": blocks})
    campaign.lists.append(lst)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def test_demo_announcement_passes(announcement):
    report = preflight(announcement)
    assert report.errors == [] and report.ok
    assert preflight_errors(announcement) == []
    assert 10_000 < report.html_size < 90 * 1024


def test_template_errors_found_on_a_newsletter(announcement):
    campaign = newsletter([
        {"type": "title", "text": "Les nouvelles"},
        {"type": "text", "text": "Bonjour {{ prenom }}, voici [[lien]]."},
        {"type": "button", "label": "Lire", "url": "http://www.crpve91.fr/article"},
    ], subject="x" * 90, preheader="")
    report = preflight(campaign)
    text = " | ".join(report.errors)
    assert "Syntaxe de gabarit" in text
    assert "http://www.crpve91.fr/article" in text
    assert "trop long" in text
    assert any("aperçu" in w for w in report.warnings)


def test_oversized_html_is_an_error(announcement):
    paragraph = "Un paragraphe de nouvelles assez long pour remplir la lettre. " * 30
    campaign = newsletter([{"type": "title", "text": "Gros"}] + [{"type": "text", "text": paragraph}] * 60)
    report = preflight(campaign)
    assert report.html_size > 90 * 1024
    assert any("90 Ko" in e for e in report.errors)


def _rebuild(raw: bytes, html_change, text_change=lambda t: t, headers: bytes | None = None) -> bytes:
    msg = email.message_from_bytes(raw, policy=policy.default)
    html = html_change(msg.get_body(("html",)).get_content())
    text = text_change(msg.get_body(("plain",)).get_content())
    head = headers if headers is not None else (
        b"Subject: test\r\nList-Unsubscribe: <https://lettrine.test/u/x>\r\n"
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nMIME-Version: 1.0\r\n")
    return head + encoding.assemble_body(text, html, seed="t")


@pytest.mark.parametrize("change,expected", [
    (lambda h: h.replace("<h1", '<img src="https://www.crpve91.fr/logo.png"><h1', 1), "alt"),
    (lambda h: h.replace('lang="fr"', 'lang="und"'), "lang"),
    (lambda h: h.replace('href="https://www.crpve91.fr"', 'href="/agenda"', 1), "/agenda"),
    (lambda h: re.sub(r'href="https://lettrine\.test/u/[^"]+"', 'href="https://www.crpve91.fr"', h),
     "désinscription"),
    (lambda h: h.replace("<h1", '<img alt="" src="http://www.crpve91.fr/logo.png"><h1', 1), "https"),
])
def test_each_html_error_kind(announcement, change, expected):
    raw = builder_for(announcement).build(Recipient(1, "uid-x", "a@example.org", "Ana")).raw
    clean = check_message(_rebuild(raw, lambda h: h), "Objet", "Aperçu", Report())
    assert clean.errors == []
    broken = check_message(_rebuild(raw, change), "Objet", "Aperçu", Report())
    assert broken.errors and any(expected in e for e in broken.errors), broken.errors


def test_missing_list_headers_and_text_link(announcement):
    raw = builder_for(announcement).build(Recipient(1, "uid-x", "a@example.org", "Ana")).raw
    stripped = _rebuild(raw, lambda h: h, lambda t: re.sub(r"https://lettrine\.test/u/\S+", "", t),
                        headers=b"Subject: test\r\nMIME-Version: 1.0\r\n")
    errors = check_message(stripped, "Objet", "Aperçu", Report()).errors
    assert any("List-Unsubscribe" in e for e in errors)
    assert any("partie texte" in e for e in errors)


def test_subject_with_line_break_is_an_error(announcement):
    announcement.subject = "Objet\r\nBcc: x@example.org"
    db.session.commit()
    assert any("saut de ligne" in e for e in preflight_errors(announcement))
