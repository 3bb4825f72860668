"""The right of access (RGPD art. 15): everything held about one person, asked for and handed over.

The person asks from the preference centre: the link to download her data goes to her
address, never shown on the page that asked (whoever holds a preference link must not read
the data through it); the link is signed for 7 days. An administrator may download it too.
Each step is recorded on the person's history.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app import links
from app.extensions import db
from app.models import Subscriber
from app.sending.transactional import send_transactional
from app.services.audience import audit
from app.services.privacy.rights import export_subscriber
from app.tokens import Purpose, sign


def export_url(subscriber: Subscriber) -> str:
    """The signed 7-day link to the person's data."""
    return links.absolute(f"/privacy/{sign(Purpose.DATA_EXPORT, {'s': subscriber.uid})}")


def request_export(subscriber: Subscriber, *, ip: str | None) -> None:
    """Mail the download link to the person's own address; commits."""
    org = current_app.config["ORGANISATION"].name
    send_transactional("data_export", subscriber.email or "", {
        "subject": _("Vos données personnelles au %(org)s", org=org), "first_name": subscriber.first_name,
        "export_url": export_url(subscriber),
    }, subscriber_id=subscriber.id)
    audit("export_requested", subscriber, actor="public", ip=ip)
    db.session.commit()


def hand_over_export(subscriber: Subscriber, *, actor: str, ip: str | None = None) -> dict[str, Any]:
    """The person's data, the download recorded on her history (by herself: "public", or an admin); commits."""
    audit("export_downloaded" if actor == "public" else "export_admin", subscriber, actor=actor, ip=ip)
    db.session.commit()
    return export_subscriber(subscriber)
