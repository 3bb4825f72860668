"""Absolute URLs for links that leave the building (emails, List-Unsubscribe, .ics).

Built from ``BASE_URL`` (never from the request), so a message rendered by a
worker has the same links as one rendered in a web request. Routes:

- ``/u/<token>``        unsubscribe: GET confirms, POST (incl. RFC 8058 one-click) acts
- ``/p/<token>``        preference centre
- ``/confirm/<token>``  double opt-in confirmation
- ``/c/<slug>``         public web view of a sent campaign (no personal data)
- ``/inscription/<slug>`` registration form of a cycle; ``/r/<token>`` manage a registration
- ``/agenda``, ``/agenda.ics`` public agenda and feed
"""
from __future__ import annotations

from flask import current_app

from app.tokens import Purpose, sign


def absolute(path: str) -> str:
    return current_app.config["BASE_URL"] + path


def unsubscribe_token(subscriber_uid: str, campaign_id: int | None = None) -> str:
    return sign(Purpose.UNSUBSCRIBE, {"s": subscriber_uid, "c": campaign_id})


def unsubscribe_url(subscriber_uid: str, campaign_id: int | None = None) -> str:
    return absolute(f"/u/{unsubscribe_token(subscriber_uid, campaign_id)}")


def preferences_url(subscriber_uid: str) -> str:
    return absolute(f"/p/{sign(Purpose.PREFERENCES, {'s': subscriber_uid})}")


def confirm_url(subscriber_uid: str, list_ids: list[int]) -> str:
    return absolute(f"/confirm/{sign(Purpose.CONFIRM, {'s': subscriber_uid, 'l': sorted(list_ids)})}")


def webview_url(campaign_slug: str) -> str:
    return absolute(f"/c/{campaign_slug}")


def preview_url(campaign_id: int) -> str:
    """The web view of a campaign not sent yet, for its test messages: signed, so not guessable."""
    return absolute(f"/apercu/{sign(Purpose.PREVIEW, {'c': campaign_id})}")


def registration_form_url(cycle_slug: str) -> str:
    return absolute(f"/inscription/{cycle_slug}")


def registration_manage_url(registration_uid: str) -> str:
    return absolute(f"/r/{sign(Purpose.REGISTRATION, {'r': registration_uid})}")


def agenda_url() -> str:
    return absolute("/agenda")
