"""Read bounce and complaint messages: DSN (RFC 3464), ARF (RFC 5965), and plain-text bounces.

``classify(raw_bytes) -> BounceReport`` says what a message in the bounce mailbox
means — "hard", "soft", "complaint" or "ignore" — and gathers what attribution
needs: the VERP token of the address it was sent to (``bounces+<token>@…``), the
Message-ID of the original message, and the failed recipient.

Classification of a failed recipient, by RFC 3463 enhanced status code:
- ``5.x.x`` is hard (the address does not work), except mailbox full (x.2.2),
  message too big (x.3.4) and policy/spam rejections (x.7.x), which say nothing
  about the address and count as soft;
- ``4.x.x`` (a "failed" after retries, or a "delayed" warning turned final) is soft;
- ``Action: delayed`` / ``delivered`` / ``relayed`` / ``expanded`` are ignored: the
  message may still arrive, or did.
Exim and some others send plain-text bounces (no multipart/report); they are
recognised by their sender (MAILER-DAEMON, postmaster, "Mail Delivery…") and
wording, and read for an SMTP code. Out-of-office replies are ignored.
"""
from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.utils import parseaddr

HARD, SOFT, COMPLAINT, IGNORE = "hard", "soft", "complaint", "ignore"

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"\b([45])(\d\d)[ -]")
_VERP = re.compile(r"bounces\+([A-Za-z0-9_\-.=]+)@", re.I)
_MESSAGE_ID = re.compile(r"^message-id:\s*(<[^>\s]+>)", re.I | re.M)
_LETTRINE_ID = re.compile(r"<lettrine\.\d+\.\d+\.[0-9a-f]+@[^>\s]+>")
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_SOFT_SUBJECTS = {(2, 2), (3, 4)}  # mailbox full, message too big
_MAILER = re.compile(r"mailer-daemon|postmaster|mail delivery|mail administrator|microsoftexchange", re.I)
_BOUNCE_WORDS = re.compile(
    r"could not be delivered|undeliverable|undelivered|delivery (?:has )?failed|failed permanently|"
    r"permanent(?:ly)? (?:error|fatal)|returned mail|delivery status notification|non remis|"
    r"n'a pas pu être remis|address(?:es)? failed|user unknown|does not exist", re.I)
_AUTO_REPLY = re.compile(r"out of (?:the )?office|absen(?:t|ce)|automatic reply|réponse automatique|"
                         r"auto(?:matic)?[- ]?reply|vacation|congés", re.I)


@dataclass
class BounceReport:
    kind: str  # hard | soft | complaint | ignore
    reason: str = ""  # why we decided so (shown by the CLI, kept in the audit)
    recipient: str | None = None  # the failed / complaining address, if stated
    status: str = ""  # RFC 3463 code, e.g. "5.1.1"
    diagnostic: str = ""  # the remote server's words
    message_id: str | None = None  # Message-ID of the original message
    verp_tokens: list[str] = field(default_factory=list)  # tokens from bounces+<token>@ addresses
    feedback_type: str = ""  # ARF: abuse, fraud, …


def parse(raw: bytes | str) -> Message:
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    return email.message_from_bytes(raw, policy=policy.compat32)


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        inner = part.get_payload()
        if isinstance(inner, list):  # message/* parts hold their content as a sub-message
            return "\n".join(m.as_string() if isinstance(m, Message) else str(m) for m in inner)
        return str(inner or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:
        return payload.decode("utf-8", "replace")


def _field_blocks(part: Message) -> list[dict[str, str]]:
    """The header-like blocks of a message/delivery-status or message/feedback-report part.

    Python parses message/delivery-status into a list of sub-messages (one per block);
    some MTAs mislabel it as text/plain, so plain text is split on blank lines too.
    """
    inner = part.get_payload()
    texts: list[str]
    if isinstance(inner, list):
        texts = [m.as_string() if isinstance(m, Message) else str(m) for m in inner]
    else:
        texts = re.split(r"\r?\n\s*\r?\n", _text(part))
    blocks = []
    for text in texts:
        fields: dict[str, str] = {}
        last = None
        for line in text.splitlines():
            if line[:1] in (" ", "\t") and last:
                fields[last] += " " + line.strip()
            elif ":" in line:
                name, value = line.split(":", 1)
                last = name.strip().lower()
                fields[last] = value.strip()
        if fields:
            blocks.append(fields)
    return blocks


def _strip_type(value: str) -> str:
    """``rfc822; user@example.org`` -> ``user@example.org``; ``smtp; 550 …`` -> ``550 …``."""
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def severity(status: str, diagnostic: str = "") -> str:
    """Hard or soft from an enhanced status code (or a bare SMTP code in the diagnostic)."""
    found = _STATUS.search(status or "") or _STATUS.search(diagnostic or "")
    if found:
        klass, subject, detail = (int(g) for g in found.groups())
        if klass == 4:
            return SOFT
        if klass == 5:
            if (subject, detail) in _SOFT_SUBJECTS or subject == 7:
                return SOFT
            return HARD
    code = _SMTP_CODE.search(diagnostic or "")
    if code:
        if code.group(1) == "4" or code.group(0).startswith(("552", "554")):
            return SOFT
        return HARD
    return SOFT  # failed, but we cannot tell why: do not condemn the address on guesswork


def _original_parts(msg: Message) -> str:
    """Text of the returned original (message/rfc822 or text/rfc822-headers), for Message-ID and VERP."""
    chunks = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            chunks.append(_text(part))
    return "\n".join(chunks)


def _find_message_id(text: str) -> str | None:
    ours = _LETTRINE_ID.search(text)
    if ours:
        return ours.group(0)
    found = _MESSAGE_ID.search(text)
    return found.group(1) if found else None


def _verp_tokens(msg: Message, extra: str = "") -> list[str]:
    """Tokens from the bounce's own recipients (To, Delivered-To, X-Original-To) and the original's Return-Path."""
    candidates = []
    for name in ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"):
        candidates.extend(v for v in msg.get_all(name, []) if v)
    candidates.append(extra)
    tokens: list[str] = []
    for text in candidates:
        for token in _VERP.findall(str(text)):
            if token not in tokens:
                tokens.append(token)
    return tokens


def _report_type(msg: Message) -> str:
    if msg.get_content_type() != "multipart/report":
        return ""
    return (msg.get_param("report-type") or "").lower()


def classify(raw: bytes | str) -> BounceReport:
    """What this message in the bounce mailbox means (see the module docstring)."""
    msg = parse(raw)
    original = _original_parts(msg)
    message_id = _find_message_id(original)
    verp = _verp_tokens(msg, "\n".join(line for line in original.splitlines() if line.lower().startswith("return-path")))
    report_type = _report_type(msg)

    if report_type == "feedback-report" or any(p.get_content_type() == "message/feedback-report" for p in msg.walk()):
        return _complaint(msg, message_id, verp)
    if report_type == "delivery-status" or any(p.get_content_type() == "message/delivery-status" for p in msg.walk()):
        return _dsn(msg, message_id, verp)
    return _plain(msg, message_id, verp)


def _complaint(msg: Message, message_id: str | None, verp: list[str]) -> BounceReport:
    fields: dict[str, str] = {}
    for part in msg.walk():
        if part.get_content_type() == "message/feedback-report":
            for block in _field_blocks(part):
                fields.update(block)
    feedback_type = fields.get("feedback-type", "abuse").lower()
    recipient = parseaddr(fields.get("original-rcpt-to", ""))[1] or None
    if recipient is None:
        original = _original_parts(msg)
        to = re.search(r"^to:\s*(.+)$", original, re.I | re.M)
        recipient = parseaddr(to.group(1))[1] if to else None
    if feedback_type not in ("abuse", "fraud", "virus", "other", "not-spam"):
        feedback_type = "other"
    kind = IGNORE if feedback_type == "not-spam" else COMPLAINT
    return BounceReport(kind, f"ARF feedback-type {feedback_type}", recipient or None,
                        message_id=message_id, verp_tokens=verp, feedback_type=feedback_type)


def _dsn(msg: Message, message_id: str | None, verp: list[str]) -> BounceReport:
    blocks: list[dict[str, str]] = []
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks.extend(_field_blocks(part))
    recipients = [b for b in blocks if "action" in b or "final-recipient" in b or "original-recipient" in b]
    failed = [b for b in recipients if b.get("action", "").lower().startswith("failed")]
    if not failed:
        actions = ",".join(sorted({b.get("action", "?").lower() for b in recipients})) or "none"
        first = recipients[0] if recipients else {}
        return BounceReport(IGNORE, f"DSN without a failed recipient (action {actions})",
                            _strip_type(first.get("original-recipient") or first.get("final-recipient", "")) or None,
                            status=first.get("status", ""), message_id=message_id, verp_tokens=verp)
    block = failed[0]
    code = _STATUS.search(block.get("status", ""))
    status = code.group(0) if code else block.get("status", "")[:20]
    diagnostic = _strip_type(block.get("diagnostic-code", ""))
    kind = severity(status, diagnostic)
    recipient = _strip_type(block.get("original-recipient") or block.get("final-recipient", "")) or None
    return BounceReport(kind, f"DSN failed, status {status or '?'}", recipient, status=status,
                        diagnostic=diagnostic[:1000], message_id=message_id, verp_tokens=verp)


def _body_text(msg: Message) -> str:
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text" and part.get_content_type() != "text/rfc822-headers":
            parts.append(_text(part))
    return "\n".join(parts)


def _plain(msg: Message, message_id: str | None, verp: list[str]) -> BounceReport:
    sender = " ".join(str(msg.get(h, "")) for h in ("From", "Sender", "Return-Path"))
    subject = str(msg.get("Subject", ""))
    body = _body_text(msg)
    from_daemon = bool(_MAILER.search(sender)) or msg.get("Return-Path", "").strip() == "<>" and not msg.get("From")
    if not from_daemon or not (_BOUNCE_WORDS.search(subject) or _BOUNCE_WORDS.search(body[:4000])):
        why = "auto-reply" if (_AUTO_REPLY.search(subject) or msg.get("Auto-Submitted", "").lower().startswith("auto-replied")) else "not a bounce"
        return BounceReport(IGNORE, why, message_id=message_id, verp_tokens=verp)
    head, _sep, copy = body.partition("------ This is a copy of the message")
    if message_id is None and copy:  # Exim returns the original inline, not as message/rfc822
        message_id = _find_message_id(copy)
        verp = verp + [t for t in _VERP.findall(copy[:3000]) if t not in verp]
    # Exim: "The following address(es) failed:\n\n  user@example.org\n    host …\n    SMTP error …: 550 …"
    recipient = (msg.get("X-Failed-Recipients") or "").split(",")[0].strip() or None
    failed = None if recipient else re.search(r"address(?:\(es\))? failed:\s*\n\s*\n?\s*(\S+@\S+)", head, re.I)
    if failed:
        recipient = failed.group(1).strip("<>:,")
    elif recipient is None:
        candidates = [a for a in _ADDRESS.findall(head) if not _MAILER.search(a) and not a.lower().startswith("bounces+")]
        recipient = candidates[0] if candidates else None
    status_match = _STATUS.search(head)
    code_match = re.search(r"\b([45]\d\d)[ -].{0,300}", head)
    diagnostic = (code_match.group(0) if code_match else "").strip()
    status = status_match.group(0) if status_match else ""
    if status or diagnostic:
        kind = severity(status, diagnostic)
    elif re.search(r"permanent", head, re.I):
        kind = HARD
    else:
        kind = SOFT
    if re.search(r"temporary|retry timeout exceeded|still trying|will be retried", head, re.I) and not status.startswith("5"):
        kind = SOFT
    return BounceReport(kind, "plain-text bounce", recipient, status=status, diagnostic=diagnostic[:1000],
                        message_id=message_id, verp_tokens=verp)

