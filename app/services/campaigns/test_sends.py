"""Test sends: the campaign's real message, marked ``[TEST]``, to a few of the officer's addresses.

One rule for the admin's "Envoyer un test", ``POST /api/v1/campaigns/<id>/test`` and
``flask campaigns test``: at most :data:`MAX_TEST_ADDRESSES` addresses, every one checked
before anything is queued, the same refusals in the same words. The messages go through the
transactional lane (the workers sign, send and record them); ``test_reference`` tags them, so
the composer's "Tests" page shows what the server answered.
"""
from __future__ import annotations

import logging
from typing import Sequence

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.i18n import TranslatedError
from app.message.render import RenderError
from app.models import Campaign, TransactionalMessage
from app.services.audience import InvalidAddress, parse_mailbox
from app.services.campaigns.api_messages import MessageRefused, queue_campaign_message

log = logging.getLogger(__name__)

MAX_TEST_ADDRESSES = 10


class TestSendError(TranslatedError):
    """The test send is refused; nothing was queued."""

    __test__ = False  # not a pytest test class, whatever its name


def test_reference(campaign: Campaign) -> str:
    """The tag of a campaign's test messages (the "Tests" page reads them back by it)."""
    return f"test:campaign:{campaign.id}"


def send_test(campaign: Campaign, addresses: Sequence[str], *, actor: str) -> list[TransactionalMessage]:
    """Queue the campaign's real message, marked ``[TEST]``, for each address; commits.

    Known subscribers get their own values (name, attributes, links). TestSendError, with
    nothing queued, for no address, more than ten, an invalid one, or a message that
    cannot be built.
    """
    wanted = [a.strip() for a in addresses if a and a.strip()]
    if not wanted:
        raise TestSendError(_l("Indiquez au moins une adresse de test."))
    if len(wanted) > MAX_TEST_ADDRESSES:
        raise TestSendError(_l("Dix adresses de test au plus."))
    try:
        unique: dict[str, str] = {}  # key: the address as first typed (IDNA domain), once per mailbox
        for mailbox in map(parse_mailbox, wanted):
            unique.setdefault(mailbox.key, mailbox.as_typed)
    except InvalidAddress as exc:
        raise TestSendError(_l("Adresse de test invalide : %(error)s", error=str(exc))) from exc
    rows = []
    try:
        for address in unique.values():
            rows.append(queue_campaign_message(campaign, address, {}, reference=test_reference(campaign),
                                               kind="test", test=True))
    except MessageRefused as exc:  # a header value with a line break
        db.session.rollback()
        raise TestSendError(_l("L'objet, l'expéditeur ou l'adresse de réponse contient un retour à la ligne : "
                               "corrigez-le.")) from exc
    except RenderError as exc:
        db.session.rollback()
        raise TestSendError(_l("Le message ne peut pas être composé : %(error)s", error=str(exc))) from exc
    db.session.commit()
    log.info("test send of campaign %s by %s to %d address(es)", campaign.id, actor, len(rows))
    return rows
