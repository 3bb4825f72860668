"""HAND-MADE blind batch, part 1: how each reporting system lays out its report.

Written for the second, independent batch of bounce reports (``tests/bounce_blind.py``)
WITHOUT reading the classifier's rules, from the formats' public descriptions:
RFC 3464 / RFC 6522 (DSN), RFC 3463 (status codes), RFC 5965 (ARF), RFC 3834 and
RFC 8098 (auto-replies, read receipts), Postfix ``bounce(5)`` templates, Exim's
``Mail delivery failed`` text and its DSN (``Status: 5.0.0`` whatever the reply),
Sendmail's ``Returned mail`` transcript, qmail-send's ``failure notice``, Courier's
``courierdsn``, Apache James's ``DSNBounce`` mailet and its older ``[BOUNCE]``
notice, fml's ``-admin`` notices, Trend Micro InterScan MSS, Lotus Domino, Oracle
Messaging Server, MDaemon, OpenSMTPD, Exchange 2003/2010 and Office 365 NDRs
(English, French, German, Spanish), Gmail's and Yahoo's DSNs, Amazon SES's DSN by
mail, GMX/1&1, au by KDDI and EZweb, Verizon's vtext and vzwpix gateways, QQ,
NetEase, Sina, Coremail, Telefónica and Japanese hosting NDRs as their operators
document or show them. Every address, host, IP and text is invented here
(RFC 2606 / RFC 5737 names; carriers' host names only where the format is theirs);
nothing is copied from a third-party corpus.

Every builder takes a :class:`Case` and returns the report as text (UTF-8 unless a
legacy charset is the point), with an ``X-Lettrine-Fixture: hand-made`` header.
"""
from __future__ import annotations

import base64
import hashlib
import json
import quopri
import re
import textwrap
from dataclasses import dataclass, field
from email.header import Header

HAND_MADE = "X-Lettrine-Fixture: hand-made from"
OURS = "crpve.example.org"  # the newsletter's own domain in this batch
RELAY = "relay.crpve.example.org"  # our outgoing relay, which writes the DSN for remote refusals
OUR_IP = "192.0.2.25"


@dataclass
class Case:
    rcpt: str
    n: int
    status: str = ""  # the Status field; "" lets the layout derive it as that MTA does
    diag: str = ""  # the remote server's reply, or the reporter's own words
    command: str = "RCPT TO"  # the SMTP command the reply answered
    remote: str = ""  # the remote MX
    action: str = "failed"
    extra: dict = field(default_factory=dict)


# -- our own message, as Lettrine sends it ---------------------------------------------------------

def token(n: int) -> str:
    payload = base64.urlsafe_b64encode(json.dumps([40 + n % 9, 10000 + n * 7], separators=(",", ":")).encode()).decode().rstrip("=")
    sig = base64.urlsafe_b64encode(hashlib.sha256(f"sig{n}".encode()).digest()).decode()[:27]
    return f"{payload}.{sig}"


def msgid(n: int) -> str:
    return f"<lettrine.{40 + n % 9}.{10000 + n * 7}.{hashlib.sha1(f'mac{n}'.encode()).hexdigest()[:26]}@{OURS}>"


def return_path(n: int) -> str:
    return f"bounces+{token(n)}@bounces.{OURS}"


SUBJECT = "Journée du 12 janvier : inscriptions ouvertes"
SUBJECT_MIME = "=?utf-8?q?Journ=C3=A9e_du_12_janvier_=3A_inscriptions_ouvertes?="
BODY = (
    "Bonjour,\n\n"
    "Le cycle de qualification « Politique de la ville et renouvellement urbain » reprend le\n"
    "12 janvier à Évry-Courcouronnes. Inscription obligatoire : https://crpve.example.org/j/412\n\n"
    "--\nVous recevez cette lettre car vous êtes inscrit(e) à la liste « Actualités ».\n"
    "Se désinscrire : https://crpve.example.org/u/WzQxLDEwMDA3XQ\n"
)


def original_headers(c: Case) -> str:
    return (
        f"Return-Path: <{return_path(c.n)}>\n"
        f"Received: from lettrine.{OURS} (lettrine.{OURS} [{OUR_IP}])\n"
        f"\tby {RELAY} (Postfix) with ESMTPS id 4Rk{c.n:05d}Tz\n"
        f"\tfor <{c.rcpt}>; Wed, 18 Nov 2026 09:30:{c.n % 60:02d} +0100 (CET)\n"
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={OURS}; s=lettrine;\n"
        f"\th=from:to:subject:date:message-id:list-unsubscribe; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
        f"\tb=Zm9vYmFyYmF6cXV4{c.n:04d}\n"
        f"From: \"CRPVE Essonne\" <actualites@{OURS}>\n"
        f"To: {c.rcpt}\n"
        f"Subject: {SUBJECT_MIME}\n"
        f"Date: Wed, 18 Nov 2026 09:30:00 +0100\n"
        f"Message-ID: {msgid(c.n)}\n"
        f"List-Id: \"Actualites\" <actualites.{OURS}>\n"
        f"List-Unsubscribe: <https://{OURS}/u/{token(c.n)}>, <mailto:unsubscribe+{token(c.n)}@{OURS}>\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n"
        "Feedback-ID: 41:actualites:lettrine\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: 8bit\n"
    )


def original(c: Case, body: bool = True) -> str:
    return original_headers(c) + ("\n" + BODY if body else "")


# -- small helpers ---------------------------------------------------------------------------------

def date(n: int, minute: int = 2) -> str:
    return f"Wed, 18 Nov 2026 {9 + n % 3:02d}:{minute + n % 50:02d}:{n % 60:02d} +0100"


def derived_status(diag: str, default_class: str = "5") -> str:
    """What Postfix and most MTAs put in Status: the reply's enhanced code, else x.0.0."""
    found = re.search(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b", diag)
    if found:
        return ".".join(found.groups())
    basic = re.match(r"\s*([245])\d\d", diag)
    return f"{basic.group(1) if basic else default_class}.0.0"


def fold(text: str, width: int = 76, indent: str = "    ") -> str:
    """Long lines folded the way Postfix and Sendmail fold them (continuation indented)."""
    return "\n".join(textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False)) or text


def b64(text: str, charset: str) -> str:
    raw = base64.b64encode(text.encode(charset)).decode()
    return "\n".join(raw[i:i + 76] for i in range(0, len(raw), 76))


def qp(text: str, charset: str = "utf-8") -> str:
    return quopri.encodestring(text.encode(charset)).decode("ascii")


def mime_word(text: str, charset: str = "utf-8") -> str:
    return Header(text, charset).encode()


def head(c: Case, sender: str, subject: str, ctype: str, extra: str = "", *, to: str = "",
         mid_host: str = "", received: str = "") -> str:
    found = re.search(r"@([\w.-]+)", sender)
    host = mid_host or (found.group(1) if found else "mailer.example.net")
    return (
        f"{HAND_MADE} {c.extra.get('source', 'the format description')}\n"
        "Return-Path: <>\n"
        + (received or f"Received: from {host} ({host} [198.51.100.{10 + c.n % 200}])\n"
                        f"\tby mx.bounces.{OURS} (Postfix) with ESMTP id 7Hq{c.n:05d}\n"
                        f"\tfor <{return_path(c.n)}>; {date(c.n, 6)}\n")
        + f"From: {sender}\nTo: {to or return_path(c.n)}\nSubject: {subject}\nDate: {date(c.n)}\n"
        f"Message-ID: <{hashlib.md5(f'b{c.n}'.encode()).hexdigest()[:20]}@{host}>\n{extra}"
        f"MIME-Version: 1.0\nContent-Type: {ctype}\n"
    )


def dsn_fields(c: Case, *, mta: str, status: str, diag_type: str = "smtp", remote: str | None = None,
               per_message: str = "", recipient_extra: str = "", rcpts: list[str] | None = None,
               diag: str | None = None) -> str:
    lines = [f"Reporting-MTA: dns; {mta}"]
    if per_message:
        lines.append(per_message)
    lines.append(f"Arrival-Date: {date(c.n, 0)}")
    for rcpt in rcpts or [c.rcpt]:
        lines += ["", f"Final-Recipient: rfc822; {rcpt}", f"Original-Recipient: rfc822;{rcpt}",
                  f"Action: {c.action}"]
        if status:
            lines.append(f"Status: {status}")
        if remote or (remote is None and c.remote):
            lines.append(f"Remote-MTA: dns; {remote or c.remote}")
        text = c.diag if diag is None else diag
        if text:
            lines.append(fold(f"Diagnostic-Code: {diag_type}; {text}", 78, "    "))
        if recipient_extra:
            lines.append(recipient_extra)
    return "\n".join(lines) + "\n"


def report(c: Case, headers: str, parts: list[tuple[str, str]], boundary: str, preamble: str = "") -> str:
    """A multipart body: ``parts`` are (part headers, part body)."""
    out = [headers.rstrip("\n") + "\n", "\n", (preamble + "\n\n") if preamble else ""]
    for part_head, body in parts:
        out.append(f"--{boundary}\n{part_head.rstrip()}\n\n{body.rstrip()}\n\n")
    out.append(f"--{boundary}--\n")
    return "".join(out)


def multipart_report(c: Case, sender: str, subject: str, human: str, fields: str, *, boundary: str = "",
                     returned: str = "message/rfc822", extra: str = "", human_type: str = "text/plain; charset=us-ascii",
                     preamble: str = "This is a MIME-encapsulated message.", received: str = "",
                     status_type: str = "message/delivery-status") -> str:
    b = boundary or f"{c.n:04X}.{hashlib.md5(sender.encode()).hexdigest()[:10]}/report"
    hdr = head(c, sender, subject, f'multipart/report; report-type=delivery-status;\n\tboundary="{b}"',
               extra, received=received)
    parts = [(f"Content-Description: Notification\nContent-Type: {human_type}", human),
             (f"Content-Description: Delivery report\nContent-Type: {status_type}", fields)]
    if returned == "message/rfc822":
        parts.append(("Content-Description: Undelivered Message\nContent-Type: message/rfc822", original(c)))
    elif returned == "text/rfc822-headers":
        parts.append(("Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers",
                      original_headers(c)))
    return report(c, hdr, parts, b, preamble)


def plain(c: Case, sender: str, subject: str, body: str, *, extra: str = "", charset: str = "us-ascii",
          encoding: str = "7bit") -> str:
    if charset == "iso-2022-jp":  # 7-bit by construction: escape sequences, no 8-bit bytes
        text, encoding = body.encode(charset).decode("ascii"), "7bit"
    elif encoding == "base64":
        text = b64(body, charset)
    elif encoding == "quoted-printable":
        text = qp(body, charset)
    else:
        text = body
    return head(c, sender, subject, f"text/plain; charset={charset}",
                extra + f"Content-Transfer-Encoding: {encoding}\n") + "\n" + text.rstrip("\n") + "\n"


# -- the reporting systems --------------------------------------------------------------------------

def _remote(c: Case) -> str:
    return c.remote or "mx1." + c.rcpt.split("@")[1]


def postfix(c: Case, *, lang: str = "en", headers_only: bool = False) -> str:
    """Our relay (Postfix) reporting a remote refusal; bounce(5) default template or a translated one."""
    remote = _remote(c)
    status = c.status or derived_status(c.diag)
    if c.extra.get("local"):  # the relay's own words (DNS, local delivery), no remote server
        line = f"<{c.rcpt}>: {c.diag}"
        diag_type, remote_field = "X-Postfix", ""
    else:
        line = f"<{c.rcpt}>: host {remote}[198.51.100.{20 + c.n % 200}] said: {c.diag} (in reply to {c.command} command)"
        diag_type, remote_field = "smtp", remote
    if lang == "fr":
        subject = "Courrier non distribuable retourne a l'expediteur"
        human = (f"Ceci est le systeme de messagerie de l'hote {RELAY}.\n\n"
                 "J'ai le regret de vous informer que votre message n'a pas pu\n"
                 "etre remis a un ou plusieurs destinataires. Il est joint ci-dessous.\n\n"
                 "Pour obtenir de l'aide, ecrivez a postmaster.\n\n"
                 "                   Le systeme de messagerie\n\n" + fold(line))
    elif lang == "de":
        subject = "Unzustellbare Nachricht an den Absender zurueckgeschickt"
        human = (f"Dies ist das Mailsystem auf dem Rechner {RELAY}.\n\n"
                 "Leider muss ich Ihnen mitteilen, dass Ihre Nachricht nicht an einen oder\n"
                 "mehrere Empfaenger zugestellt werden konnte. Sie ist unten angehaengt.\n\n"
                 "                   Das Mailsystem\n\n" + fold(line))
    else:
        subject = "Undelivered Mail Returned to Sender"
        human = (f"This is the mail system at host {RELAY}.\n\n"
                 "I'm sorry to have to inform you that your message could not\n"
                 "be delivered to one or more recipients. It's attached below.\n\n"
                 "For further assistance, please send mail to postmaster.\n\n"
                 "If you do so, please include this problem report. You can\n"
                 "delete your own text from the attached returned message.\n\n"
                 "                   The mail system\n\n" + fold(line))
    fields = dsn_fields(c, mta=RELAY, status=status, diag_type=diag_type, remote=remote_field or "",
                        per_message=f"X-Postfix-Queue-ID: 4Rk{c.n:05d}Tz\nX-Postfix-Sender: rfc822; {return_path(c.n)}")
    return multipart_report(c, f"MAILER-DAEMON@{RELAY} (Mail Delivery System)", subject, human, fields,
                            returned="text/rfc822-headers" if headers_only else "message/rfc822",
                            extra="Auto-Submitted: auto-replied\n",
                            human_type="text/plain; charset=us-ascii" if lang == "en" else "text/plain; charset=utf-8",
                            received=f"Received: by {RELAY} (Postfix)\n\tid 4Rk{c.n:05d}Tz; {date(c.n, 4)}\n")


def postfix_multi(c: Case) -> str:
    """Postfix reporting several recipients of one message (the same refusal for each)."""
    rcpts = c.extra["rcpts"]
    remote = _remote(c)
    lines = "\n\n".join(fold(f"<{r}>: host {remote}[198.51.100.44] said: {c.diag.format(rcpt=r)} "
                             f"(in reply to RCPT TO command)") for r in rcpts)
    human = (f"This is the mail system at host {RELAY}.\n\n"
             "I'm sorry to have to inform you that your message could not\n"
             "be delivered to one or more recipients. It's attached below.\n\n"
             "                   The mail system\n\n" + lines)
    blocks = [f"Reporting-MTA: dns; {RELAY}", f"X-Postfix-Queue-ID: 4Rk{c.n:05d}Tz", f"Arrival-Date: {date(c.n, 0)}"]
    for r in rcpts:
        blocks += ["", f"Final-Recipient: rfc822; {r}", f"Original-Recipient: rfc822;{r}", "Action: failed",
                   f"Status: {c.status or derived_status(c.diag)}", f"Remote-MTA: dns; {remote}",
                   fold(f"Diagnostic-Code: smtp; {c.diag.format(rcpt=r)}", 78)]
    cc = Case(", ".join(rcpts), c.n, extra=c.extra)
    return multipart_report(cc, f"MAILER-DAEMON@{RELAY} (Mail Delivery System)", "Undelivered Mail Returned to Sender",
                            human, "\n".join(blocks) + "\n", returned="text/rfc822-headers",
                            extra="Auto-Submitted: auto-replied\n")


def postfix_delayed(c: Case) -> str:
    remote = _remote(c)
    line = f"<{c.rcpt}>: host {remote}[198.51.100.61] said: {c.diag} (in reply to {c.command} command)"
    human = (f"This is the mail system at host {RELAY}.\n\n"
             "####################################################################\n"
             "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
             "####################################################################\n\n"
             "Your message could not be delivered for more than 4 hour(s).\n"
             "It will be retried until it is 5 day(s) old.\n\n"
             "                   The mail system\n\n" + fold(line))
    c.action = "delayed"
    fields = dsn_fields(c, mta=RELAY, status=c.status or derived_status(c.diag, "4"), remote=remote,
                        recipient_extra="Will-Retry-Until: Mon, 23 Nov 2026 09:30:00 +0100")
    return multipart_report(c, f"MAILER-DAEMON@{RELAY} (Mail Delivery System)",
                            "Delayed Mail (still being retried)", human, fields, returned="text/rfc822-headers",
                            extra="Auto-Submitted: auto-replied\n")


def postfix_success(c: Case) -> str:
    human = (f"This is the mail system at host {RELAY}.\n\n"
             "Your message was successfully delivered to the destination(s)\n"
             "listed below. If the message was delivered to mailbox you will\n"
             "receive no further notifications. Otherwise you may still receive\n"
             "notifications of mail delivery errors from other systems.\n\n"
             "                   The mail system\n\n"
             f"<{c.rcpt}>: delivery via {_remote(c)}[198.51.100.70]:25: 250 2.0.0 Ok: queued as 9F3A21C0")
    c.action = "relayed"
    fields = dsn_fields(c, mta=RELAY, status="2.0.0", remote=_remote(c),
                        diag="250 2.0.0 Ok: queued as 9F3A21C0")
    return multipart_report(c, f"MAILER-DAEMON@{RELAY} (Mail Delivery System)", "Successful Mail Delivery Report",
                            human, fields, returned="text/rfc822-headers", extra="Auto-Submitted: auto-replied\n")


def exim_plain(c: Case, *, german: bool = False) -> str:
    """Exim's classic bounce: plain text, X-Failed-Recipients, the copy after a dashed line."""
    host = c.extra.get("host", "mail.example.net")
    if c.extra.get("local"):
        detail = f"  {c.rcpt}\n    {c.diag}"
    else:
        detail = (f"  {c.rcpt}\n    host {_remote(c)} [198.51.100.{30 + c.n % 100}]\n"
                  f"    SMTP error from remote mail server after {c.command}:<{c.rcpt}>:\n"
                  + "\n".join("    " + x for x in c.diag.split("\n")))
    if german:
        body = ("Diese Nachricht wurde automatisch von der Mail-Software erstellt.\n\n"
                "Eine von Ihnen gesendete Nachricht konnte nicht an einen oder mehrere\n"
                "Empfaenger zugestellt werden. Dies ist ein permanenter Fehler.\n"
                "Folgende Adresse(n) schlugen fehl:\n\n" + detail +
                "\n\n------ Dies ist eine Kopie der Nachricht, einschliesslich aller Kopfzeilen. ------\n\n")
        subject = "Mail delivery failed: returning message to sender"
    else:
        body = ("This message was created automatically by mail delivery software.\n\n"
                "A message that you sent could not be delivered to one or more of its\n"
                "recipients. This is a permanent error. The following address(es) failed:\n\n" + detail +
                "\n\n------ This is a copy of the message, including all the headers. ------\n\n")
        subject = "Mail delivery failed: returning message to sender"
    return plain(c, f"Mail Delivery System <Mailer-Daemon@{host}>", subject, body + original(c),
                 extra=f"X-Failed-Recipients: {c.rcpt}\nAuto-Submitted: auto-replied\n", charset="utf-8",
                 encoding="8bit")


def exim_dsn(c: Case) -> str:
    """Exim 4.9x: the same text in a multipart/report, and a DSN saying Status: 5.0.0 whatever the reply."""
    host = c.extra.get("host", "smtp.example.net")
    detail = (f"  {c.rcpt}\n    host {_remote(c)} [198.51.100.{30 + c.n % 100}]\n"
              f"    SMTP error from remote mail server after {c.command}:<{c.rcpt}>:\n    {c.diag}")
    if c.extra.get("local"):
        detail = f"  {c.rcpt}\n    {c.diag}"
    human = ("This message was created automatically by mail delivery software.\n\n"
             "A message that you sent could not be delivered to one or more of its\n"
             "recipients. This is a permanent error. The following address(es) failed:\n\n" + detail)
    fields = (f"Reporting-MTA: dns; {host}\n\nAction: failed\nFinal-Recipient: rfc822;{c.rcpt}\n"
              f"Status: {c.status or '5.0.0'}\n"
              + ("" if c.extra.get("local") else f"Remote-MTA: dns; {_remote(c)}\nDiagnostic-Code: smtp; {c.diag}\n"))
    return multipart_report(c, f"Mail Delivery System <Mailer-Daemon@{host}>",
                            "Mail delivery failed: returning message to sender", human, fields,
                            extra=f"X-Failed-Recipients: {c.rcpt}\nAuto-Submitted: auto-replied\n",
                            preamble="This is a MIME-formatted message.  If you see this text it means that your\n"
                                     "E-mail software does not support MIME-formatted messages.",
                            human_type="text/plain; charset=us-ascii")


def exim_delay(c: Case) -> str:
    host = "mail.example.net"
    body = ("This message was created automatically by mail delivery software.\n"
            "A message that you sent has not yet been delivered to one or more of its\n"
            "recipients after more than 24 hours on the queue on mail.example.net.\n\n"
            f"The message identifier is:     1vQ7Ke-000{c.n:03d}-2B\n"
            f"The subject of the message is: {SUBJECT}\n"
            "The date of the message is:    Wed, 18 Nov 2026 09:30:00 +0100\n\n"
            "The address to which the message has not yet been delivered is:\n\n"
            f"  {c.rcpt}\n    host {_remote(c)} [198.51.100.80]\n    Delay reason: SMTP error from remote mail server after RCPT TO:<{c.rcpt}>:\n"
            f"    {c.diag}\n\n"
            "No action is required on your part. Delivery attempts will continue for\n"
            "some time, and this warning may be repeated at intervals if the message\n"
            "remains undelivered. Eventually the mail delivery software will give up,\n"
            "and when that happens, the message will be returned to you.\n")
    return plain(c, f"Mail Delivery System <Mailer-Daemon@{host}>",
                 "Warning: message 1vQ7Ke-000xyz-2B delayed 24 hours", body,
                 extra=f"X-Failed-Recipients: {c.rcpt}\nAuto-Submitted: auto-replied\n")


def sendmail(c: Case, *, headers_only: bool = True) -> str:
    mta = c.extra.get("host", "mx.example.org")
    status = c.status or derived_status(c.diag)
    if c.extra.get("local"):
        transcript = f"550 {status} <{c.rcpt}>... {c.diag}\n"
        reason = f"{c.diag}"
    else:
        transcript = (f"... while talking to {_remote(c)}.:\n>>> {c.command}:<{c.rcpt}>\n<<< {c.diag}\n"
                      f"550 {status} <{c.rcpt}>... {c.diag.split(' ', 1)[-1]}\n")
        reason = c.diag
    human = (f"The original message was received at {date(c.n, 0)}\n"
             f"from lettrine.{OURS} [{OUR_IP}]\n\n"
             "   ----- The following addresses had permanent fatal errors -----\n"
             f"<{c.rcpt}>\n    (reason: {reason})\n\n"
             "   ----- Transcript of session follows -----\n" + transcript)
    fields = (f"Reporting-MTA: dns; {mta}\nReceived-From-MTA: DNS; lettrine.{OURS}\nArrival-Date: {date(c.n, 0)}\n\n"
              f"Final-Recipient: RFC822; {c.rcpt}\nAction: failed\nStatus: {status}\n"
              + ("" if c.extra.get("local") else f"Remote-MTA: DNS; {_remote(c)}\n")
              + f"Diagnostic-Code: SMTP; {reason if not c.extra.get('local') else f'550 {status} {c.diag}'}\n"
              f"Last-Attempt-Date: {date(c.n, 1)}\n")
    return multipart_report(c, f"Mail Delivery Subsystem <MAILER-DAEMON@{mta}>",
                            "Returned mail: see transcript for details", human, fields,
                            boundary=f"{c.n:06d}.1763456789/{mta}",
                            returned="text/rfc822-headers" if headers_only else "message/rfc822",
                            extra="Auto-Submitted: auto-generated (failure)\n")


def sendmail_warning(c: Case) -> str:
    mta = "mx.example.org"
    human = ("    **********************************************\n"
             "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
             "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
             "    **********************************************\n\n"
             f"The original message was received at {date(c.n, 0)}\nfrom lettrine.{OURS} [{OUR_IP}]\n\n"
             "   ----- Transcript of session follows -----\n"
             f"... while talking to {_remote(c)}.:\n>>> RCPT To:<{c.rcpt}>\n<<< {c.diag}\n"
             f"<{c.rcpt}>... Deferred: {c.diag}\n"
             "Warning: message still undelivered after 4 hours\n"
             "Will keep trying until message is 5 days old\n")
    c.action = "delayed"
    fields = (f"Reporting-MTA: dns; {mta}\nArrival-Date: {date(c.n, 0)}\n\nFinal-Recipient: RFC822; {c.rcpt}\n"
              f"Action: delayed\nStatus: {derived_status(c.diag, '4')}\nRemote-MTA: DNS; {_remote(c)}\n"
              f"Diagnostic-Code: SMTP; {c.diag}\nWill-Retry-Until: Mon, 23 Nov 2026 09:30:00 +0100\n")
    return multipart_report(c, f"Mail Delivery Subsystem <MAILER-DAEMON@{mta}>",
                            "Warning: could not send message for past 4 hours", human, fields,
                            returned="text/rfc822-headers", extra="Auto-Submitted: auto-generated (warning-timeout)\n")


def qmail(c: Case) -> str:
    host = c.extra.get("host", "mail.example.net")
    if c.extra.get("local"):
        detail = f"<{c.rcpt}>:\n{c.diag}"
    else:
        detail = (f"<{c.rcpt}>:\n198.51.100.{40 + c.n % 100} does not like recipient.\n"
                  f"Remote host said: {c.diag}\nGiving up on 198.51.100.{40 + c.n % 100}.")
    body = (f"Hi. This is the qmail-send program at {host}.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
            f"{detail}\n\n--- Below this line is a copy of the message.\n\n" + original(c))
    return plain(c, f"MAILER-DAEMON@{host}", "failure notice", body, charset="utf-8", encoding="8bit")


def courier(c: Case) -> str:
    host = c.extra.get("host", "mx.example.net")
    human = (f"This is a delivery status notification from {host},\n"
             "running the Courier mail server, version 1.1.8.\n\n"
             f"The original message was received on {date(c.n, 0)}\n"
             f"from lettrine.{OURS} (lettrine.{OURS} [{OUR_IP}])\n\n"
             + "-" * 75 + "\n\n                           UNDELIVERABLE MAIL\n\n"
             "Your message to the following recipients cannot be delivered:\n\n"
             f"<{c.rcpt}>:\n    {_remote(c)} [198.51.100.91]:\n>>> {c.command}:<{c.rcpt}>\n<<< {c.diag}\n\n"
             + "-" * 75 + "\n\nIf your message was also sent to additional recipients, their delivery\n"
             "status is not included in this report.  You may or may not receive\n"
             "other delivery status notifications for additional recipients.\n\n"
             "The original message follows as a separate attachment.\n")
    fields = dsn_fields(c, mta=host, status=c.status or "5.0.0", remote=_remote(c))
    return multipart_report(c, f"\"Courier mail server at {host}\" <@>", "NOTICE: mail delivery status.", human,
                            fields, boundary=f"=_courier-{c.n}-{host}", preamble="This is a MIME-formatted message.")


def exchange2010(c: Case, *, headers_only: bool = True, internal: bool = True) -> str:
    server = c.extra.get("server", "EXCH02.ad.example.org")
    code = c.extra.get("code", c.diag)
    blurb = c.extra.get("blurb", "The e-mail address you entered couldn't be found. Please check the recipient's "
                                 "e-mail address and try to resend the message. If the problem continues, please "
                                 "contact your helpdesk.")
    tail = f"#{code} ##" if internal else f"{_remote(c)} #{code} ##"
    human = ("Delivery has failed to these recipients or groups:\n\n"
             f"{c.rcpt} ({c.rcpt})\n{blurb}\n\n\n\n\n\n"
             "Diagnostic information for administrators:\n\n"
             f"Generating server: {server}\n\n{c.rcpt}\n{tail}\n\nOriginal message headers:\n\n"
             + original_headers(c))
    status = c.status or derived_status(code)
    fields = (f"Reporting-MTA: dns;{server}\nReceived-From-MTA: dns;{RELAY}\nArrival-Date: {date(c.n, 0)}\n\n"
              f"Final-Recipient: rfc822;{c.rcpt}\nAction: failed\nStatus: {status}\n"
              + ("" if internal else f"Remote-MTA: dns;{_remote(c)}\n")
              + fold(f"Diagnostic-Code: smtp;{code}", 78, " ") + "\n")
    return multipart_report(c, f"postmaster@{c.rcpt.split('@')[1]}",
                            f"Undeliverable: {SUBJECT}", human, fields,
                            boundary=f"_000_{c.n:x}b4c1d2EXCH02adexampleorg_",
                            returned="text/rfc822-headers" if headers_only else "message/rfc822",
                            human_type="text/plain; charset=\"us-ascii\"",
                            extra="X-MS-Exchange-Message-Is-Ndr:\nContent-Language: en-US\n"
                                  "X-MS-Exchange-Organization-SCL: -1\n")


OFFICE365_TEXTS = {
    "en": ("Your message to {rcpt} couldn't be delivered.", "Diagnostic information for administrators:",
           "Generating server:", "Remote Server returned", "Original message headers:", "Undeliverable:"),
    "fr": ("Votre message à {rcpt} n'a pas pu être remis.", "Informations de diagnostic pour les administrateurs :",
           "Serveur de génération :", "Le serveur distant a retourné", "En-têtes de message d'origine :",
           "Non remis :"),
    "de": ("Ihre Nachricht an {rcpt} konnte nicht zugestellt werden.", "Diagnoseinformationen für Administratoren:",
           "Generierender Server:", "Rückgabe des Remoteservers:", "Ursprüngliche Nachrichtenkopfzeilen:",
           "Unzustellbar:"),
    "es": ("No se pudo entregar el mensaje a {rcpt}.", "Información de diagnóstico para administradores:",
           "Servidor de generación:", "Servidor remoto devuelto", "Encabezados del mensaje original:",
           "No se puede entregar:"),
}


def office365(c: Case, *, lang: str = "en") -> str:
    """Office 365 / Exchange Online NDR: the sentence for people, then the diagnostic for administrators."""
    first, diag_title, gen, returned_word, orig_title, subj = OFFICE365_TEXTS[lang]
    why = c.extra.get("why", "")
    server = c.extra.get("server", f"PA4PR0{c.n % 9}MB{7000 + c.n}.eurprd0{c.n % 5}.prod.outlook.com")
    code = c.diag
    if c.extra.get("receiving"):
        code = f"<{_remote(c)} #{c.diag}>"
    human = (first.format(rcpt=c.rcpt) + "\n\n" + (why + "\n\n" if why else "")
             + "Office 365\n\n\n" + diag_title + "\n\n" + f"{gen} {server}\n"
             + (f"Receiving server: {_remote(c)} (198.51.100.{50 + c.n % 100})\n" if c.extra.get("receiving") else "")
             + f"\n{c.rcpt}\n{returned_word} '{code}'\n\n" + orig_title + "\n\n" + original_headers(c))
    status = c.status or derived_status(c.diag)
    fields = (f"Reporting-MTA: dns;{server}\nReceived-From-MTA: dns;{RELAY}\nArrival-Date: {date(c.n, 0)}\n\n"
              f"Final-Recipient: rfc822;{c.rcpt}\nAction: failed\nStatus: {status}\n"
              + (f"Remote-MTA: dns;{_remote(c)}\n" if c.extra.get("receiving") else "")
              + fold(f"Diagnostic-Code: smtp;{c.diag}", 78, " ") + "\n")
    b = f"_000_{c.n:x}a9PA4PR0MB7000eurprd_"
    hdr = head(c, "Microsoft Outlook\n <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@" + c.rcpt.split("@")[1] + ">",
               mime_word(f"{subj} {SUBJECT}"), f'multipart/report; report-type=delivery-status;\n\tboundary="{b}"',
               f"X-MS-Exchange-Message-Is-Ndr:\nContent-Language: {lang}\nAuto-Submitted: auto-replied\n",
               mid_host="eurprd04.prod.outlook.com")
    parts = [("Content-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable", qp(human)),
             ("Content-Type: message/delivery-status", fields),
             ("Content-Type: message/rfc822", original(c))]
    return report(c, hdr, parts, b)


def exchange2003(c: Case) -> str:
    server = "MAIL01.example.org"
    human = ("Your message did not reach some or all of the intended recipients.\n\n"
             f"      Subject:\t{SUBJECT}\n      Sent:\t18/11/2026 09:30\n\n"
             "The following recipient(s) could not be reached:\n\n"
             f"      '{c.rcpt}' on 18/11/2026 09:31\n            {c.extra.get('blurb', '')}\n"
             f"            <{server} #{c.status or derived_status(c.diag)} smtp;{c.diag}>\n")
    fields = (f"Reporting-MTA: dns;{server}\nReceived-From-MTA: dns;{RELAY}\nArrival-Date: {date(c.n, 0)}\n\n"
              f"Final-Recipient: rfc822;{c.rcpt}\nAction: failed\nStatus: {c.status or derived_status(c.diag)}\n"
              f"X-Display-Name: {c.rcpt.split('@')[0]}\n")
    return multipart_report(c, f"System Administrator <postmaster@{c.rcpt.split('@')[1]}>",
                            f"Undeliverable: {SUBJECT}", human, fields, returned="message/rfc822",
                            boundary=f"----_=_NextPart_001_01C9{c.n:04X}.1A2B3C4D",
                            extra="X-MimeOLE: Produced By Microsoft Exchange V6.5\n",
                            human_type="text/plain; charset=\"iso-8859-1\"")


def gmail(c: Case) -> str:
    """Gmail / Google Workspace as the sending relay: a headline, the remote reply, a DSN."""
    headline = c.extra.get("headline", "** Address not found **")
    sentence = c.extra.get("sentence", f"Your message wasn't delivered to {c.rcpt} because the address couldn't be "
                                       "found, or is unable to receive mail.")
    human = (f"{headline}\n\n{sentence}\n\n"
             + (f"Learn more here: {c.extra['link']}\n\n" if c.extra.get("link") else "")
             + f"The response from the remote server was:\n{c.diag}\n")
    fields = (f"Reporting-MTA: dns; googlemail.com\nReceived-From-MTA: dns; actualites@{OURS}\n"
              f"Arrival-Date: {date(c.n, 0)}\nX-Original-Message-ID: {msgid(c.n)}\n\n"
              f"Final-Recipient: rfc822; {c.rcpt}\nAction: {c.action}\nStatus: {c.status or derived_status(c.diag)}\n"
              f"Remote-MTA: dns; {_remote(c)}. (198.51.100.{60 + c.n % 90}, the server for the domain\n"
              f" {c.rcpt.split('@')[1]}.)\n" + fold(f"Diagnostic-Code: smtp; {c.diag}", 78, " ") + "\n"
              f"Last-Attempt-Date: {date(c.n, 1)}\n")
    b = f"000000000000{c.n:04x}a1b2c3d4e5f6"
    hdr = head(c, "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
               "Delivery Status Notification (Failure)" if c.action == "failed" else "Delivery Status Notification (Delay)",
               f'multipart/report; boundary="{b}"; report-type=delivery-status', "Auto-Submitted: auto-replied\n",
               mid_host="mx.google.com")
    html = "<html><body><h2>" + headline.strip("* ") + "</h2><p>" + sentence + "</p></body></html>"
    alt = f"alt{b}"
    body_alt = (f"--{alt}\nContent-Type: text/plain; charset=\"UTF-8\"\n\n{human}\n--{alt}\n"
                f"Content-Type: text/html; charset=\"UTF-8\"\n\n{html}\n--{alt}--")
    parts = [(f"Content-Type: multipart/alternative; boundary=\"{alt}\"", body_alt),
             ("Content-Type: message/delivery-status", fields),
             ("Content-Type: message/rfc822", original(c))]
    return report(c, hdr, parts, b)


def yahoo(c: Case) -> str:
    body = ("Sorry, we were unable to deliver your message to the following address.\n\n"
            f"<{c.rcpt}>:\nRemote host said: {c.diag} [{c.command.replace(' ', '_')}]\n\n"
            "--- Below this line is a copy of the message.\n\n" + original(c))
    return plain(c, "MAILER-DAEMON@yahoo.com", "Failure Notice", body, charset="utf-8", encoding="8bit",
                 extra="X-Yahoo-Newman-Property: ymail-3\n")


def ses_mail(c: Case) -> str:
    human = f"An error occurred while trying to deliver the mail to the following recipients:\n{c.rcpt}"
    fields = (f"Reporting-MTA: dns; a27-{c.n}.smtp-out.eu-west-3.amazonses.com\n\n"
              f"Action: {c.action}\nFinal-Recipient: rfc822; {c.rcpt}\nDiagnostic-Code: smtp; {c.diag}\n"
              f"Status: {c.status or derived_status(c.diag)}\n")
    return multipart_report(c, "MAILER-DAEMON@amazonses.com", "Delivery Status Notification (Failure)", human, fields,
                            extra=f"X-SES-Outgoing: 2026.11.18-54.240.{c.n % 9}.{c.n % 200}\n",
                            human_type="text/plain; charset=UTF-8", preamble="")


def james_dsn(c: Case) -> str:
    """Apache James DSNBounce: the delivery error text goes in Status and in an X-James diagnostic."""
    host = c.extra.get("host", "james.example.net")
    human = (f"Hi. This is the James mail server at {host}.\n"
             "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
             "This is a permanent error; I've given up. Sorry it didn't work out.  Below\n"
             "I include the list of recipients and the reason why I was unable to deliver\n"
             "your message.\n\nFailed recipient(s):\n"
             f"{c.rcpt}\n\nError message:\n{c.diag}\n")
    diag_type = "smtp" if re.match(r"\d{3}", c.diag) else "X-James"
    fields = (f"Reporting-MTA: dns; {host}\nReceived-From-MTA: dns; {RELAY}\n\n"
              f"Final-Recipient: rfc822; {c.rcpt}\nAction: failed\nStatus: {c.status or c.diag}\n"
              f"Diagnostic-Code: {diag_type}; {c.diag}\nLast-Attempt-Date: {date(c.n, 1)}\n")
    return multipart_report(c, f"postmaster@{host}", SUBJECT_MIME, human, fields,
                            boundary=f"----=_Part_{c.n}_1234567.1763456789000", preamble="",
                            extra=f"Received: from {host} ([198.51.100.5]) by {host} (JAMES SMTP Server 3.8.0)\n")


def james_bounce(c: Case) -> str:
    """Apache James 2.x Bounce mailet: subject [BOUNCE], 'Error message below', 'Message details'."""
    host = "james.example.net"
    text = (f"Hi. This is the James mail server at {host}.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.  Below\n"
            "I include the list of recipients and the reason why I was unable to deliver\n"
            f"your message.\n\nError message below:\n{c.diag}\n\nMessage details:\n"
            f"  Subject: {SUBJECT}\n  Sent date: Wed Nov 18 09:30:00 CET 2026\n"
            f"  MAIL FROM: {return_path(c.n)}\n  RCPT TO: {c.rcpt}\n"
            f"  From: \"CRPVE Essonne\" <actualites@{OURS}>\n  To: {c.rcpt}\n  Size (in bytes): 2214\n"
            "  Number of lines: 41\n")
    b = f"----=_Part_{c.n}_9876.1763456789"
    hdr = head(c, f"postmaster@{host}", "[BOUNCE]", f'multipart/mixed; \n\tboundary="{b}"',
               received=f"Received: from localhost ([127.0.0.1])\n\tby {host} (JAMES SMTP Server 2.3.2) with SMTP ID 51\n"
                        f"\tfor <{return_path(c.n)}>; {date(c.n, 3)}\n", mid_host=f"{c.n}.JavaMail.james@{host}")
    return report(c, hdr, [("Content-Type: text/plain; charset=us-ascii", text),
                           ("Content-Type: message/rfc822", original(c))], b)


def fml(c: Case) -> str:
    """fml mailing-list manager notice, from <list>-admin@, Message-ID <digits.FML...>."""
    ml = "kenshu-ml@lists.example.jp"
    body = (f"{c.diag}\n\n"
            "If you know the general guide of this list, please send mail with\n"
            "the mail body\n\n\tguide\n\nto the address\n\n\tkenshu-ml-ctl@lists.example.jp\n\n"
            f"Original mail as follows:\n\n" + original(c))
    return head(c, "kenshu-ml-admin@lists.example.jp", f"fml system error message ({c.extra.get('title', 'reject')})",
                "text/plain; charset=iso-2022-jp", f"X-MLServer: fml [fml 4.0.3 release (20040609/4.0.3)]\n"
                f"X-ML-Info: If you have a question, send e-mail with the body\n\t\"help\" to {ml}-ctl\n"
                f"Precedence: bulk\n", mid_host=f"2026111809{c.n:04d}.FML60123.{ml.split('@')[1]}") \
        + "Content-Transfer-Encoding: 7bit\n\n" + body


def interscan(c: Case, *, japanese: bool = False) -> str:
    if japanese:
        subject, intro = mime_word("メール配信に失敗しました", "iso-2022-jp"), "メールの配信に失敗しました。以下の宛先に届けられませんでした。"
        lines = f"送信者: {return_path(c.n)}\n宛先: {c.rcpt}\n件名: {SUBJECT_MIME}\n\n  >>> {c.command}:<{c.rcpt}>\n  <<< {c.diag}\n"
        charset = "iso-2022-jp"
    else:
        subject, intro = "Mail could not be delivered", "The following message could not be delivered to its recipient."
        lines = (f"From: {return_path(c.n)}\nTo: {c.rcpt}\nSubject: {SUBJECT}\n\n"
                 f"Sent <<< {c.command}:<{c.rcpt}>\nReceived >>> {c.diag}\n\nUnable to deliver message to <{c.rcpt}>.\n")
        charset = "utf-8"
    text = f"{intro}\n\n{lines}"
    b = f"=_ISMSS_{c.n:06d}"
    hdr = head(c, "\"InterScan MSS\" <postmaster@imss.example.jp>", subject, f'multipart/mixed; boundary="{b}"',
               received=f"Received: from imss.example.jp (unknown [198.51.100.8]) by imss.example.jp (InterScanMSS) with ESMTP id {c.n}\n")
    enc = "base64" if japanese else "8bit"
    body = b64(text, charset) if japanese else text
    return report(c, hdr, [(f"Content-type: text/plain; charset={charset}\nContent-Transfer-Encoding: {enc}", body),
                           ("Content-type: message/rfc822", original(c))], b)


def kddi(c: Case) -> str:
    body = (f"Your mail sent on: {date(c.n, 0)}\n"
            f"     Could not be delivered to: <{c.rcpt}>\n     {c.diag}\n")
    b = f"----_KDDI_{c.n}"
    hdr = head(c, "no-reply@msmx.au.example.dion.ne.jp", "Returned mail: see transcript for details",
               f'multipart/mixed; boundary="{b}"', "Reply-To: no-reply@app.auone-net.jp\n",
               received=f"Received: from ezweb.ne.jp (wmflb12.ezweb.ne.jp [198.51.100.33])\n\tby mx.bounces.{OURS}; {date(c.n, 3)}\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=us-ascii", body),
                           ("Content-Type: message/rfc822", original(c))], b)


def ezweb(c: Case) -> str:
    body = (f"{c.extra.get('intro', 'The user(s) account is disabled.')}\n\n<{c.rcpt}>: {c.diag}\n\n"
            + "-" * 50 + "\n" + original(c))
    return plain(c, "Postmaster@ezweb.ne.jp", "Mail System Error - Returned Mail", body, charset="utf-8",
                 encoding="8bit")


def verizon(c: Case) -> str:
    b = f"__Verizon_{c.n}__"
    text = (f"Error: {c.diag}\n\nMessage details:\n  Subject: {SUBJECT}\n  Sent date: Wed Nov 18 08:30:00 GMT 2026\n"
            f"  MAIL FROM: {return_path(c.n)}\n  RCPT TO: {c.rcpt}\n  From: actualites@{OURS}\n  To: {c.rcpt}\n"
            "  Size (in bytes): 1820\n")
    hdr = head(c, "post_master@vtext.com", "Undeliverable Message", f'multipart/mixed; boundary="{b}"',
               received=f"Received: from smtp-in.vtext.com (smtp-in.vtext.com [198.51.100.77]) by mx.bounces.{OURS}; {date(c.n, 3)}\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=us-ascii", text)], b)


def vzwpix(c: Case) -> str:
    text = (f"Message could not be delivered to mobile.\nError: {c.diag}\n\nOriginal Message:\n"
            f"From: \"CRPVE Essonne\" <actualites@{OURS}>\nTo: {c.rcpt}\nSubject: {SUBJECT}\nDate: {date(c.n, 0)}\n")
    return plain(c, "sysadmin@mms.vzwpix.com", "Undeliverable Message", text, charset="utf-8", encoding="8bit")


def domino(c: Case) -> str:
    body = (f"Your message\n\n  Subject: {SUBJECT}\n\nwas not delivered to:\n\n  {c.rcpt}\n\nbecause:\n\n  {c.diag}\n")
    b = f"0__={c.n:08X}DOMINO"
    hdr = head(c, "Postmaster <postmaster@notes.example.org>", f"DELIVERY FAILURE: {c.diag[:60]}",
               f'multipart/mixed; boundary="{b}"', mid_host="notes.example.org")
    return report(c, hdr, [("Content-Type: text/plain; charset=US-ASCII", body),
                           ("Content-Type: message/rfc822", original(c))], b)


def messaging_server(c: Case) -> str:
    human = ("This report relates to a message you sent with the following header fields:\n\n"
             f"  Message-id: {msgid(c.n)}\n  Date: Wed, 18 Nov 2026 09:30:00 +0100\n"
             f"  From: \"CRPVE Essonne\" <actualites@{OURS}>\n  To: {c.rcpt}\n  Subject: {SUBJECT}\n\n"
             "Your message cannot be delivered to the following recipients:\n\n"
             f"  Recipient address: {c.rcpt}\n  Reason: {c.extra.get('ms_reason', 'Remote SMTP server has rejected address')}\n"
             f"  Diagnostic code: smtp;{c.diag}\n  Remote system: dns;{_remote(c)} (TCP|198.51.100.3|25|203.0.113.4|41234) "
             f"(mx ESMTP)\n")
    fields = (f"Original-envelope-id: 0R{c.n:04d}00ABCD@ms.example.org\nReporting-MTA: dns;ms.example.org (tcp_intranet-daemon)\n\n"
              f"Original-recipient: rfc822;{c.rcpt}\nFinal-recipient: rfc822;{c.rcpt}\nAction: failed\n"
              f"Status: {c.status or derived_status(c.diag)}\nRemote-MTA: dns;{_remote(c)}\n"
              f"Diagnostic-code: smtp;{c.diag}\n")
    return multipart_report(c, "Internet Mail Delivery <postmaster@ms.example.org>",
                            "Delivery Notification: Delivery has failed", human, fields,
                            boundary=f"Boundary_(ID_{c.n:04d}ABCDEF)", returned="text/rfc822-headers",
                            preamble="This is a multi-part message in MIME format.")


def mdaemon(c: Case) -> str:
    body = ("The attached message had PERMANENT fatal delivery errors!\n\n"
            "After one or more unsuccessful delivery attempts the attached message has\n"
            "been removed from the mail queue on this server.  The number and frequency\n"
            "of delivery attempts are determined by local configuration parameters.\n\n"
            "YOUR MESSAGE WAS NOT DELIVERED TO ONE OR MORE RECIPIENTS!\n\n"
            "--- Session Transcript ---\n"
            f" Wed 2026-11-18 09:31:02: Parsing message <mail.example.net\\pd5000{c.n}.msg>\n"
            f" Wed 2026-11-18 09:31:02: *  To:     {c.rcpt}\n"
            f" Wed 2026-11-18 09:31:03: Attempting SMTP connection to [{_remote(c)}]\n"
            f" Wed 2026-11-18 09:31:03: --> RCPT To:<{c.rcpt}>\n"
            f" Wed 2026-11-18 09:31:03: <-- {c.diag}\n"
            "--- End Transcript ---\n")
    b = f"MDaemon-{c.n}"
    hdr = head(c, "MDaemon@mail.example.net", "Permanent Delivery Failure", f'multipart/mixed; boundary="{b}"',
               "X-MDDSN-Message: Yes\nX-MDaemon-Deliver-To: " + return_path(c.n) + "\n")
    return report(c, hdr, [("Content-Type: text/plain", body), ("Content-Type: message/rfc822", original(c))], b)


def opensmtpd(c: Case) -> str:
    body = ("Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n"
            "An error has occurred while attempting to deliver a message for\nthe following list of recipients:\n\n"
            f"{c.rcpt}: {c.diag}\n\nBelow is a copy of the original message:\n\n" + original(c))
    return plain(c, "Mailer Daemon <MAILER-DAEMON@smtpd.example.net>", "Delivery status notification: error", body,
                 charset="utf-8", encoding="8bit")


def gmx(c: Case) -> str:
    body = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of\nits recipients. "
            "This is a permanent error. The following address(es)\nfailed:\n\n"
            f"{c.rcpt}:\nSMTP error from remote server for {c.command.split()[0]} command, host: {_remote(c)} "
            f"(198.51.100.{70 + c.n % 99}) reason: {c.diag}\n\n"
            "--- The header of the original message is following. ---\n\n" + original_headers(c))
    return plain(c, "\"Mail Delivery System\" <mailer-daemon@gmx.net>",
                 "Mail delivery failed: returning message to sender", body, charset="utf-8", encoding="8bit")


def qq(c: Case) -> str:
    """Tencent QQ Mail's bounce (GB18030, base64): the failed address and 退信原因 (the reason)."""
    body = ("很抱歉您发送的邮件被退回，以下是该邮件的相关信息：\n\n"
            f"被退回邮件\n主    题：{SUBJECT}\n时    间：2026年11月18日(星期三) 下午4:30\n\n"
            f"无法发送到 {c.rcpt}\n\n退信原因\n{c.extra.get('why', '')}\n{c.diag}\n\n"
            "解决方案\n请联系您的收件人，或其所在服务商了解退信原因。\n")
    b = f"----=_NextPart_{c.n:08X}_QQ"
    hdr = head(c, "\"PostMaster\" <PostMaster@qq.com>", mime_word("系统退信", "gb2312"),
               f'multipart/mixed; boundary="{b}"', "X-QQ-MIME: TCMime 1.0 by Tencent\nX-QQ-Bgrelay: 1\n",
               mid_host="qq.com")
    return report(c, hdr, [("Content-Type: text/plain; charset=\"gb18030\"\nContent-Transfer-Encoding: base64",
                            b64(body, "gb18030")),
                           ("Content-Type: message/rfc822", original(c))], b)


def netease(c: Case) -> str:
    body = ("抱歉，您的邮件被退回来了……\n\n原邮件信息：\n"
            f"时　　间： 2026-11-18 16:30:00\n主　　题： {SUBJECT}\n收件人：  {c.rcpt}\n\n"
            f"退信原因： {c.extra.get('why', '')}\n{c.diag}\n\n"
            "建议解决方案：\n请检查收件人地址是否正确。\n")
    return plain(c, "Postmaster@163.com", mime_word("系统退信/Systems bounce", "gbk"), body, charset="gbk",
                 encoding="base64", extra="X-Mailer: Coremail Webmail Server\n")


def sina(c: Case) -> str:
    body = ("您好！\n\n您发送的邮件未能成功投递，以下是退信详情：\n\n"
            f"收件人：{c.rcpt}\n退信原因：{c.diag}\n\n此为系统自动发送的邮件，请勿回复。\n\n" + "—" * 10
            + "\n原始邮件头：\n" + original_headers(c))
    return plain(c, "Mail Delivery System <MAILER-DAEMON@sina.example.cn>", mime_word("退信通知：邮件投递失败", "utf-8"),
                 body, charset="utf-8", encoding="quoted-printable")


def coremail_html(c: Case) -> str:
    """A Chinese NDR that is HTML only (the table layout Coremail-based systems use)."""
    html = ("<html><body><p>很抱歉您发送的邮件被退回，以下是该邮件的相关信息：</p><table>"
            f"<tr><td>被退回邮件</td><td>主 题：{SUBJECT}<br/>时 间：2026-11-18 16:30:00</td></tr></table>"
            f"<table><tr><td colspan=\"2\">无法发送到 {c.rcpt}</td></tr>"
            f"<tr><td>退信原因</td><td>{c.diag}</td></tr>"
            f"<tr><td>解决方案</td><td>请联系您的收件人（{c.rcpt}）或其所在服务商了解退信原因。</td></tr></table>"
            "</body></html>")
    return head(c, "Mail Delivery System <postmaster@mail.example.cn>", mime_word("退信：" + SUBJECT, "utf-8"),
                "text/html; charset=utf-8", "Content-Transfer-Encoding: base64\nX-Mailer: Coremail\n") \
        + "\n" + b64(html, "utf-8") + "\n"


def japanese_ndr(c: Case) -> str:
    """A Japanese hosting NDR in ISO-2022-JP: the address, the server's reply and a Japanese explanation."""
    body = ("このメールは、メール送信時にエラーが発生したため、送信者へ返送されたメールです。\n\n"
            "以下の宛先へのメール配信ができませんでした。\n\n"
            f"宛先: {c.rcpt}\nエラー内容: {c.diag}\n理由: {c.extra.get('why', '')}\n\n"
            "----- 元のメッセージのヘッダ -----\n" + original_headers(c))
    return plain(c, "MAILER-DAEMON@mail.example.jp", mime_word("メール配信エラーのお知らせ", "iso-2022-jp"), body,
                 charset="iso-2022-jp", encoding="7bit")


def telefonica(c: Case) -> str:
    body = ("Este mensaje ha sido generado automáticamente por el sistema de correo.\n\n"
            "No se ha podido entregar su mensaje a los siguientes destinatarios:\n\n"
            f"    {c.rcpt}\n    Motivo: {c.extra.get('why', '')}\n    Respuesta del servidor remoto: {c.diag}\n\n"
            "------ Copia del mensaje original ------\n\n" + original(c))
    return plain(c, "Sistema de entrega de correo <MAILER-DAEMON@correo.movistar.example.es>",
                 mime_word("Mensaje no entregado: devuelto al remitente"), body, charset="iso-8859-1",
                 encoding="quoted-printable")


def french_isp(c: Case) -> str:
    """A French ISP's own NDR in French only (Orange, SFR, La Poste write their notices so)."""
    body = ("Ce message a été généré automatiquement par le système de messagerie.\n\n"
            "Votre message n'a pas pu être remis à un ou plusieurs destinataires.\n\n"
            f"Destinataire : {c.rcpt}\nMotif : {c.extra.get('why', '')}\n"
            f"Réponse du serveur distant : {c.diag}\n\n"
            "----- Message d'origine -----\n\n" + original(c))
    return plain(c, f"Service de messagerie <mailer-daemon@{c.extra.get('host', 'mail.isp.example.fr')}>",
                 mime_word("Échec de la remise du message"), body, charset="utf-8", encoding="quoted-printable")


def german_isp(c: Case) -> str:
    body = ("|------------------------- Fehlgeschlagene Adressen folgen: ---------------------|\n"
            f" <{c.rcpt}> ... {c.diag}\n"
            "|------------------------- Nachrichtentext folgt: ------------------------------|\n"
            f"{c.extra.get('why', 'Ihre Nachricht konnte nicht zugestellt werden.')}\n\n" + original(c))
    return plain(c, "Mail Delivery System <MAILER-DAEMON@mailout.example.de>", "Unzustellbar: " + SUBJECT_MIME, body,
                 charset="iso-8859-1", encoding="quoted-printable")


def mailru(c: Case) -> str:
    body = ("Это письмо создано автоматически сервером Mail.Ru, отвечать на него не нужно.\n\n"
            "К сожалению, Ваше письмо не может быть доставлено одному или нескольким получателям:\n\n"
            f"{c.rcpt}\n{c.diag}\n\n"
            "This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\nrecipients. "
            "This is a permanent error. The following address(es) failed:\n\n"
            f"  {c.rcpt}\n    SMTP error from remote mail server after RCPT TO:<{c.rcpt}>:\n    {c.diag}\n\n"
            "------ This is a copy of the message, including all the headers. ------\n\n" + original(c))
    return plain(c, "Mail Delivery System <MAILER-DAEMON@corp.mail.ru>",
                 mime_word("Недоставленное сообщение"), body, charset="utf-8", encoding="8bit",
                 extra=f"X-Failed-Recipients: {c.rcpt}\nAuto-Submitted: auto-replied\n")


def barracuda(c: Case) -> str:
    body = (f"Your message to: {c.rcpt}\nwas not delivered.\n\nReason: {c.extra.get('why', '')}\n\n"
            f"The following is the information the mail server received:\n{c.diag}\n\n"
            "Contact your administrator or the recipient for assistance.\n")
    b = f"bcda{c.n:06d}"
    hdr = head(c, "\"Barracuda Email Security\" <mailer-daemon@ess.example.net>", "Message delivery notification",
               f'multipart/mixed; boundary="{b}"', "X-Barracuda-Connect: relay.crpve.example.org\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=utf-8", body),
                           ("Content-Type: text/rfc822-headers", original_headers(c))], b)


def mimecast(c: Case) -> str:
    body = ("Your message couldn't be delivered to the recipients shown below.\n\n"
            f"Recipient: {c.rcpt}\nReason: {c.extra.get('why', '')}\n"
            f"Technical details: {c.diag}\n\nThis email was sent from an address that does not accept replies.\n")
    html = f"<p>Your message couldn't be delivered.</p><p>{c.rcpt}</p><p>{c.diag}</p>"
    b = f"mc{c.n:06d}alt"
    hdr = head(c, "Mimecast <postmaster@eu.mimecast.example.com>", f"Message undeliverable: {SUBJECT_MIME}",
               f'multipart/alternative; boundary="{b}"', "X-MC-Unique: bounce-notice\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=utf-8", body),
                           ("Content-Type: text/html; charset=utf-8", html)], b)


def haraka(c: Case) -> str:
    body = ("Your message to the following recipient could not be delivered.\n\n"
            f"Recipient: {c.rcpt}\nReason: {c.diag}\n\nThe original message headers follow.\n\n" + original_headers(c))
    return plain(c, "MAILER-DAEMON <MAILER-DAEMON@outbound.example.net>", "Mail delivery failed", body,
                 charset="utf-8", encoding="8bit")


def unknown_plain(c: Case) -> str:
    """An unnamed MTA: only a subject in the usual words and the reply quoted in the text."""
    body = (f"Delivery to the following recipient failed permanently:\n\n     {c.rcpt}\n\n"
            f"Technical details of permanent failure:\n{c.diag}\n\n----- Original message -----\n\n" + original(c))
    return plain(c, "postmaster@gw.example.net", c.extra.get("subject", "Delivery failure"), body, charset="utf-8",
                 encoding="8bit")


LAYOUTS = {
    "postfix": postfix, "postfix-fr": lambda c: postfix(c, lang="fr"), "postfix-de": lambda c: postfix(c, lang="de"),
    "postfix-hdrs": lambda c: postfix(c, headers_only=True), "postfix-multi": postfix_multi,
    "postfix-delayed": postfix_delayed, "postfix-success": postfix_success,
    "exim": exim_plain, "exim-de": lambda c: exim_plain(c, german=True), "exim-dsn": exim_dsn, "exim-delay": exim_delay,
    "sendmail": sendmail, "sendmail-full": lambda c: sendmail(c, headers_only=False), "sendmail-warning": sendmail_warning,
    "qmail": qmail, "courier": courier,
    "exchange2010": exchange2010, "exchange2010-ext": lambda c: exchange2010(c, internal=False),
    "office365": office365, "office365-fr": lambda c: office365(c, lang="fr"),
    "office365-de": lambda c: office365(c, lang="de"), "office365-es": lambda c: office365(c, lang="es"),
    "exchange2003": exchange2003, "gmail": gmail, "yahoo": yahoo, "ses-mail": ses_mail,
    "james-dsn": james_dsn, "james-bounce": james_bounce, "fml": fml,
    "interscan": interscan, "interscan-ja": lambda c: interscan(c, japanese=True),
    "kddi": kddi, "ezweb": ezweb, "verizon": verizon, "vzwpix": vzwpix, "domino": domino,
    "messaging-server": messaging_server, "mdaemon": mdaemon, "opensmtpd": opensmtpd, "gmx": gmx,
    "qq": qq, "netease": netease, "sina": sina, "coremail-html": coremail_html, "japanese-ndr": japanese_ndr,
    "telefonica": telefonica, "french-isp": french_isp, "german-isp": german_isp, "mailru": mailru,
    "barracuda": barracuda, "mimecast": mimecast, "haraka": haraka, "unknown-plain": unknown_plain,
}
