"""Amazon SES bounce and complaint notifications (JSON, directly or inside an SNS envelope).

Pure: ``reports_from_ses(event) -> list[BounceReport]``, one report per recipient,
classified by the same rules as a DSN (SES quotes the remote server's
``diagnosticCode`` and ``status``). Malformed input raises :class:`MalformedEvent`
naming the field. Attribution data comes from the original message SES echoes
(``mail.source`` is our VERP Return-Path, ``mail.headers`` carry our Message-ID).
"""
from __future__ import annotations

import json
from typing import Any

from app.message.bounce_reasons import COMPLAINT, HARD, IGNORE, SOFT, decide
from app.message.bounce_report import BounceReport, our_ids, verp_tokens_in

_SUBTYPE_REASON = {"noemail": "userunknown", "suppressed": "userunknown", "mailboxfull": "mailboxfull",
                   "messagetoolarge": "mesgtoobig", "contentrejected": "contenterror",
                   "attachmentrejected": "contenterror", "onaccountsuppressionlist": "onhold"}


class MalformedEvent(ValueError):
    """The JSON is not a notification we can read; the message names the field."""


def _get(obj: dict, key: str, kind: type, where: str, required: bool = False) -> Any:
    value = obj.get(key)
    if value is None:
        if required:
            raise MalformedEvent(f"{where}.{key} manquant / missing")
        return kind()
    if not isinstance(value, kind) or isinstance(value, bool):
        raise MalformedEvent(f"{where}.{key} doit être {kind.__name__} / must be {kind.__name__}")
    return value


def is_ses(event: dict) -> bool:
    return isinstance(event, dict) and ("notificationType" in event or "eventType" in event or
                                        event.get("Type") in ("Notification", "SubscriptionConfirmation"))


def unwrap(event: dict) -> dict | None:
    """The SES notification inside an SNS envelope (None for an SNS subscription confirmation)."""
    if event.get("Type") == "SubscriptionConfirmation":
        return None
    if event.get("Type") == "Notification":
        message = _get(event, "Message", str, "sns", required=True)
        try:
            inner = json.loads(message)
        except ValueError as exc:
            raise MalformedEvent("sns.Message n'est pas du JSON / is not JSON") from exc
        if not isinstance(inner, dict):
            raise MalformedEvent("sns.Message doit être un objet / must be an object")
        return inner
    return event


def reports_from_ses(event: dict) -> list[BounceReport]:
    notification = unwrap(event)
    if notification is None:
        return []
    kind = notification.get("notificationType", notification.get("eventType"))
    if not isinstance(kind, str):
        raise MalformedEvent("notificationType manquant / missing")
    mail = _get(notification, "mail", dict, "ses")
    headers = _get(mail, "headers", list, "mail")
    texts = [_get(mail, "source", str, "mail"), _get(mail, "returnPath", str, "mail")]
    for i, header in enumerate(headers[:200]):
        if not isinstance(header, dict):
            raise MalformedEvent(f"mail.headers[{i}] doit être un objet / must be an object")
        texts.append(f"{_get(header, 'name', str, f'mail.headers[{i}]')}: {_get(header, 'value', str, f'mail.headers[{i}]')}")
    common = _get(mail, "commonHeaders", dict, "mail")
    texts.append(_get(common, "messageId", str, "mail.commonHeaders"))
    text = "\n".join(texts)
    ids, tokens = our_ids(text), verp_tokens_in(text)
    lowered = kind.lower()
    if lowered == "bounce":
        reports = _bounces(_get(notification, "bounce", dict, "ses", required=True))
    elif lowered == "complaint":
        reports = _complaints(_get(notification, "complaint", dict, "ses", required=True))
    elif lowered in ("delivery", "send", "open", "click", "deliverydelay", "reject", "rendering failure"):
        reports = [BounceReport(IGNORE, "delivered", format="ses", detail=f"SES {kind}")]
    else:
        raise MalformedEvent(f"notificationType inconnu / unknown: {kind[:40]}")
    for report in reports:
        report.message_ids, report.verp_tokens = list(ids), list(tokens)
    return reports


def _recipients(items: Any, where: str) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise MalformedEvent(f"{where} doit être une liste non vide / must be a non-empty list")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("emailAddress"), str):
            raise MalformedEvent(f"{where}[{i}].emailAddress doit être une chaîne / must be a string")
    return items


def _bounces(bounce: dict) -> list[BounceReport]:
    bounce_type = _get(bounce, "bounceType", str, "bounce").lower()
    subtype = _get(bounce, "bounceSubType", str, "bounce").lower()
    reports = []
    for i, item in enumerate(_recipients(bounce.get("bouncedRecipients"), "bounce.bouncedRecipients")[:50]):
        status = _get(item, "status", str, f"bounce.bouncedRecipients[{i}]")
        diagnostic = _get(item, "diagnosticCode", str, f"bounce.bouncedRecipients[{i}]")
        diagnostic = diagnostic.split(";", 1)[1].strip() if diagnostic.lower().startswith("smtp;") else diagnostic
        verdict = decide(status, diagnostic, temporary=True if bounce_type == "transient" else None)
        reason, hard = verdict.reason, verdict.hard
        if subtype in _SUBTYPE_REASON and (reason == "onhold" or not (status or diagnostic)):
            reason = _SUBTYPE_REASON[subtype]
            hard = reason == "userunknown" and bounce_type == "permanent"
        address = item["emailAddress"].strip().lower()
        reports.append(BounceReport(HARD if hard else SOFT, reason, address, status=status[:20],
                                    diagnostic=diagnostic[:1000], recipients=[address], format="ses",
                                    detail=f"SES {bounce_type or '?'}/{subtype or '?'}"))
    return reports


def _complaints(complaint: dict) -> list[BounceReport]:
    feedback = _get(complaint, "complaintFeedbackType", str, "complaint") or "abuse"
    reports = []
    for item in _recipients(complaint.get("complainedRecipients"), "complaint.complainedRecipients")[:50]:
        address = item["emailAddress"].strip().lower()
        kind = IGNORE if feedback.lower() == "not-spam" else COMPLAINT
        reports.append(BounceReport(kind, "feedback", address, recipients=[address], feedback_type=feedback[:40],
                                    format="ses", detail=f"SES complaint {feedback[:40]}"))
    return reports
