"""Read bounce and complaint messages: DSN (RFC 3464), ARF (RFC 5965), and plain-text bounces.

``classify(raw_bytes) -> BounceReport`` says what a message in the bounce mailbox
means — ``kind`` (hard, soft, complaint, ignore) and a named ``reason``
(app.message.bounce_reasons) — and gathers what attribution needs: the VERP
tokens (``bounces+<token>@…``), our Message-IDs found in the returned original,
and the failed recipients the report names.

Where the reason comes from: the remote server's reply (Diagnostic-Code, or
"said:" / "The response from the remote server was:" / "Remote Server returned"
in the text), then the status code, then the reporting MTA's own explanation.
Success DSNs are ignored (``delivered``); delay warnings are soft ``expired`` but
not final (they never count); auto-replies are ignored (``vacation``).

Hostile input: only the first ``MAX_BYTES`` are read, more than ``MAX_PARTS``
MIME parts (or deeper than ``MAX_DEPTH``) is refused with :class:`UnreadableMessage`,
and every scan is a linear regular expression over bounded text.
"""
from __future__ import annotations

import email
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr

from app.message.bounce_reasons import COMPLAINT, HARD, IGNORE, SOFT, Verdict, decide, status_code

__all__ = ["HARD", "SOFT", "COMPLAINT", "IGNORE", "BounceReport", "UnreadableMessage", "classify", "MAX_BYTES"]

MAX_BYTES = 1024 * 1024  # 1 MB: a bounce's report comes first; the rest is the returned original
MAX_PARTS = 200
MAX_DEPTH = 12
HEAD_LIMIT = 16_000  # characters of human-readable text read for the explanation

_VERP = re.compile(r"bounces\+([A-Za-z0-9_\-.=]{1,300})@", re.I)
_OUR_ID = re.compile(r"<lettrine\.\d{1,12}\.\d{1,12}\.[0-9a-z]{1,64}@[^>\s]{1,255}>", re.I)
_MESSAGE_ID = re.compile(r"^message-id:[ \t]*(<[^>\s]{1,500}>)", re.I | re.M)
_ADDRESS = re.compile(r"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
                      r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63}){1,8}")
_MULTIPART = re.compile(rb"content-type:\s{0,200}(?:multipart|message)/", re.I)

_DAEMON = re.compile(
    r"mailer-?daemon|mailer_daemon|postmaster|mail ?delivery|mail administrator|microsoftexchange|"
    r"mail ?system|delivery ?(?:subsystem|system|notification|service|status)|\bbounces?[@-]|"
    r"service de messagerie|syst[eè]me de messagerie|administrateur|notes ?router|mdaemon|courier mail server|"
    r"qmail-send|internet mail|\bsmtp@|\bnoreply@.*(?:mailer|mail)|msgdeliv|nobody@", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able|ble)|undelivered|not delivered|non[- ]?deliver|delivery (?:status )?(?:failure|failed|notification|report|problem|has failed)|"
    r"delivery status|mail delivery|failure notice|returned mail|returned to sender|could not (?:be )?deliver|"
    r"couldn't be delivered|delivery (?:error|failure)|mail (?:system )?error|message (?:not delivered|delivery failed|failure)|"
    r"failed delivery|mail failure|rejected|bounce|non remis|non distribuable|non d[ée]livr|[ée]chec (?:de |lors de )?(?:la )?(?:remise|livraison|distribution)|"
    r"rapport de non[- ]remise|notification d'[ée]tat de (?:la )?(?:remise|distribution)|message non (?:remis|distribu|d[ée]livr)|"
    r"impossible de (?:remettre|distribuer|d[ée]livrer)|erreur de (?:distribution|remise)|unzustellbar|nicht zustellbar|"
    r"не доставлено|недоставлен|warning: could not send|delayed mail|delivery delay|delayed:|"
    r"undelivered mail|mail could not|notice: mail delivery status|delivery notification", re.I)
_BOUNCE_BODY = re.compile(
    r"could not be delivered|couldn't be delivered|wasn't delivered|was not delivered|undeliverable|undelivered|"
    r"delivery (?:has )?failed|delivery to the following recipient|failed permanently|permanent(?:ly)? (?:error|fatal|failure)|"
    r"returned mail|delivery status notification|non remis|n'a pas pu (?:être|etre) (?:remis|distribu|d[ée]livr)|"
    r"address(?:\(es\))? failed|following (?:address|recipient)|unable to deliver|wasn't able to deliver|"
    r"did not reach|could not reach|cannot be reached|message (?:could not|cannot) be|rejected your message|"
    r"transcript of session|remote (?:host|server) said|the mail system|mail delivery software|"
    r"ne peut (?:être|etre) (?:remis|distribu)|impossible de (?:remettre|distribuer|d[ée]livrer)|"
    r"not yet been delivered|has been delayed|will (?:continue to )?(?:retry|try)|still (?:being )?(?:retried|trying)", re.I)
_DELAY = re.compile(
    r"warning (?:message )?only|do not need to resend|not yet been delivered|has been delayed|is delayed|"
    r"will (?:continue to )?(?:retry|try|be retried)|still (?:being )?(?:retried|trying)|delivery delay|delayed mail|"
    r"retard de (?:distribution|remise)|toujours en cours|sera (?:r[ée]essay|retent)|\(delay\)|delayed:", re.I)
_FINAL = re.compile(r"failed permanently|permanent (?:error|failure)|gave up|giving up|i'm not going to try again|"
                    r"could not be delivered to one or more|the following address(?:\(es\))? failed|"
                    r"retry timeout exceeded|has been returned", re.I)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?[- ]?(?:reply|response|answer)|autoreply|auto:|r[ée]ponse automatique|absen(?:t|ce)\b|"
    r"out of (?:the )?office|abwesenheit|automatische antwort|cong[ée]s|vacation|away from|i am (?:out|away)|"
    r"je suis absent|en cong[ée]|hors du bureau|message d'absence|office closed)", re.I)
# Where the remote server's own reply starts, in the human-readable text.
_REMOTE_MARKERS = re.compile(
    r"response from the remote server was:|remote server returned|\bsaid:|remote host said:|\(reason: |<<< |"
    r"SMTP error from remote (?:mail server|server)[^\n]{0,200}\n?[^\n]{0,200}?\]:|diagnostic-code:\s*smtp;|"
    r"le serveur distant a r[ée]pondu\s*:|r[ée]ponse du serveur(?: distant)?\s*:|server replied:|error:\s*(?=[45]\d\d)|"
    r"ERROR CODE ?:\s*(?=[45]\d\d)|\breason: (?=[45]\d\d)|\]: (?=[45]\d\d)|^[^\s<>@]{1,64}@[^\s<>:]{1,255}: (?=[45]\d\d)",
    re.I | re.M)
_SMTP_LINE = re.compile(r"^[ \t>#]{0,8}([45]\d\d[ \-][^\n]{3,400})", re.M)
_ORIGINAL_MARKER = re.compile(
    r"^[ \t\-=_*]{0,20}(?:this is a copy of|below this line is a copy|original message (?:follows|headers|is)|"
    r"unsent message (?:follows|below)|returned message|the header of the original|headers? of (?:the )?original|"
    r"message d'origine|message original|original message\b|en-t[êe]tes? du message|"
    r"message headers follow|copy of the (?:original )?message|below is a copy)",
    re.I | re.M)
_FAILED_LIST = re.compile(
    r"(?:address(?:\(es\))? failed|delivery to the following recipients? failed[^\n]{0,40}|"
    r"had permanent fatal errors -*|following recipient\(?s?\)?(?: could not be reached| cannot be reached|[^\n]{0,40}failed)[^\n]{0,20}|"
    r"delivery has failed to these recipients or groups|not delivered to the following|"
    r"could not be delivered to the following|destinataires? suivants?[^\n]{0,60}|adresses? suivantes?[^\n]{0,60})"
    r":?\s*\n(?:\s*\n)?[ \t]*<?([^\s<>@()\"']{1,64}@[^\s<>()\"':,;]{1,255})", re.I)
_ANGLE_RECIPIENT = re.compile(r"^[ \t]{0,8}<?([^\s<>@]{1,64}@[^\s<>:,]{1,255})>?(?::| \(| \.\.\.|, ERROR CODE)", re.M)
_WASNT_DELIVERED = re.compile(r"(?:delivered|deliver(?:ed)? your message|delivery) to ([^\s<>@]{1,64}@[^\s<>]{1,255}?)[.,]?\s+because", re.I)
_TAGS = re.compile(r"<[^<>]{0,2000}>")


class UnreadableMessage(ValueError):
    """This message cannot be read safely (too many or too deeply nested parts); it is set aside."""


@dataclass
class BounceReport:
    kind: str  # hard | soft | complaint | ignore
    reason: str  # a name from bounce_reasons.REASONS
    recipient: str | None = None  # the failed / complaining address, if stated
    status: str = ""  # RFC 3463 code, e.g. "5.1.1"
    diagnostic: str = ""  # the remote server's words (or the reporter's, when that is all there is)
    message_ids: list[str] = field(default_factory=list)  # our Message-IDs found in the report
    verp_tokens: list[str] = field(default_factory=list)  # tokens from bounces+<token>@ addresses
    recipients: list[str] = field(default_factory=list)  # every failed address the report names
    feedback_type: str = ""  # ARF: abuse, fraud, …
    final: bool = True  # False for a delay warning: the server is still trying
    format: str = ""  # dsn | arf | plain | ses | smtp | webhook
    detail: str = ""  # how we read it, in a few words (CLI, review page)
    truncated: bool = False

    @property
    def message_id(self) -> str | None:
        return self.message_ids[0] if self.message_ids else None


# -- reading the message safely ------------------------------------------------

def parse(raw: bytes | str) -> tuple[Message, bool]:
    """The parsed message (first ``MAX_BYTES`` only) and whether it was cut."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    truncated = len(raw) > MAX_BYTES
    raw = raw[:MAX_BYTES]
    if len(_MULTIPART.findall(raw, 0, MAX_BYTES)) > MAX_PARTS:
        raise UnreadableMessage(f"plus de {MAX_PARTS} parties MIME / more than {MAX_PARTS} MIME parts")
    try:
        msg = email.message_from_bytes(raw, policy=policy.compat32)
    except RecursionError as exc:
        raise UnreadableMessage("MIME trop imbriqué / MIME nested too deep") from exc
    return msg, truncated


def _parts(msg: Message) -> list[tuple[Message, int, bool]]:
    """(part, depth, inside the returned original) for every part, iteratively, depth-capped."""
    out: list[tuple[Message, int, bool]] = []
    stack: list[tuple[Message, int, bool]] = [(msg, 0, False)]
    while stack:
        part, depth, original = stack.pop()
        if depth > MAX_DEPTH:
            raise UnreadableMessage(f"MIME imbriqué sur plus de {MAX_DEPTH} niveaux / nested deeper than {MAX_DEPTH}")
        out.append((part, depth, original))
        if len(out) > MAX_PARTS:
            raise UnreadableMessage(f"plus de {MAX_PARTS} parties MIME / more than {MAX_PARTS} MIME parts")
        ctype = part.get_content_type()
        payload = part.get_payload()
        if isinstance(payload, list) and ctype not in ("message/delivery-status", "message/global-delivery-status"):
            inner_original = original or ctype in ("message/rfc822", "message/global")
            for child in reversed(payload):
                if isinstance(child, Message):
                    stack.append((child, depth + 1, inner_original))
    return out


def _text(part: Message, limit: int = MAX_BYTES) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):  # None: a multipart or message/* part
        inner = part.get_payload()
        if isinstance(inner, list):  # message/* parts hold their content as sub-messages
            return "\n".join(m.as_string() if isinstance(m, Message) else str(m) for m in inner)[:limit]
        return str(inner or "")[:limit]
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload[:limit].decode(charset, "replace")
    except LookupError:
        text = payload[:limit].decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(_TAGS.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text)))
    return text


def _field_blocks(part: Message) -> list[dict[str, str]]:
    """The header-like blocks of a message/delivery-status or message/feedback-report part.

    Python parses message/delivery-status into a list of sub-messages (one per block);
    some MTAs mislabel it as text/plain, so plain text is split on blank lines too.
    """
    inner = part.get_payload()
    if isinstance(inner, list):  # header values as received (as_string() would re-encode 8-bit text)
        return [{k.strip().lower(): " ".join(_unescape(str(v)).split())[:4000] for k, v in m.raw_items()}
                for m in inner[:500] if isinstance(m, Message) and len(m)]
    texts = re.split(r"\r?\n[ \t]*\r?\n", _text(part, 200_000))
    blocks = []
    for text in texts[:500]:
        fields: dict[str, str] = {}
        last = None
        for line in text.splitlines():
            if line[:1] in (" ", "\t") and last:
                fields[last] = (fields[last] + " " + line.strip())[:4000]
            elif ":" in line:
                name, value = line.split(":", 1)
                last = name.strip().lower()
                fields[last] = value.strip()[:4000]
        if fields:
            blocks.append(fields)
    return blocks


def _unescape(value: str) -> str:
    """8-bit header bytes come back from the parser as surrogates: read them as UTF-8."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return value


def _strip_type(value: str) -> str:
    """``rfc822; user@example.org`` -> ``user@example.org``; ``smtp; 550 …`` -> ``550 …``."""
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def _address(value: str) -> str:
    addr = parseaddr(_strip_type(value or ""))[1] or _strip_type(value or "").strip("<>")
    return addr.strip().lower() if "@" in addr else ""


# -- what every kind of report shares ------------------------------------------

def _human_text(parts: list[tuple[Message, int, bool]]) -> str:
    """The reporting MTA's explanation: the text parts outside the returned original, cut before any copy of it."""
    chunks: list[str] = []
    for part, _depth, original in parts:
        if original or part.get_content_maintype() != "text" or part.get_content_type() == "text/rfc822-headers":
            continue
        if part.get_content_type() == "text/html" and chunks:
            continue  # the text/plain alternative said it already
        chunks.append(_text(part, HEAD_LIMIT * 2))
        if sum(len(c) for c in chunks) > HEAD_LIMIT:
            break
    text = "\n".join(chunks)
    cut = _ORIGINAL_MARKER.search(text, 0, HEAD_LIMIT * 2)
    return text[:cut.start()] if cut else text[:HEAD_LIMIT]


def _remote_words(text: str) -> str:
    """What the remote server replied, as quoted in the human-readable text ("" if not found)."""
    found = []
    for marker in _REMOTE_MARKERS.finditer(text):
        piece = text[marker.end():marker.end() + 600]
        piece = re.split(r"\n[ \t]*\n", piece.lstrip(" \t'\"\n"), maxsplit=1)[0]
        found.append(" ".join(piece.split()))
        if len(found) == 3:
            break
    if not found:
        found = [" ".join(m.group(1).split()) for m in _SMTP_LINE.finditer(text[:HEAD_LIMIT])][:3]
    return "\n".join(found)[:2000]


def our_ids(text: str) -> list[str]:
    ids: list[str] = []
    for found in _OUR_ID.finditer(text):
        if found.group(0) not in ids:
            ids.append(found.group(0))
        if len(ids) == 5:
            break
    return ids


def verp_tokens_in(text: str) -> list[str]:
    tokens: list[str] = []
    for found in _VERP.finditer(text):
        if found.group(1) not in tokens:
            tokens.append(found.group(1))
        if len(tokens) == 10:
            break
    return tokens


def _whole_text(parts: list[tuple[Message, int, bool]]) -> str:
    """Headers and every part's text, bounded: where our tokens and Message-IDs are looked for."""
    chunks: list[str] = []
    size = 0
    for part, _depth, _original in parts:
        chunks.extend(f"{k}: {v}" for k, v in part.items())
        if not part.is_multipart() or part.get_content_type() in (
                "message/delivery-status", "message/global-delivery-status"):
            text = _text(part, MAX_BYTES - size)
            size += len(text)
            chunks.append(text)
        if size >= MAX_BYTES:
            break
    return "\n".join(chunks)


def classify(raw: bytes | str) -> BounceReport:
    """What this message in the bounce mailbox means (see the module docstring).

    Raises :class:`UnreadableMessage` for a message too complex to read safely.
    """
    msg, truncated = parse(raw)
    try:
        parts = _parts(msg)
        whole = _whole_text(parts)
    except RecursionError as exc:
        raise UnreadableMessage("MIME trop imbriqué / MIME nested too deep") from exc
    ctypes = {p.get_content_type() for p, _d, _o in parts}
    if "message/feedback-report" in ctypes or collapse_rfc2231_value(msg.get_param("report-type") or "").lower() == "feedback-report":
        report = _complaint(parts)
    elif ctypes & {"message/delivery-status", "message/global-delivery-status"}:
        report = _dsn(msg, parts)
    else:
        report = _plain(msg, parts)
    report.message_ids = our_ids(whole)
    report.verp_tokens = verp_tokens_in(whole)
    report.truncated = truncated
    if report.recipients and not report.recipient:
        report.recipient = report.recipients[0]
    return report


# -- ARF (RFC 5965) --------------------------------------------------------------

def _complaint(parts: list[tuple[Message, int, bool]]) -> BounceReport:
    fields: dict[str, str] = {}
    original_to = ""
    for part, _depth, _original in parts:
        ctype = part.get_content_type()
        if ctype == "message/feedback-report":
            for block in _field_blocks(part):
                fields.update(block)
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers") and not original_to:
            to = re.search(r"^to:[ \t]*([^\n]{1,1000})", _text(part, 200_000), re.I | re.M)
            original_to = to.group(1) if to else ""
    feedback_type = fields.get("feedback-type", "abuse").strip().lower()
    if feedback_type not in ("abuse", "fraud", "virus", "other", "not-spam", "auth-failure"):
        feedback_type = "other"
    recipients = [a for a in (_address(fields.get("original-rcpt-to", "")),) if a]
    if not recipients and original_to:
        recipients = [a.lower() for _n, a in getaddresses([original_to]) if "@" in a][:1]
    if feedback_type == "not-spam":
        return BounceReport(IGNORE, "feedback", recipients=recipients, feedback_type=feedback_type,
                            format="arf", detail="ARF not-spam")
    if feedback_type == "auth-failure":  # RFC 6591: a report about our authentication, not a complaint
        return BounceReport(SOFT, "authfailure", recipients=recipients, feedback_type=feedback_type, format="arf",
                            diagnostic=fields.get("auth-failure", "")[:1000], detail="ARF auth-failure")
    return BounceReport(COMPLAINT, "feedback", recipients=recipients, feedback_type=feedback_type, format="arf",
                        diagnostic=fields.get("user-agent", "")[:200], detail=f"ARF feedback-type {feedback_type}")


# -- DSN (RFC 3464) --------------------------------------------------------------

def _dsn(msg: Message, parts: list[tuple[Message, int, bool]]) -> BounceReport:
    blocks: list[dict[str, str]] = []
    for part, _depth, original in parts:
        if not original and part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            blocks.extend(_field_blocks(part))
    per_recipient = [b for b in blocks if "action" in b or "final-recipient" in b or "original-recipient" in b]
    failed = [b for b in per_recipient if b.get("action", "").lower().startswith("failed")]
    delayed = [b for b in per_recipient if b.get("action", "").lower().startswith("delayed")]
    human = _human_text(parts)
    if not failed and not delayed:
        if any(b.get("action", "").lower().startswith(("delivered", "relayed", "expanded")) for b in per_recipient):
            return BounceReport(IGNORE, "delivered", _recipient(per_recipient[0]) or None, format="dsn",
                                status=status_code(per_recipient[0].get("status", "")),
                                detail="DSN: delivered / relayed (success)")
        # A report with no usable Action (broken MTA): read the status and the text.
        failed = [b for b in per_recipient if b.get("status", "").strip()[:1] in ("4", "5")] or \
            [b for b in per_recipient] or [{}]
    chosen = failed or delayed
    block = chosen[0]
    status = status_code(block.get("status", ""))
    remote = _strip_type(block.get("diagnostic-code", "")) or _remote_words(human)
    is_delay = not failed
    verdict = decide(status, remote, human, temporary=True if is_delay else None)
    recipients = [a for b in chosen for a in (_recipient(b), _address(b.get("original-recipient", ""))) if a]
    recipients = list(dict.fromkeys(recipients))
    return _report(verdict, recipients, status or verdict_status(remote), remote or _first_line(human), "dsn",
                   final=not is_delay,
                   detail=f"DSN {'delayed' if is_delay else 'failed'}, status {status or '?'}")


def _recipient(block: dict[str, str]) -> str:
    return _address(block.get("original-recipient", "")) or _address(block.get("final-recipient", "")) \
        or _address(block.get("x-actual-recipient", ""))


def verdict_status(text: str) -> str:
    return status_code(text)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:6])[:500]


def _report(verdict: Verdict, recipients: list[str], status: str, diagnostic: str, fmt: str, *,
            final: bool = True, detail: str = "") -> BounceReport:
    kind = HARD if verdict.hard and final else SOFT
    return BounceReport(kind, verdict.reason, recipients[0] if recipients else None, status=status,
                        diagnostic=diagnostic[:1000], recipients=recipients, final=final, format=fmt, detail=detail)


# -- plain-text bounces (Exim, qmail, Sendmail, Exchange, Domino, French providers…) --

def looks_like_bounce(msg: Message, human: str) -> bool:
    """A non-DSN message that is a bounce: its sender, its subject, its wording."""
    sender = " ".join(str(msg.get(h, "")) for h in ("From", "Sender", "Return-Path"))
    subject = str(msg.get("Subject", ""))[:500]
    daemon = bool(_DAEMON.search(sender)) or str(msg.get("Return-Path", "")).strip() == "<>" \
        or bool(msg.get("X-Failed-Recipients"))
    if _AUTO_REPLY_SUBJECT.search(subject) and not _BOUNCE_SUBJECT.search(subject):
        return False
    if _BOUNCE_SUBJECT.search(subject):
        return daemon or bool(_BOUNCE_BODY.search(human[:8000])) or not msg.get("In-Reply-To")
    return daemon and bool(_BOUNCE_BODY.search(human[:8000]))


def _is_auto_reply(msg: Message) -> bool:
    subject = str(msg.get("Subject", ""))[:500]
    return bool(_AUTO_REPLY_SUBJECT.search(subject) or msg.get("X-Autoreply") or msg.get("X-Autorespond")
                or str(msg.get("Precedence", "")).lower() == "auto_reply"
                or str(msg.get("Auto-Submitted", "")).lower().startswith("auto-replied"))


def _plain(msg: Message, parts: list[tuple[Message, int, bool]]) -> BounceReport:
    human = _human_text(parts)
    if not looks_like_bounce(msg, human):
        if _is_auto_reply(msg):
            return BounceReport(IGNORE, "vacation", format="plain", detail="auto-reply")
        return BounceReport(IGNORE, "onhold", format="plain", detail="not a bounce")
    recipients = _plain_recipients(msg, human)
    remote = _remote_words(human)
    status = status_code(remote) or status_code(human)
    subject = str(msg.get("Subject", ""))[:500]
    delay = bool(_DELAY.search(subject) or _DELAY.search(human[:4000])) and not _FINAL.search(human[:8000])
    temporary = True if delay else None
    verdict = decide(status, remote, human, temporary=temporary)
    return _report(verdict, recipients, status, remote or _first_line(human), "plain", final=not delay,
                   detail="plain-text " + ("delay warning" if delay else "bounce"))


def _plain_recipients(msg: Message, human: str) -> list[str]:
    found: list[str] = []
    for value in msg.get_all("X-Failed-Recipients", []) or []:
        found.extend(a.lower() for _n, a in getaddresses([str(value)]) if "@" in a)
    for pattern in (_FAILED_LIST, _ANGLE_RECIPIENT, _WASNT_DELIVERED):
        for match in pattern.finditer(human[:HEAD_LIMIT]):
            found.append(match.group(1).strip("<>:,;.'\"").lower())
            if len(found) > 20:
                break
    for name in ("final-recipient", "original-recipient"):
        line = re.search(rf"^{name}:[ \t]*([^\n]{{1,400}})", human, re.I | re.M)
        if line:
            found.append(_address(line.group(1)))
    found = [a for a in found if a and not _DAEMON.search(a) and not a.startswith("bounces+")]
    if not found:
        guesses = [a.lower() for a in _ADDRESS.findall(human[:HEAD_LIMIT])
                   if not _DAEMON.search(a) and not a.lower().startswith("bounces+")]
        found = guesses[:1]
    return list(dict.fromkeys(found))
