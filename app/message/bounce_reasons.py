"""Why a delivery failed, as one named reason, from what the servers said.

Pure text → reason. ``app.message.dsn`` finds the pieces in a message (the RFC 3463
status, the remote server's reply, the reporting MTA's own wording); this module
decides. The diagnostic text is the real signal: many MTAs put ``5.0.0`` (or a bare
``550``) on everything, and a 550 is as often a spam or reputation block as an
unknown user. So, in this order:

1. the remote server's words against the patterns below (first reason that matches,
   sender-side and non-fatal reasons before the fatal ones, so that "mailbox
   unavailable: your IP is blocklisted" is a block, not an unknown user);
2. a specific enhanced status code (``5.1.1``, ``5.2.2``, ``5.7.26``…);
3. the reporting MTA's own wording (Gmail's "address couldn't be found", qmail's
   "no mailbox here by that name", Exchange's "RecipNotFound"…), same patterns;
4. weak hints ("mailbox unavailable", "access denied", a bare 551);
5. otherwise ``onhold``: we cannot tell, so the address is not condemned.

Hard means the mailbox or domain is dead: ``userunknown``, ``hostunknown``,
``hasmoved``, and ``suspend`` when the server says the account is gone for good.
A hard-looking reason under a temporary (4xx) code stays soft.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

HARD, SOFT, COMPLAINT, IGNORE = "hard", "soft", "complaint", "ignore"

# Every reason a report can get (README lists them; the admin translates them).
REASONS: tuple[str, ...] = (
    "userunknown", "hostunknown", "hasmoved", "suspend", "mailboxfull", "exceedlimit", "mesgtoobig",
    "filtered", "spamdetected", "virusdetected", "contenterror", "blocked", "policyviolation",
    "authfailure", "requireptr", "securityerror", "rejected", "norelaying", "toomanyconn", "expired",
    "networkerror", "systemerror", "mailererror", "onhold", "feedback", "vacation", "delivered",
)
HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved"})
# About us (our IP, domain, authentication, content, speed), not about the subscriber:
# never counted against the address; shown on the dashboard as a sender-health alert.
SENDER_SIDE = frozenset({"blocked", "policyviolation", "authfailure", "requireptr", "securityerror",
                         "rejected", "spamdetected", "toomanyconn"})

_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d])")
_SMTP_CODE = re.compile(r"(?<!\d)([245])(\d\d)(?=[ \-]|$)", re.M)
TEXT_LIMIT = 20_000  # characters of diagnostic text looked at: enough for any real reply


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.I)


# (reason, pattern), tried in this order. Patterns are plain alternations (no nested
# quantifiers), so each scan is linear in the text.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("authfailure", _rx(
        r"\bDMARC\b", r"\bSPF\b", r"\bDKIM\b", r"sender policy framework", r"domainkeys",
        r"\bunauthenticated\b", r"sender is unauthenticated", r"not (?:pass|passing) (?:authentication|verification)",
        r"authentication (?:check(?:s)? )?fail", r"fail(?:ed|s)? (?:the )?(?:sender )?authentication",
        r"not (?:authorized|permitted|allowed) to send (?:mail )?on behalf", r"\b5\.7\.2[0-46]\b",
        r"\b5\.7\.509\b", r"authentification (?:de l'exp[ée]diteur )?(?:a )?[ée]chou")),
    ("requireptr", _rx(
        r"\bPTR\b", r"reverse (?:DNS|lookup|hostname|dns lookup|name)", r"\brDNS\b",
        r"cannot find your (?:hostname|reverse)", r"can(?:no|')t resolve your (?:ip|address|host)",
        r"(?:hostname|helo)[^.\n]{0,40}(?:does not|doesn't|did not) (?:match|resolve)",
        r"IP name (?:lookup|possibly forged)", r"no (?:reverse|rdns)", r"\b5\.7\.25\b",
        r"r[ée]solution inverse")),
    ("securityerror", _rx(
        r"\bSTARTTLS\b", r"\bTLS (?:is )?(?:required|needed|handshake|negotiation|error)",
        r"must issue a STARTTLS", r"encryption (?:is )?(?:required|needed)", r"secure connection required",
        r"\b5\.7\.10\b", r"\b5\.7\.11\b", r"certificate (?:verif|valid|expired|error|invalid)",
        r"authentication (?:is )?required", r"SMTP AUTH(?:entication)? (?:is )?required",
        r"RESOLVER\.RST\.AuthRequired", r"\bAUTH (?:is )?required")),
    ("norelaying", _rx(
        r"relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited|refused)",
        r"not (?:permitted|allowed|authori[sz]ed) to relay", r"(?:unable|cannot|can't) (?:to )?relay",
        r"we do not relay", r"not a gateway", r"relay not permitted", r"no relaying",
        r"isn't in my list of allowed rcpthosts", r"isn't allowed to relay", r"non-accepted domain",
        r"relais (?:refus|interdit|non autoris)", r"\b5\.7\.64\b")),
    ("toomanyconn", _rx(
        r"too many (?:connections|concurrent|simultaneous|messages|mails|emails|recipients|sessions|errors)",
        r"rate[ -]limit", r"\brate of\b", r"(?:sending|message|mail|connection|submission) rate",
        r"(?:exceeded|over) (?:the )?(?:\w+ )?rate", r"throttl", r"slow down",
        r"(?:sending|submission|daily|hourly|outbound|recipient) (?:quota|limit)",
        r"unexpected volume", r"\[TS0\d\]", r"\[TSS0\d\]", r"mail flood", r"\b5\.7\.28\b",
        r"connection limit", r"trop de (?:connexions|messages|destinataires)",
        r"limite d'envoi", r"d[ée]bit")),
    ("blocked", _rx(
        r"block(?:ed)? using", r"(?<!not )listed (?:at|in|on|by)\b", r"\bblack ?list", r"\bblock ?list", r"\bdeny ?list",
        r"\b(?:DNS)?RBL\b", r"\bDNSBL\b", r"spamhaus", r"spamcop", r"barracuda", r"\bsorbs\b", r"uceprotect",
        r"\bsurbl\b", r"\bcbl\b", r"reputation", r"r[ée]putation",
        r"(?:\bIP|\bIP address|\bserver|\bnetwork)\b[^\n.]{0,40}(?:blocked|banned|blacklisted|blocklisted)",
        r"client host[^\n]{0,80}(?:blocked|rejected|refused)", r"banned sending IP", r"access denied, banned",
        r"\b5\.7\.6\d\d\b", r"\bS3\d{3}\b", r"\bRP-?00\d\b", r"\bAUP#", r"\bOFR_?50[56]\b", r"\bOFR004",
        r"service refus[ée]", r"unusual rate", r"temporarily deferred", r"liste noire",
        r"mail from [^\n]{0,80}(?:refused|rejected|blocked) (?:due to|because)",
        r"poor (?:sender )?(?:ip )?reputation", r"(?:your|the sending) (?:ip|host|server|mta) ")),
    ("virusdetected", _rx(
        r"\bvirus", r"\bmalware\b", r"\binfected\b", r"\btrojan\b", r"\bworm\b", r"malicious")),
    ("spamdetected", _rx(
        r"\bspam\b", r"\bspammy\b", r"unsolicited", r"\bjunk\b", r"bulk mail", r"\bUCE\b",
        r"looks like spam", r"content filter", r"spam ?assassin", r"high probability of being",
        r"\bind[ée]sirable", r"pourriel", r"\bpolluriel", r"identified as (?:spam|bulk)",
        r"classified as (?:spam|junk)", r"suspected spam", r"\bphishing\b", r"hameçonnage")),
    ("mesgtoobig", _rx(
        r"message (?:size |length )?(?:is )?(?:too (?:large|big|long)|exceeds)", r"size (?:limit )?exceed",
        r"exceeds? (?:the )?(?:maximum|max|size|message size|allowed|fixed)", r"too large",
        r"mail size", r"message too big", r"\b5\.3\.4\b", r"taille (?:du message |maximale )?(?:d[ée]pass|trop|exc[eè]d)",
        r"message trop (?:gros|volumineux|grand)", r"trop volumineux")),
    ("exceedlimit", _rx(r"\b5\.2\.3\b", r"exceeds? (?:the )?administrative limit", r"too many (?:attachments|lines)")),
    ("mailboxfull", _rx(
        r"mail ?(?:box|folder|store|drop|file)[^\n.]{0,30}(?:is |was )?(?:full|over|exceed)", r"bo[iî]te[^\n.]{0,40}(?:pleine|satur)", r"over (?:the |its |their |his |her )?(?:storage |disk |mailbox )?quota",
        r"quota (?:exceeded|exceed|full|reached|excedeed|limit)", r"exceeded (?:the |its |their )?(?:storage|quota|disk)",
        r"(?:out of|not enough|insufficient) (?:storage|space|disk space)", r"inbox (?:is )?full", r"full mailbox",
        r"mailbox full", r"\bOverQuota", r"quota (?:d[ée]pass|atteint|exc[ée]d)", r"d[ée]passement de quota",
        r"bo[iî]te (?:aux lettres |mail |de r[ée]ception |postale )?(?:est )?(?:pleine|satur[ée]e)",
        r"espace (?:de stockage )?insuffisant", r"storage (?:allocation|space|limit)", r"\b5\.2\.2\b",
        r"mailbox (?:size )?limit", r"has exceeded (?:its|the) (?:storage|size)", r"user is over",
        r"n'a plus de place", r"plus d'espace")),
    ("filtered", _rx(
        r"\bfiltered\b", r"rejected by (?:the )?(?:recipient|user|destinataire)", r"(?:recipient|user) (?:has )?(?:refuses|blocked)",
        r"blocked by (?:the )?(?:recipient|user)", r"(?:not|isn't) accepting (?:mail|messages|email)",
        r"(?:recipient|user|mailbox) (?:does not|doesn't) (?:accept|want)", r"refused by (?:the )?recipient",
        r"(?:chosen|opted|asked) not to receive", r"mailbox not accepting", r"has blocked (?:you|your|the sender)",
        r"RESOLVER\.RST\.NotAuthorized", r"delivery not authori[sz]ed",
        r"destinataire (?:a )?(?:refus|bloqu)", r"filtr[ée]")),
    ("contenterror", _rx(
        r"content (?:error|rejected|not allowed|policy)", r"message content", r"\binvalid (?:header|MIME|content|message|character)",
        r"malformed", r"not (?:RFC ?)?(?:5322|2822|822)[ -]?compliant", r"\bRFC ?(?:5322|2822|822)\b",
        r"header (?:error|syntax|too long|line)", r"line (?:too long|length exceeded)", r"\bbare (?:LF|CR|linefeed)",
        r"(?:attachment|file type|extension)[^\n.]{0,40}(?:not allowed|blocked|prohibited|forbidden|rejected|banned)",
        r"(?:prohibited|forbidden|blocked|banned|dangerous) (?:attachment|file|extension|content)",
        r"\b5\.6\.\d\b", r"contenu (?:du message )?(?:refus|interdit|non autoris)", r"pi[eè]ce jointe")),
    ("rejected", _rx(
        r"sender (?:address |domain )?(?:is )?(?:rejected|refused|denied|blocked|unknown|invalid|not allowed|not authorized)",
        r"sender verif(?:y|ication) failed", r"(?:sender|from) address (?:rejected|not allowed|refused|invalid)",
        r"domain of sender address", r"sender domain (?:does not|doesn't|must) (?:exist|resolve)",
        r"(?:rejected|refused|denied) (?:the )?sender", r"MAIL FROM[^\n]{0,30}(?:rejected|refused|denied)",
        r"in reply to MAIL FROM", r"envelope (?:sender|from) (?:rejected|refused|invalid|blocked)",
        r"sender was rejected", r"bad sender", r"\b5\.1\.[78]\b",
        r"exp[ée]diteur (?:refus|rejet|inconnu|non autoris|invalide|bloqu)")),
    ("policyviolation", _rx(
        r"\bpolicy\b", r"politique", r"administrative prohibition", r"\bprohibited\b", r"not permitted",
        r"\bPH01\b", r"message not allowed", r"not accepted for policy", r"violat",
        r"\bRESTRICTED\b", r"refused by local", r"\bnot authori[sz]ed\b", r"n'est pas autoris")),
    # Permanent disabled account: hard (checked before the temporary kind).
    ("suspend!", _rx(
        r"(?:account|mailbox|address|user|compte|adresse|bo[iî]te)[^\n.]{0,40}(?:permanently|d[ée]finitivement) (?:disabled|closed|deleted|removed|suspended|d[ée]sactiv|supprim|ferm)",
        r"(?:account|mailbox|address|user)[^\n.]{0,30}(?:has been|was|is) (?:closed|deleted|terminated|removed|discontinued|cancelled|canceled)",
        r"(?:account|mailbox|address) (?:is )?no longer (?:active|valid|in use|available|exists|used)",
        r"no longer (?:accepts|receives) (?:mail|email|messages)", r"this address no longer accepts mail",
        r"(?:account|mailbox) (?:has )?expired", r"discontinued",
        r"(?:compte|adresse|bo[iî]te)[^\n.]{0,30}(?:supprim[ée]|ferm[ée]|r[ée]sili[ée]|n'est plus (?:active|valide|utilis))",
        r"n'est plus (?:active|valide|utilis[ée]e|en service)")),
    ("suspend", _rx(
        r"(?:account|mailbox|user|address|compte|bo[iî]te)[^\n.]{0,30}(?:is |has been |was |temporarily )?"
        r"(?:disabled|suspended|deactivated|inactive|locked|frozen|not active|unavailable due)",
        r"inactive (?:user|account|mailbox|recipient)", r"(?:disabled|suspended|inactive) (?:user|account|mailbox|recipient)",
        r"\b5\.2\.1\b", r"\b5\.7\.13\b", r"d[ée]sactiv[ée]", r"suspendu", r"\(554\.30\)", r"AccountDisabled")),
    ("hasmoved", _rx(
        r"has moved", r"user not local", r"address (?:has )?changed", r"new (?:e-?mail )?address is",
        r"no longer (?:at|with) (?:this|the)", r"\b5\.1\.6\b", r"a d[ée]m[ée]nag", r"nouvelle adresse")),
    ("hostunknown!", _rx(
        r"(?:host|domain)(?: name)? (?:or domain name )?not found[^\n]{0,80}(?:try again|temporar|SERVFAIL)",
        r"name service error[^\n]{0,120}try again", r"\bSERVFAIL\b", r"DNS (?:lookup )?(?:timeout|timed out|temporary)",
        r"temporary (?:DNS|lookup|name)")),
    ("hostunknown", _rx(
        r"host (?:or domain name )?not found", r"domain (?:name )?not found", r"unknown (?:host|domain)",
        r"(?:host|domain) unknown", r"no such (?:domain|host)", r"domain (?:does not|doesn't|did not) exist",
        r"domain [^\n]{0,80}couldn't be found", r"domain [^\n]{0,80}(?:could not|cannot) be found",
        r"recipient's domain does not exist", r"\bNXDOMAIN\b", r"(?:unrouteable|unroutable) (?:mail )?domain",
        r"relevant MX records point to non-existent hosts", r"no (?:valid )?MX (?:record|or A)", r"\bnull MX\b",
        r"couldn't find any host", r"i couldn't find any host named", r"unknown mail domain",
        r"domaine (?:inconnu|inexistant|introuvable)", r"h[ôo]te (?:inconnu|introuvable)",
        r"\b5\.1\.2\b", r"\b5\.4\.4\b", r"DNS Error")),
    ("userunknown", _rx(
        r"user ?(?:name )?unknown", r"unknown (?:user|recipient|local[- ]part|address|mailbox|account|alias)",
        r"recipient unknown", r"no such (?:user|mailbox|recipient|address|account|person|local user|alias)",
        r"(?:user|mailbox|address|account|recipient|alias|e-?mail)[^\n.]{0,50}(?:does not|doesn't|did not|does no longer) exist",
        r"(?:user|mailbox|address|account|recipient|addressee)[^\n.]{0,20} (?:was )?not found",
        r"(?:mailbox|user|account|recipient|addressee) (?:is )?(?:invalid|unknown|inexistent|nonexistent|non-existent)",
        r"invalid (?:recipient|mailbox|address|user|account|destination)", r"address (?:couldn't|could not) be found",
        r"no mailbox here by that name", r"not (?:our|a valid) (?:customer|user|recipient|mailbox)",
        r"RecipNotFound", r"recipient not found", r"not listed in (?:the )?(?:Domino|public|Name|address)",
        r"(?:unrouteable|unroutable) address", r"undeliverable address", r"doesn't have an? [^\n]{0,30}account",
        r"(?:mailbox|address|recipient) (?:name )?(?:is )?not (?:valid|allowed|recognized|recognised|available)",
        r"(?:is not|isn't) a (?:valid|known|registered|local)[^\n.]{0,20}(?:mailbox|recipient|user|address)", r"bad destination mailbox",
        r"no (?:mailbox|account) (?:for|by that|with)", r"address (?:rejected|unknown)[^\n]{0,30}(?:unknown|exist|invalid)",
        r"account that you tried to reach does not exist", r"recipient address rejected: (?:user|undeliverable|unknown|invalid)",
        r"(?:utilisateur|destinataire|adresse|bo[iî]te(?: aux lettres)?|compte)[^\n.]{0,30}(?:inconnue?|inexistante?|invalide|introuvable|n'existe pas)",
        r"n'existe pas", r"adresse d.?au moins un destinataire invalide", r"\bOFR_416\b", r"\b5\.1\.1\b", r"\b5\.1\.10\b",
        r"\b5\.1\.3\b", r"\(#5\.1\.1\)", r"AS\(201806281\)", r"user (?:is )?not (?:here|found)", r"mailbox not found")),
    ("expired", _rx(
        r"retry time(?:out)? (?:exceeded|expired|reached)", r"gave up(?! on \d)", r"giving up(?! on \d)",
        r"not going to try again",
        r"(?:delivery|message) (?:time )?(?:expired|timed out|time ?out)", r"message expired", r"expired (?:after|in)",
        r"too long in (?:the )?queue", r"in the queue too long", r"(?:maximum|max) (?:queue )?(?:time|lifetime)",
        r"could not be delivered (?:within|for|in) \d+", r"(?:cannot|could not) send message for \d+",
        r"not (?:been )?delivered (?:within|for|after) \d+", r"grey ?list", r"gray ?list", r"greylisted", r"\b[45]\.4\.7\b",
        r"d[ée]lai (?:d[ée]pass|expir|de (?:remise|livraison))", r"dur[ée]e de (?:vie|validit[ée])")),
    ("networkerror", _rx(
        r"connection (?:timed out|refused|reset|lost|dropped|closed|died|failure|failed)", r"timed out",
        r"network (?:error|unreachable|is unreachable)", r"no route to host", r"(?:could not|couldn't|unable to|cannot|can't) connect",
        r"(?:could not|couldn't|unable to|wasn't able to) establish", r"lost connection", r"host (?:is )?unreachable",
        r"no answer from", r"routing loop", r"mail loop", r"loops back to myself", r"too many hops", r"hop count",
        r"did not accept our requests to connect", r"remote server (?:did not|didn't) respond", r"\b[45]\.4\.[0-6]\b",
        r"connect to [^\n]{0,100}(?:failed|refused|timed)", r"temporary (?:DNS|lookup) failure", r"MX (?:lookup )?(?:failed|error)",
        r"d[ée]lai de connexion", r"connexion (?:refus|impossible|interrompue)")),
    ("mailererror", _rx(
        r"mailer error", r"unknown mailer", r"command (?:died|failed|output)", r"\bpipe to\b", r"\bprocmail\b",
        r"\bX-Unix\b", r"exit (?:code|status)", r"child process", r"local delivery failed", r"delivery to (?:a )?(?:program|pipe)")),
    ("systemerror", _rx(
        r"system (?:error|failure|unavailable|problem|not available)", r"internal (?:server )?error", r"local error",
        r"server (?:error|failure|busy|unavailable|is busy)", r"service (?:is )?(?:temporarily )?(?:unavailable|not available)",
        r"temporar(?:y|ily) (?:failure|error|problem|unavailable|rejected|deferred)", r"try (?:again )?later",
        r"resources? (?:temporarily )?unavailable", r"insufficient system (?:storage|resources)",
        r"system (?:is )?(?:full|out of)", r"STOREDRV", r"configuration error", r"\b[45]\.3\.\d\b",
        r"erreur (?:interne|syst[eè]me|temporaire)", r"r[ée]essay(?:er|ez) plus tard", r"essayer plus tard")),
]
_BY_NAME = dict(_PATTERNS)

# Weak hints, used only when the text matched nothing and the status says nothing specific.
_WEAK: list[tuple[str, re.Pattern[str]]] = [
    ("userunknown", _rx(r"mailbox unavailable", r"mailbox not available", r"requested action not taken: mailbox",
                        r"address rejected", r"\b553\b[^\n]{0,40}mailbox name", r"recipient rejected",
                        r"destinataire (?:refus|rejet)")),
    ("policyviolation", _rx(r"access denied", r"\bdenied\b", r"\brefused\b", r"not allowed")),
    ("hasmoved", _rx(r"^\s*551\b")),
    ("mailboxfull", _rx(r"^\s*552\b")),
]

# Specific enhanced status codes: (class-independent) subject.detail → reason.
_BY_STATUS: dict[str, str] = {
    "1.1": "userunknown", "1.2": "hostunknown", "1.3": "userunknown", "1.4": "userunknown", "1.5": "userunknown",
    "1.6": "hasmoved", "1.7": "rejected", "1.8": "rejected", "1.10": "userunknown",
    "2.1": "suspend", "2.2": "mailboxfull", "2.3": "exceedlimit", "2.4": "mailererror",
    "3.1": "systemerror", "3.2": "systemerror", "3.3": "systemerror", "3.4": "mesgtoobig", "3.5": "systemerror",
    "4.1": "networkerror", "4.2": "networkerror", "4.3": "networkerror", "4.4": "hostunknown", "4.5": "systemerror",
    "4.6": "networkerror", "4.7": "expired",
    "5.3": "toomanyconn", "5.4": "mailererror", "5.5": "mailererror",
    "6.0": "contenterror", "6.1": "contenterror", "6.2": "contenterror", "6.3": "contenterror", "6.4": "contenterror",
    "6.5": "contenterror",
    "7.1": "policyviolation", "7.2": "policyviolation", "7.3": "securityerror", "7.4": "securityerror",
    "7.5": "securityerror", "7.6": "securityerror", "7.7": "securityerror", "7.8": "securityerror",
    "7.9": "securityerror", "7.10": "securityerror", "7.11": "securityerror", "7.12": "securityerror",
    "7.13": "suspend", "7.14": "securityerror", "7.15": "securityerror", "7.16": "securityerror",
    "7.17": "hasmoved", "7.18": "hasmoved", "7.20": "authfailure", "7.21": "authfailure", "7.22": "authfailure",
    "7.23": "authfailure", "7.24": "authfailure", "7.25": "requireptr", "7.26": "authfailure",
    "7.27": "rejected", "7.28": "toomanyconn", "7.29": "authfailure", "7.30": "securityerror",
}
_CLASS_FALLBACK = {"7": "policyviolation", "5": "mailererror"}


@dataclass(frozen=True)
class Verdict:
    reason: str
    hard: bool
    permanent: bool  # the server said 5xx (or nothing temporary)


def status_code(text: str) -> str:
    """The first RFC 3463 enhanced status code in ``text`` ("5.1.1"), or ""."""
    found = _STATUS.search(text or "")
    return found.group(0) if found else ""


def smtp_code(text: str) -> str:
    """The first SMTP reply code (``550``) in ``text``, or ""."""
    found = _SMTP_CODE.search(text or "")
    return found.group(0) if found else ""


def match_text(text: str) -> str:
    """The first reason whose pattern matches ``text`` ("" if none).

    Two internal variants come out as their public name: ``suspend!`` (a
    permanently closed account) stays ``suspend!`` so the caller can make it hard;
    ``hostunknown!`` (a temporary DNS failure) becomes ``networkerror``.
    """
    if not text:
        return ""
    text = text[:TEXT_LIMIT]
    for reason, pattern in _PATTERNS:
        if pattern.search(text):
            return "networkerror" if reason == "hostunknown!" else reason
    return ""


def _weak(text: str) -> str:
    text = (text or "")[:TEXT_LIMIT]
    for reason, pattern in _WEAK:
        if pattern.search(text):
            return reason
    return ""


def _from_status(status: str) -> str:
    found = _STATUS.match(status or "")
    if not found:
        return ""
    klass, subject, detail = found.groups()
    if subject == "0" or detail == "0" and subject not in ("7",):
        return ""  # x.0.0, x.1.0 …: "other or undefined", the text must say
    return _BY_STATUS.get(f"{subject}.{detail}", "")


def decide(status: str = "", remote: str = "", reporter: str = "", *, temporary: bool | None = None) -> Verdict:
    """The reason and hardness of one failed recipient.

    ``remote`` is the remote server's reply (Diagnostic-Code, "said: …"), ``reporter``
    the reporting MTA's own explanation. ``temporary`` forces a 4xx reading (an
    ``Action: delayed`` or a queue that gave up on a 4xx).
    """
    status = status_code(status)
    said = status_code(remote)
    if said and (not status or status[1:] == ".0.0"):
        status = said  # the remote server's own code is more specific than the reporter's x.0.0
    code = smtp_code(remote)
    if temporary is None:
        temporary = status.startswith("4") or (not status and code.startswith("4"))
    reason = match_text(remote)
    if not reason:
        by_status, by_words = _from_status(status), match_text(reporter)
        # The words may say more than the code: 5.2.1 "no longer accepts mail" is a closed account.
        reason = by_words if by_status and by_words.rstrip("!") == by_status else by_status or by_words
    if not reason:
        reason = _weak(remote) or _weak(reporter)
        if reason == "userunknown" and (temporary or status.startswith("5.7") or status.startswith("4")):
            reason = "policyviolation" if status.startswith("5.7") else "systemerror"
    if not reason:
        klass_subject = status.split(".")[1] if status.count(".") == 2 else ""
        reason = _CLASS_FALLBACK.get(klass_subject, "") if not temporary else ""
        reason = reason or ("expired" if temporary else "onhold")
    permanent_account = reason == "suspend!"
    reason = "suspend" if permanent_account else reason
    hard = (reason in HARD_REASONS or permanent_account) and not temporary
    return Verdict(reason, hard, not temporary)


def is_sender_side(reason: str) -> bool:
    """Policy, reputation, authentication, spam, rate: about our mail, not about the address."""
    return reason in SENDER_SIDE
