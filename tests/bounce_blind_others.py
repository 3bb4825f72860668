"""HAND-MADE blind batch, part 2: complaints, Amazon SES notifications, auto-replies and notices.

Complaints from RFC 5965 (ARF) and the vendors' variants as documented: Yahoo's and
AOL's feedback loops, Mail.ru, Yandex, Comcast (Cloudmark), Signal Spam for Orange,
Microsoft JMRP (the ARF form and the older forwarded original with only a provider
header), Amazon SES complaint notifications (JSON, SNS, and forwarded by mail),
abuse-desk complaints in plain text, Apple's one-tap unsubscribe. SES bounce, delivery
and delay notifications follow AWS's "Amazon SNS notification contents" and event
publishing pages. Auto-replies follow RFC 3834 and what Exchange, Gmail, Zimbra and
older vacation programs add; read receipts RFC 8098. All texts and addresses invented.
"""
from __future__ import annotations

import json

from tests.bounce_blind_layouts import (
    HAND_MADE, OUR_IP, OURS, SUBJECT, SUBJECT_MIME, Case, b64, date, mime_word, msgid, original, original_headers,
    qp, report, return_path, token,
)

# -- complaints --------------------------------------------------------------------------------------

def arf(c: Case) -> str:
    """An RFC 5965 report; ``c.extra`` picks the sender, agent, type and how the original is returned."""
    e = c.extra
    ftype = e.get("ftype", "abuse")
    b = f"----=_ARF_{c.n:06d}"
    fields = [f"Feedback-Type: {ftype}", f"User-Agent: {e.get('agent', 'SomeFBL/1.0')}", "Version: 1"]
    if e.get("mail_from", True):
        fields.append(f"Original-Mail-From: <{return_path(c.n)}>")
    if e.get("rcpt_to", True):
        fields.append(f"Original-Rcpt-To: <{c.rcpt}>")
    fields += [f"Arrival-Date: {date(c.n, 0)}", f"Source-IP: {OUR_IP}", f"Reported-Domain: {OURS}"]
    fields += e.get("more", [])
    report_part = "\n".join(fields)
    if e.get("lower"):
        report_part = report_part.lower().replace(return_path(c.n).lower(), return_path(c.n))
    human = e.get("human", f"This is an email abuse report for an email message received from IP {OUR_IP} on {date(c.n, 0)}.\n"
                           "For more information about this format please see http://www.mipassoc.org/arf/.")
    returned = ("Content-Type: text/rfc822-headers", original_headers(c)) if e.get("headers_only") else \
        ("Content-Type: message/rfc822\nContent-Disposition: inline", original(c))
    hdr = (f"{HAND_MADE} {e.get('source', 'RFC 5965')}\n"
           f"Return-Path: <{e.get('envelope', '')}>\n"
           f"From: {e.get('sender', 'FBL <fbl@feedback.example.net>')}\n"
           f"To: {e.get('to', 'abuse@' + OURS)}\n"
           f"Subject: {e.get('subject', 'FW: ' + SUBJECT_MIME)}\n"
           f"Date: {date(c.n, 20)}\nMessage-ID: <arf{c.n:06d}@{e.get('host', 'feedback.example.net')}>\n"
           "MIME-Version: 1.0\n"
           f"Content-Type: multipart/report; report-type=feedback-report;\n\tboundary=\"{b}\"\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=\"US-ASCII\"\nContent-Transfer-Encoding: 7bit", human),
                           ("Content-Type: message/feedback-report", report_part), returned], b)


def jmrp_forward(c: Case) -> str:
    """Outlook.com JMRP before ARF: the original forwarded as an attachment, a provider header, no Feedback-Type."""
    b = f"--JMRP--{c.n:06d}"
    orig = original(c).replace(f"To: {c.rcpt}\n", f"X-HmXmrOriginalRecipient: <{c.rcpt}>\nTo: {c.rcpt}\n")
    hdr = (f"{HAND_MADE} Microsoft JMRP documentation (pre-ARF form)\n"
           "Return-Path: <staff@hotmail.com>\nFrom: staff@hotmail.com\n"
           f"To: fbl@{OURS}\nSubject: complaint about message from {OUR_IP}\n"
           f"Date: {date(c.n, 25)}\nMessage-ID: <jmrp{c.n:06d}@hotmail.com>\nMIME-Version: 1.0\n"
           f"Content-Type: multipart/mixed; boundary=\"{b}\"\nX-HmXmrOriginalRecipient: <{c.rcpt}>\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=\"us-ascii\"",
                            "This is a message forwarded to you under the Junk Mail Reporting Program.\n"
                            "A Hotmail/Outlook.com user marked the attached message as junk."),
                           ("Content-Type: message/rfc822", orig)], b)


def abuse_desk(c: Case) -> str:
    b = f"abuse{c.n:06d}"
    hdr = (f"{HAND_MADE} abuse desks' complaint forwards (plain text, original attached)\n"
           "Return-Path: <abuse@isp.example.net>\nFrom: Abuse Team <abuse@isp.example.net>\n"
           f"To: abuse@{OURS}\nSubject: [Abuse #{c.n + 88000}] Spam complaint about mail from {OUR_IP}\n"
           f"Date: {date(c.n, 30)}\nMessage-ID: <abuse{c.n}@isp.example.net>\nMIME-Version: 1.0\n"
           f"Content-Type: multipart/mixed; boundary=\"{b}\"\n")
    text = ("Hello,\n\nWe have received a complaint from one of our customers regarding the unsolicited\n"
            "message below, which was sent from your network. Please investigate and stop\n"
            "sending mail to this customer.\n\nRegards,\nISP Abuse Team\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=us-ascii", text),
                           ("Content-Type: message/rfc822", original(c))], b)


def apple_unsubscribe(c: Case) -> str:
    return (f"{HAND_MADE} Apple Mail one-tap unsubscribe (mailto List-Unsubscribe)\n"
            f"Return-Path: <{c.rcpt}>\nFrom: {c.rcpt}\nTo: unsubscribe+{token(c.n)}@{OURS}\n"
            f"Subject: Unsubscribe\nDate: {date(c.n, 31)}\nMessage-ID: <apple{c.n}@icloud.example.com>\n"
            "X-Apple-Unsubscribe: true\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n"
            "This message was automatically generated by Mail.\n")


def ses_mail_object(c: Case, rcpts: list[str]) -> dict:
    return {
        "timestamp": "2026-11-18T08:30:00.000Z", "source": return_path(c.n),
        "sourceArn": f"arn:aws:ses:eu-west-3:111122223333:identity/{OURS}", "sourceIp": OUR_IP,
        "sendingAccountId": "111122223333", "messageId": f"0102018f{c.n:08x}-6a1b2c3d-aaaa-bbbb-cccc-0123456789ab-000000",
        "destination": rcpts, "headersTruncated": False,
        "headers": [{"name": "From", "value": f"\"CRPVE Essonne\" <actualites@{OURS}>"},
                    {"name": "To", "value": ", ".join(rcpts)},
                    {"name": "Message-ID", "value": msgid(c.n)},
                    {"name": "Subject", "value": SUBJECT}],
        "commonHeaders": {"from": [f"\"CRPVE Essonne\" <actualites@{OURS}>"], "to": rcpts,
                          "messageId": msgid(c.n), "subject": SUBJECT},
    }


def ses_event(c: Case) -> dict:
    """An SES notification (``notificationType``) or event (``eventType``): bounce, complaint, delivery, delay."""
    e = c.extra
    kind = e["kind"]
    rcpts = e.get("rcpts", [c.rcpt])
    key = "eventType" if e.get("event") else "notificationType"
    out: dict = {key: kind}
    if kind == "Bounce":
        recipients = []
        for r in rcpts:
            item = {"emailAddress": r}
            if c.status:
                item.update({"action": "failed", "status": c.status, "diagnosticCode": c.diag})
            recipients.append(item)
        out["bounce"] = {"bounceType": e["btype"], "bounceSubType": e["sub"], "bouncedRecipients": recipients,
                         "timestamp": "2026-11-18T08:30:05.000Z", "feedbackId": f"0102018f{c.n:08x}-feedback-000000"}
        if c.status:
            out["bounce"].update({"remoteMtaIp": "198.51.100.12",
                                  "reportingMTA": "dsn; a27-30.smtp-out.eu-west-3.amazonses.com"})
    elif kind == "Complaint":
        out["complaint"] = {"complainedRecipients": [{"emailAddress": r} for r in rcpts],
                            "timestamp": "2026-11-18T10:00:00.000Z",
                            "feedbackId": f"0102018f{c.n:08x}-complaint-000000"}
        if e.get("ftype"):
            out["complaint"].update({"complaintFeedbackType": e["ftype"], "userAgent": e.get("agent", "Yahoo!-Mail-Feedback/2.0"),
                                     "arrivalDate": "2026-11-18T09:58:00.000Z"})
    elif kind == "Delivery":
        out["delivery"] = {"timestamp": "2026-11-18T08:30:03.000Z", "processingTimeMillis": 2980, "recipients": rcpts,
                           "smtpResponse": "250 2.6.0 Message received", "remoteMtaIp": "198.51.100.12",
                           "reportingMTA": "a27-30.smtp-out.eu-west-3.amazonses.com"}
    elif kind == "DeliveryDelay":
        out["deliveryDelay"] = {"timestamp": "2026-11-18T09:30:00.000Z", "delayType": "TransientCommunicationFailure",
                                "expirationTime": "2026-11-19T08:30:00.000Z",
                                "delayedRecipients": [{"emailAddress": r, "status": "4.4.1",
                                                       "diagnosticCode": "smtp; 421 4.4.1 Connection timed out"}
                                                      for r in rcpts]}
    out["mail"] = ses_mail_object(c, rcpts)
    return out


def sns(inner: dict, c: Case) -> dict:
    return {"Type": "Notification", "MessageId": f"6a1b2c3d-{c.n:04d}-5e6f-7a8b-9c0d1e2f3a4b",
            "TopicArn": "arn:aws:sns:eu-west-3:111122223333:ses-feedback", "Message": json.dumps(inner),
            "Timestamp": "2026-11-18T08:30:06.000Z", "SignatureVersion": "1", "Signature": "RXhhbXBsZVNpZ25hdHVyZQ==",
            "SigningCertURL": "https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-0000.pem",
            "UnsubscribeURL": "https://sns.eu-west-3.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x"}


def ses_json(c: Case) -> str:
    data = ses_event(c)
    if c.extra.get("sns"):
        data = sns(data, c)
    data = {"_fixture": "hand-made from the Amazon SES notification contents documentation", **data}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def sns_email_json(c: Case) -> str:
    """An SNS "email-json" subscription: the SNS envelope as the text of a mail from no-reply@sns.amazonaws.com."""
    payload = json.dumps(sns(ses_event(c), c))
    return (f"{HAND_MADE} the Amazon SNS email-json subscription format\n"
            "Return-Path: <0102018f-sns@eu-west-3.amazonses.com>\n"
            "From: AWS Notifications <no-reply@sns.amazonaws.com>\n"
            f"To: ses-feedback@{OURS}\nSubject: AWS Notification Message\nDate: {date(c.n, 12)}\n"
            f"Message-ID: <0102018f{c.n:08x}@eu-west-3.amazonses.com>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n"
            + qp(payload) + "\n")


def ses_forwarded_complaint(c: Case) -> str:
    """SES email feedback forwarding: the ISP's ARF complaint re-sent by SES to the Return-Path."""
    c.extra.update({"sender": "complaints@eu-west-3.email-abuse.amazonses.com", "envelope": "",
                    "to": return_path(c.n), "agent": "Yahoo!-Mail-Feedback/2.0", "host": "email-abuse.amazonses.com",
                    "subject": "Complaint Notification", "source": "SES email feedback forwarding of an ARF report"})
    return arf(c)


# -- not bounces: auto-replies, notices, receipts ---------------------------------------------------

def reply(c: Case) -> str:
    """A reply from the person or their mail program: headers as the program sets them, the text, a charset."""
    e = c.extra
    charset = e.get("charset", "utf-8")
    body = e["body"]
    if charset in ("iso-2022-jp",):
        text, cte = body.encode(charset).decode("ascii"), "7bit"
    elif charset == "utf-8" and e.get("b64"):
        text, cte = b64(body, charset), "base64"
    else:
        text, cte = qp(body, charset), "quoted-printable"
    return (f"{HAND_MADE} {e.get('source', 'RFC 3834')}\n"
            f"Return-Path: <{e.get('envelope', c.rcpt)}>\n"
            f"From: {e.get('from', c.rcpt)}\nTo: \"CRPVE Essonne\" <actualites@{OURS}>\n"
            f"Subject: {mime_word(e['subject'], charset) if not e['subject'].isascii() else e['subject']}\n"
            f"Date: {date(c.n, 40)}\nMessage-ID: <reply{c.n:06d}@{c.rcpt.split('@')[1]}>\n"
            f"In-Reply-To: {msgid(c.n)}\n{e.get('headers', '')}"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: {cte}\n\n"
            f"{text.rstrip()}\n")


def notice_dsn(c: Case) -> str:
    """A DSN that is not a failure: delay, relayed or delivered (Exchange, Courier, Office 365 wordings)."""
    e = c.extra
    b = f"notice{c.n:06d}"
    fields = (f"Reporting-MTA: dns;{e.get('mta', 'EXCH02.ad.example.org')}\nArrival-Date: {date(c.n, 0)}\n\n"
              f"Final-Recipient: rfc822;{c.rcpt}\nAction: {c.action}\nStatus: {c.status}\n"
              + (f"Diagnostic-Code: smtp;{c.diag}\n" if c.diag else "")
              + ("Will-Retry-Until: Fri, 20 Nov 2026 09:30:00 +0100\n" if c.action == "delayed" else ""))
    hdr = (f"{HAND_MADE} {e.get('source', 'RFC 3464')}\nReturn-Path: <>\n"
           f"From: {e.get('sender', 'postmaster@example.org')}\nTo: {return_path(c.n)}\n"
           f"Subject: {e['subject']}\nDate: {date(c.n, 45)}\nMessage-ID: <notice{c.n:06d}@example.org>\n"
           "MIME-Version: 1.0\nAuto-Submitted: auto-replied\n"
           f"Content-Type: multipart/report; report-type=delivery-status; boundary=\"{b}\"\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=utf-8", e["human"]),
                           ("Content-Type: message/delivery-status", fields),
                           ("Content-Type: text/rfc822-headers", original_headers(c))], b)


def read_receipt(c: Case) -> str:
    b = f"mdn{c.n:06d}"
    hdr = (f"{HAND_MADE} RFC 8098\nReturn-Path: <{c.rcpt}>\nFrom: {c.rcpt}\nTo: actualites@{OURS}\n"
           f"Subject: Lu : {SUBJECT_MIME}\nDate: {date(c.n, 50)}\nMessage-ID: <mdn{c.n}@{c.rcpt.split('@')[1]}>\n"
           "MIME-Version: 1.0\n"
           f"Content-Type: multipart/report; report-type=disposition-notification; boundary=\"{b}\"\n")
    fields = (f"Reporting-UA: {c.rcpt.split('@')[1]}; Microsoft Outlook 16.0\nFinal-Recipient: rfc822;{c.rcpt}\n"
              f"Original-Message-ID: {msgid(c.n)}\nDisposition: manual-action/MDN-sent-manually; displayed\n")
    return report(c, hdr, [("Content-Type: text/plain; charset=utf-8",
                            f"Votre message\n\n  À : {c.rcpt}\n  Objet : {SUBJECT}\n\na été lu le 18/11/2026 11:02."),
                           ("Content-Type: message/disposition-notification", fields)], b)


def challenge(c: Case) -> str:
    return (f"{HAND_MADE} challenge-response anti-spam services' verification requests\n"
            f"Return-Path: <verify@cr.example.net>\nFrom: \"{c.rcpt} (via verification)\" <verify@cr.example.net>\n"
            f"To: actualites@{OURS}\nSubject: Please verify your email to {c.rcpt}\nDate: {date(c.n, 52)}\n"
            f"Message-ID: <cr{c.n}@cr.example.net>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n\n"
            f"Hello,\n\nYour message to {c.rcpt} is waiting. The recipient uses a service that only\n"
            "accepts mail from senders who confirmed they are human. Click the link below\n"
            "once and your messages will be delivered:\n\nhttps://cr.example.net/verify?id=Zk3vQf1b\n")


def ticket(c: Case) -> str:
    return (f"{HAND_MADE} help-desk auto-acknowledgements\nReturn-Path: <support@{c.rcpt.split('@')[1]}>\n"
            f"From: Support <support@{c.rcpt.split('@')[1]}>\nTo: actualites@{OURS}\n"
            f"Subject: [Ticket#2026111810000{c.n:03d}] {SUBJECT_MIME}\nDate: {date(c.n, 53)}\n"
            f"Message-ID: <ticket{c.n}@{c.rcpt.split('@')[1]}>\nAuto-Submitted: auto-generated\n"
            "X-Loop: support\nPrecedence: bulk\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n"
            "Bonjour,\n\nVotre demande a bien été enregistrée sous le numéro 2026111810000. Un agent vous\n"
            "répondra dans les meilleurs délais.\n\nLe service support\n")


BUILDERS = {
    "arf": arf, "jmrp-forward": jmrp_forward, "abuse-desk": abuse_desk, "apple-unsubscribe": apple_unsubscribe,
    "ses-json": ses_json, "sns-email-json": sns_email_json, "ses-forwarded-complaint": ses_forwarded_complaint,
    "reply": reply, "notice-dsn": notice_dsn, "read-receipt": read_receipt, "challenge": challenge, "ticket": ticket,
}
