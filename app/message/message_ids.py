"""Message-IDs only Lettrine can make: ``<lettrine.<campaign>.<subscriber>.<mac>@<domain>>``.

The mac is an HMAC-SHA256 of the campaign and subscriber ids under the newest of
``SECRET_KEYS``; a Message-ID quoted back in a bounce or complaint is believed only
if the mac verifies under one of the keys (so rotating the secret keeps the
Message-IDs of messages already sent valid). Without the secret nobody can compute
one for a given subscriber, so a forged report cannot name one.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

MAC_LENGTH = 24  # hex characters: 96 bits
_SALT = b"lettrine.message-id"
_FORM = re.compile(r"<lettrine\.(\d{1,12})\.(\d{1,12})\.([0-9a-f]{%d})@[^>\s]{1,255}>\Z" % MAC_LENGTH)


@lru_cache(maxsize=16)
def _derived(key: str) -> bytes:
    """A key for this purpose only (the same secret signs links under other salts)."""
    return hmac.new(key.encode(), _SALT, hashlib.sha256).digest()


def _mac(key: str, campaign_id: int, subscriber_id: int) -> str:
    return hmac.new(_derived(key), f"{campaign_id}:{subscriber_id}".encode(), hashlib.sha256).hexdigest()[:MAC_LENGTH]


def make(campaign_id: int, subscriber_id: int, domain: str, key: str) -> str:
    """The Message-ID for one (campaign, recipient): the same on every retry, signed with ``key``."""
    return f"<lettrine.{campaign_id}.{subscriber_id}.{_mac(key, campaign_id, subscriber_id)}@{domain}>"


def verify(message_id: str, keys: list[str]) -> tuple[int, int] | None:
    """(campaign id, subscriber id) if ``message_id`` was made with one of ``keys``, else None."""
    found = _FORM.match((message_id or "").strip().lower())
    if not found:
        return None
    campaign_id, subscriber_id, mac = int(found.group(1)), int(found.group(2)), found.group(3)
    for key in keys:
        if hmac.compare_digest(_mac(key, campaign_id, subscriber_id), mac):
            return campaign_id, subscriber_id
    return None
