"""What comes back, read and applied: bounce and complaint messages (``flask bounces process|poll``)
and the events a relay posts (``POST /api/bounces``).

A message is classified (DSN, ARF, plain text: ``app.message.dsn``) and applied at once. A
relay's event is one of

- ``{"type": "hard" | "soft" | "complaint", "email": "...", "message_id": "<...>",
  "return_path": "bounces+<token>@...", "status": "5.1.1", "diagnostic": "550 ..."}``
  (the reason and hardness are decided from ``status`` and ``diagnostic``, as for a DSN);
- ``{"raw": "<the whole DSN/ARF message>"}``, classified like ``bounces process``;
- an Amazon SES notification (``notificationType`` Bounce / Complaint), bare or in its
  SNS envelope.

Every field is type-checked first: one malformed event refuses the whole batch (BadEvent
names its index), and nothing is applied. A valid batch is applied in one transaction, with
the same attribution rule as for mail: a token only Lettrine can make, and a matching address.
"""
from __future__ import annotations

from typing import Any

from app.extensions import db
from app.message.bounce_reasons import COMPLAINT, HARD, SOFT, decide
from app.message.dsn import MAX_BYTES, BounceReport, UnreadableMessage, classify
from app.message.ses import MalformedEvent, is_ses, reports_from_ses
from app.services.deliverability.bounces import Outcome, apply_report

MAX_EVENTS = 500
MAX_MESSAGE_BYTES = MAX_BYTES  # the classifier reads no more of a message: a mailbox need not fetch more
_SIMPLE_FIELDS = {"type", "email", "message_id", "return_path", "status", "diagnostic"}
_TYPES = {"hard": HARD, "bounce": HARD, "hard_bounce": HARD, "soft": SOFT, "soft_bounce": SOFT,
          "complaint": COMPLAINT, "spam": COMPLAINT}


class BadEvent(ValueError):
    """One event is malformed: the message says which field and why (French / English); ``index`` which event."""

    def __init__(self, message: str, index: int = 0) -> None:
        super().__init__(message)
        self.index = index


def apply_bounce_message(raw: bytes, *, source: str) -> tuple[BounceReport, Outcome]:
    """Classify one bounce or complaint message and apply it; commits. UnreadableMessage when it is none."""
    report = classify(raw)
    return report, apply_report(report, source=source)


def apply_relay_events(events: list[Any]) -> list[dict[str, Any]]:
    """Read every event, then apply them all in one transaction; commits. BadEvent, nothing applied,
    when one is malformed. One result per report: its index, kind, reason, action and attribution."""
    batch: list[tuple[int, BounceReport]] = []
    for i, event in enumerate(events):
        try:
            batch.extend((i, report) for report in _reports(event))
        except BadEvent as exc:
            raise BadEvent(str(exc), i) from exc
    results = []
    try:
        for i, report in batch:
            outcome = apply_report(report, source="webhook", commit=False)
            results.append({"index": i, "kind": outcome.kind, "reason": outcome.reason, "action": outcome.action,
                            "attributed_by": outcome.attributed_by, "review": outcome.review})
        db.session.commit()
    except Exception:  # the batch is one transaction: nothing of it stays, and the error goes on
        db.session.rollback()
        raise
    return results


def _string(event: dict, key: str, limit: int) -> str:
    value = event.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadEvent(f"« {key} » doit être une chaîne / must be a string")
    if len(value) > limit:
        raise BadEvent(f"« {key} » dépasse {limit} caractères / is too long")
    return value


def _simple(event: dict) -> BounceReport:
    unknown = set(event) - _SIMPLE_FIELDS
    if unknown:
        raise BadEvent(f"champ inconnu / unknown field: {sorted(unknown)[0][:40]}")
    kind = _TYPES.get(_string(event, "type", 40).lower())
    if kind is None:
        raise BadEvent("« type » doit valoir hard, soft ou complaint / must be hard, soft or complaint")
    email = _string(event, "email", 320).strip().lower()
    message_id = _string(event, "message_id", 300).strip()
    return_path = _string(event, "return_path", 1000)
    status, diagnostic = _string(event, "status", 20), _string(event, "diagnostic", 2000)
    if not email:
        raise BadEvent("« email » est obligatoire / is required")
    token = return_path.split("+", 1)[1].split("@", 1)[0] if return_path.startswith("bounces+") and "@" in return_path else ""
    if kind == COMPLAINT:
        reason, final_kind = "feedback", COMPLAINT
    else:
        verdict = decide(status, diagnostic, temporary=True if kind == SOFT else None)
        reason, final_kind = verdict.reason, HARD if verdict.hard else SOFT
    return BounceReport(final_kind, reason, email, status=status, diagnostic=diagnostic, recipients=[email],
                        message_ids=[message_id] if message_id else [], verp_tokens=[token] if token else [],
                        format="webhook", detail=f"webhook {kind}")


def _reports(event: object) -> list[BounceReport]:
    if not isinstance(event, dict):
        raise BadEvent("objet JSON attendu / a JSON object is expected")
    if "raw" in event:
        if set(event) != {"raw"} or not isinstance(event["raw"], str):
            raise BadEvent("« raw » doit être une chaîne seule / must be a string, alone")
        try:
            return [classify(event["raw"])]
        except UnreadableMessage as exc:
            raise BadEvent(f"message illisible / unreadable: {exc}") from exc
    if is_ses(event):
        try:
            return reports_from_ses(event)
        except MalformedEvent as exc:
            raise BadEvent(str(exc)) from exc
    return [_simple(event)]
