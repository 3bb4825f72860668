"""HAND-MADE bounce samples: one builder per reporting MTA's format, and a table of server replies.

Nothing here is copied from a third-party corpus. Each builder writes a message the
way that MTA lays its bounces out, modelled on the specifications (RFC 3464 DSN,
RFC 3463 status codes, RFC 5965 ARF, RFC 3834 auto-replies) and on the layouts
these systems document publicly (Postfix bounce(5) templates, Exim's "Mail delivery
failed" text, Sendmail's "Returned mail", qmail's "failure notice", Exchange/Office 365
NDRs, Gmail's DSN, Amazon SES notifications, Domino, Courier, OpenSMTPD, Zoho, GMX,
Mail.ru, Yahoo). The server replies in ``REPLIES`` are written in the style of the
replies those providers document (Microsoft's NDR codes, Gmail's support pages,
Orange's OFR codes…), with invented addresses, hosts and IPs (RFC 5737 / 2606).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

ORIGINAL = (
    "Return-Path: <bounces+{token}@bounces.crpve91.fr>\n"
    "From: CRPVE <formations@crpve91.fr>\n"
    "To: {rcpt}\n"
    "Subject: Cycle de qualification : contrat de ville\n"
    "Date: Tue, 10 Nov 2026 09:00:00 +0100\n"
    "Message-ID: {msgid}\n"
    "List-Id: \"Formations\" <formations.lists.crpve91.fr>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
)
DEFAULT_MSGID = "<lettrine.12.345.0a1b2c3d4e5f0a1b2c3d4e5f@crpve91.fr>"


def _original(rcpt: str, msgid: str, token: str) -> str:
    return ORIGINAL.format(rcpt=rcpt, msgid=msgid, token=token)


def _dsn(*, sender: str, subject: str, human: str, rcpt: str, status: str, diag: str, msgid: str, token: str,
         mta: str = "mx.crpve91.fr", action: str = "failed", remote: str = "mx.destinataire.example",
         diag_type: str = "smtp", headers_only: bool = True) -> str:
    boundary = "=_report_7F3A2B"
    diag_line = f"Diagnostic-Code: {diag_type}; {diag}\n" if diag else ""
    status_line = f"Status: {status}\n" if status else ""
    kind = "text/rfc822-headers" if headers_only else "message/rfc822"
    return (
        f"Return-Path: <>\nDelivered-To: bounces+{token}@bounces.crpve91.fr\n"
        f"From: {sender}\nTo: bounces+{token}@bounces.crpve91.fr\nSubject: {subject}\n"
        f"Date: Tue, 10 Nov 2026 09:12:03 +0100\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n"
        f"Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"\n\n"
        f"--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{human}\n\n"
        f"--{boundary}\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; {mta}\nArrival-Date: Tue, 10 Nov 2026 09:12:01 +0100\n\n"
        f"Final-Recipient: rfc822; {rcpt}\nOriginal-Recipient: rfc822;{rcpt}\nAction: {action}\n"
        f"{status_line}Remote-MTA: dns; {remote}\n{diag_line}\n"
        f"--{boundary}\nContent-Type: {kind}\n\n{_original(rcpt, msgid, token)}\n"
        f"--{boundary}--\n"
    )


def postfix(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N", action="failed"):
    human = ("This is the mail system at host mx.crpve91.fr.\n\n"
             "I'm sorry to have to inform you that your message could not\n"
             "be delivered to one or more recipients. It's attached below.\n\n"
             "For further assistance, please send mail to postmaster.\n\n"
             "                   The mail system\n\n"
             f"<{rcpt}>: host mx.destinataire.example[192.0.2.25] said: {diag} (in reply to RCPT TO command)")
    return _dsn(sender="MAILER-DAEMON@mx.crpve91.fr (Mail Delivery System)",
                subject="Undelivered Mail Returned to Sender", human=human, rcpt=rcpt, status=status or "5.0.0",
                diag=diag, msgid=msgid, token=token, action=action)


def gmail(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    human = (f"** Message not delivered **\n\nThere was a problem delivering your message to {rcpt}. "
             "See the technical details below, or try resending in a few minutes.\n\n"
             f"The response from the remote server was:\n{diag}\n")
    return _dsn(sender="Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
                subject="Delivery Status Notification (Failure)", human=human, rcpt=rcpt, status=status or "5.0.0",
                diag=diag, msgid=msgid, token=token, mta="mail-sor-f41.google.com", headers_only=False)


def exchange(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    human = ("Delivery has failed to these recipients or groups:\n\n"
             f"{rcpt}\nYour message couldn't be delivered. Contact the recipient's email admin for help.\n\n"
             "Diagnostic information for administrators:\n\nGenerating server: AM0PR01MB1234.eurprd01.prod.outlook.com\n\n"
             f"{rcpt}\nRemote Server returned '{diag}'\n\nOriginal message headers:\n\n")
    return _dsn(sender="Microsoft Outlook <postmaster@outlook.com>", subject="Undeliverable: Cycle de qualification",
                human=human, rcpt=rcpt, status=status or "5.0.0", diag=diag, msgid=msgid, token=token,
                mta="AM0PR01MB1234.eurprd01.prod.outlook.com")


def exchange_fr(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    human = ("La remise a échoué pour ces destinataires ou groupes :\n\n"
             f"{rcpt}\nVotre message n'a pas pu être remis.\n\n"
             "Informations de diagnostic pour les administrateurs :\n\nServeur de génération : PAR01.mairie.example\n\n"
             f"{rcpt}\nRemote Server returned '{diag}'\n\nEn-têtes du message d'origine :\n\n")
    return _dsn(sender="Microsoft Outlook <postmaster@mairie.example>", subject="Non remis : Cycle de qualification",
                human=human, rcpt=rcpt, status=status or "5.0.0", diag=diag, msgid=msgid, token=token)


def ses_mail(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    human = f"An error occurred while trying to deliver the mail to the following recipients:\n{rcpt}"
    return _dsn(sender="MAILER-DAEMON@amazonses.com", subject="Delivery Status Notification (Failure)",
                human=human, rcpt=rcpt, status=status or "5.0.0", diag=diag, msgid=msgid, token=token,
                mta="a1-23.smtp-out.eu-west-3.amazonses.com")


def courier(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    human = ("This is a delivery status notification from mail.crpve91.fr,\nrunning the Courier mail server.\n\n"
             "-" * 75 + "\n\n                           UNDELIVERABLE MAIL\n\n"
             "Your message to the following recipients cannot be delivered:\n\n"
             f"<{rcpt}>:\n    mx.destinataire.example [192.0.2.25]:\n>>> RCPT TO:<{rcpt}>\n<<< {diag}\n")
    return _dsn(sender="Courier mail server at mail.crpve91.fr <@>", subject="NOTICE: mail delivery status.",
                human=human, rcpt=rcpt, status=status, diag=diag, msgid=msgid, token=token)


def sendmail(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    human = ("The original message was received at Tue, 10 Nov 2026 09:00:01 +0100\nfrom localhost [127.0.0.1]\n\n"
             "   ----- The following addresses had permanent fatal errors -----\n"
             f"<{rcpt}>\n    (reason: {diag})\n\n   ----- Transcript of session follows -----\n"
             f"... while talking to mx.destinataire.example.:\n>>> RCPT To:<{rcpt}>\n<<< {diag}\n")
    return _dsn(sender="Mail Delivery Subsystem <MAILER-DAEMON@mail.crpve91.fr>",
                subject="Returned mail: see transcript for details", human=human, rcpt=rcpt,
                status=status or "5.0.0", diag=diag, msgid=msgid, token=token)


def _plain(sender: str, subject: str, body: str, rcpt: str, msgid: str, token: str, marker: str,
           extra_headers: str = "") -> str:
    return (f"Return-Path: <>\nFrom: {sender}\nTo: bounces+{token}@bounces.crpve91.fr\nSubject: {subject}\n"
            f"Date: Tue, 10 Nov 2026 09:12:03 +0100\n{extra_headers}MIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
            f"{body}\n\n{marker}\n\n{_original(rcpt, msgid, token)}\nBonjour,\n")


def exim(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a permanent error. The following address(es) failed:\n\n"
            f"  {rcpt}\n    host mx.destinataire.example [192.0.2.25]\n"
            f"    SMTP error from remote mail server after RCPT TO:<{rcpt}>:\n    {diag}")
    return _plain("Mail Delivery System <Mailer-Daemon@mail.crpve91.fr>", "Mail delivery failed: returning message to sender",
                  body, rcpt, msgid, token, "------ This is a copy of the message, including all the headers. ------",
                  f"X-Failed-Recipients: {rcpt}\nAuto-Submitted: auto-replied\n")


def exim_local(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a permanent error. The following address(es) failed:\n\n"
            f"  {rcpt}\n    {diag}")
    return _plain("Mail Delivery System <Mailer-Daemon@mail.crpve91.fr>", "Mail delivery failed: returning message to sender",
                  body, rcpt, msgid, token, "------ This is a copy of the message, including all the headers. ------",
                  f"X-Failed-Recipients: {rcpt}\n")


def mailru(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a permanent error. The following address(es) failed:\n\n"
            f"  {rcpt}\n    SMTP error from remote mail server after RCPT TO:<{rcpt}>:\n"
            f"    host mxs.mail.ru [192.0.2.80]: {diag}")
    return _plain("Mail Delivery System <MAILER-DAEMON@corp.mail.ru>", "Mail failure.", body, rcpt, msgid, token,
                  "------ This is a copy of the message, including all the headers. ------")


def gmx(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of\nits recipients. This is a permanent error. "
            "The following address(es)\nfailed:\n\n"
            f"{rcpt}:\nSMTP error from remote server for RCPT TO command, host: mx.destinataire.example "
            f"(192.0.2.25) reason: {diag}")
    return _plain("\"Mail Delivery System\" <mailer-daemon@gmx.net>", "Mail delivery failed: returning message to sender",
                  body, rcpt, msgid, token, "--- The header of the original message is following. ---")


def qmail(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("Hi. This is the qmail-send program at mail.crpve91.fr.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
            f"<{rcpt}>:\n192.0.2.25 does not like recipient.\nRemote host said: {diag}\nGiving up on 192.0.2.25.")
    return _plain("MAILER-DAEMON@mail.crpve91.fr", "failure notice", body, rcpt, msgid, token,
                  "--- Below this line is a copy of the message.")


def qmail_local(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("Hi. This is the qmail-send program at mail.destinataire.example.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
            f"<{rcpt}>:\n{diag}")
    return _plain("MAILER-DAEMON@mail.destinataire.example", "failure notice", body, rcpt, msgid, token,
                  "--- Below this line is a copy of the message.")


def yahoo(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("Sorry, we were unable to deliver your message to the following address.\n\n"
            f"<{rcpt}>:\n{diag}")
    return _plain("MAILER-DAEMON@yahoo.com", "Failure Notice", body, rcpt, msgid, token,
                  "--- Below this line is a copy of the message.")


def domino(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("Your message\n\n  Subject: Cycle de qualification : contrat de ville\n\n"
            f"was not delivered to:\n\n  {rcpt}\n\nbecause:\n\n  {diag}")
    return _plain("Postmaster <postmaster@agglo.example>", f"DELIVERY FAILURE: {diag[:60]}", body, rcpt, msgid,
                  token, "----- Original message follows -----")


def opensmtpd(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n"
            "An error has occurred while attempting to deliver a message for\nthe following list of recipients:\n\n"
            f"{rcpt}: {diag}")
    return _plain("Mailer Daemon <MAILER-DAEMON@mail.crpve91.fr>", "Delivery status notification: error", body,
                  rcpt, msgid, token, "Below is a copy of the original message:")


def zoho(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("This message was created automatically by mail delivery software.\n"
            "A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.\n\n"
            f"{rcpt}, ERROR CODE :{diag}")
    return _plain("mailer-daemon@mail.zoho.eu", "Undelivered Mail Returned to Sender", body, rcpt, msgid, token,
                  "Received: from mail.crpve91.fr by mx.zoho.eu")


def french_plain(rcpt, status, diag, msgid=DEFAULT_MSGID, token="T0K3N"):
    body = ("Ce message a été créé automatiquement par le logiciel de distribution du courrier.\n\n"
            "Votre message n'a pas pu être remis à un ou plusieurs destinataires.\n\n"
            f"Destinataire : {rcpt}\nRéponse du serveur distant : {diag}")
    return _plain("Service de messagerie <MAILER-DAEMON@laposte.example>", "Non distribuable : Cycle de qualification",
                  body, rcpt, msgid, token, "----- Message d'origine -----")


FORMATS: dict[str, Callable[..., str]] = {
    "postfix": postfix, "gmail": gmail, "exchange": exchange, "exchange_fr": exchange_fr, "ses_mail": ses_mail,
    "courier": courier, "sendmail": sendmail, "exim": exim, "mailru": mailru, "gmx": gmx, "qmail": qmail,
    "yahoo": yahoo, "domino": domino, "opensmtpd": opensmtpd, "zoho": zoho, "french_plain": french_plain,
}
REMOTE_FORMATS = ["postfix", "exim", "gmail", "exchange", "sendmail", "qmail", "courier", "gmx", "mailru",
                  "ses_mail", "opensmtpd", "zoho", "yahoo", "exchange_fr", "french_plain"]


@dataclass(frozen=True)
class Reply:
    status: str  # the DSN Status the reporting MTA would write ("" when it writes none)
    text: str  # the remote server's reply
    reason: str
    hard: bool


R = Reply
# The remote server's words, as providers word them. Hard ones first, then the tricky non-fatal ones.
REPLIES: list[Reply] = [
    # -- userunknown
    R("5.1.1", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table", "userunknown", True),
    R("5.1.1", "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser", "userunknown", True),
    R("5.1.1", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", "userunknown", True),
    R("5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {rcpt} not found by SMTP address lookup", "userunknown", True),
    R("5.0.0", "550 No such user ({rcpt})", "userunknown", True),
    R("5.0.0", "554 delivery error: dd This user doesn't have a yahoo.fr account ({rcpt}) [0] - mta1234.mail.ir2.yahoo.com", "userunknown", True),
    R("5.1.1", "550 5.1.1 <{rcpt}>: Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]", "userunknown", True),
    R("5.0.0", "550 5.1.1 <{rcpt}>: Recipient address rejected: Utilisateur inconnu", "userunknown", True),
    R("5.0.0", "550 Message was not accepted -- invalid mailbox.  Local mailbox {rcpt} is unavailable: user not found", "userunknown", True),
    R("5.0.0", "550 Requested action not taken: mailbox unavailable", "userunknown", True),
    R("5.0.0", "550 {rcpt}: unknown user account", "userunknown", True),
    R("5.0.0", "550 Unrouteable address", "userunknown", True),
    R("5.1.1", "550 5.1.1 {rcpt}... User unknown", "userunknown", True),
    R("5.0.0", "511 sorry, no mailbox here by that name (#5.1.1 - chkuser)", "userunknown", True),
    R("5.0.0", "550 5.5.0 Requested action not taken: mailbox unavailable. [BN8NAM11FT062.eop-nam11.prod.protection.outlook.com]", "userunknown", True),
    R("5.0.0", "550 <{rcpt}>: L'adresse de ce destinataire n'existe pas", "userunknown", True),
    R("5.0.0", "550 5.1.1 Mailbox does not exist", "userunknown", True),
    R("5.0.0", "550 Invalid recipient <{rcpt}> (#5.1.1)", "userunknown", True),
    R("5.4.1", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT033.eop-EUR03.prod.protection.outlook.com]", "userunknown", True),
    R("5.0.0", "553 sorry, that address is not a valid mailbox (#5.7.1)", "userunknown", True),
    R("5.0.0", "550 The mail server could not deliver mail to {rcpt}. The account or domain may not exist, they may be blacklisted, or missing the proper dns entries.", "blocked", False),
    # -- hostunknown
    R("5.4.4", "Host or domain name not found. Name service error for name=mairie-disparue.example type=A: Host not found", "hostunknown", True),
    R("5.1.2", "DNS Error: DNS type 'mx' lookup of ancien-domaine.example responded with code NXDOMAIN Domain name not found: ancien-domaine.example", "hostunknown", True),
    R("5.1.10", "556 5.1.10 Recipient address has null MX", "hostunknown", True),
    R("5.0.0", "all relevant MX records point to non-existent hosts", "hostunknown", True),
    R("5.4.4", "550 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain", "hostunknown", True),
    # -- hasmoved, and a deleted account
    R("5.1.6", "551 5.1.6 User has moved; please try <nouvelle.adresse@ailleurs.example>", "hasmoved", True),
    R("5.0.0", "551 User not local; please try <jean@nouveau.example>", "hasmoved", True),
    R("5.0.0", "550 <{rcpt}>: ce compte a été supprimé définitivement", "userunknown", True),
    # -- suspend: a disabled or closed account may come back (or was closed for policy): never hard
    R("5.0.0", "550 5.2.1 This account has been permanently disabled", "suspend", False),
    R("5.0.0", "550 The mailbox {rcpt} has been closed and no longer accepts mail", "suspend", False),
    # -- suspend (temporary): soft
    R("5.2.1", "550 5.2.1 The email account that you tried to reach is disabled. https://support.google.com/mail/?p=DisabledUser", "suspend", False),
    R("5.0.0", "554 delivery error: dd Sorry your message to {rcpt} cannot be delivered. This mailbox is disabled (554.30)", "suspend", False),
    R("5.0.0", "550 Message was not accepted -- invalid mailbox.  Local mailbox {rcpt} is unavailable: account is disabled", "suspend", False),
    R("5.0.0", "550 5.2.1 Mailbox inactive", "suspend", False),
    # -- mailboxfull with 5.x.x
    R("5.2.2", "552 5.2.2 <{rcpt}>: Mailbox full - Boite du destinataire pleine. OFR_417 [417]", "mailboxfull", False),
    R("5.0.0", "552 5.2.2 The email account that you tried to reach is over quota. https://support.google.com/mail/?p=OverQuotaPerm", "mailboxfull", False),
    R("5.0.0", "550 5.2.2 {rcpt}: user is over quota", "mailboxfull", False),
    R("5.0.0", "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded", "mailboxfull", False),
    R("5.0.0", "552 Quota exceeded (mailbox for user is full)", "mailboxfull", False),
    R("5.0.0", "550 Boîte aux lettres pleine", "mailboxfull", False),
    R("5.0.0", "452 4.2.2 The email account that you tried to reach is over quota.", "mailboxfull", False),
    R("5.0.0", "550 Mailbox quota exceeded for this recipient", "mailboxfull", False),
    # -- spam / content / virus, often with 550 or 5.7.1
    R("5.7.1", "550-5.7.1 [192.0.2.10] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.", "spamdetected", False),
    R("5.0.0", "550 Message rejected as spam by Content Filtering.", "spamdetected", False),
    R("5.0.0", "554 5.7.1 Message refused: spam score 12.3 exceeds threshold", "spamdetected", False),
    R("5.0.0", "550 5.7.1 Votre message a été considéré comme indésirable", "spamdetected", False),
    R("5.0.0", "554 5.7.0 Reject, id=12345-01 - INFECTED: Eicar-Test-Signature", "virusdetected", False),
    R("5.0.0", "550 5.7.1 Message contains a virus", "virusdetected", False),
    R("5.0.0", "554 5.6.0 Message header is not RFC 5322 compliant", "contenterror", False),
    R("5.0.0", "552 5.3.4 Message size exceeds fixed maximum message size", "mesgtoobig", False),
    R("5.0.0", "552 Message size exceeds maximum permitted", "mesgtoobig", False),
    R("5.0.0", "550 Rejected by the recipient's filter rules", "filtered", False),
    # -- blocked: IP / reputation / RBL
    R("5.7.1", "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10", "blocked", False),
    R("5.0.0", "550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).", "blocked", False),
    R("5.0.0", "550 5.7.606 Access denied, banned sending IP [192.0.2.10].", "blocked", False),
    R("5.0.0", "550 mwinf5c10 ME Service refuse. Veuillez essayer plus tard. Service refused, please try later. OFR_506 [506]", "blocked", False),
    R("5.0.0", "554 IP address 192.0.2.10 is listed in bl.spamcop.net", "blocked", False),
    R("5.0.0", "550 Requested action not taken: mailbox unavailable. Mail from 192.0.2.10 refused due to poor reputation", "blocked", False),
    R("5.0.0", "554 5.7.1 Rejected: sending IP has a poor reputation", "blocked", False),
    R("5.0.0", "550 5.7.1 Votre adresse IP est en liste noire", "blocked", False),
    R("5.0.0", "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints", "toomanyconn", False),
    # -- policy
    R("5.0.0", "554 Message not allowed - [PH01] Email not accepted for policy reasons", "policyviolation", False),
    R("5.0.0", "550 Administrative prohibition", "policyviolation", False),
    R("5.7.1", "550 5.7.1 Delivery not authorized, message refused", "filtered", False),
    R("5.0.0", "550 5.7.1 Message rejected due to local policy", "policyviolation", False),
    R("5.7.1", "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized", "filtered", False),
    # -- authentication
    R("5.7.26", "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.", "authfailure", False),
    R("5.0.0", "550 5.7.509 Access denied, sending domain crpve91.fr does not pass DMARC verification and has a DMARC policy of reject.", "authfailure", False),
    R("5.0.0", "550 5.7.23 The message was rejected because of Sender Policy Framework violation", "authfailure", False),
    R("5.0.0", "550 SPF check failed for 192.0.2.10", "authfailure", False),
    R("5.0.0", "554 5.7.5 Message rejected: DKIM signature verification failed", "authfailure", False),
    R("5.0.0", "550 5.7.25 [192.0.2.10] The IP address sending this message does not have a PTR record setup", "requireptr", False),
    R("5.0.0", "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.10]", "requireptr", False),
    R("5.0.0", "530 5.7.0 Must issue a STARTTLS command first", "securityerror", False),
    # -- sender refused / relaying
    R("5.0.0", "553 5.1.8 <formations@crpve91.fr>: Sender address rejected: Domain not found", "rejected", False),
    R("5.0.0", "550 5.7.1 Sender address rejected: Access denied", "rejected", False),
    R("5.0.0", "554 5.7.1 <{rcpt}>: Relay access denied", "norelaying", False),
    R("5.0.0", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "norelaying", False),
    R("5.0.0", "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", "norelaying", False),
    # -- rate limits / greylisting / expired / network / system
    R("4.7.0", "421 4.7.0 Try again later, closing connection. (EHLO) rate limited", "toomanyconn", False),
    R("4.7.28", "421-4.7.28 [192.0.2.10] Our system has detected an unusual rate of unsolicited mail originating from your IP address.", "toomanyconn", False),
    R("5.0.0", "550 5.7.1 Too many messages from your IP, slow down", "toomanyconn", False),
    R("4.2.0", "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/mairie.example.html", "expired", False),
    R("4.7.1", "451 4.7.1 Please try again later (greylisting)", "expired", False),
    R("4.4.1", "connect to mx.destinataire.example[192.0.2.25]:25: Connection timed out", "networkerror", False),
    R("4.4.3", "Host or domain name not found. Name service error for name=mairie.example type=MX: Host not found, try again", "networkerror", False),
    R("5.0.0", "retry timeout exceeded", "expired", False),
    R("5.4.7", "Delivery expired (message too old) 'timeout'", "expired", False),
    R("5.0.0", "554 5.4.6 Hop count exceeded - possible mail loop", "networkerror", False),
    R("5.0.0", "451 4.3.0 Temporary system failure. Please try again later", "systemerror", False),
    R("5.0.0", "554 5.3.0 Internal server error", "systemerror", False),
    # -- "5.0.0" (or nothing) with specific words
    R("5.0.0", "550 5.0.0 <{rcpt}>... Mailbox full", "mailboxfull", False),
    R("5.0.0", "554 5.0.0 Service unavailable; [192.0.2.10] blocked using bl.example.net", "blocked", False),
    R("5.0.0", "550 5.0.0 Message rejected for policy reasons", "policyviolation", False),
    R("5.0.0", "550 5.0.0 <{rcpt}> User unknown", "userunknown", True),
    R("5.0.0", "550 5.0.0 Domain does not exist", "hostunknown", True),
    R("5.0.0", "554 Transaction failed", "onhold", False),
]
