"""Lighter messages: 8bit parts for a relay that announces 8BITMIME, SMTPUTF8 when an address needs it.

On the seed announcement (66 KB of HTML, 12.5 KB of text): as 8bit it is within 3 % of its
decoded size, every line under 998 octets, its DKIM signature verifies with dkimpy, and it
reads the same as the quoted-printable one. Against real SMTP servers (aiosmtpd) that do and
do not announce 8BITMIME and SMTPUTF8.
"""
from __future__ import annotations

import email
import re
from collections import Counter
from email import policy

import dkim
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from sqlalchemy import select

from app.extensions import db
from app.message import encoding
from app.message.builder import Recipient
from app.message.dkim import DKIMSigner, relaxed_body
from app.models import Campaign, Delivery, DeliveryStatus, Subscriber, SubscriberStatus
from app.sending.compose import builder_for, wire_bytes
from app.sending.worker import Worker, WorkerOptions
from app.services.campaigns import sending_policy
from tests.sending_fixtures import make_campaign
from tests.smtp_server import SMTPTestServer
from tests.test_dkim import pem
from tests.test_render_announcement import announcement, recipient  # noqa: F401 (fixture)

KEYS = {"rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ed25519": ed25519.Ed25519PrivateKey.generate}


def verifies(raw: bytes, signer: DKIMSigner) -> bool:
    record = signer.public_dns_record().encode()
    return dkim.verify(raw, dnsfunc=lambda name, timeout=5: record if name == b"sel._domainkey.crpve91.fr." else None)


@pytest.fixture
def built(announcement):
    """The seed announcement's builder and its demo recipient."""
    campaign, person = announcement
    return builder_for(campaign), recipient(person)


def decoded_size(raw: bytes) -> tuple[int, list[bytes]]:
    """The message's header block plus each leaf part's headers and decoded content: its size with no transfer encoding."""
    message = email.message_from_bytes(raw, policy=policy.default)
    head = raw.split(b"\r\n\r\n", 1)[0]
    leaves = [part for part in message.walk() if not part.is_multipart()]
    payloads = [part.get_payload(decode=True) for part in leaves]
    part_heads = sum(len(str(k)) + len(str(v)) + 4 for part in leaves for k, v in part.items())
    return len(head) + part_heads + sum(len(p) for p in payloads), payloads


def test_the_announcement_is_within_3_percent_of_its_decoded_size_as_8bit(built):
    builder, person = built
    qp = builder.build(person).raw
    eight = builder.build(person, eight_bit=True)
    decoded, payloads = decoded_size(qp)
    print(f"\nannouncement: quoted-printable {len(qp):,} B, 8bit {len(eight.raw):,} B, decoded {decoded:,} B")
    assert len(qp) > 85_000  # the 91 KB of today
    assert len(eight.raw) <= 1.03 * decoded
    assert len(eight.raw) < 0.92 * len(qp)
    assert eight.envelope.eight_bit and not builder.build(person).envelope.eight_bit
    assert max(len(line) for line in eight.raw.split(b"\r\n")) < 998
    assert b"\n" not in eight.raw.replace(b"\r\n", b"")  # CRLF only
    message = email.message_from_bytes(eight.raw, policy=policy.default)
    assert [p["Content-Transfer-Encoding"] for p in message.walk() if not p.is_multipart()] == ["8bit", "8bit"]
    # Reads the same: the text byte for byte, the HTML but for whitespace runs and line breaks (HTML reads them alike).
    text8, html8 = (p.get_payload(decode=True) for p in message.walk() if not p.is_multipart())
    text_qp, html_qp = payloads
    assert text8 == text_qp
    assert re.sub(rb"\s+", b" ", html8) == re.sub(rb"\s+", b" ", html_qp)
    assert len(html8) < len(html_qp)  # the collapsed runs are bytes saved too
    # The HTML is already in DKIM's relaxed form; the text keeps its indentation, and the signer gets its relaxed form.
    assert not eight.transparent and eight.relaxed_body is not None
    assert eight.relaxed_body == relaxed_body(eight.raw.split(b"\r\n\r\n", 1)[1])
    assert "é".encode() in html8 and b"=C3=A9" not in html8
    # Outlook's conditional comments stay on one line each.
    for comment in re.findall(rb"<!--\[if.*?-->", html8, re.S):
        assert b"\n" not in comment


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_dkim_verifies_on_both_encodings(built, tmp_path, kind):
    builder, person = built
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(pem(KEYS[kind]()))
    signer = DKIMSigner.from_file("crpve91.fr", "sel", key_file)
    for eight_bit in (False, True):
        message = builder.build(person, eight_bit=eight_bit)
        assert verifies(wire_bytes(message, signer), signer), f"eight_bit={eight_bit}"
    # A name with double spaces makes the 8bit body non-canonical: the signer then canonicalises, and it still verifies.
    odd = builder.build(Recipient(person.subscriber_id, person.uid, person.email, "Jean  Pierre", "X"), eight_bit=True)
    assert odd.envelope.eight_bit and not odd.transparent
    assert verifies(wire_bytes(odd, signer), signer)


def test_a_value_too_long_for_its_line_sends_that_message_quoted_printable(built):
    builder, person = built
    long_name = "Marie-" + "A" * 400
    message = builder.build(Recipient(person.subscriber_id, person.uid, person.email, long_name, "X"), eight_bit=True)
    assert not message.envelope.eight_bit and b"quoted-printable" in message.raw
    body = message.raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76


def test_html_lines_are_cut_only_where_whitespace_does_not_matter():
    html = ('<div style="color: red; margin: 0 auto" title="a b c">' + "mot " * 400
            + '</div><pre>garder  ces   espaces ' + "x " * 600 + "</pre>")
    assert encoding.html_for_8bit(html) is None  # the <pre> has no place to break
    html = html.replace("<pre>", "<p>").replace("</pre>", "</p>")
    wrapped = encoding.html_for_8bit(html)
    assert wrapped is not None and wrapped.replace("\n", " ") == html.replace("  ces   ", " ces ")  # runs: one space
    assert 'title="a b c"' in wrapped  # never inside an attribute's value
    assert all(len(line.encode()) <= encoding.WRAP_AT for line in wrapped.split("\n"))
    assert encoding.transparent_inside(wrapped.encode().replace(b"\n", b"\r\n"))
    # A run inside an attribute's value is the author's: kept, so that HTML part goes quoted-printable.
    assert encoding.html_for_8bit('<img alt="deux  espaces">' + "<p>mot " * 300) is None


def run(app, server: SMTPTestServer, **config) -> None:
    app.config.update(SMTP_URL=server.url, **config)
    Worker(app, WorkerOptions(idle_seconds=0.02, retry_base_seconds=0.01, pipeline=4), policy=sending_policy()).run(until_idle=True)
    db.session.expire_all()


@pytest.mark.parametrize("announces", [True, False])
def test_the_worker_sends_8bit_only_to_a_relay_that_announces_8bitmime(app, tmp_path, announces):
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(pem(KEYS["ed25519"]()))
    signer = DKIMSigner.from_file("crpve91.fr", "sel", key_file)
    server = SMTPTestServer(eight_bit_mime=announces).start()
    try:
        make_campaign(12)
        run(app, server, DKIM_DOMAIN="crpve91.fr", DKIM_SELECTOR="sel", DKIM_PRIVATE_KEY_FILE=str(key_file))
    finally:
        server.stop()
    assert len(server.messages) == 12
    encodings = Counter("BODY=8BITMIME" in m.mail_options for m in server.messages)
    if announces:  # the first exchange learns what the relay offers; the rest go 8bit
        assert encodings[True] >= 8
        assert all(b"Content-Transfer-Encoding: 8bit" in m.data for m in server.messages
                   if "BODY=8BITMIME" in m.mail_options)
    else:
        assert encodings == Counter({False: 12})
        assert all(b"Content-Transfer-Encoding: 8bit" not in m.data for m in server.messages)
    for message in server.messages:
        assert verifies(message.data, signer)
        assert "\n.ligne avec un point" in message.parsed().get_body(("plain",)).get_content()


def _people_with_unicode_addresses() -> Campaign:
    campaign = make_campaign(4, start=False)
    people = db.session.scalars(select(Subscriber).order_by(Subscriber.id)).all()
    people[0].email, people[1].email = "élodie.durand@exemple.fr", "jean@café-exemple.fr"
    db.session.commit()
    from app.services.campaigns import start_campaign

    start_campaign(campaign)
    return campaign


@pytest.mark.parametrize("smtputf8", [True, False])
def test_smtputf8_when_an_address_needs_it_and_the_relay_offers_it(app, smtputf8):
    server = SMTPTestServer(smtputf8=smtputf8).start()
    try:
        campaign = _people_with_unicode_addresses()
        run(app, server)
    finally:
        server.stop()
    received = {m.rcpt_tos[0]: m for m in server.messages}
    # A domain alone travels in its IDNA form, with or without SMTPUTF8.
    jean = "jean@" + "café-exemple.fr".encode("idna").decode()
    assert jean == "jean@xn--caf-exemple-dbb.fr" and jean in received
    assert "SMTPUTF8" not in received[jean].mail_options
    assert received[jean].parsed()["To"].addresses[0].addr_spec == jean
    elodie = db.session.scalar(select(Delivery).join(Subscriber).where(
        Delivery.campaign_id == campaign.id, Subscriber.email == "élodie.durand@exemple.fr"))
    if smtputf8:
        assert "SMTPUTF8" in received["élodie.durand@exemple.fr"].mail_options
        assert "To: <élodie.durand@exemple.fr>".encode() in received["élodie.durand@exemple.fr"].data
        assert elodie.status == DeliveryStatus.SENT
    else:  # refused clearly, never sent in a way the relay cannot take, and not a bounce: the address is fine
        assert "élodie.durand@exemple.fr" not in received and len(server.messages) == 3
        assert elodie.status == DeliveryStatus.FAILED and not elodie.bounced
        assert "5.6.7" in elodie.smtp_reply and "SMTPUTF8" in elodie.smtp_reply
        assert db.session.get(Subscriber, elodie.subscriber_id).status == SubscriberStatus.ACTIVE


def test_a_reminder_with_its_personal_code_qr_image_and_calendar_goes_8bit_too(app, admin_client):
    """Personal blocks, an inline image (multipart/related) and an .ics (multipart/mixed) around 8bit parts."""
    from tests.test_reminder_checkin import _parts, _reminder_setup

    server = SMTPTestServer().start()
    try:
        app.config["SMTP_URL"] = server.url
        _reminder_setup(app, server)
    finally:
        server.stop()
    assert len(server.messages) == 2
    for received in server.messages:
        assert "BODY=8BITMIME" in received.mail_options
        message, text, html, images = _parts(received)
        assert message.get_content_type() == "multipart/mixed" and len(images) == 1
        assert [p["Content-Transfer-Encoding"] for p in message.walk() if p.get_content_maintype() == "text"
                and p.get_content_subtype() in ("plain", "html")] == ["8bit", "8bit"]
        [cid] = images
        assert f'src="cid:{cid}"' in html and "Code" in text
