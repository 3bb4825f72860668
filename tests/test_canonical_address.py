"""One mailbox, one key (issue #22): every spelling of an address is canonicalised by one function
before any limit, look-up, uniqueness check or suppression test; anything but exactly one
mailbox is refused in French.

Finding reproduced: the per-address limit on /subscribe and /inscription/<cycle> counted each
spelling apart, so one mailbox received 7 confirmations against a limit of 3 per hour.
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import MailingList, Subscriber, SuppressionReason, TransactionalMessage
from app.services.audience import InvalidAddress, import_csv, is_suppressed, normalise_email, parse_mailbox, suppress
from tests.api_helpers import token_header
from tests.event_factories import future_dates, make_cycle
from tests.security_helpers import own_app
from tests.test_registration_web import form_data

# Seven spellings of one mailbox, as the audit typed them.
SPELLINGS = ["victim@example.org", "<victim@example.org>", "Victim <victim@example.org>",
             '"Victime, V." <VICTIM@example.org>', "victim@EXAMPLE.ORG ", "  Victim@Example.Org\t",
             "Vïctime <victim@example.org>"]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_gives_one_key(app, spelling):
    assert normalise_email(spelling) == "victim@example.org"


def test_the_domain_is_canonical_in_both_its_forms_and_the_local_part_is_kept_as_typed(app):
    unicode_form, idna_form = parse_mailbox("Jean.Dupont@Café.fr"), parse_mailbox("jean.dupont@XN--CAF-DMA.FR")
    assert unicode_form.key == idna_form.key == "jean.dupont@café.fr"
    assert unicode_form.ascii_domain == "xn--caf-dma.fr"
    assert unicode_form.as_typed == "Jean.Dupont@xn--caf-dma.fr"  # for delivery: the local part as typed
    assert parse_mailbox("Anne Dupont <anne@x.fr>").display_name == "Anne Dupont"


@pytest.mark.parametrize("raw, reason", [
    ("a@example.org, b@example.org", "une seule adresse"),
    ("a@example.org b@example.org", "une seule adresse"),
    ("a@example.org <b@example.org>", "sans autre adresse dans le nom"),
    ("<a@example.org> <b@example.org>", "sans nom ni chevrons"),
    ("<<a@example.org>>", "sans nom ni chevrons"),
    ("Anne <a@example.org", "sans nom ni chevrons"),
    ("Groupe: a@example.org;", "une seule adresse"),
    ("mailto:a@example.org", "caractères non permis"),
    ("", "vide"),
])
def test_anything_but_one_mailbox_is_refused_in_french(app, raw, reason):
    with pytest.raises(InvalidAddress) as refused:
        normalise_email(raw)
    assert reason in str(refused.value)


def _queued_to(key: str) -> int:
    return db.session.scalar(select(func.count()).select_from(TransactionalMessage)
                             .where(func.lower(TransactionalMessage.to_address) == key)) or 0


def test_the_subscribe_limit_counts_the_mailbox_not_the_spelling(migrated):
    with own_app(migrated, {"RATELIMIT_ENABLED": True}) as app:
        db.session.add(MailingList(slug="lettre", name="Lettre", public=True))
        db.session.commit()
        client = app.test_client()
        codes = [client.post("/subscribe", data={"email": spelling, "lists": ["lettre"]},
                             environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code
                 for i, spelling in enumerate(SPELLINGS)]
        assert codes == [303, 303, 303, 429, 429, 429, 429]
        assert _queued_to("victim@example.org") == 3  # was 7
        assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1


def test_the_registration_limit_counts_the_mailbox_not_the_spelling(migrated):
    with own_app(migrated, {"RATELIMIT_ENABLED": True}) as app:
        cycle = make_cycle(dates=future_dates())
        db.session.add(cycle)
        db.session.commit()
        client = app.test_client()
        codes = [client.post(f"/inscription/{cycle.slug}", data=form_data(cycle, email=spelling),
                             environ_base={"REMOTE_ADDR": f"198.51.100.{i}"}).status_code
                 for i, spelling in enumerate(SPELLINGS)]
        assert codes == [200, 200, 200, 429, 429, 429, 429]
        assert _queued_to("victim@example.org") == 3  # was 7
        assert db.session.scalar(select(Subscriber.email)) == "victim@example.org"


def test_suppression_import_and_api_see_one_mailbox(app, client):
    mailing_list = MailingList(slug="lettre", name="Lettre", public=True)
    db.session.add(mailing_list)
    suppress(normalise_email("Victim <Victim@Example.org>"), SuppressionReason.UNSUBSCRIBED)
    db.session.commit()
    assert is_suppressed(normalise_email(" victim@EXAMPLE.org"))
    csv = "courriel;prénom\r\n\"Victime <VICTIM@example.org>\";V\r\n\"Anne <anne@example.org>\";Anne\r\n"
    report = import_csv(io.BytesIO(csv.encode()), mailing_list, file_name="l.csv", actor="test")
    assert report.skipped_suppressed == 1 and report.created == 1
    assert db.session.scalar(select(Subscriber.email)) == "anne@example.org"
    headers = token_header()
    consent = {"source": "site", "text": "J'accepte"}
    created = client.post("/api/v1/subscribers", json={"email": "Anne D. <ANNE@example.org>", "lists": ["lettre"],
                                                        "consent": consent}, headers=headers)
    assert created.status_code == 200, created.get_json()  # already known: the same person, not a second one
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == 1
    refused = client.post("/api/v1/subscribers", json={"email": "anne@example.org, b@example.org", "lists": ["lettre"],
                                                       "consent": consent}, headers=headers)
    assert refused.status_code == 422 and "une seule adresse" in refused.get_data(as_text=True)
