"""The seed announcement, rendered for a demo subscriber, checked on the bytes that go to SMTP."""
from __future__ import annotations

import email
import re
from email import policy
from email.header import decode_header, make_header

import lxml.html
import pytest

from app.services import demo
from app.services.demo import CAMPAIGN_SLUG, load_seed_cycle as load_cycle
from app.extensions import db
from app.message import render
from app.message.typography import french_spacing
from app.message.builder import HeaderInjection, Recipient, clean_header
from app.sending.compose import builder_for, message_id_for
from app.models import Campaign, Cycle, Journee, Subscriber
from app.tokens import Purpose, verify
from tests.emailcheck import html_text, missing_lines, normalise, seed_lines


@pytest.fixture
def announcement(app):
    demo.load_base()
    load_cycle()
    campaign = db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).one()
    subscriber = db.session.query(Subscriber).filter_by(email="chef.projet@example.org").one()
    return campaign, subscriber


def recipient(sub: Subscriber, **changes) -> Recipient:
    data = dict(subscriber_id=sub.id, uid=sub.uid, email=sub.email, first_name=sub.first_name,
                last_name=sub.last_name)
    data.update(changes)
    return Recipient(**data)


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def parts(raw: bytes) -> tuple[str, str]:
    msg = parse(raw)
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def test_seed_is_loaded_completely_and_idempotently(announcement):
    campaign, _ = announcement
    compiled = builder_for(campaign)
    load_cycle()
    load_cycle()
    db.session.refresh(campaign)
    assert builder_for(campaign) is compiled  # nothing changed: the compiled message stays valid
    assert db.session.query(Cycle).count() == 1
    assert db.session.query(Journee).count() == 4
    assert db.session.query(Campaign).filter_by(slug=CAMPAIGN_SLUG).count() == 1
    cycle = db.session.get(Cycle, campaign.cycle_id)
    assert [j.starts_at.isoformat() for j in cycle.journees] == [
        "2016-03-10T09:00:00+00:00", "2016-04-07T08:00:00+00:00",
        "2016-05-26T08:00:00+00:00", "2016-06-23T08:00:00+00:00",
    ]
    assert [l.slug for l in campaign.lists] == ["formations"]
    assert cycle.agenda_url == "https://www.crpve91.fr"


def test_both_parts_hold_every_sentence_of_the_seed(announcement):
    campaign, sub = announcement
    text, html = parts(builder_for(campaign).build(recipient(sub)).raw)
    assert len(seed_lines()) > 100
    assert missing_lines(text) == []
    assert missing_lines(html_text(html)) == []


def test_normaliser_is_not_blind():
    """The comparison would notice a dropped or altered sentence."""
    seed = "\n".join(seed_lines())
    altered = seed.replace("Renforcer les capacités", "Renforcer la capacité")
    assert len(missing_lines(altered)) == 1
    assert normalise("l’Etat – « droit »\u00a0: x") == normalise("l'Etat - \"droit\": X")
    assert normalise("de 10\u00a0h\u00a000 à 17\u00a0h\u00a000") == normalise("de 10H00 à 17H00")
    assert normalise("de 10 h 30") != normalise("de 10H00")


def test_html_part_meets_the_standards(announcement):
    campaign, sub = announcement
    _text, html = parts(builder_for(campaign).build(recipient(sub)).raw)
    assert len(html.encode("utf-8")) < 90 * 1024
    styles = re.findall(r"<style\b[^>]*>(.*?)</style>", html, flags=re.S)
    assert sum(len(s.encode()) for s in styles) < 16 * 1024
    assert re.search(r'<html[^>]*\blang="fr"', html)
    doc = lxml.html.fromstring(html)
    assert len(doc.xpath("//h1")) == 1
    for img in doc.xpath("//img"):
        assert img.get("alt") is not None
    tables = doc.xpath("//table")
    assert tables and all(t.get("role") == "presentation" for t in tables)
    hrefs = [a.get("href") for a in doc.xpath("//a")]
    assert hrefs and all(re.match(r"(https://|mailto:|tel:)", h) for h in hrefs), hrefs
    assert "fonts.googleapis" not in html and "@import" not in html
    for block in re.findall(r"<!--\[if [^\]]*\]>.*?<!\[endif\]-->", html, flags=re.S):
        assert "\n" not in block
    # not hidden with white text, and short
    assert "color:#ffffff;line-height:1px" not in html
    assert french_spacing(campaign.preheader) in html_text(html)  # with its narrow no-break space before ":"
    assert "Voir la version en ligne" in html


def test_personal_links_and_no_template_syntax(announcement, app):
    campaign, sub = announcement
    out = builder_for(campaign).build(recipient(sub))
    text, html = parts(out.raw)
    msg = parse(out.raw)
    unsubscribe = msg["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://lettrine.test/u/")
    assert verify(Purpose.UNSUBSCRIBE, unsubscribe.rsplit("/", 1)[1]) == {"s": sub.uid, "c": campaign.id}
    assert unsubscribe in text
    doc = lxml.html.fromstring(html)
    click_here = [a for a in doc.xpath("//a") if a.text_content().strip() == "cliquez ici"]
    assert [a.get("href") for a in click_here] == [unsubscribe]
    prefs = [a.get("href") for a in doc.xpath("//a") if "/p/" in a.get("href")]
    assert prefs and verify(Purpose.PREFERENCES, prefs[0].rsplit("/", 1)[1]) == {"s": sub.uid}
    assert "Bonjour Hélène," in text and "Bonjour Hélène," in html
    assert "https://lettrine.test/c/" + campaign.slug in text
    assert "https://lettrine.test/inscription/contrat-de-ville-2016" in text
    for part in (text, html):
        for syntax in ("{{", "{%", "}}", "%}", "[[", "LTRNx", "<mj-"):
            assert syntax not in part
    assert not re.search(r"<[a-zA-Z/][^>]*>", text)


def test_message_structure_and_headers(announcement, app):
    campaign, sub = announcement
    out = builder_for(campaign).build(recipient(sub))
    raw = out.raw
    msg = parse(raw)
    assert all(not part.defects for part in msg.walk())
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    for part in msg.iter_parts():
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part.get_content_charset() == "utf-8"
    lines = raw.split(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
    header_end = lines.index(b"")
    assert all(len(line) <= 76 for line in lines[header_end:]), max(lines[header_end:], key=len)
    assert all(len(line) <= 998 for line in lines[:header_end])
    assert msg.get_all("List-Unsubscribe") and len(msg.get_all("List-Unsubscribe")) == 1
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["List-Id"] == '"Formations CRPVE" <formations.lists.crpve91.fr>'
    assert msg["From"] == "CRPVE <formations@crpve91.fr>"
    assert msg["From"].addresses[0].display_name == "CRPVE"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Date"].datetime is not None
    assert msg["Subject"] == campaign.subject
    assert msg["To"].addresses[0].display_name == "Hélène Duchêne"
    assert msg["Message-ID"] == out.message_id == message_id_for(campaign.id, sub.id)
    assert "Reply-To" not in msg
    assert out.envelope.recipients == (sub.email,)
    text, html = parts(raw)
    assert "Journée 3" in text and "œuvre" in html and "Hélène" in text


def test_reply_to_mailto_unsubscribe_and_verp_when_configured(announcement, app):
    campaign, sub = announcement
    app.config["REPLY_TO"] = "contact@crpve91.fr"
    app.config["UNSUBSCRIBE_MAILTO"] = "desinscription@crpve91.fr"
    app.config["BOUNCE_DOMAIN"] = "retours.crpve91.fr"
    out = builder_for(campaign).build(recipient(sub))
    local, domain = out.envelope.mail_from.split("@")
    assert domain == "retours.crpve91.fr" and local.startswith("bounces+")
    assert verify(Purpose.BOUNCE, local[len("bounces+"):]) == [campaign.id, sub.id]
    msg = parse(out.raw)
    assert msg["Reply-To"] == "contact@crpve91.fr"
    targets = re.findall(r"<([^>]+)>", str(msg["List-Unsubscribe"]))
    assert targets[0].startswith("https://lettrine.test/u/")
    assert targets[1] == "mailto:desinscription@crpve91.fr?subject=unsubscribe"


@pytest.mark.parametrize("first,last", [
    ("Zoé \"Zo\" =?utf-8?q?x?=", "D'Ârc=Lefèvre, <b>"),
    ("Ünïcödé " * 12, "SS" * 40),
    ("Jean", "O'Neil (dit \"Jo\") ; ="),
    ("", ""),
])
def test_awkward_names_round_trip(announcement, first, last):
    campaign, sub = announcement
    raw = builder_for(campaign).build(recipient(sub, first_name=first, last_name=last)).raw
    msg = parse(raw)
    assert all(not part.defects for part in msg.walk())
    full = " ".join(p.strip() for p in (first, last) if p.strip())
    to = msg["To"].addresses[0]
    assert to.addr_spec == sub.email
    # policy.default keeps the folding space between encoded-words (a CPython bug); RFC 2047 drops it
    assert "".join(to.display_name.split()) == "".join(full.split())
    raw_to = re.search(rb"^To: (.*?)\r\n(?! )", raw, flags=re.S | re.M).group(1).decode()
    decoded = str(make_header(decode_header(raw_to.replace("\r\n", ""))))
    if full:
        assert decoded.endswith(f"<{sub.email}>")
        assert decoded[: -len(sub.email) - 3].strip().strip('"').replace('\\"', '"') == full
    else:
        assert decoded == sub.email
    text, html = parts(raw)
    greeting = f"Bonjour {first.strip()}," if first.strip() else "Bonjour,"
    assert greeting in text
    import html as html_lib
    assert html_lib.escape(greeting) in html or greeting in lxml.html.fromstring(html).text_content()
    assert "<b>" not in html_text(html) or "&lt;b&gt;" in html
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 76 for line in lines[lines.index(b""):])


def test_long_urls_and_equals_signs_survive_quoted_printable(announcement, app):
    campaign, sub = announcement
    app.config["BASE_URL"] = "https://lettrine.test/" + "tres-long-chemin=" * 12
    db.session.commit()
    builder = render_builder(campaign)
    out = builder.build(recipient(sub))
    msg = parse(out.raw)
    text, html = parts(out.raw)
    url = str(msg["List-Unsubscribe"]).strip("<>")
    assert "tres-long-chemin=" * 12 in url and url in text and url in html


def render_builder(campaign):
    """A builder made afresh (not from the cache), as the worker would make it."""
    from app.sending import compose

    compose._cache().clear()
    return compose.builder_for(campaign)


def test_message_id_stable_and_date_present(announcement):
    campaign, sub = announcement
    first = builder_for(campaign).build(recipient(sub))
    second = builder_for(campaign).build(recipient(sub))
    other = db.session.query(Subscriber).filter(Subscriber.id != sub.id).first()
    third = builder_for(campaign).build(recipient(other))
    assert first.message_id == second.message_id != third.message_id


def test_compiled_once_per_version(announcement):
    campaign, sub = announcement
    before = render.STATS["compiles"]
    first = builder_for(campaign)
    first.build(recipient(sub))
    assert builder_for(campaign) is first
    assert render.STATS["compiles"] == before + 1
    campaign.subject = "Nouveau sujet : cycle 2016"
    db.session.commit()
    second = builder_for(campaign)
    assert second is not first and render.STATS["compiles"] == before + 2
    assert parse(second.build(recipient(sub)).raw)["Subject"] == "Nouveau sujet : cycle 2016"


def test_header_injection_is_refused(announcement):
    campaign, sub = announcement
    with pytest.raises(HeaderInjection):
        clean_header("Sujet\r\nBcc: victime@example.org")
    campaign.subject = "Sujet\nBcc: victime@example.org"
    db.session.commit()
    with pytest.raises(HeaderInjection):
        builder_for(campaign)
    campaign.subject = "Sujet correct"
    db.session.commit()
    with pytest.raises(HeaderInjection):
        builder_for(campaign).build(recipient(sub, email="x@example.org\r\nBcc: y@example.org"))
    # a name from the data with a line break is flattened, never a new header
    msg = parse(builder_for(campaign).build(recipient(sub, first_name="A\r\nBcc: y@example.org")).raw)
    assert "Bcc" not in msg and len(msg.get_all("To")) == 1
