"""HAND-MADE blind batch of bounce and complaint reports, written to tests/fixtures/bounces/blind/.

The second, independent batch of issue 23: written from the formats' public descriptions
(see ``tests/bounce_blind_layouts.py`` and ``tests/bounce_blind_others.py``) BEFORE the
classifier's rules were read, so that it stands in for the held-back corpus of real mail.
It leans on what real mail has and a corpus written next to the code misses: generic
statuses (5.0.0 from Postfix, Exim and Courier; 5.0.9xx) with content, spam or policy
words; 5.7.1 security and policy refusals; mailboxes full under 5.1.1 or 550; disabled,
suspended and inactive accounts; messages on hold; greylisting and rate limits under
5xx; refusals of our sender address, our IP or our authentication (some naming "domain
not found", "user unknown" or "null MX" about OUR address); relaying denied; and true
hard bounces in unusual layouts (plain text, non-English only, SES, several recipients).

The verdict of each report is what a careful postmaster says: ``hard`` only when the
address or its domain does not exist (any more); ``soft`` for everything else that
failed; ``complaint``; ``ignore`` for auto-replies, delays, success notices, receipts.
The reason is left blank where careful readers would differ.

``python -m tests.bounce_blind`` writes the files and ``VERDICTS.tsv`` (file, verdict,
reason, about); ``tests/test_bounce_corpus.py`` checks the files are what this module
writes and scores the classifier on them.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tests import bounce_corpus
from tests.bounce_blind_layouts import LAYOUTS, SUBJECT, SUBJECT_MIME, Case, return_path
from tests.bounce_blind_others import BUILDERS

BLIND = Path(__file__).parent / "fixtures" / "bounces" / "blind"

LOCALS = ["jeanne.martin", "k.benali", "sophie-laurent", "direction.politique-ville", "m.dubois", "accueil",
          "c.nguyen", "secretariat.dgs", "paul.leroy", "agents.cohesion", "h.traore", "delegue.prefet",
          "l.moreau", "centre-social", "n.petit", "dev.social"]
DOMAINS = ["example.org", "example.net", "mairie-exemple.example", "agglo.example.net", "asso.example.org",
           "bailleur.example.com", "example.com", "departement.example"]


@dataclass(frozen=True)
class Spec:
    layout: str
    verdict: str  # hard | soft | complaint | ignore
    reason: str  # "" where careful readers would differ
    tag: str  # a few words for the file name
    about: str
    diag: str = ""
    status: str = ""
    command: str = "RCPT TO"
    action: str = "failed"
    domain: str = ""
    extra: tuple = ()


def S(layout: str, verdict: str, reason: str, tag: str, diag: str = "", status: str = "", *, about: str = "",
      command: str = "RCPT TO", action: str = "failed", domain: str = "", **extra) -> Spec:
    return Spec(layout, verdict, reason, tag, about or diag[:70], diag, status, command, action, domain,
                tuple(sorted(extra.items())))


DATA = "end of DATA"
MAIL = "MAIL FROM"

HARD = [
    S("postfix", "hard", "userunknown", "virtual-table", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table"),
    S("postfix-hdrs", "hard", "userunknown", "local-table", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table"),
    S("postfix", "hard", "hostunknown", "nxdomain", "Host or domain name not found. Name service error for name=ancienne-asso.example type=MX: Host not found", "5.4.4", local=True),
    S("postfix", "hard", "hostunknown", "nullmx", "Domain ancienne-commune.example does not accept mail (nullMX)", "5.1.10", local=True),
    S("postfix", "hard", "userunknown", "docomo-rcpt", "550 Unknown user {rcpt}", about="carrier's 550 Unknown user at RCPT, Postfix derives Status 5.0.0"),
    S("postfix", "hard", "userunknown", "sendmail-reply", "550 5.1.1 <{rcpt}>... User unknown"),
    S("postfix-fr", "hard", "userunknown", "orange-416", "550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416 [416]"),
    S("postfix", "hard", "userunknown", "sfr-inexistante", "550 5.1.1 <{rcpt}>: Adresse inexistante / Address does not exist"),
    S("postfix-fr", "hard", "userunknown", "laposte-inconnu", "550 5.1.1 <{rcpt}> Utilisateur inconnu"),
    S("postfix", "hard", "userunknown", "free-noexist", "550 5.1.1 <{rcpt}>: Recipient address rejected: Mailbox does not exist"),
    S("postfix", "hard", "userunknown", "gmx-unavailable", "550 Requested action not taken: mailbox unavailable", about="GMX documents this 550 (no enhanced code) as: the recipient does not exist"),
    S("postfix", "hard", "userunknown", "outlook-550-550", "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [AM4PEPF0000ABCD.eurprd04.prod.outlook.com]", about="Outlook.com's answer for an address it does not have"),
    S("postfix", "hard", "userunknown", "gmail-nosuchuser", "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser 5a1b2c3d4e5f6.12 - gsmtp"),
    S("postfix-de", "hard", "userunknown", "empfaenger-unbekannt", "550 5.1.1 <{rcpt}>: Empfaenger unbekannt / Recipient unknown"),
    S("postfix", "hard", "userunknown", "yahoo-dd", "554 delivery error: dd This user doesn't have a yahoo.com account ({rcpt}) [0] - mta1047.mail.ir2.yahoo.com", about="Yahoo's 'dd' wording, Status 5.0.0"),
    S("postfix", "hard", "userunknown", "aol-notfound", "550 5.1.1 <{rcpt}>: MAILBOX NOT FOUND"),
    S("postfix", "hard", "userunknown", "tonline", "550 5.1.1 <{rcpt}>: user unknown"),
    S("postfix-de", "hard", "userunknown", "webde", "550 Benutzer nicht bekannt / User unknown", about="web.de's bilingual 550 without enhanced code"),
    S("postfix", "hard", "userunknown", "qq-notfound", "550 Mailbox not found. http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000728"),
    S("postfix", "hard", "userunknown", "163-notfound", "550 User not found: {rcpt}"),
    S("postfix", "hard", "userunknown", "mailru-notfound", "550 Message was not accepted -- invalid mailbox.  Local mailbox {rcpt} is unavailable: user not found"),
    S("postfix", "hard", "userunknown", "yandex-571", "550 5.7.1 No such user!", about="Yandex: no such user under a 5.7.1 code"),
    S("postfix", "hard", "userunknown", "zoho", "550 5.1.1 User does not exist - {rcpt}"),
    S("postfix", "hard", "userunknown", "icloud", "550 5.1.1 <{rcpt}>: user does not exist"),
    S("postfix", "hard", "userunknown", "4xx-given-up", "450 4.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table", "4.1.1", about="the same 450 user unknown for 5 days; the relay gave up (Action: failed)"),
    S("postfix", "hard", "userunknown", "deleted", "550 5.1.1 <{rcpt}>: Recipient address rejected: account has been deleted"),
    S("postfix-fr", "hard", "userunknown", "compte-supprime", "550 5.1.1 <{rcpt}>: ce compte a ete supprime / this account has been deleted"),
    S("postfix", "hard", "hasmoved", "moved", "551 5.1.6 User has moved; please try <c.martin@nouvelle-agglo.example>"),
    S("postfix", "hard", "userunknown", "nested", "550 5.1.1 <{rcpt}>: Recipient address rejected: undeliverable address: host mx.ancien.example[198.51.100.3] said: 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)", about="recipient verification quoting the next hop's user unknown"),
    S("postfix-multi", "hard", "userunknown", "two-recipients", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown", rcpts=("l.moreau@example.net", "accueil@example.net")),
    S("exim", "hard", "userunknown", "remote-unknown", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"),
    S("exim", "hard", "hostunknown", "unrouteable", "Unrouteable address", local=True),
    S("exim", "hard", "hostunknown", "mx-nonexistent", "all relevant MX records point to non-existent hosts", local=True),
    S("exim-dsn", "hard", "userunknown", "unknown-user", "550 unknown user", about="Exim DSN: Status 5.0.0 with a plain 550 unknown user"),
    S("exim-de", "hard", "userunknown", "benutzer-unbekannt", "550 5.1.1 Benutzer unbekannt / user unknown"),
    S("exim", "hard", "userunknown", "no-such-user-here", "550 No Such User Here", about="cPanel's Exim answer, no enhanced code"),
    S("sendmail", "hard", "userunknown", "remote", "550 5.1.1 <{rcpt}>... User unknown"),
    S("sendmail", "hard", "userunknown", "local", "User unknown", "5.1.1", local=True),
    S("sendmail-full", "hard", "hostunknown", "host-unknown", "Host unknown (Name server: ancienne.example: host not found)", "5.1.2", local=True),
    S("qmail", "hard", "userunknown", "no-mailbox", "Sorry, no mailbox here by that name. (#5.1.1)", local=True),
    S("qmail", "hard", "hostunknown", "no-host", "Sorry, I couldn't find any host named ancien-domaine.example. (#5.1.2)", local=True),
    S("qmail", "hard", "userunknown", "remote-relay-table", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in relay recipient table"),
    S("courier", "hard", "userunknown", "user-unknown", "550 5.1.1 <{rcpt}>... User Unknown", about="Courier DSN: Status 5.0.0, the reply says 5.1.1"),
    S("exchange2010", "hard", "userunknown", "recipnotfound", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"),
    S("exchange2010", "hard", "userunknown", "exrecipnotfound", "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found"),
    S("office365", "hard", "userunknown", "recipientnotfound", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {rcpt} not found by SMTP address lookup", why="{rcpt} wasn't found at {domain}."),
    S("office365-fr", "hard", "userunknown", "destinataire-introuvable", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {rcpt} not found by SMTP address lookup", why="{rcpt} est introuvable sur {domain}."),
    S("office365-de", "hard", "userunknown", "nicht-gefunden", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient {rcpt} not found by SMTP address lookup", why="{rcpt} wurde auf {domain} nicht gefunden."),
    S("office365", "hard", "userunknown", "external-unknown", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown", receiving=True, why="The email address couldn't be found at the destination domain."),
    S("office365", "hard", "userunknown", "dbeb-541", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DB5EUR03FT012.eop-EUR03.prod.protection.outlook.com]", about="Microsoft: 5.4.1 Access denied AS(201806281) = directory-based edge blocking, the recipient does not exist"),
    S("office365", "hard", "hostunknown", "dns-nonexistent", "550 5.4.310 DNS domain vieux-domaine.example does not exist [Message=InfoDomainNonexistent] [LastAttemptedServerName=vieux-domaine.example]"),
    S("exchange2003", "hard", "userunknown", "could-not-be-found", "550 5.1.1 User unknown", blurb="The e-mail address could not be found.  Perhaps the recipient moved to a different e-mail organization, or there was a mistake in the address.  Check the address and try again."),
    S("exchange2010-ext", "hard", "userunknown", "virtual-alias", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual alias table"),
    S("gmail", "hard", "userunknown", "remote-unknown", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown", link="https://support.google.com/mail/?p=NoSuchUser"),
    S("gmail", "hard", "hostunknown", "domain-not-found", "DNS Error: DNS type 'mx' lookup of ancienne-mairie.example responded with code NXDOMAIN Domain name not found: ancienne-mairie.example", "5.1.2", sentence="Your message wasn't delivered to {rcpt} because the domain ancienne-mairie.example couldn't be found. Check for typos or unnecessary spaces and try again."),
    S("yahoo", "hard", "userunknown", "remote-unknown", "550 5.1.1 <{rcpt}>... User unknown"),
    S("ses-mail", "hard", "userunknown", "user-unknown", "550 5.1.1 user unknown"),
    S("james-dsn", "hard", "userunknown", "user-unknown", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown", about="James puts the whole error in Status and an X-James/smtp diagnostic"),
    S("james-bounce", "hard", "userunknown", "no-such-user", "550 - Requested action not taken: no such user here"),
    S("james-dsn", "hard", "hostunknown", "no-dns", "There are no DNS entries for the hostname ancien-site.example.  I cannot determine where to send this message."),
    S("interscan", "hard", "userunknown", "user-unknown", "550 5.1.1 <{rcpt}>... User unknown"),
    S("interscan-ja", "hard", "userunknown", "user-unknown", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table"),
    S("kddi", "hard", "hostunknown", "no-domain", "As the remote domain doesnt exist."),
    S("ezweb", "hard", "userunknown", "rejected-unknown", "550 <{rcpt}>: User unknown (in reply to RCPT TO command)", intro="Each of the following recipients was rejected by a remote mail server."),
    S("verizon", "hard", "userunknown", "no-such-user", "550 - Requested action not taken: no such user here", domain="vtext.example.com"),
    S("vzwpix", "hard", "userunknown", "no-valid-recipients", "No valid recipients for this MM", domain="vzwpix.example.com"),
    S("domino", "hard", "userunknown", "not-listed", "User jmartin ({rcpt}) not listed in Domino Directory"),
    S("messaging-server", "hard", "userunknown", "illegal-alias", "550 5.1.1 unknown or illegal alias: {rcpt}"),
    S("mdaemon", "hard", "userunknown", "does-not-exist", "550 5.1.1 <{rcpt}>... Mailbox does not exist"),
    S("opensmtpd", "hard", "userunknown", "user-unknown", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"),
    S("gmx", "hard", "userunknown", "user-unknown", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"),
    S("qq", "hard", "userunknown", "notfound", "550 Mailbox not found.", why="收件人邮箱地址不存在"),
    S("netease", "hard", "userunknown", "notfound", "550 User not found: {rcpt}", why="收件人不存在"),
    S("sina", "hard", "userunknown", "not-exist", "该邮箱不存在 (550 5.1.1 user not exist)"),
    S("coremail-html", "hard", "userunknown", "html-only", "550 5.1.1 用户不存在 / User not found"),
    S("japanese-ndr", "hard", "userunknown", "not-exist", "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown", why="宛先のメールアドレスは存在しません"),
    S("japanese-ndr", "hard", "hostunknown", "no-domain", "Host or domain name not found", why="宛先のドメインが見つかりません"),
    S("telefonica", "hard", "userunknown", "desconocido", "550 5.1.1 El usuario no existe / User unknown", why="usuario desconocido"),
    S("french-isp", "hard", "userunknown", "inexistante", "550 5.1.1 Adresse destinataire inconnue", why="adresse inexistante"),
    S("french-isp", "hard", "hostunknown", "domaine-inexistant", "DNS : domaine inexistant (NXDOMAIN)", why="le domaine du destinataire n'existe pas"),
    S("german-isp", "hard", "userunknown", "unbekannt", "unknown user / Benutzer unbekannt", why="Die Adresse des Empfaengers existiert nicht."),
    S("mailru", "hard", "userunknown", "invalid-mailbox", "550 Message was not accepted -- invalid mailbox.  Local mailbox {rcpt} is unavailable: user not found"),
    S("unknown-plain", "hard", "userunknown", "does-not-exist", "550 5.1.1 Recipient does not exist here"),
    S("haraka", "hard", "userunknown", "does-not-exist", "550 5.1.1 Mailbox does not exist"),
    S("barracuda", "hard", "userunknown", "no-such-user", "550 No such user ({rcpt})", why="Recipient address rejected: User unknown"),
    S("sendmail", "hard", "hostunknown", "remote-host-unknown", "550 5.1.2 <{rcpt}>... Host unknown (Name server: ancienne-asso.example: host not found)"),
]

SOFT = [
    # mailbox full, whatever the code
    S("postfix", "soft", "mailboxfull", "full-522", "552 5.2.2 <{rcpt}>: Recipient address rejected: Mailbox full"),
    S("postfix", "soft", "mailboxfull", "full-511", "550 5.1.1 <{rcpt}>... Mailbox full", about="mailbox full reported with 550 5.1.1"),
    S("postfix", "soft", "mailboxfull", "over-quota", "550 5.2.2 {rcpt}: user is over quota"),
    S("exim", "soft", "mailboxfull", "quota-exceeded", "552 5.2.2 Quota exceeded (mailbox for user is full)"),
    S("exim", "soft", "mailboxfull", "local-full", "mailbox is full: retry timeout exceeded", local=True),
    S("qmail", "soft", "mailboxfull", "vpopmail-quota", "The users mailfolder is over the allowed quota (size). (#5.2.2)", local=True),
    S("sendmail", "soft", "mailboxfull", "full", "552 5.2.2 <{rcpt}>... Mailbox full"),
    S("exchange2010", "soft", "mailboxfull", "quota", "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception", blurb="The recipient's mailbox is full and can't accept messages now. Please try resending your message later, or contact the recipient directly."),
    S("office365-es", "soft", "mailboxfull", "buzon-lleno", "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException", why="El buzón del destinatario está lleno y no puede aceptar mensajes ahora mismo."),
    S("gmail", "soft", "mailboxfull", "out-of-storage", "552-5.2.2 The recipient's inbox is out of storage space. Please direct the recipient to 552 5.2.2  https://support.google.com/mail/?p=OverQuotaTemp 5a1b2c.34 - gsmtp", headline="** Message not delivered **", sentence="Your message couldn't be delivered to {rcpt} because the recipient's inbox is full."),
    S("yahoo", "soft", "mailboxfull", "full", "552 1 Requested mail action aborted, mailbox is full"),
    S("kddi", "soft", "mailboxfull", "full", "As their mailbox is full."),
    S("ezweb", "soft", "mailboxfull", "over-quota", "552 mailbox full", intro="The user(s) account is temporarily over quota."),
    S("qq", "soft", "mailboxfull", "quota", "552 Quota exceeded or mailbox is full", why="收件人邮箱空间已满"),
    S("netease", "soft", "mailboxfull", "full", "552 5.2.2 mailbox full", why="收件人邮箱已满"),
    S("japanese-ndr", "soft", "mailboxfull", "quota-511", "550 5.1.1 <{rcpt}>: Mailbox quota exceeded", why="宛先のメールボックスの容量が超過しています"),
    S("telefonica", "soft", "mailboxfull", "lleno", "552 5.2.2 El buzón del destinatario está lleno", why="buzón lleno"),
    S("french-isp", "soft", "mailboxfull", "pleine", "552 5.2.2 Boite pleine / Mailbox full", why="boîte aux lettres pleine"),
    S("german-isp", "soft", "mailboxfull", "speicher", "550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.", why="Das Postfach des Empfaengers ist voll."),
    S("mailru", "soft", "mailboxfull", "full", "550 Message was not accepted -- mailbox is full (quota exceeded)"),
    S("postfix-de", "soft", "mailboxfull", "webde-toomany", "550 Benutzer hat zuviele Mails auf dem Server. / User has too many messages on the server."),
    S("postfix-fr", "soft", "mailboxfull", "orange-417", "552 5.2.2 Boite du destinataire pleine. Recipient overquota. OFR_417 [417]"),
    S("postfix", "soft", "mailboxfull", "local-disk-quota", "cannot update mailbox /var/mail/cmartin for user cmartin. error writing message: Disk quota exceeded", "5.2.2", local=True),
    S("mdaemon", "soft", "mailboxfull", "full", "552 5.2.2 Mailbox full"),
    S("domino", "soft", "mailboxfull", "quota", "Unable to deliver message. The mail file for jmartin has exceeded its quota."),
    # disabled, suspended, inactive
    S("postfix", "soft", "suspend", "gmail-disabled", "550-5.2.1 The email account that you tried to reach is disabled. Learn more at 550 5.2.1  https://support.google.com/mail/?p=DisabledUser 5a1b.12 - gsmtp"),
    S("postfix", "soft", "suspend", "gmail-inactive", "550 5.2.1 The email account that you tried to reach is inactive. 5a1b.13 - gsmtp"),
    S("yahoo", "soft", "suspend", "disabled-55430", "554 delivery error: dd Sorry your message to {rcpt} cannot be delivered. This mailbox is disabled (554.30). - mta1234.mail.ir2.yahoo.com"),
    S("postfix", "soft", "suspend", "disabled-511", "550 5.1.1 <{rcpt}>: Recipient address rejected: Account disabled", about="a disabled account reported with 5.1.1"),
    S("exim", "soft", "suspend", "mailbox-disabled", "550 5.2.1 Mailbox disabled for this recipient - {rcpt}"),
    S("office365", "soft", "suspend", "mailbox-disabled", "550 5.2.1 STOREDRV.Deliver; mailbox disabled; RecipientMailboxDisabled", why="The recipient's mailbox is disabled."),
    S("postfix-de", "soft", "suspend", "gmx-inactive", "550 5.2.1 <{rcpt}>: Mailbox disabled, not accepting messages - User is inactive"),
    S("french-isp", "soft", "suspend", "desactive", "550 5.2.1 Ce compte est désactivé / This account is disabled", why="compte désactivé"),
    S("qq", "soft", "suspend", "frozen", "550 5.2.1 Mailbox is frozen", why="收件人账户已被冻结"),
    S("netease", "soft", "suspend", "suspended", "550 User suspended: {rcpt}", why="收件人帐号被冻结或已停用"),
    S("japanese-ndr", "soft", "suspend", "stopped", "550 5.2.1 account suspended", why="このアカウントは現在利用停止中です"),
    S("telefonica", "soft", "suspend", "desactivada", "550 5.2.1 La cuenta del destinatario está desactivada", why="cuenta desactivada"),
    S("sendmail", "soft", "suspend", "inactive-511", "550 5.1.1 <{rcpt}>... Account inactive", about="an inactive account reported with 5.1.1"),
    S("postfix", "soft", "suspend", "policy-suspended", "550 5.7.1 <{rcpt}>: Recipient address rejected: account suspended for policy violation"),
    S("postfix", "soft", "suspend", "mailru-disabled", "550 Message was not accepted -- invalid mailbox.  Local mailbox {rcpt} is unavailable: account is disabled", about="Mail.ru: 'invalid mailbox' but the account is only disabled"),
    S("gmail", "soft", "suspend", "relay-disabled", "550 5.2.1 The email account that you tried to reach is disabled.", headline="** Message not delivered **", sentence="Your message couldn't be delivered to {rcpt} because the account is disabled."),
    S("ezweb", "soft", "suspend", "limited", "550 5.2.1 account temporarily limited", intro="The user(s) account is temporarily limited."),
    # on hold, greylisting, rate limits
    S("postfix", "soft", "onhold", "placed-on-hold", "550 Your message has been placed on hold pending review by the recipient's administrator", command=DATA, about="on hold, generic 550 (Status 5.0.0)"),
    S("exchange2010-ext", "soft", "onhold", "quarantined", "550 5.7.1 Message quarantined: awaiting administrator review"),
    S("james-dsn", "soft", "onhold", "approval", "Message on hold: the recipient requires approval of new senders"),
    S("postfix", "soft", "", "greylisted-5xx", "550 5.7.1 Greylisted, please try again in 300 seconds"),
    S("exim", "soft", "", "greylisting-554", "554 5.7.1 Greylisting in action, please come back later"),
    S("postfix", "soft", "toomanyconn", "rate-550", "550 5.7.1 Too many messages from 192.0.2.25, rate limit exceeded"),
    S("postfix", "soft", "toomanyconn", "rate-554", "554 5.7.1 Sending rate exceeded, try again later"),
    S("sendmail", "soft", "toomanyconn", "connection-rate", "550 5.7.1 Connection rate limit exceeded"),
    S("postfix", "soft", "toomanyconn", "yahoo-tss04", "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", "4.7.0", command=MAIL, about="Yahoo deferral until the relay gave up"),
    S("postfix", "soft", "toomanyconn", "orange-104", "421 mwinf5c21 ME Trop de connexions, veuillez verifier votre configuration. Too many connections, slow down. OFR004_104 [104]", "4.0.0", command=MAIL),
    S("postfix", "soft", "toomanyconn", "163-sfq", "550 MI:SFQ 发信人在15分钟内的发信数量超过限制 http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.25", command=MAIL),
    S("gmail", "soft", "", "sending-limit", "550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to  https://support.google.com/a/answer/166852 - gsmtp", headline="** Message not delivered **", sentence="You have reached a limit for sending mail. Your message was not sent."),
    S("qq", "soft", "toomanyconn", "frequency", "550 Ip frequency limited [http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000725]", why="发送频率过高"),
    # our IP, our reputation
    S("postfix", "soft", "blocked", "s3150", "550 5.7.1 Unfortunately, messages from [192.0.2.25] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [AM4PEPF00001234.eurprd04.prod.outlook.com]"),
    S("postfix", "soft", "blocked", "spamhaus", "554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.25"),
    S("exim", "soft", "blocked", "spamcop", "550 5.7.1 Rejected: 192.0.2.25 listed at bl.spamcop.net"),
    S("postfix", "soft", "blocked", "reputation", "554 5.7.1 Your access to this mail system has been rejected due to the sending MTA's poor reputation. If you believe that this failure is in error, please contact the intended recipient via alternate means."),
    S("office365", "soft", "blocked", "banned-ip", "550 5.7.606 Access denied, banned sending IP [192.0.2.25]. To request removal from this list please visit https://sender.office.com/ and follow the directions.", why="Your message wasn't delivered because the recipient's email provider rejected it."),
    S("office365", "soft", "blocked", "traffic-not-accepted", "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP."),
    S("postfix-fr", "soft", "blocked", "orange-506", "550 mwinf5c10 ME Adresse IP source bloquee pour incident de spam. Client host blocked for spamming issues. OFR_506 [506]", command=MAIL),
    S("gmx", "soft", "blocked", "block-listed", "554-gmx.net (mxgmx104) Nemesis ESMTP Service not available 554-No SMTP service 554-IP address is block listed. 554 For explanation visit https://postmaster.gmx.net/en/case?c=r0201&i=ip&v=192.0.2.25&r=1MNcgj"),
    S("netease", "soft", "spamdetected", "dt-spm", "554 DT:SPM 163 mx14,QMCowEBpG5WyHn9jQ2X8Cg--.1234S2 1700000000, please see http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.25&hostid=mx14&time=1700000000", why="邮件被判定为垃圾邮件"),
    S("mimecast", "soft", "", "envelope-blocked", "550 Administrative prohibition - envelope blocked - https://community.mimecast.com/docs/DOC-1369#550 [ABCD1234]", why="The sender's address or IP is blocked by the recipient's policy"),
    S("barracuda", "soft", "blocked", "brbl", "554 5.7.1 Message blocked: sender IP 192.0.2.25 on Barracuda Reputation Block List", why="Blocked by reputation"),
    S("postfix", "soft", "blocked", "comcast-dnsbl", "554 resimta-ch2-18v.sys.comcast.net resimta-ch2-18v.sys.comcast.net 192.0.2.25 found on one or more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000001", command=MAIL),
    S("postfix", "soft", "blocked", "att-530", "553 5.3.0 flpd575 - DNSBL:RBL 521< 192.0.2.25 >_is_blocked.For assistance forward this email to abuse_rbl@abuse-att.net", command=MAIL, about="AT&T's RBL refusal under 5.3.0"),
    S("office365-fr", "soft", "blocked", "spamhaus-fr", "550 5.7.1 Service unavailable, Client host [192.0.2.25] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.25 (AS3130).", receiving=True, why="Le serveur de messagerie du destinataire a rejeté votre message."),
    # spam and content, often under generic statuses
    S("postfix", "soft", "spamdetected", "generic-500-spam", "550 Message rejected as spam by Content Filtering", command=DATA, about="spam refusal without enhanced code: Postfix says Status 5.0.0"),
    S("postfix", "soft", "", "content-restrictions", "554 5.0.0 Your message was rejected by our content filter", command=DATA),
    S("exim-dsn", "soft", "spamdetected", "high-probability", "550 High probability of spam", command=DATA),
    S("exim", "soft", "spamdetected", "spam-points", "550-Message rejected: this message scored 14.2 spam points.\n550 Please remove any links and try again", command="end of data"),
    S("courier", "soft", "spamdetected", "mail-rejected-spam", "554 Mail rejected - spam", command="DATA"),
    S("sendmail", "soft", "spamdetected", "ube", "554 5.7.1 Message rejected: content filtered as unsolicited bulk mail", command="DATA"),
    S("postfix", "soft", "spamdetected", "gmail-unsolicited", "550-5.7.1 [192.0.2.25      12] Our system has detected that this message is 550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail, 550-5.7.1 this message has been blocked. For more information, go to 550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError 5a1b.14 - gsmtp", command=DATA),
    S("office365", "soft", "spamdetected", "5-7-350", "550 5.7.350 Remote server returned message detected as spam -> 554 5.7.1 Message rejected as spam by Content Filtering", receiving=True),
    S("postfix", "soft", "", "5-0-910", "554 5.0.910 Message refused by content policy (score 9.8)", command=DATA, about="vendor 5.0.9xx code with content wording"),
    S("postfix", "soft", "", "5-0-950", "550 5.0.950 Message blocked by recipient's administrator: prohibited content", command=DATA),
    S("exim-dsn", "soft", "", "5-0-930", "550 5.0.930 Suspicious URL in message body", command="DATA"),
    S("postfix", "soft", "spamdetected", "junk-500", "550 5.0.0 <{rcpt}>: Message refused, marked as junk", command=DATA),
    S("postfix", "soft", "spamdetected", "mailru-spam", "550 spam message rejected. Please visit https://help.mail.ru/notspam-support/id?c=abcdef or  report details to abuse@corp.mail.ru. Error code: 1A2B3C. ID: 0000000ABCDEF.", command=DATA),
    S("postfix", "soft", "spamdetected", "yandex-spam", "554 5.7.1 [2] Message rejected under suspicion of SPAM; https://ya.cc/1IrBc 1700000000-abcdefgh", command=DATA),
    S("french-isp", "soft", "spamdetected", "indesirable", "550 5.7.1 Message refusé : contenu indésirable", why="message considéré comme indésirable (spam)"),
    S("german-isp", "soft", "spamdetected", "spamverdacht", "554 5.7.1 Nachricht abgelehnt wegen Spamverdacht / rejected due to spam suspicion", why="Ihre Nachricht wurde als Spam eingestuft."),
    S("telefonica", "soft", "spamdetected", "no-deseado", "550 5.7.1 Mensaje rechazado: correo no deseado", why="mensaje rechazado por considerarse spam"),
    S("japanese-ndr", "soft", "spamdetected", "meiwaku", "550 5.7.1 Message rejected as spam", why="迷惑メールと判定されたため受信を拒否しました"),
    S("coremail-html", "soft", "spamdetected", "dt-spm-html", "554 DT:SPM 邮件正文带有垃圾邮件特征，被拒收"),
    S("interscan", "soft", "", "bulk-policy", "550 5.7.1 Message rejected by content filter (policy: BULK)", command="DATA"),
    S("verizon", "soft", "", "content-rejected", "554 5.7.1 Message content rejected", domain="vtext.example.com"),
    S("ses-mail", "soft", "", "unacceptable-content", "554 5.7.1 Message rejected because of unacceptable content"),
    S("unknown-plain", "soft", "", "content-filter-500", "550 5.0.0 Blocked by content filter", subject="Undeliverable mail"),
    S("postfix", "soft", "virusdetected", "infected", "554 5.7.0 Reject, id=12345-01 - INFECTED: Eicar-Test-Signature", command=DATA),
    S("exchange2010-ext", "soft", "virusdetected", "malicious", "550 5.7.1 Message rejected: virus or malicious content detected"),
    S("postfix", "soft", "mesgtoobig", "size-534", "552 5.3.4 Message size exceeds fixed limit", command=DATA),
    S("exim", "soft", "mesgtoobig", "size-552", "552 Message size exceeds maximum permitted", command="MAIL FROM"),
    S("postfix", "soft", "contenterror", "gmail-5322", "550-5.7.1 [192.0.2.25] This message is not RFC 5322 compliant. There are multiple From headers. 550-5.7.1 To reduce the amount of spam sent to Gmail, this message has been blocked. 550 5.7.1 https://support.google.com/mail/?p=RfcMessageNonCompliant - gsmtp", command=DATA),
    S("exchange2010-ext", "soft", "contenterror", "invalid-content", "554 5.6.0 Invalid message content"),
    # our authentication, our sender address, our connection
    S("postfix", "soft", "authfailure", "gmail-5726", "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. 550-5.7.26 Authentication results: DKIM = did not pass SPF [crpve.example.org] with ip: [192.0.2.25] = did not pass 550 5.7.26 https://support.google.com/mail/answer/81126#authentication 5a1b.15 - gsmtp", command=DATA),
    S("postfix", "soft", "authfailure", "dmarc-policy", "550 5.7.1 Email rejected per DMARC policy for crpve.example.org", command=DATA),
    S("exim", "soft", "authfailure", "spf-failed", "550 SPF check failed: 192.0.2.25 is not allowed to send mail from crpve.example.org", command="MAIL FROM"),
    S("office365", "soft", "authfailure", "5-7-509", "550 5.7.509 Access denied, sending domain crpve.example.org does not pass DMARC verification and has a DMARC policy of reject. [AM4PEPF0000ABCD.eurprd04.prod.outlook.com]"),
    S("postfix", "soft", "authfailure", "5-7-23", "550 5.7.23 The message was rejected because of Sender Policy Framework violation", command=DATA),
    S("postfix", "soft", "authfailure", "dmarc-error", "554 5.7.5 Permanent error evaluating DMARC policy", command=DATA),
    S("yahoo", "soft", "policyviolation", "policy-reasons", "554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes", command="DATA"),
    S("postfix", "soft", "requireptr", "5-7-25", "550 5.7.25 [192.0.2.25] The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. As a policy, Gmail does not accept messages from IPs with missing PTR records. - gsmtp"),
    S("postfix", "soft", "requireptr", "no-reverse", "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.25]", "4.7.1", about="a 450 repeated until the relay gave up"),
    S("postfix", "soft", "securityerror", "starttls", "530 5.7.0 Must issue a STARTTLS command first", command=MAIL),
    S("postfix", "soft", "securityerror", "tls-required", "554 5.7.1 TLS required: a secure connection is required by the recipient domain's policy", command=MAIL),
    S("exchange2003", "soft", "", "no-permission", "550 5.7.1 Requested action not taken: message refused", blurb="You do not have permission to send to this recipient.  For assistance, contact your system administrator."),
    S("office365", "soft", "", "group-auth", "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; Delivery restriction check failed as sender not authenticated", why="The group {rcpt} only accepts messages from people in its organization or on its allowed senders list."),
    S("office365", "soft", "", "restricted-senders", "550 5.7.129 RESOLVER.RST.RestrictedToRecipientsPermission; not authorized to send to recipient because the sender isn't on the recipient's list of senders to accept mail from", why="Your message couldn't be delivered because delivery to this address is restricted."),
    S("postfix", "soft", "", "delivery-not-authorized", "550 5.7.1 Delivery not authorized, message refused", command=DATA),
    S("postfix", "soft", "rejected", "sender-domain-not-found", "553 5.1.8 <{sender}>: Sender address rejected: Domain not found", command=MAIL, about="OUR sender domain 'not found' (a DNS hiccup on their side): not the recipient"),
    S("postfix", "soft", "rejected", "sender-user-unknown", "550 5.1.0 <{sender}>: Sender address rejected: User unknown in local recipient table", command=MAIL, about="sender verification of OUR bounce address said 'user unknown'"),
    S("exim", "soft", "rejected", "sender-verify", "550-Verification failed for <{sender}>\n550-Unrouteable address\n550 Sender verify failed", command="MAIL FROM"),
    S("sendmail", "soft", "rejected", "sender-domain", "553 5.1.8 <{sender}>... Domain of sender address {sender} does not exist", command="MAIL From"),
    S("postfix", "soft", "rejected", "sender-access-denied", "550 5.7.1 <{sender}>: Sender address rejected: Access denied", command=MAIL),
    S("postfix", "soft", "rejected", "sender-nullmx", "550 5.7.27 <{sender}>: Sender address has null MX", command=MAIL, about="null MX about OUR address, not the recipient's"),
    S("office365", "soft", "", "sender-blocked-org", "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized: messages from actualites@crpve.example.org are blocked by the recipient's organization"),
    S("fml", "soft", "rejected", "not-member", "You are not a member of this mailing list <kenshu-ml@lists.example.jp>.", title="reject"),
    S("fml", "soft", "systemerror", "loop", "Duplicated Message-ID in <kenshu-ml@lists.example.jp>.", title="Loop Alert"),
    # relaying, routing, expiry, system
    S("postfix", "soft", "norelaying", "relay-denied", "554 5.7.1 <{rcpt}>: Relay access denied"),
    S("sendmail", "soft", "norelaying", "relaying-denied", "550 5.7.1 <{rcpt}>... Relaying denied. Proper authentication required."),
    S("exchange2010-ext", "soft", "norelaying", "5-7-54", "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain"),
    S("qmail", "soft", "norelaying", "rcpthosts", "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)"),
    S("postfix", "soft", "", "internal-only", "550 5.7.1 <{rcpt}>: Recipient address rejected: this address only accepts mail from internal senders"),
    S("japanese-ndr", "soft", "filtered", "jushin-kyohi", "550 5.7.1 Rejected by recipient's settings", why="受信拒否設定により受信できませんでした"),
    S("postfix", "soft", "filtered", "docomo-data", "550 Unknown user {rcpt}", command=DATA, about="'Unknown user' after the message was sent: the recipient's domain filter (carrier), not a missing mailbox"),
    S("netease", "soft", "", "refused-by-user", "554 RP:TRC 收件人拒收 / recipient refuses your mail", why="收件人设置了拒收"),
    S("office365", "soft", "", "recipient-blocked", "550 5.7.1 The message was rejected because the recipient has blocked the sender"),
    S("ezweb", "soft", "", "domain-filter", "554 5.7.1 rejected by filter", intro="Each of the following recipients was rejected by a remote mail server."),
    S("postfix", "soft", "", "connection-refused", "connect to mx1.example.net[198.51.100.4]:25: Connection refused", "4.4.1", local=True, about="connections refused until the relay gave up"),
    S("qmail", "soft", "", "no-connection-expired", "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)\nI'm not going to try again; this message has been in the queue too long.", local=True),
    S("exim", "soft", "expired", "retry-timeout", "retry timeout exceeded", local=True),
    S("exim", "soft", "", "hosts-failing", "all hosts for 'example.net' have been failing for a long time (and retry time not reached)", local=True),
    S("sendmail", "soft", "expired", "5-days", "Message could not be delivered for 5 days", "4.4.7", local=True),
    S("office365", "soft", "expired", "queue-expired", "550 4.4.7 QUEUE.Expired; message expired", why="Your message couldn't be delivered. The destination email system didn't respond in time."),
    S("ses-mail", "soft", "expired", "ses-expired", "554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.0 Unable to lookup DNS for example.net>"),
    S("postfix", "soft", "", "dns-try-again", "Host or domain name not found. Name service error for name=agglo-exemple.example type=MX: Host not found, try again", "4.4.3", local=True, about="a temporary DNS failure until the relay gave up: not a missing domain"),
    S("exchange2010", "soft", "", "hop-count", "554 5.4.6 Hop count exceeded - possible mail loop", blurb="A configuration error in the e-mail system caused the message to bounce between two servers or to be forwarded between two recipients."),
    S("postfix", "soft", "systemerror", "temporary-error", "451 4.3.0 Temporary server error. Please try again later", "4.3.0"),
    S("postfix", "soft", "", "mail-system-error", "554 5.3.0 Mail system error, please try again later", command=DATA),
    S("postfix", "soft", "", "loops-back", "mail for example.net loops back to myself", "5.4.6", local=True),
    S("messaging-server", "soft", "policyviolation", "local-policy", "550 5.7.1 Not allowed by local policy", ms_reason="Remote SMTP server has rejected message"),
    S("postfix", "soft", "policyviolation", "local-policy", "550 5.7.1 Message rejected due to local policy", command=DATA),
    S("postfix", "soft", "", "access-denied-500", "550 Access denied", about="a bare 550 Access denied (Status 5.0.0)"),
    S("courier", "soft", "", "policy-target", "550 5.7.1 Policy rejection on the target address"),
    S("postfix", "soft", "", "local-policy-570", "550 5.7.0 Local Policy Violation", command=DATA),
    S("james-dsn", "soft", "", "policy-reasons", "550 5.7.1 Rejected for policy reasons"),
    S("opensmtpd", "soft", "mailboxfull", "over-quota-expired", "452 4.2.2 Mailbox full", "4.2.2"),
]

# SES notifications (JSON, alone or in an SNS envelope)
SES = [
    S("ses-json", "hard", "userunknown", "permanent-general", about="SES Permanent/General 5.1.1", kind="Bounce", btype="Permanent", sub="General", status="5.1.1", diag="smtp; 550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown"),
    S("ses-json", "hard", "userunknown", "permanent-noemail", about="SES Permanent/NoEmail without a DSN", kind="Bounce", btype="Permanent", sub="NoEmail"),
    S("ses-json", "hard", "", "permanent-suppressed", about="SES Permanent/Suppressed (SES's own list of addresses that bounced hard)", kind="Bounce", btype="Permanent", sub="Suppressed"),
    S("ses-json", "hard", "userunknown", "permanent-two", about="SES Permanent/General for two recipients", kind="Bounce", btype="Permanent", sub="General", status="5.1.1", diag="smtp; 550 5.1.1 user unknown", rcpts=("n.petit@example.org", "dev.social@example.org")),
    S("ses-json", "hard", "userunknown", "sns-permanent", about="SNS envelope around a Permanent/General", kind="Bounce", btype="Permanent", sub="General", status="5.1.1", diag="smtp; 550 5.1.1 The email account that you tried to reach does not exist", sns=True),
    S("ses-json", "hard", "userunknown", "event-permanent", about="SES event publishing (eventType) Permanent/General", kind="Bounce", btype="Permanent", sub="General", status="5.1.1", diag="smtp; 550 5.1.1 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", event=True),
    S("ses-json", "soft", "spamdetected", "permanent-but-spam", about="SES calls it Permanent/General, the reply is a spam refusal", kind="Bounce", btype="Permanent", sub="General", status="5.7.1", diag="smtp; 550 5.7.1 Message rejected as spam by Content Filtering"),
    S("ses-json", "soft", "suspend", "permanent-but-disabled", about="SES Permanent/General for a disabled account", kind="Bounce", btype="Permanent", sub="General", status="5.2.1", diag="smtp; 550 5.2.1 The email account that you tried to reach is disabled."),
    S("ses-json", "soft", "mailboxfull", "transient-full", about="SES Transient/MailboxFull", kind="Bounce", btype="Transient", sub="MailboxFull", status="5.2.2", diag="smtp; 552 5.2.2 Mailbox full"),
    S("ses-json", "soft", "mesgtoobig", "transient-toolarge", about="SES Transient/MessageTooLarge", kind="Bounce", btype="Transient", sub="MessageTooLarge", status="5.3.4", diag="smtp; 552 5.3.4 Message too big"),
    S("ses-json", "soft", "", "transient-content", about="SES Transient/ContentRejected", kind="Bounce", btype="Transient", sub="ContentRejected", status="5.7.1", diag="smtp; 554 5.7.1 Message content rejected"),
    S("ses-json", "soft", "", "transient-general", about="SES Transient/General", kind="Bounce", btype="Transient", sub="General"),
    S("ses-json", "soft", "", "undetermined", about="SES Undetermined", kind="Bounce", btype="Undetermined", sub="Undetermined"),
    S("ses-json", "soft", "", "attachment-rejected", about="SES Transient/AttachmentRejected", kind="Bounce", btype="Transient", sub="AttachmentRejected", status="5.7.1", diag="smtp; 552 5.7.1 Attachment type not allowed", sns=True),
    S("ses-json", "soft", "onhold", "account-suppression", about="SES Permanent/OnAccountSuppressionList: our own account-level list", kind="Bounce", btype="Permanent", sub="OnAccountSuppressionList"),
    S("ses-json", "complaint", "feedback", "complaint-abuse", about="SES complaint with a feedback type", kind="Complaint", ftype="abuse"),
    S("ses-json", "complaint", "feedback", "complaint-no-type", about="SES complaint without a feedback type (ISP sent no ARF)", kind="Complaint"),
    S("ses-json", "complaint", "feedback", "sns-complaint", about="SNS envelope around a complaint", kind="Complaint", ftype="abuse", sns=True),
    S("ses-json", "complaint", "feedback", "event-complaint", about="SES event publishing complaint", kind="Complaint", ftype="abuse", event=True),
    S("ses-json", "ignore", "delivered", "delivery", about="SES Delivery notification", kind="Delivery"),
    S("ses-json", "ignore", "", "delivery-delay", about="SES DeliveryDelay event", kind="DeliveryDelay", event=True),
    S("sns-email-json", "hard", "userunknown", "email-json-permanent", about="SNS email-json subscription carrying a Permanent bounce", kind="Bounce", btype="Permanent", sub="General", status="5.1.1", diag="smtp; 550 5.1.1 user unknown"),
    S("sns-email-json", "complaint", "feedback", "email-json-complaint", about="SNS email-json subscription carrying a complaint", kind="Complaint", ftype="abuse"),
]

COMPLAINTS = [
    S("arf", "complaint", "feedback", "yahoo-cfl", about="Yahoo CFL, ARF, recipient redacted", sender="\"Yahoo! Mail AntiSpam Feedback\" <feedback@arf.mail.yahoo.com>", agent="Yahoo!-Mail-Feedback/2.0", host="arf.mail.yahoo.com", rcpt_to=False, redact=True),
    S("arf", "complaint", "feedback", "aol-scomp", about="AOL feedback loop", sender="scomp@aol.net", agent="AOL SComp", host="aol.net", subject="Client TOS Notification"),
    S("arf", "complaint", "feedback", "mailru", about="Mail.ru FBL", sender="fbl@corp.mail.ru", agent="Mail.Ru FBL/1.0", host="corp.mail.ru", subject="Mail.Ru FBL report"),
    S("arf", "complaint", "feedback", "yandex", about="Yandex FBL", sender="\"Yandex FBL\" <feedback@yandex.ru>", agent="Yandex.Mail FBL", host="yandex.ru", subject="Yandex FBL report"),
    S("arf", "complaint", "feedback", "comcast-headers", about="Comcast (Cloudmark) ARF, headers only", sender="feedback@comcast.net", agent="Cloudmark Feedback/1.0", host="comcast.net", headers_only=True),
    S("arf", "complaint", "feedback", "signal-spam", about="Signal Spam ARF for Orange, French text", sender="Signal Spam <fbl@signal-spam.fr>", agent="Signal Spam/2.0", host="signal-spam.fr", subject=SUBJECT_MIME, human="Un utilisateur d'Orange a signalé ce message comme indésirable via Signal Spam."),
    S("arf", "complaint", "feedback", "jmrp-arf", about="Microsoft JMRP in ARF form", sender="staff@hotmail.com", agent="Microsoft JMRP/1.0", host="hotmail.com", subject="complaint about message from 192.0.2.25"),
    S("jmrp-forward", "complaint", "feedback", "hotmail-no-type", about="Outlook.com JMRP: forwarded original with X-HmXmrOriginalRecipient, no Feedback-Type"),
    S("arf", "complaint", "feedback", "opt-out", about="ARF opt-out (unsubscribe through the provider)", ftype="opt-out", agent="SomeMailbox/3.1"),
    S("arf", "complaint", "feedback", "fraud", about="ARF fraud (the person says phishing)", ftype="fraud", agent="Fastmail FBL/1.0", sender="fbl@fastmail.example.com"),
    S("arf", "complaint", "feedback", "lowercase", about="ARF with lower-case field names", lower=True, agent="mailbox-provider fbl"),
    S("arf", "complaint", "feedback", "no-original-fields", about="ARF without Original-Mail-From / Original-Rcpt-To", mail_from=False, rcpt_to=False, agent="MiniFBL/0.9"),
    S("arf", "ignore", "", "not-spam", about="ARF not-spam: the person says it is NOT spam", ftype="not-spam", agent="SomeMailbox/3.1"),
    S("abuse-desk", "complaint", "feedback", "plain-forward", about="abuse desk complaint in plain text with the original attached"),
    S("ses-forwarded-complaint", "complaint", "feedback", "ses-forwarded", about="SES email feedback forwarding of an ISP's ARF"),
    S("apple-unsubscribe", "complaint", "feedback", "apple", about="Apple Mail one-tap unsubscribe (X-Apple-Unsubscribe)"),
]

NOT_BOUNCES = [
    S("postfix-delayed", "ignore", "", "greylist-delay", "450 4.2.0 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html"),
    S("postfix-delayed", "ignore", "", "full-delay", "452 4.2.2 <{rcpt}>: Mailbox full"),
    S("exim-delay", "ignore", "", "exim-delay", "451 4.7.1 Please try again later"),
    S("sendmail-warning", "ignore", "", "4-hours", "450 4.7.1 <{rcpt}>... Please try again later"),
    S("gmail", "ignore", "", "delivery-incomplete", "421 4.7.0 Try again later, closing connection.", action="delayed", headline="** Delivery incomplete **", sentence="There was a temporary problem delivering your message to {rcpt}. Gmail will retry for 46 more hours. You'll be notified if the delivery fails permanently."),
    S("notice-dsn", "ignore", "", "o365-delayed", "421 4.4.2 Connection dropped due to SocketError", "4.4.2", action="delayed", subject="Delivery delayed: " + "Journ=?utf-8?q?=C3=A9e?= du 12 janvier", human="Delivery of your message to {rcpt} has been delayed.\nThe server will keep trying to deliver your message for 1 day, 23 hours.", sender="Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.org>", source="Office 365 delay notice"),
    S("notice-dsn", "ignore", "", "courier-delayed", "", "4.0.0", action="delayed", subject="WARNING: delayed mail.", human="This is a delivery status notification from mx.example.net, running the Courier mail server.\n\n                        DELAYS IN DELIVERING YOUR MESSAGE\n\nThis is an automatically generated message. Your message has not been delivered yet to the following recipients.", sender="\"Courier mail server at mx.example.net\" <@>", source="Courier delay notice", mta="mx.example.net"),
    S("postfix-success", "ignore", "", "relayed"),
    S("notice-dsn", "ignore", "", "exchange-relayed", "", "2.0.0", action="relayed", subject="Relayed: Journ=?utf-8?q?=C3=A9e?= du 12 janvier", human="Delivery to these recipients or groups is complete, but no delivery notification was sent by the destination server:\n\n{rcpt}", source="Exchange relay notice"),
    S("notice-dsn", "ignore", "", "exchange-delivered", "", "2.0.0", action="delivered", subject="Delivered: Journ=?utf-8?q?=C3=A9e?= du 12 janvier", human="Your message has been delivered to the following recipients:\n\n{rcpt}", source="Exchange delivery notice"),
    S("read-receipt", "ignore", "", "mdn-read"),
    S("reply", "ignore", "vacation", "exchange-fr", subject="Réponse automatique : " + SUBJECT, body="Bonjour,\n\nJe suis absente du bureau jusqu'au 30 novembre inclus, sans accès à ma messagerie.\nEn cas d'urgence, vous pouvez contacter le secrétariat au 01 60 00 00 00.\n\nCordialement,\nJeanne Martin", headers="Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: {rcpt}\nThread-Topic: " + SUBJECT_MIME + "\n", source="Exchange automatic reply"),
    S("reply", "ignore", "vacation", "exchange-en", subject="Automatic reply: " + SUBJECT, body="Thank you for your email. I am out of the office until 2 December with limited access to email.", headers="Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n", source="Exchange automatic reply"),
    S("reply", "ignore", "vacation", "abwesenheit", subject="Abwesenheitsnotiz: " + SUBJECT, body="Vielen Dank für Ihre Nachricht. Ich bin bis zum 30.11. nicht im Büro und habe keinen Zugriff auf meine E-Mails.", headers="Auto-Submitted: auto-replied\n", charset="iso-8859-1", source="German out-of-office"),
    S("reply", "ignore", "vacation", "respuesta", subject="Respuesta automática: Fuera de la oficina", body="Gracias por su mensaje. Estaré fuera de la oficina hasta el 1 de diciembre.", headers="Auto-Submitted: auto-replied\nPrecedence: auto_reply\n", charset="iso-8859-1", source="Spanish out-of-office"),
    S("reply", "ignore", "vacation", "japanese", subject="不在通知", body="お世話になっております。誠に勝手ながら11月30日まで不在にしております。", headers="Auto-Submitted: auto-replied\n", charset="iso-2022-jp", source="Japanese out-of-office"),
    S("reply", "ignore", "vacation", "chinese", subject="自动回复: " + SUBJECT, body="您好，我目前不在办公室，将于12月1日回复您的邮件。", headers="Auto-Submitted: auto-replied\nX-Autoreply: yes\n", charset="gb2312", source="Chinese auto-reply"),
    S("reply", "ignore", "vacation", "gmail-vacation", subject="Re: " + SUBJECT, body="Je suis en congé jusqu'au 27 novembre. Je lirai votre message à mon retour.", headers="Auto-Submitted: auto-replied\nPrecedence: bulk\n", b64=True, source="Gmail vacation responder"),
    S("reply", "ignore", "vacation", "old-vacation", subject="Absent : " + SUBJECT, body="Bonjour, je suis absent jusqu'au 25/11. Pour toute question urgente : accueil@mairie-exemple.example", headers="X-Autoreply: yes\nX-Mailer: vacation 1.2.7\n", source="the vacation(1) program"),
    S("reply", "ignore", "vacation", "no-longer-read", subject="Re: " + SUBJECT, body="Merci pour votre message. Cette adresse n'est plus consultée : écrivez désormais à accueil@mairie-exemple.example.\nVotre message n'a pas été transmis.", headers="Auto-Submitted: auto-replied\n", source="an auto-reply on a retired address (the mail was accepted)"),
    S("reply", "ignore", "vacation", "full-of-mail", subject="Out of office: " + SUBJECT, body="Back on Monday. My mailbox is full of messages after the holidays, so I may answer slowly.", headers="Auto-Submitted: auto-replied\n", source="an out-of-office that mentions a full mailbox"),
    S("reply", "ignore", "", "human-reply", subject="Re: " + SUBJECT, body="Bonjour,\n\nMerci pour l'information, je m'inscris pour le 12 janvier.\n\nBien cordialement,\nPaul Leroy", source="a person's reply"),
    S("reply", "ignore", "vacation", "zimbra", subject="Absence : " + SUBJECT, body="Je suis actuellement en formation, je répondrai à votre message dès mon retour.", headers="Auto-Submitted: auto-replied (zimbra; vacation)\nPrecedence: bulk\n", source="Zimbra vacation"),
    S("ticket", "ignore", "", "helpdesk"),
    S("challenge", "ignore", "", "verify-human"),
]

# Round 2, still blind to the rules: replies whose words sound fatal but are not about the
# recipient's mailbox (our HELO, our IP "unknown[...]", our sender, "invalid" HELO quoting RFC
# section numbers, policies naming "user or domain"), and fatal replies in words or codes
# that do not sound so (5.2.1/5.7.1/5.3.0 with "does not exist", bare 550s, non-English).
ROUND2 = [
    S("postfix", "soft", "", "client-unknown-ip", "554 5.7.1 <unknown[192.0.2.25]>: Client host rejected: Access denied", about="Postfix names a client without PTR 'unknown[IP]'"),
    S("postfix", "soft", "", "helo-host-not-found", "450 4.7.1 <relay.crpve.example.org>: Helo command rejected: Host not found", "4.7.1", about="OUR HELO name 'not found', repeated until the relay gave up"),
    S("exim", "soft", "", "invalid-helo", "550 Invalid HELO name (See RFC2821 4.1.1.1)", command="EHLO", about="invalid HELO citing RFC section 4.1.1.1"),
    S("postfix", "soft", "", "helo-fqdn", "504 5.5.2 <lettrine>: Helo command rejected: need fully-qualified hostname"),
    S("postfix", "soft", "requireptr", "cannot-find-hostname", "550 5.7.25 Client host rejected: cannot find your hostname, [192.0.2.25]"),
    S("postfix", "soft", "", "forged-unknown", "550 <{rcpt}>: Recipient address rejected: Mail appeared to be SPAM or forged. Ask your Mail/DNS-Administrator to correct HELO and DNS MX settings or to get removed from DNSBLs; MTA helo: relay.crpve.example.org, MTA hostname: unknown[192.0.2.25]", about="'Recipient address rejected' + 'unknown' but about our DNS and reputation"),
    S("postfix", "soft", "", "gcdp-user-or-domain", "550-5.7.1 The user or domain that you are sending to (or from) has a policy that 550-5.7.1 prohibited the mail that you sent. Please contact your domain 550-5.7.1 administrator for further details. For more information, go to 550 5.7.1  https://support.google.com/a/answer/172179 - gcdp 5a1b.16 - gsmtp", command=DATA),
    S("postfix", "soft", "", "ses-not-verified", "554 Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-3: actualites@crpve.example.org", command=DATA, about="our SES identity not verified: sender side"),
    S("postfix", "soft", "", "recipient-not-authorized-bl", "550 5.7.1 Recipient not authorized, your IP has been found on a block list"),
    S("postfix", "soft", "", "spam-url-unknown", "554 5.7.1 Rejected: Spam URL found in body: unknown-shortener.example", command=DATA),
    S("postfix", "soft", "filtered", "user-denylist", "550 5.5.1 <{rcpt}>: Recipient address rejected: Sender is on user denylist"),
    S("exim", "soft", "filtered", "does-not-accept-sender", "550 5.7.1 <{rcpt}>: the recipient does not accept mail from this sender"),
    S("postfix", "soft", "", "unknown-sender-553", "553 5.1.7 <{sender}>: Sender address rejected: invalid sender domain", command=MAIL),
    S("sendmail", "soft", "rejected", "sender-does-not-exist", "550 5.1.0 <{sender}>... Sender denied as sender's email address does not exist", command="MAIL From"),
    S("postfix", "soft", "", "sender-user-unknown-571", "550 5.7.1 <{sender}>: Sender address rejected: User unknown", command=MAIL, about="'User unknown' about OUR return path"),
    S("office365", "soft", "", "o365-sender-unknown", "550 5.1.8 Access denied, bad outbound sender. AS(42004) [AM4PEPF0000ABCD.eurprd04.prod.outlook.com]"),
    S("postfix", "soft", "", "unknown-reverse-dns", "450 4.7.1 <unknown[192.0.2.25]>: Client host rejected: unknown reverse DNS", "4.7.1"),
    S("postfix", "soft", "mailboxfull", "511-over-quota", "550 5.1.1 <{rcpt}>: Recipient address rejected: Over quota"),
    S("postfix", "soft", "mailboxfull", "full-522-550", "550 5.2.2 <{rcpt}>: Mailbox unavailable: quota exceeded"),
    S("exim-dsn", "soft", "mailboxfull", "storage-full", "550 This mailbox has exceeded its storage limit"),
    S("postfix", "soft", "suspend", "expired-account", "550 5.2.1 <{rcpt}>: Recipient address rejected: mailbox unavailable, account expired"),
    S("postfix", "soft", "suspend", "closed-511", "550 5.1.1 <{rcpt}>: Recipient address rejected: account closed"),
    S("postfix", "soft", "suspend", "temporarily-disabled", "550 5.1.1 <{rcpt}> Mailbox temporarily disabled"),
    S("postfix", "soft", "suspend", "locked", "550 user is locked"),
    S("exim", "soft", "suspend", "not-active", "550 Mailbox is not active", about="a bare 550 'not active'"),
    S("sendmail", "soft", "", "unavailable-access-denied", "550 5.7.1 <{rcpt}>... Mailbox unavailable or access denied [policy]"),
    S("postfix", "soft", "", "rejected-5-1-1-content", "550 5.1.1 <{rcpt}>: Recipient address rejected: Message rejected due to content restrictions", command=DATA, about="a content refusal reported with 5.1.1"),
    S("postfix", "soft", "", "greylisted-451-failed", "451 4.7.1 Greylisting in action, please come back later", "4.7.1", about="greylisting never passed; the relay gave up"),
    S("postfix", "soft", "toomanyconn", "too-many-recipients", "550 5.5.3 Too many recipients in this hour for sender domain crpve.example.org", command=DATA),
    S("postfix", "soft", "", "rate-554-571", "554 5.7.1 Message rejected: too many messages from this sender, try again later (RL:2026)", command=DATA),
    S("postfix", "hard", "userunknown", "invalid-recipient", "550 Invalid recipient <{rcpt}>"),
    S("postfix", "hard", "userunknown", "recipient-not-found", "550 Recipient not found"),
    S("postfix", "hard", "userunknown", "521-does-not-exist", "550 5.2.1 <{rcpt}>: Recipient address rejected: Mailbox does not exist"),
    S("postfix", "hard", "userunknown", "571-does-not-exist", "550 5.7.1 <{rcpt}>: Recipient address rejected: user does not exist"),
    S("postfix", "hard", "userunknown", "530-no-such-user", "553 5.3.0 <{rcpt}>... No such user here"),
    S("exim-dsn", "hard", "userunknown", "no-such-user-500", "550 5.0.0 <{rcpt}>... No such user"),
    S("postfix", "hard", "userunknown", "address-invalid", "550 5.1.1 Recipient rejected: address is invalid"),
    S("postfix", "hard", "userunknown", "unknown-user-colon", "550 5.1.1 Unknown user: {rcpt}"),
    S("postfix", "hard", "userunknown", "coremail-not-exist", "550 RCPT TO <{rcpt}>: user not exist"),
    S("postfix", "hard", "userunknown", "126-does-not-exist", "550 User does not exist"),
    S("japanese-ndr", "hard", "userunknown", "ja-fumei", "550 5.1.1 Unknown user", why="宛先不明のため配信できませんでした"),
    S("japanese-ndr", "hard", "userunknown", "ja-user-none", "550 Unknown user", why="ユーザが存在しません"),
    S("german-isp", "hard", "userunknown", "postfach-existiert-nicht", "550 5.1.1 Mailbox does not exist / Postfach existiert nicht", why="Die Adresse ist unbekannt."),
    S("french-isp", "hard", "userunknown", "nexiste-pas", "550 5.1.1 Cette adresse email n'existe pas", why="destinataire inconnu"),
    S("french-isp", "hard", "userunknown", "bal-inexistante", "550 boite aux lettres inexistante", why="utilisateur inexistant"),
    S("telefonica", "hard", "userunknown", "no-existe", "550 5.1.1 La dirección de correo no existe", why="buzón inexistente"),
    S("qq", "hard", "userunknown", "qq-user-not-exist", "550 该用户不存在 / The user does not exist", why="收件人地址不存在"),
    S("sina", "hard", "userunknown", "sina-address", "收件人地址不存在 (550 Mailbox not found)"),
    S("unknown-plain", "hard", "hostunknown", "no-mx-domain", "Domain ancienne-asso.example has no MX or A record: the domain does not exist", subject="Undeliverable: returned mail"),
    S("postfix", "hard", "hostunknown", "nullmx-recipient", "556 5.1.10 <{rcpt}>: Recipient address rejected: Domain ancien-syndicat.example does not accept mail (null MX)"),
    S("unknown-plain", "soft", "", "mailbox-busy", "450 4.2.1 Mailbox busy, try again later -- giving up after 5 days", subject="Delivery failure"),
    S("postfix", "soft", "", "550-rejected-bare", "550 Rejected", about="a bare '550 Rejected'"),
    S("postfix", "soft", "", "554-transaction-failed", "554 Transaction failed", command=DATA),
    S("postfix", "soft", "", "550-denied-policy", "550 Denied by policy", command=DATA),
    S("exchange2010-ext", "soft", "", "submission-quota", "554 5.2.2 mailbox full; submission quota exceeded for the sender", about="Exchange: OUR account's submission quota (5.2.2), not the recipient's mailbox"),
]

ALL = HARD + SOFT + SES + COMPLAINTS + NOT_BOUNCES + ROUND2


@dataclass(frozen=True)
class Sample:
    name: str
    verdict: str
    reason: str
    about: str
    data: bytes


def _rcpt(n: int, spec: Spec) -> str:
    return f"{LOCALS[n % len(LOCALS)]}@{spec.domain or DOMAINS[(n * 3) % len(DOMAINS)]}"


def _fill(value, rcpt: str, n: int):
    if isinstance(value, str):
        return value.replace("{rcpt}", rcpt).replace("{sender}", return_path(n)).replace("{domain}", rcpt.split("@")[1])
    if isinstance(value, tuple):
        return [_fill(v, rcpt, n) for v in value]
    return value


def build(spec: Spec, n: int) -> tuple[str, bytes]:
    rcpt = _rcpt(n, spec)
    extra = {k: _fill(v, rcpt, n) for k, v in spec.extra}
    if extra.get("redact"):
        rcpt = "redacted@" + rcpt.split("@")[1]
    extra["source"] = extra.get("source") or f"the {spec.layout} format"
    case = Case(rcpt, n, status=spec.status, diag=_fill(spec.diag, rcpt, n), command=spec.command,
                action=spec.action, extra=extra)
    if spec.layout in LAYOUTS:
        text = LAYOUTS[spec.layout](case)
        ext = ".eml"
    else:
        text = BUILDERS[spec.layout](case)
        ext = ".json" if spec.layout == "ses-json" else ".eml"
    name = f"{n:03d}-{spec.layout}-{spec.tag}{ext}"
    return name, text.encode("utf-8")


def samples() -> list[Sample]:
    out = []
    for n, spec in enumerate(ALL, start=1):
        name, raw = build(spec, n)
        out.append(Sample(name, spec.verdict, spec.reason, spec.about.replace("\t", " ").replace("\n", " "), raw))
    return out


def verdicts_tsv(items: list[Sample]) -> str:
    lines = ["# HAND-MADE blind batch (tests/bounce_blind.py): file, the verdict a careful postmaster gives, "
             "the reason (blank where careful readers differ), what it is.",
             "file\tverdict\treason\tabout"]
    lines += [f"{x.name}\t{x.verdict}\t{x.reason}\t{x.about}" for x in items]
    return "\n".join(lines) + "\n"


def write(folder: Path = BLIND) -> int:
    return bounce_corpus.write(folder, samples(), verdicts_tsv)


if __name__ == "__main__":
    print(write(), "reports written to", BLIND, file=sys.stderr)
