"""What an erased person left outside their own row: found and scrubbed, so erasure leaves nothing.

The person's address and names reach further than the subscriber row: survey answers
(a name, a free comment), the replay of an API request (``Idempotency-Key``), webhook
payloads (a retry or a resend would post them again), the development outbox and the
service messages, import uploads waiting on disk and their job reports, bounce reports,
SMTP replies, the audit log and the team's note on the suppression entry. :func:`erase_traces` clears each one; the only thing left is
the suppression fingerprint (a hash, never the address).

The address is looked for in any case, everywhere. The names are looked for only in rows
known to be about the person (another person may share a first name).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Text, and_, cast, func, or_, select

from app.extensions import db
from app.models import (
    Attendance,
    AuditLog,
    BounceRecord,
    Delivery,
    IdempotencyRecord,
    ImportJob,
    OutboxMessage,
    Subscriber,
    Suppression,
    SuppressionReason,
    QuestionKind,
    SurveyAnswer,
    SurveyQuestion,
    TransactionalMessage,
    WebhookDelivery,
    email_hash,
)
from app.services.audience import ERASED_MARK as ERASED
from app.services.audience import import_dir, shown_address


@dataclass(frozen=True)
class Person:
    """What to look for: the address (lower case) and the names, before the row was cleared."""

    id: int
    address: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, subscriber: Subscriber) -> Person:
        first, last = (subscriber.first_name or "").strip(), (subscriber.last_name or "").strip()
        names = tuple(n for n in {f"{first} {last}".strip(), first, last} if len(n) >= 2)
        return cls(subscriber.id, (subscriber.email or "").strip().lower(), tuple(sorted(names, key=len, reverse=True)))

    def pattern(self, *, with_names: bool) -> re.Pattern[str] | None:
        """The address anywhere; the names (with ``with_names``) as whole words only: "Jo" is no part of "journée"."""
        spellings = dict.fromkeys((self.address, shown_address(self.address)) if self.address else ())
        words = [re.escape(a) for a in spellings] + (  # stored (xn--) and Unicode domain alike
            [rf"\b{re.escape(n)}\b" for n in self.names] if with_names else [])
        return re.compile("|".join(words), re.IGNORECASE) if words else None


def scrub(value: Any, pattern: re.Pattern[str] | None, *, null_email: bool = False) -> Any:
    """``value`` (text, or JSON-like data) with every match replaced. With ``null_email``, an ``email``
    member that was only the address becomes null, as the erased person's own (what the API and the
    webhooks show of an erased person)."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [scrub(v, pattern, null_email=null_email) for v in value]
    if isinstance(value, dict):
        return {k: (None if null_email and k == "email" and isinstance(v, str) and pattern.fullmatch(v.strip())
                    else scrub(v, pattern, null_email=null_email)) for k, v in value.items()}
    return value


def _mentions(column, person: Person):
    """SQL: the column's text holds the address, in any case (JSON as its stored text, either escaping)."""
    text_ = func.lower(cast(column, Text))
    forms = {person.address, json.dumps(person.address)[1:-1]}
    return or_(*(text_.contains(f, autoescape=True) for f in forms))


def erase_traces(person: Person, registration_ids: list[int]) -> None:
    """Clear everything listed in the module's docstring; the caller commits."""
    _anonymise_answers(registration_ids)
    _clear_signatures(registration_ids)
    if not person.address:  # erased before: what the address would find went then
        return
    everywhere, about = person.pattern(with_names=False), person.pattern(with_names=True)
    _mark_suppression(person, about)
    _scrub_idempotency(person, about)
    _scrub_webhooks(person, about)
    _drop_messages(person)
    _scrub_delivery_replies(person, everywhere)
    _scrub_bounces(person, everywhere)
    _scrub_audit(person, everywhere, about)
    _scrub_imports(person, everywhere)


def _anonymise_answers(registration_ids: list[int]) -> None:
    """Survey answers stay as anonymous scores and chosen options: no registration, no name, no
    comment, no answer to a free-text question (free text may name the person)."""
    if not registration_ids:
        return
    for answer in db.session.scalars(select(SurveyAnswer).where(SurveyAnswer.registration_id.in_(registration_ids))):
        free_text = set(db.session.scalars(select(SurveyQuestion.key).where(
            SurveyQuestion.cycle_id == answer.cycle_id, SurveyQuestion.kind == QuestionKind.TEXT)))
        answer.scores = {key: value for key, value in (answer.scores or {}).items() if key not in free_text}
        answer.registration_id = None
        answer.name = answer.comment = ""


def _clear_signatures(registration_ids: list[int]) -> None:
    """A drawn signature is the person's own hand: it goes, the presence stays."""
    if registration_ids:
        for row in db.session.scalars(select(Attendance).where(Attendance.registration_id.in_(registration_ids),
                                                               Attendance.signature_svg.is_not(None))):
            row.signature_svg = None


def _mark_suppression(person: Person, pattern: re.Pattern[str] | None) -> None:
    """The entry that stays says "erased", whatever put the address there first (so an import of it
    later reports no address), and the team's note on it (« demande de Mme … ») loses the names."""
    row = db.session.get(Suppression, email_hash(person.address))
    if row is not None:
        row.reason = SuppressionReason.ERASED
        row.source = scrub(row.source, pattern)


def _scrub_idempotency(person: Person, pattern: re.Pattern[str] | None) -> None:
    """A replayed answer (kept 24 h, so few rows) must not give the address back."""
    for record in db.session.scalars(select(IdempotencyRecord).where(IdempotencyRecord.status_code != 0)):
        text_ = bytes(record.body).decode("utf-8", "replace")
        if person.address not in text_.lower():
            continue
        try:
            record.body = json.dumps(scrub(json.loads(text_), pattern, null_email=True), ensure_ascii=False).encode("utf-8")
        except ValueError:
            record.body = scrub(text_, pattern).encode("utf-8")


def _scrub_webhooks(person: Person, pattern: re.Pattern[str] | None) -> None:
    """Payloads (delivered, failed or still to go) that named the person are sent, or resent, without them."""
    for delivery in db.session.scalars(select(WebhookDelivery).where(_mentions(WebhookDelivery.payload, person))):
        delivery.payload = scrub(delivery.payload, pattern, null_email=True)


def _drop_messages(person: Person) -> None:
    """Whole messages to the person (the outbox, service messages): nothing to keep of them.

    Found by their recipient: no kind of message goes to someone else about a person (the
    team's test sends and notices carry no one's data), so the raw bodies need no scan.
    """
    outbox = select(OutboxMessage).where(
        func.lower(OutboxMessage.recipients).contains(person.address, autoescape=True))
    service = select(TransactionalMessage).where(or_(
        TransactionalMessage.subscriber_id == person.id, func.lower(TransactionalMessage.to_address) == person.address))
    for message in [*db.session.scalars(outbox), *db.session.scalars(service)]:
        db.session.delete(message)


def _scrub_delivery_replies(person: Person, pattern: re.Pattern[str] | None) -> None:
    for delivery in db.session.scalars(select(Delivery).where(Delivery.subscriber_id == person.id,
                                                              Delivery.smtp_reply != "")):
        delivery.smtp_reply = scrub(delivery.smtp_reply, pattern)


def _scrub_bounces(person: Person, pattern: re.Pattern[str] | None) -> None:
    """Bounce reports name the address (attributed to the person, or left for review)."""
    for record in db.session.scalars(select(BounceRecord).where(or_(
            BounceRecord.subscriber_id == person.id, func.lower(BounceRecord.recipient) == person.address,
            _mentions(BounceRecord.diagnostic, person)))):
        record.recipient = ""
        record.diagnostic = scrub(record.diagnostic, pattern)


def _scrub_audit(person: Person, everywhere: re.Pattern[str] | None, about: re.Pattern[str] | None) -> None:
    """The person's history keeps what happened, not who or from where; rows about nobody in particular
    (an import's summary…) lose the address. Only those are read in full: the log is long."""
    nobody = and_(AuditLog.subscriber_id.is_(None),
                  or_(_mentions(AuditLog.source, person), _mentions(AuditLog.detail, person)))
    for row in db.session.scalars(select(AuditLog).where(or_(AuditLog.subscriber_id == person.id, nobody))):
        pattern = about if row.subscriber_id == person.id else everywhere
        if row.subscriber_id == person.id:
            row.ip = None
        row.detail = scrub(row.detail or {}, pattern)
        row.source = scrub(row.source, pattern)


def _scrub_imports(person: Person, pattern: re.Pattern[str] | None) -> None:
    """Job reports and errors lose the address; uploads still on disk lose the person's lines."""
    for job in db.session.scalars(select(ImportJob).where(or_(
            _mentions(ImportJob.report, person), _mentions(ImportJob.error, person),
            _mentions(ImportJob.file_name, person)))):
        job.report = [{**scrub(row, pattern), "email": ERASED}
                      if isinstance(row, dict) and pattern and pattern.search(str(row.get("email", "")))
                      else scrub(row, pattern) for row in job.report or []]
        job.error = scrub(job.error, pattern)
        job.file_name = scrub(job.file_name, pattern)
    root = import_dir()
    for folder, _dirs, files in os.walk(root):
        for name in files:
            drop_lines(os.path.join(folder, name), person.address)


def drop_lines(path: str, address: str) -> bool:
    """Rewrite an uploaded CSV without the lines holding ``address`` (any case); True if it changed.

    Read line by line (an upload may be hundreds of megabytes): UTF-16 files (a byte-order mark)
    as text, the others (UTF-8, Windows-1252) as bytes, which keeps their encoding untouched. The
    new file replaces the old one at once.
    """
    try:
        with open(path, "rb") as probe:
            utf16 = probe.read(2) in (b"\xff\xfe", b"\xfe\xff")
        needle: str | bytes = address if utf16 else address.encode("utf-8")

        def opened(name: str, mode: str) -> IO[Any]:
            return open(name, mode, encoding="utf-16", newline="") if utf16 else open(name, mode + "b")

        with opened(path, "r") as source:
            if not any(needle in line.lower() for line in source):
                return False
        temporary = f"{path}.erasing"
        try:
            with opened(path, "r") as source, opened(temporary, "w") as target:
                for line in source:
                    if needle not in line.lower():
                        target.write(line)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
    except (OSError, UnicodeError):
        return False
    return True
