"""One person, three spellings (issue #22, "one canonical address"): stored and delivered as first
typed with the domain IDNA-encoded, compared everywhere else by the case-insensitive key.

``Anne.Dupont@Exämple.fr``, ``anne.dupont@xn--exmple-cua.fr`` and ``<ANNE.DUPONT@EXÄMPLE.FR>`` are
one mailbox: one subscriber (``Anne.Dupont@xn--exmple-cua.fr``), one rate limit, one suppression,
one import row, one API person; the confirmation reaches a real SMTP server (aiosmtpd on loopback)
at the first spelling, RCPT TO and To header alike, without SMTPUTF8.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import MailingList, Subscriber, TransactionalMessage, email_hash, mailbox_key
from app.sending import eligibility
from app.services.audience import (
    add_suppression,
    find_subscriber,
    import_csv,
    is_blocked,
    normalise_email,
    search_subscribers,
    shown_address,
    suppress_address,
)
from tests.api_helpers import token_header
from tests.conftest import make_app
from tests.security_helpers import own_app
from tests.sending_fixtures import deliver_queued
from tests.smtp_server import smtp_server  # noqa: F401 (fixture)
from tests.test_migrations import empty_database  # noqa: F401 (fixture)

FIRST, IDNA, SHOUTED = "Anne.Dupont@Exämple.fr", "anne.dupont@xn--exmple-cua.fr", "<ANNE.DUPONT@EXÄMPLE.FR>"
STORED = "Anne.Dupont@xn--exmple-cua.fr"  # as first typed, the domain as the wire carries it
KEY = "anne.dupont@exämple.fr"
CONSENT = {"source": "site", "text": "J'accepte de recevoir la lettre du CRPVE."}


def _list() -> MailingList:
    mailing_list = MailingList(slug="lettre", name="Lettre", public=True)
    db.session.add(mailing_list)
    db.session.commit()
    return mailing_list


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(Subscriber)) or 0


def test_the_three_spellings_have_one_key_and_one_fingerprint(app):
    assert {normalise_email(s) for s in (FIRST, IDNA, SHOUTED)} == {KEY}
    assert mailbox_key(STORED) == KEY  # the stored form maps back to the key fingerprints were made of
    assert email_hash(STORED) == email_hash(KEY) == email_hash(IDNA.upper())
    assert shown_address(STORED) == "Anne.Dupont@exämple.fr"  # readable for people


def test_three_spellings_subscribe_one_person_who_gets_the_confirmation_as_first_typed(migrated, smtp_server):
    with own_app(migrated, {"RATELIMIT_ENABLED": True, "SMTP_URL": smtp_server.url}) as app:
        _list()
        client = app.test_client()
        codes = [client.post("/subscribe", data={"email": spelling, "lists": ["lettre"]},
                             environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code
                 for i, spelling in enumerate((FIRST, IDNA, SHOUTED, "Anne <anne.dupont@EXÄMPLE.fr>"))]
        assert codes == [303, 303, 303, 429]  # one mailbox, one limit of 3 an hour
        assert _people() == 1
        assert db.session.scalar(select(Subscriber.email)) == STORED
        assert set(db.session.scalars(select(TransactionalMessage.to_address))) == {STORED}
        deliver_queued(app)
        assert len(smtp_server.messages) == 3
        for message in smtp_server.messages:
            assert list(message.rcpt_tos) == [STORED]
            assert str(message.parsed()["To"]) == STORED
            assert "SMTPUTF8" not in message.mail_options  # an ASCII local part needs none


def test_the_database_keeps_one_row_per_key(app):
    db.session.add(Subscriber(email=STORED))
    db.session.commit()
    db.session.add(Subscriber(email="ANNE.DUPONT@xn--exmple-cua.fr"))
    with pytest.raises(IntegrityError):  # unique on email_hash (migration 0023), not on the spelling
        db.session.commit()
    db.session.rollback()
    assert find_subscriber(SHOUTED.strip("<>")).email == STORED


def test_a_suppression_of_one_spelling_blocks_the_others(app):
    _list()
    db.session.add(Subscriber(email=STORED))
    db.session.commit()
    suppress_address(SHOUTED, source="test", actor="test")
    assert all(is_blocked(normalise_email(s)) for s in (FIRST, IDNA, SHOUTED))
    assert is_blocked(STORED)
    [person] = eligibility.people_at([(STORED, None), ])
    assert person.suppression is not None and person.status is not None  # found by the stored spelling's key


def test_a_suppressed_domain_blocks_the_stored_idna_address_and_the_unicode_key(app):
    db.session.add(Subscriber(email=STORED))
    db.session.commit()
    assert add_suppression("exämple.fr", "ancienne association", actor="test") == "domain"
    assert is_blocked(STORED) and is_blocked(KEY)
    assert eligibility.blocked_domains([STORED]) == {"xn--exmple-cua.fr"}
    campaign_audience = select(func.count()).select_from(Subscriber).where(*eligibility.domain_clauses())
    assert db.session.scalar(campaign_audience) == 0


def test_an_import_of_the_three_spellings_creates_one_person_as_first_typed(app):
    mailing_list = _list()
    csv = f'courriel;prénom\r\n{FIRST};Anne\r\n{IDNA};\r\n"Anne D. {SHOUTED}";\r\n'
    report = import_csv(io.BytesIO(csv.encode()), mailing_list, file_name="l.csv", actor="test")
    assert (report.created, report.duplicates) == (1, 2)
    assert db.session.scalar(select(Subscriber.email)) == STORED
    again = import_csv(io.BytesIO(f"courriel\r\n{IDNA.upper()}\r\n".encode()), mailing_list, file_name="m.csv",
                       actor="test")
    assert (again.created, again.already_member) == (0, 1) and _people() == 1


def test_the_api_creates_finds_and_updates_one_person_whatever_the_spelling(app, client):
    _list()
    headers = token_header()
    created = client.post("/api/v1/subscribers", headers=headers,
                          json={"email": FIRST, "lists": ["lettre"], "consent": CONSENT})
    assert created.status_code == 201 and created.get_json()["email"] == STORED
    known = client.post("/api/v1/subscribers", headers=headers,
                        json={"email": SHOUTED, "lists": ["lettre"], "consent": CONSENT})
    assert known.status_code == 200 and _people() == 1
    found = client.get("/api/v1/subscribers", headers=headers, query_string={"email": IDNA}).get_json()
    assert [p["email"] for p in found["items"]] == [STORED]
    message = db.session.scalar(select(TransactionalMessage).order_by(TransactionalMessage.id))
    assert message.to_address == STORED


def test_the_admin_search_finds_the_person_by_any_spelling(app):
    db.session.add(Subscriber(email=STORED, last_name="Dupont"))
    db.session.commit()
    for q in (FIRST, IDNA, SHOUTED, "Anne.Dup"):
        assert [p.email for p in search_subscribers(q).rows] == [STORED], q


def _insert(db, uid: str, email: str | None) -> None:
    db.session.execute(text("INSERT INTO subscribers (uid, email, email_hash, first_name, last_name, organisation, "
                            "function, commune, attributes, status, created_at, updated_at) VALUES (:uid, :email, "
                            ":hash, '', '', '', '', '', '{}', 'active', :now, :now)"),
                       {"uid": uid, "email": email, "hash": email_hash(email) if email else None,
                        "now": "2026-01-01 00:00:00"})


def test_0023_makes_the_key_unique_stores_idna_domains_and_downgrade_gives_the_keys_back(empty_database):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    app = make_app(empty_database)
    with app.app_context():
        from app.extensions import db

        upgrade(revision="0022")
        for uid, email in (("u1", KEY), ("u2", "b@example.org"), ("u3", None), ("u4", None)):
            _insert(db, uid, email)  # as 0022's code stored them: keys, Unicode domain; two erased people
        db.session.commit()
        upgrade()
        emails = dict(db.session.execute(text("SELECT uid, email FROM subscribers")).all())
        assert emails == {"u1": "anne.dupont@xn--exmple-cua.fr", "u2": "b@example.org", "u3": None, "u4": None}
        assert db.session.execute(text("SELECT email_hash FROM subscribers WHERE uid = 'u1'")).scalar() == \
            email_hash(STORED)  # the same key, the same fingerprint: suppressions still match
        db.session.commit()
        _insert(db, "u5", "Cé@Example.org")
        db.session.commit()
        with pytest.raises(IntegrityError):  # another spelling of u1: refused by the database itself
            _insert(db, "u6", STORED)
        db.session.rollback()  # no transaction left open: on PostgreSQL it would hold off the downgrade's DDL
        downgrade(revision="0022")
        emails = dict(db.session.execute(text("SELECT uid, email FROM subscribers")).all())
        assert emails == {"u1": KEY, "u2": "b@example.org", "u3": None, "u4": None, "u5": "cé@example.org"}
        db.session.remove()
        db.engine.dispose()
