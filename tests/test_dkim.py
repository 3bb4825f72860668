"""DKIM signatures made with `cryptography` must verify with dkimpy, the reference implementation."""
from __future__ import annotations

import re

import dkim
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from app.message.dkim import DKIMError, DKIMSigner, relaxed_body, relaxed_header
from tests.sending_fixtures import make_campaign
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)

REQUIRED = {"from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"}


def pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


KEYS = {
    "rsa": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ed25519": ed25519.Ed25519PrivateKey.generate,
}


def verify(raw: bytes, signer: DKIMSigner) -> bool:
    record = signer.public_dns_record().encode()
    return dkim.verify(raw, dnsfunc=lambda name, timeout=5: record if name == b"sel._domainkey.crpve91.fr." else None)


def signed_headers(raw: bytes) -> list[str]:
    header = raw.split(b"\r\n\r\n", 1)[0].decode()
    return re.search(r"h=([^;]+);", header.replace("\r\n\t", "")).group(1).split(":")


def test_relaxed_canonicalisation_examples():
    # RFC 6376 §3.4.5
    assert relaxed_header(b"A", b" X\r\n") == b"a:X\r\n"
    assert relaxed_header(b"B ", b" Y\t\r\n\tZ  \r\n") == b"b:Y Z\r\n"
    assert relaxed_body(b" C \r\nD \t E\r\n\r\n\r\n") == b" C\r\nD E\r\n"
    assert relaxed_body(b"\r\n\r\n") == b""


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_campaign_messages_are_signed_and_verify_with_dkimpy(app, smtp_server, tmp_path, kind):
    from app.sending.worker import Worker, WorkerOptions
    from app.services.campaigns import sending_policy

    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(pem(KEYS[kind]()))
    app.config.update(SMTP_URL=smtp_server.url, DKIM_DOMAIN="crpve91.fr", DKIM_SELECTOR="sel",
                      DKIM_PRIVATE_KEY_FILE=str(key_file))
    make_campaign(3)
    Worker(app, WorkerOptions(idle_seconds=0.02), policy=sending_policy()).run(until_idle=True)
    assert len(smtp_server.messages) == 3
    signer = DKIMSigner.from_file("crpve91.fr", "sel", key_file)
    for message in smtp_server.messages:
        assert message.data.startswith(b"DKIM-Signature:")
        assert f"a={signer.algorithm}".encode() in message.data[:200]
        assert verify(message.data, signer), message.data[:800]
        assert REQUIRED <= set(signed_headers(message.data))
        tampered = message.data.replace(b"Cycle de qualification", b"Cycle de disqualification", 1)
        assert not verify(tampered, signer)


def test_awkward_headers_and_bodies_still_verify():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = DKIMSigner("crpve91.fr", "sel", key)
    raw = (
        b"From: CRPVE <formations@crpve91.fr>\r\nTo: =?utf-8?q?Zo=C3=A9?=   Martin <z@example.org>\r\n"
        b"Subject:  Journ\xc3\xa9es   d'\xc3\xa9tude\r\n\t(suite)  \r\nDate: Thu, 26 Nov 2026 05:00:00 +0000\r\n"
        b"Message-ID: <x@crpve91.fr>\r\nList-Unsubscribe: <https://l.test/u/a>,\r\n <mailto:u@crpve91.fr>\r\n"
        b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nLigne  avec\t espaces   \r\n.point\r\n\r\n\r\n"
    )
    assert verify(signer.sign(raw), signer)
    # an added second From breaks it (From is oversigned)
    signed = signer.sign(raw)
    assert not verify(signed.replace(b"From: CRPVE", b"From: x@evil.test\r\nFrom: CRPVE", 1), signer)


def test_short_or_unknown_keys_are_refused():
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(DKIMError):
        DKIMSigner.from_pem("d", "s", pem(ec.generate_private_key(ec.SECP256R1())))


def test_relaxed_body_matches_dkimpy_on_awkward_whitespace():
    from dkim.canonicalization import Relaxed

    samples = [
        b"", b"\r\n", b"a\r\n", b"a", b"a \r\n", b"a\t\t b  \r\n\r\n", b" \t \r\n x \r\n\r\n\r\n",
        b"Journ\xc3\xa9e  du\t3 mars   \r\n  retrait\r\n.\r\n", b"x" * 1000 + b"    \r\n" * 3,
    ]
    for sample in samples:
        assert relaxed_body(sample) == Relaxed.canonicalize_body(sample), sample
    # A body without a final CRLF is signed as transmitted (SMTP adds the CRLF).
    assert relaxed_body(b"fin sans CRLF  ") == Relaxed.canonicalize_body(b"fin sans CRLF  \r\n")


names = st.text(alphabet=st.sampled_from(list(" .\t\u00a0aéZ-'")), max_size=40)


@pytest.fixture
def announcement_builder(app):
    from app.sending.compose import builder_for

    return builder_for(make_campaign(0, start=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=names, last=names)
def test_the_canonical_body_shortcut_signs_exactly_what_full_canonicalisation_signs(announcement_builder, first, last):
    """A built campaign message is already in relaxed form with no line starting with ".",
    so the worker may skip both scans: the signature is byte for byte the same (Ed25519 is
    deterministic) and dkimpy verifies it, whatever the recipient's name."""
    from app.message.builder import Recipient

    message = announcement_builder.build(Recipient(7, "uid00000007x", "personne@example.org", first, last))
    assert announcement_builder.transparent and message.transparent
    body = message.raw.partition(b"\r\n\r\n")[2]
    assert relaxed_body(body) == body
    assert b"\r\n." not in message.raw
    signer = DKIMSigner("crpve91.fr", "sel", ED_KEY)
    fast = signer.sign(message.raw, timestamp=1_700_000_000, canonical_body=True)
    assert fast == signer.sign(message.raw, timestamp=1_700_000_000)
    assert verify(fast, signer)


ED_KEY = ed25519.Ed25519PrivateKey.generate()
