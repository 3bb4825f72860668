"""From a campaign in the database to the message builder the worker uses, compiled once and cached.

The costly steps (Jinja, MJML, CSS inlining: ~20 ms) run once per campaign
*version*. A version is identified by a fingerprint of everything rendering
reads: the campaign's own fields and lists, the cycle and every journée its
blocks show (``app.sending.views.campaign_context`` reads them all), and the
settings that appear in the message. Edit any of them, anywhere (admin, CLI,
API, a journée moved in the cycle editor), and the next build compiles again;
nobody has to remember to bump a version. The cache is a bounded LRU per
application.
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from datetime import date, datetime
from email.utils import parseaddr
from typing import Any

from flask import current_app
from flask_babel import force_locale

from app import links
from app.message import message_ids
from app.message.builder import CampaignMessageBuilder, CampaignSettings, OutgoingMessage, TokenSigner, clean_header
from app.message.dkim import DKIMSigner
from app.message.render import LOCALE, compile_email
from app.models import Campaign
from app.sending.language import email_language
from app.sending.sender import sender_domain
from app.sending.views import campaign_context, track_links
from app.tokens import Purpose, _serializer, sign

CACHE_SIZE = 32  # campaign versions kept compiled per application (each ~0.3 MB)

# Settings that appear in a message: a change to any of them is a new version.
_SETTINGS = ("BASE_URL", "MAIL_FROM", "REPLY_TO", "UNSUBSCRIBE_MAILTO", "BOUNCE_DOMAIN", "ORGANISATION", "TIMEZONE")


def message_id_for(campaign_id: int, subscriber_id: int) -> str:
    """Unique per (campaign, recipient), identical on every retry, signed (app.message.message_ids)."""
    return message_ids.make(campaign_id, subscriber_id, sender_domain(), current_app.config["SECRET_KEYS"][0])


def return_path(campaign_id: int, subscriber_id: int) -> str:
    """VERP: ``bounces+<token>@BOUNCE_DOMAIN`` when configured, else the sender address."""
    domain = current_app.config.get("BOUNCE_DOMAIN")
    if not domain:
        return parseaddr(current_app.config["MAIL_FROM"])[1]
    return f"bounces+{sign(Purpose.BOUNCE, [campaign_id, subscriber_id])}@{domain}"


def list_id_header(campaign: Campaign) -> str:
    """RFC 2919: stable per list (the first target list), under the sender's domain."""
    slug = campaign.lists[0].slug if campaign.lists else "transactional"
    name = campaign.lists[0].name if campaign.lists else current_app.config["ORGANISATION"].name
    name = clean_header(name).replace("\\", "").replace('"', "")
    return f'"{name}" <{slug}.lists.{sender_domain()}>'


def _token_signer(purpose: Purpose) -> TokenSigner:
    signer = _serializer(purpose, None).make_signer()
    separator = signer.sep.encode() if isinstance(signer.sep, str) else signer.sep
    return TokenSigner(signer.derive_key(), separator, signer.digest_method)


def _plain(value: Any) -> Any:
    """JSON-able form of a view value, for the fingerprint (ORM objects are left out: their data is there already)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if k != "model" and k != "campaign"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return repr(value)


def campaign_settings(campaign: Campaign, fingerprint: str) -> CampaignSettings:
    config = current_app.config
    name, address = parseaddr(config["MAIL_FROM"])
    return CampaignSettings(
        campaign_id=campaign.id, fingerprint=fingerprint,
        from_name=campaign.from_name or name, from_address=campaign.from_email or address, return_address=address,
        reply_to=campaign.reply_to or config["REPLY_TO"], subject=campaign.subject,
        list_id=list_id_header(campaign), unsubscribe_mailto=config["UNSUBSCRIBE_MAILTO"],
        domain=sender_domain(), bounce_domain=config.get("BOUNCE_DOMAIN") or "",
        webview_url=links.webview_url(campaign.slug), unsubscribe_base=links.absolute("/u/"),
        preferences_base=links.absolute("/p/"), message_id_key=config["SECRET_KEYS"][0],
        sign_unsubscribe=_token_signer(Purpose.UNSUBSCRIBE), sign_preferences=_token_signer(Purpose.PREFERENCES),
        sign_bounce=_token_signer(Purpose.BOUNCE), sign_prefill=_token_signer(Purpose.PREFILL),
        language=email_language(),
    )


def fingerprint(campaign: Campaign, kind: str, context: dict[str, Any]) -> str:
    """A digest of everything the rendered message depends on."""
    config = current_app.config
    own = {
        "id": campaign.id, "slug": campaign.slug, "kind": kind, "subject": campaign.subject,
        "preheader": campaign.preheader, "from_name": campaign.from_name, "from_email": campaign.from_email,
        "reply_to": campaign.reply_to, "track_clicks": campaign.track_clicks, "content": campaign.content,
        "lists": [(m.id, m.slug, m.name) for m in campaign.lists],
        "settings": [repr(config.get(key)) for key in _SETTINGS],
        "keys": hashlib.sha256("|".join(config["SECRET_KEYS"]).encode()).hexdigest(),
    }
    payload = json.dumps([own, _plain(context)], sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def _cache() -> OrderedDict[tuple[int, str], CampaignMessageBuilder]:
    """One cache per application (its BASE_URL and keys shape the links), shared by its threads."""
    return current_app.extensions.setdefault("lettrine.message_builders", OrderedDict())


def builder_for(campaign: Campaign) -> CampaignMessageBuilder:
    """The compiled builder for this campaign as it is now (compiled at most once per version and process)."""
    with force_locale(LOCALE):  # emails are French whatever the admin's UI language (and work outside requests)
        kind, context, attachments = campaign_context(campaign)
    key = (campaign.id, fingerprint(campaign, kind, context))
    cache = _cache()
    builder = cache.get(key)
    if builder is not None:
        cache.move_to_end(key)
        return builder
    compiled = compile_email(kind, context, campaign.subject, campaign.preheader, attachments, email_language())
    if campaign.track_clicks:
        compiled = compiled.with_html(track_links(compiled.html, campaign.id))
    builder = CampaignMessageBuilder(campaign_settings(campaign, key[1]), compiled)
    for stale in [k for k in cache if k[0] == campaign.id]:
        del cache[stale]  # an older version of the same campaign will not be asked for again
    cache[key] = builder
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return builder


def test_builder_for(campaign: Campaign) -> CampaignMessageBuilder:
    """The builder of a test send: the campaign's real message, ``[TEST]`` before its subject, its web-view
    link a signed preview of the campaign (its public web view answers only once it is sent)."""
    return builder_for(campaign).marked_as_test(links.preview_url(campaign.id))


def wire_bytes(message: OutgoingMessage, signer: DKIMSigner | None) -> bytes:
    """The bytes handed to SMTP: the built message, DKIM-signed when a key is configured.

    The worker and ``campaigns render`` both use it, so the .eml is what the server gets.
    """
    if signer is None:
        return message.raw
    return signer.sign(message.raw, canonical_body=message.transparent, relaxed=message.relaxed_body)


def compile_campaign(campaign: Campaign):
    """The compiled email of the campaign as it is now (previews, screenshots, benches)."""
    return builder_for(campaign).compiled
