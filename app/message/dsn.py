"""Read bounce and complaint reports: DSN (RFC 3464, RFC 6533), ARF (RFC 5965) and its vendors' variants,
Amazon SES notifications sent by mail or as JSON, and plain-text bounces.

``classify(raw_bytes) -> BounceReport`` says what a message in the bounce mailbox
means — ``kind`` (hard, soft, complaint, ignore) and a named ``reason``
(app.message.bounce_reasons) — and gathers what attribution needs: the VERP
tokens (``bounces+<token>@…``), our Message-IDs found in the returned original,
and the failed recipients the report names. ``read_report`` also takes SES / SNS JSON.

What kind of report: a feedback-report part (or a vendor's complaint: Outlook.com JMRP,
SES "complaint about message from", Apple's X-Apple-Unsubscribe, ARF fields in a plain
part) is a complaint; a delivery-status part a DSN; a text body holding a SES
notification is read as SES; anything else is a plain-text bounce if its sender,
subject (RFC 2047 decoded) or wording say so, in English, French, German, Spanish,
Japanese and Chinese, and otherwise an auto-reply or not a bounce at all.

Where the reason comes from: the remote server's reply (Diagnostic-Code, or
"said:" / "The response was:" / "Remote Server returned" / "Received >>>" … in the
text), then the status code, then the reporting system's own explanation (without
the original's quoted Subject/From/To lines). Success DSNs are ignored (``delivered``);
delay warnings are soft but not final (they never count); auto-replies are ignored
(``vacation``).

Hostile input: only the first ``MAX_BYTES`` are read, more than ``MAX_PARTS``
MIME parts (or deeper than ``MAX_DEPTH``) is refused with :class:`UnreadableMessage`,
and every scan is a linear regular expression or a substring test over bounded text.
"""
from __future__ import annotations

import email
import email.errors
import html
import json
import re
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses, parseaddr

from app.message.bounce_reasons import COMPLAINT, HARD, IGNORE, SOFT, Verdict, decide, status_code
from app.message import ses
from app.message.bounce_report import BounceReport, our_ids, verp_tokens_in

__all__ = ["HARD", "SOFT", "COMPLAINT", "IGNORE", "BounceReport", "UnreadableMessage", "classify", "read_report",
           "MAX_BYTES"]

MAX_BYTES = 1024 * 1024  # 1 MB: a bounce's report comes first; the rest is the returned original
MAX_PARTS = 200
MAX_DEPTH = 12
HEAD_LIMIT = 16_000  # characters of human-readable text read for the explanation

_MESSAGE_ID = re.compile(r"^message-id:[ \t]*(<[^>\s]{1,500}>)", re.I | re.M)
_ADDRESS = re.compile(r"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
                      r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63}){1,8}")
_MULTIPART = re.compile(rb"content-type:\s{0,200}(?:multipart|message)/", re.I)

_DAEMON = re.compile(
    r"mailer-?daemon|mailer_daemon|postmaster|mail ?delivery|mail administrator|microsoftexchange|"
    r"mail ?system|delivery ?(?:subsystem|system|notification|service|status)|\bbounces?[@-]|"
    r"service de messagerie|syst[eè]me de messagerie|administrateur|notes ?router|mdaemon|courier mail server|"
    r"qmail-send|internet mail|\bsmtp@|\bnoreply@.*(?:mailer|mail)|msgdeliv|nobody@|post_?master|sysadmin@|"
    r"interscan|m-filter|webshield|-admin@|mail ?delivery|\bno-?reply@|mimecast|barracuda", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able|ble)|undelivered|not delivered|non[- ]?deliver|delivery (?:status )?(?:failure|failed|notification|report|problem|has failed)|"
    r"delivery status|mail delivery|failure notice|returned mail|returned to sender|could not (?:be )?deliver|"
    r"couldn't be delivered|delivery (?:error|failure)|mail (?:system )?error|message (?:not delivered|delivery failed|failure)|"
    r"failed delivery|mail failure|rejected|bounce|non remis|non distribuable|non d[ée]livr|[ée]chec (?:de |lors de )?(?:la )?(?:remise|livraison|distribution)|"
    r"rapport de non[- ]remise|notification d'[ée]tat de (?:la )?(?:remise|distribution)|message non (?:remis|distribu|d[ée]livr)|"
    r"impossible de (?:remettre|distribuer|d[ée]livrer)|erreur de (?:distribution|remise)|unzustellbar|nicht zustellbar|"
    r"не доставлено|недоставлен|warning: could not send|delayed mail|delivery delay|delayed:|"
    r"undelivered mail|mail could not|notice: mail delivery status|delivery notification|\[bounce\]|"
    r"not member article|undeliverable|returned mail|mail delivery problem|mail system error|delivery report|"
    r"error sending your (?:mail|message)|could not send your message|delivery failure|message frozen|"
    r"error\(s\) in forwarding or filtering|system error message|loop (?:alert|back warning)|"
    r"no se (?:pudo|puede) entregar|error en la entrega|entrega fallida|mensaje no entregado|devuelto|"
    r"zustellung|fehlgeschlagen|nicht zustellbar|unzustellbar|"
    r"配信|配送|不達|送信できません|エラーメール|返送|退信|退回|投递|发送失败|未送达|"
    r"mancata consegna|impossibile recapitare|non recapitabile|falha na entrega|n[ãa]o entregue|onbestelbaar|"
    r"niet bezorgd|niedostarczon", re.I)
_BOUNCE_BODY = re.compile(
    r"could not be delivered|couldn't be delivered|wasn't delivered|was not delivered|undeliverable|undelivered|"
    r"delivery (?:has )?failed|delivery to the following recipient|failed permanently|permanent(?:ly)? (?:error|fatal|failure)|"
    r"returned mail|delivery status notification|non remis|n'a pas pu (?:être|etre) (?:remis|distribu|d[ée]livr)|"
    r"address(?:\(es\))? failed|following (?:address|recipient)|unable to deliver|wasn't able to deliver|"
    r"did not reach|could not reach|cannot be reached|message (?:could not|cannot) be|rejected your message|"
    r"transcript of session|remote (?:host|server) said|the mail system|mail delivery software|"
    r"ne peut (?:être|etre) (?:remis|distribu)|impossible de (?:remettre|distribuer|d[ée]livrer)|"
    r"not yet been delivered|has been delayed|will (?:continue to )?(?:retry|try)|still (?:being )?(?:retried|trying)|"
    r"could not be sent|unable to deliver|not a member|message details:|failure reasons|"
    r"trouble delivering|rejected recipient|returned permanent errors|did not reach the following|"
    r"no se (?:pudo|puede) entregar|error permanente|la\(?s\)? siguiente\(?s\)? direcci|"
    r"konnte nicht zugestellt|nicht zugestellt werden|zustellung an folgende|permanenter fehler|"
    r"配信できません|配送に失敗|送信できませんでした|届けることができません|宛先(?:不明|メールアドレス)|"
    r"退信|退回|未能成功投递|无法投递|投递失败|无法送达|"
    r"non [èe] stato possibile recapitare|n[ãa]o foi poss[íi]vel entregar|kon niet worden bezorgd", re.I)
_DELAY = re.compile(
    r"warning (?:message )?only|do not need to resend|not yet been delivered|has been delayed|is delayed|"
    r"will (?:continue to )?(?:retry|try|be retried)|still (?:being )?(?:retried|trying)|delivery delay|delayed mail|"
    r"retard de (?:distribution|remise)|toujours en cours|sera (?:r[ée]essay|retent)|\(delay\)|delayed:", re.I)
# The refusal came after the message itself (end of DATA), not at RCPT TO.
_AFTER_DATA = re.compile(r"in reply to end of data|after end of data|after data\b|>>> data\b|"
                         r"error following data", re.I)
_AT_RCPT = re.compile(r"in reply to rcpt to|after rcpt to|>>> rcpt to|error following rcpt", re.I)


def _refused_after_data(*texts: str) -> bool:
    """Whether the report says the server refused after DATA (and never at RCPT TO)."""
    joined = "\n".join(t[:8000] for t in texts)
    return bool(_AFTER_DATA.search(joined)) and not _AT_RCPT.search(joined)


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
    r"ERROR CODE ?:\s*(?=[45]\d\d)|\breason: (?=[45]\d\d)|\]: (?=[45]\d\d)|^[^\s<>@]{1,64}@[^\s<>:]{1,255}: (?=[45]\d\d)|"
    r"(?:received|受信者) >>> |\bresponse was:|diagnostic code: smtp;|退信原因[:：]|理由[:：]|エラー内容 ▼\s*|"
    r"\bpermanent: |el servidor remoto respondi[óo]\s*:|error: (?=[45]\d\d)",
    re.I | re.M)
_SMTP_LINE = re.compile(r"^[ \t>#]{0,8}([45]\d\d[ \-][^\n]{3,400})", re.M)
_ORIGINAL_MARKER = re.compile(
    r"^[ \t\-=_*]{0,20}(?:this is a copy of|below this line is a copy|original message (?:follows|headers|is)|"
    r"unsent message (?:follows|below)|returned message|the header of the original|headers? of (?:the )?original|"
    r"message d'origine|message original|original message\b|en-t[êe]tes? du message|"
    r"message headers follow|copy of the (?:original )?message|below is a copy|original mail as follows|"
    r"returned message|esta es una copia del mensaje|dies ist eine kopie|ursprüngliche nachricht|"
    r"▼ 送信されたメール ▼|原邮件(?!信息)|以下是原邮件|non-delivered information|the attachment contains the original|"
    r"(?:return-path|received):[^\n]{0,400}\n(?:[ \t][^\n]{0,400}\n){0,8}[a-z-]{2,40}:)",
    re.I | re.M)
_FAILED_LIST = re.compile(
    r"(?:address(?:\(es\))? failed|delivery to the following recipients? failed[^\n]{0,40}|"
    r"had permanent fatal errors -*|following recipient\(?s?\)?(?: could not be reached| cannot be reached|[^\n]{0,40}failed)[^\n]{0,20}|"
    r"delivery has failed to these recipients or groups|not delivered to the following|"
    r"could not be delivered to the following|destinataires? suivants?[^\n]{0,60}|adresses? suivantes?[^\n]{0,60}|"
    r"failed recipient\(?s?\)?|direcci[óo]n\(?es\)? fall[óo]\(?aron\)?|adresse\(?n\)? schlugen fehl|"
    r"recipients were affected|宛先メールアドレス ▼|收件人|下記の宛先[^\n]{0,40})"
    r":?\s*\n(?:\s*\n)?[ \t]*<?([^\s<>@()\"']{1,64}@[^\s<>()\"':,;]{1,255})", re.I)
_ANGLE_RECIPIENT = re.compile(r"^[ \t]{0,8}<?([^\s<>@]{1,64}@[^\s<>:,]{1,255})>?(?::| \(| \.\.\.|, ERROR CODE)", re.M)
_LABELLED_RECIPIENT = re.compile(
    r"^[ \t]{0,8}(?:rcpt to|recipient address|failed recipient|original message to|addressed to|recipient|"
    r"destinataire|empfänger|destinatario|宛先|收件人)[ \t]{0,4}[:：][ \t]{0,4}<?([^\s<>@]{1,64}@[^\s<>:,]{1,255}?)>?[ \t.]*$",
    re.I | re.M)
_WASNT_DELIVERED = re.compile(r"(?:delivered|deliver(?:ed)? your message|delivery) to ([^\s<>@]{1,64}@[^\s<>]{1,255}?)[.,]?\s+because", re.I)
_TAGS = re.compile(r"<[^<>]{0,2000}>")


class UnreadableMessage(ValueError):
    """This message cannot be read safely (too many or too deeply nested parts); it is set aside."""


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
    if b"\x1b$B" in payload[:4000] or b"\x1b$@" in payload[:4000]:
        charset = "iso2022_jp"  # Japanese mail labelled us-ascii (or nothing) by old gateways
    try:
        text = payload[:limit].decode(charset, "replace")
    except LookupError:
        text = payload[:limit].decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(_TAGS.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>", "\n", text)))
    return text


def _field_blocks(part: Message) -> list[dict[str, str]]:
    """The header-like blocks of a message/delivery-status or message/feedback-report part.

    Python parses message/delivery-status into a list of sub-messages (one per block), but
    message/global-delivery-status (RFC 6533) into one message whose body holds the
    per-recipient blocks; some MTAs mislabel the part text/plain. Text is split on blank lines.
    """
    inner = part.get_payload()
    if not isinstance(inner, list):
        return _text_blocks(_text(part, 200_000))
    blocks: list[dict[str, str]] = []
    for m in inner[:500]:
        if not isinstance(m, Message):
            continue
        if len(m):  # header values as received (as_string() would re-encode 8-bit text)
            blocks.append({k.strip().lower(): " ".join(_unescape(str(v)).split())[:4000] for k, v in m.raw_items()})
        body = m.get_payload()
        if isinstance(body, str) and ":" in body:
            blocks.extend(_text_blocks(_unescape(body[:200_000])))
    return blocks


def _text_blocks(text: str) -> list[dict[str, str]]:
    blocks = []
    for chunk in re.split(r"\r?\n[ \t]*\r?\n", text)[:500]:
        fields: dict[str, str] = {}
        last = None
        for line in chunk.splitlines():
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


_QUOTED_HEADER = re.compile(
    r"^[ \t>]{0,8}(?:subject|objet|sujet|betreff|asunto|oggetto|件名|主题|主題|from|to|cc|date|sent|envoy[ée]|"
    r"de|à|an|von|para)[ \t]{0,4}[:：][^\n]{0,1000}$", re.I | re.M)


def _explanation(human: str) -> str:
    """The reporter's text, before any pasted copy of the original and without its quoted Subject/From/To lines.

    Our own messages speak of "politique de la ville" and carry a DKIM-Signature: pasted after
    a marker we do not know ("The text of your message follows:"), they must not read as a
    policy or authentication refusal. The copy still starts with its header block.
    """
    pasted = _pasted_header_block(human)
    return _QUOTED_HEADER.sub("", human[:pasted] if pasted >= 0 else human)


_HEADER_LINE = re.compile(r"([A-Za-z][A-Za-z0-9-]{1,40}):[ \t]")
# A message's usual header fields: a block of three or more header lines, two of them these, is a copy of
# a message (a DSN's own fields, Reporting-MTA, Final-Recipient, Action…, are none of them).
_MESSAGE_FIELDS = frozenset({
    "from", "to", "cc", "subject", "date", "message-id", "mime-version", "content-type", "return-path", "received",
    "reply-to", "sender", "dkim-signature", "list-unsubscribe", "list-id", "in-reply-to", "references",
    "content-transfer-encoding", "x-mailer",
})


def _pasted_header_block(text: str) -> int:
    """Where a pasted message's header block starts in ``text``: three or more unindented header lines
    (folded lines included), two of them a message's usual fields; -1 if there is none."""
    start, names, pos = -1, 0, 0
    usual = 0
    for line in text.splitlines(keepends=True):
        field = _HEADER_LINE.match(line)
        if field:
            if start < 0:
                start, names, usual = pos, 0, 0
            names += 1
            usual += field.group(1).lower() in _MESSAGE_FIELDS
        elif not (line[:1] in (" ", "\t") and line.strip() and start >= 0):
            if start >= 0 and names >= 3 and usual >= 2:
                return start
            start = -1
        pos += len(line)
    return start if start >= 0 and names >= 3 and usual >= 2 else -1


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
    if not found:  # a reply quoted inside a sentence: "… responded as follows: [550 5.1.1 User unknown]"
        found = [" ".join(m.group(0).split()) for m in _INLINE_REPLY.finditer(text[:HEAD_LIMIT])][:3]
    return "\n".join(found)[:2000]


_INLINE_REPLY = re.compile(r"(?<![\d.])[45]\d\d[ \-][245]\.\d{1,3}\.\d{1,3}[^\n\]]{0,300}")


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
    if "message/feedback-report" in ctypes \
            or collapse_rfc2231_value(msg.get_param("report-type") or "").lower() == "feedback-report" \
            or _vendor_complaint(msg, parts):
        report = _complaint(msg, parts)
    elif ctypes & {"message/delivery-status", "message/global-delivery-status"}:
        report = _dsn(msg, parts)
    else:
        report = _ses_in_mail(parts) or _plain(msg, parts)
    report.message_ids = our_ids(whole)
    report.verp_tokens = verp_tokens_in(whole)
    report.truncated = truncated
    if report.recipients and not report.recipient:
        report.recipient = report.recipients[0]
    return report


def read_report(raw: bytes | str) -> BounceReport:
    """One report, whatever its form: a mail message (DSN, ARF, plain text, SES by mail) or SES / SNS JSON.

    Several recipients in one SES notification come back as one report naming them all.
    Raises :class:`UnreadableMessage` (mail) or ``ses.MalformedEvent`` (JSON that is not a notification).
    """
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else raw
    if data[:64].lstrip()[:1] == b"{":
        try:
            event = json.loads(data[:MAX_BYTES])
        except ValueError:
            event = None
        if isinstance(event, dict) and ses.is_ses(event):
            return _one_of(ses.reports_from_ses(event), "ses")
    return classify(data)


def _one_of(reports: list[BounceReport], fmt: str) -> BounceReport:
    if not reports:  # an SNS subscription confirmation: nothing about anyone
        return BounceReport(IGNORE, "delivered", format=fmt, detail="SNS subscription confirmation")
    first = reports[0]
    first.recipients = list(dict.fromkeys(a for r in reports for a in r.recipients))
    return first


# -- Amazon SES notifications received by mail (SNS "email" and "email-json") -----

_SNS_FOOTER = re.compile(r"\n--\s*\nIf you wish to stop receiving notifications", re.I)


def _ses_in_mail(parts: list[tuple[Message, int, bool]]) -> BounceReport | None:
    """The SES notification an SNS e-mail subscription carries as its body, read as JSON (None if not one)."""
    for part, _depth, original in parts:
        if original or part.get_content_type() != "text/plain":
            continue
        text = _text(part)
        if '"notificationType"' not in text and '"eventType"' not in text and '"Type"' not in text:
            return None
        footer = _SNS_FOOTER.search(text)
        text = text[:footer.start()] if footer else text
        start, end = text.find("{"), text.rfind("}")
        event = _json_object(text[start:end + 1]) if 0 <= start < end else None
        if not isinstance(event, dict) or not ses.is_ses(event):
            return None
        try:
            report = _one_of(ses.reports_from_ses(event), "ses")
        except ses.MalformedEvent:
            return None
        report.detail = f"{report.detail} (by mail)"
        return report
    return None


def _json_object(text: str) -> object:
    """JSON as a relay left it: as is, or with the long lines it folded ("!\\n " or "\\n ") joined again."""
    for candidate in (text, text.replace("!\n ", ""), re.sub(r"\r?\n[ \t]+", "", text)):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


# -- ARF (RFC 5965) --------------------------------------------------------------

_ABUSE_SUBJECT = re.compile(r"complaint about (?:a |the |your )?(?:message|mail|e-?mail)|\babuse report\b|"
                            r"email feedback report|\b(?:spam|abuse) (?:report|complaint)\b|"
                            r"signalement (?:de |d'un )?(?:spam|abus)|plainte|\bFBL\b", re.I)
_ABUSE_TEXT = re.compile(r"this is an? (?:autogenerated )?email abuse (?:report|complaint)|email abuse complaint|"
                         r"junk mail reporting program|\bJMRP\b|reported (?:this message )?as (?:spam|junk)|"
                         r"complaint (?:received|about)|received an? (?:spam |abuse )?complaint|feedback loop|"
                         r"signal[ée] comme (?:spam|ind[ée]sirable)|a re[çc]u une plainte", re.I)


def _vendor_complaint(msg: Message, parts: list[tuple[Message, int, bool]]) -> bool:
    """A complaint in a vendor's own layout: no message/feedback-report part, but unmistakably one.

    Apple Mail's one-tap unsubscribe (``X-Apple-Unsubscribe: true``), Outlook.com's JMRP and
    Amazon SES's "complaint about message from …" (multipart/mixed with the original
    attached, no Feedback-Type), and abuse desks' plain-text complaints with the original.
    """
    if str(msg.get("X-Apple-Unsubscribe", "")).strip().lower() == "true":
        return True
    if msg.get("X-HmXmrOriginalRecipient"):
        return True
    if msg.get_content_type() == "multipart/report":
        return False  # a DSN: its own rules apply
    for part, _depth, original in parts:  # an ARF report part mislabelled text/plain
        if not original and part.get_content_type() == "text/plain":
            head = _text(part, 4000)
            if _ARF_FIELD.search(head) and _ARF_OTHER_FIELD.search(head):
                return True
    has_original = any(p.get_content_type() in ("message/rfc822", "text/rfc822-headers") for p, _d, _o in parts)
    if not has_original:
        return False
    sender = str(msg.get("From", "")).lower()
    subject = _subject_of(msg)
    if _COMPLAINT_SENDER.search(sender) or _COMPLAINT_SUBJECT.search(subject):
        return True
    return bool(_ABUSE_SUBJECT.search(subject) and _ABUSE_TEXT.search(_human_text(parts)[:4000]))


_ARF_OTHER_FIELD = re.compile(r"^(?:user-agent|version|original-rcpt-to|original-mail-from|removal-recipient):",
                              re.I | re.M)
# Who sends complaints in their own format, and how they title them (the original is attached).
_COMPLAINT_SENDER = re.compile(r"staff@hotmail\.com|complaints@email-abuse\.amazonses\.com|@jmrp\.|"
                               r"feedback@arf\.mail\.yahoo|scomp@aol\.net|fbl@", re.I)
_COMPLAINT_SUBJECT = re.compile(r"^\s*complaint about message from\b", re.I)


def _complaint(msg: Message, parts: list[tuple[Message, int, bool]]) -> BounceReport:
    fields: dict[str, list[str]] = {}
    original_to = ""
    for part, _depth, original in parts:
        ctype = part.get_content_type()
        if ctype == "message/feedback-report" or (ctype == "text/plain" and not original and _ARF_FIELD.search(
                _text(part, 4000))):
            for block in _field_blocks(part):
                for name, value in block.items():
                    fields.setdefault(name, []).append(value)
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers") and not original_to:
            to = re.search(r"^to:[ \t]*([^\n]{1,1000})", _text(part, 200_000), re.I | re.M)
            original_to = to.group(1) if to else ""
    feedback_type = (fields.get("feedback-type") or ["abuse"])[0].strip().lower()
    if feedback_type not in ("abuse", "fraud", "virus", "other", "not-spam", "auth-failure", "opt-out"):
        feedback_type = "other"
    named = [*fields.get("original-rcpt-to", []), *fields.get("removal-recipient", [])]
    recipients = [a for a in (_address(v) for v in named) if a]
    if str(msg.get("X-Apple-Unsubscribe", "")).strip().lower() == "true":  # the person writes herself
        feedback_type = "opt-out"
        recipients = recipients or [a.lower() for _n, a in getaddresses([str(msg.get("From", ""))]) if "@" in a][:1]
    if not recipients and original_to:
        recipients = [a.lower() for _n, a in getaddresses([original_to]) if "@" in a][:1]
    if not recipients:  # Outlook.com JMRP names the mailbox in its own header (sometimes only the FBL address)
        recipients = [a for a in (_address(str(msg.get("X-HmXmrOriginalRecipient", ""))),) if a]
    recipients = [a for a in dict.fromkeys(recipients) if not a.startswith("bounces+")]
    agent = (fields.get("user-agent") or [""])[0]
    if feedback_type == "not-spam":
        return BounceReport(IGNORE, "feedback", recipients=recipients, feedback_type=feedback_type,
                            format="arf", detail="ARF not-spam")
    if feedback_type == "auth-failure":  # RFC 6591: a report about our authentication, not a complaint
        return BounceReport(SOFT, "authfailure", recipients=recipients, feedback_type=feedback_type, format="arf",
                            diagnostic=(fields.get("auth-failure") or [""])[0][:1000], detail="ARF auth-failure")
    how = f"ARF feedback-type {feedback_type}" if fields.get("feedback-type") else "complaint (vendor format)"
    return BounceReport(COMPLAINT, "feedback", recipients=recipients, feedback_type=feedback_type, format="arf",
                        diagnostic=agent[:200], detail=how)


_ARF_FIELD = re.compile(r"^feedback-type:", re.I | re.M)


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
    verdict = decide(status, remote, _explanation(human), temporary=True if is_delay else None, gave_up=not is_delay,
                     after_data=_refused_after_data(remote, human))
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

def _subject_of(msg: Message) -> str:
    """The Subject, RFC 2047 words decoded (ISO-2022-JP, GB2312, UTF-8…), first 500 characters."""
    raw = str(msg.get("Subject", ""))[:2000]
    try:
        return str(make_header(decode_header(raw)))[:500]
    except (UnicodeError, LookupError, ValueError, email.errors.HeaderParseError):
        return raw[:500]


def looks_like_bounce(msg: Message, human: str) -> bool:
    """A non-DSN message that is a bounce: its sender, its subject, its wording."""
    sender = " ".join(str(msg.get(h, "")) for h in ("From", "Sender", "Return-Path"))
    subject = _subject_of(msg)
    daemon = bool(_DAEMON.search(sender)) or str(msg.get("Return-Path", "")).strip() == "<>" \
        or bool(msg.get("X-Failed-Recipients"))
    if _AUTO_REPLY_SUBJECT.search(subject) and not _BOUNCE_SUBJECT.search(subject):
        return False
    if _BOUNCE_SUBJECT.search(subject):
        return daemon or bool(_BOUNCE_BODY.search(human[:8000])) or not msg.get("In-Reply-To")
    return daemon and bool(_BOUNCE_BODY.search(human[:8000]))


def _is_auto_reply(msg: Message) -> bool:
    subject = _subject_of(msg)
    return bool(_AUTO_REPLY_SUBJECT.search(subject) or msg.get("X-Autoreply") or msg.get("X-Autorespond")
                or str(msg.get("Precedence", "")).lower() == "auto_reply"
                or str(msg.get("Auto-Submitted", "")).lower().startswith("auto-replied"))


def _plain(msg: Message, parts: list[tuple[Message, int, bool]]) -> BounceReport:
    human = _human_text(parts)
    if not looks_like_bounce(msg, human):
        if _is_auto_reply(msg):
            return BounceReport(IGNORE, "vacation", format="plain", detail="auto-reply")
        return BounceReport(IGNORE, "onhold", format="plain", detail="not a bounce")
    recipients = _plain_recipients(msg, human, parts)
    remote = _remote_words(human)
    status = status_code(remote) or status_code(human)
    subject = _subject_of(msg)
    delay = bool(_DELAY.search(subject) or _DELAY.search(human[:4000])) and not _FINAL.search(human[:8000])
    temporary = True if delay else None
    gave_up = not delay and bool(_FINAL.search(human[:8000]))
    verdict = decide(status, remote, _explanation(human), temporary=temporary, gave_up=gave_up,
                     after_data=_refused_after_data(remote, human))
    return _report(verdict, recipients, status, remote or _first_line(human), "plain", final=not delay,
                   detail="plain-text " + ("delay warning" if delay else "bounce"))


def _original_to(parts: list[tuple[Message, int, bool]]) -> list[str]:
    """The To: of the returned original (attached, or pasted after the reporter's text): the last resort."""
    for part, _depth, original in parts:
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers") or (ctype == "text/plain" and not original):
            text = _text(part, 200_000)
            if ctype == "text/plain":
                cut = _ORIGINAL_MARKER.search(text)
                if not cut:
                    continue
                text = text[cut.start():]
            to = re.search(r"^to:[ \t]*([^\n]{1,1000})", text, re.I | re.M)
            if to:
                return [a.lower() for _n, a in getaddresses([to.group(1)]) if "@" in a][:1]
    return []


def _plain_recipients(msg: Message, human: str, parts: list[tuple[Message, int, bool]]) -> list[str]:
    found: list[str] = []
    for value in msg.get_all("X-Failed-Recipients", []) or []:
        found.extend(a.lower() for _n, a in getaddresses([str(value)]) if "@" in a)
    for pattern in (_FAILED_LIST, _ANGLE_RECIPIENT, _LABELLED_RECIPIENT, _WASNT_DELIVERED):
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
        found = [a for a in _original_to(parts) if not a.startswith("bounces+")]
    if not found:
        guesses = [a.lower() for a in _ADDRESS.findall(human[:HEAD_LIMIT])
                   if not _DAEMON.search(a) and not a.lower().startswith("bounces+")]
        found = guesses[:1]
    return list(dict.fromkeys(found))
