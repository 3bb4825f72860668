"""Why a delivery failed, as one named reason, and whether the address is dead.

Pure text → reason. ``app.message.dsn`` finds the pieces in a report (the RFC 3463
status, the remote server's reply, the reporting system's own wording); this module
decides, the way the best open-source classifiers read reports: the words weigh more
than a generic status code. Many systems put ``5.0.0`` (or a bare ``550``) on
everything, report a full mailbox as ``5.1.1`` or a policy refusal as ``5.7.1``.

In this order:

1. the remote server's words against the rules below (first rule that matches; the
   rules about us, the sender, and about a living mailbox come before the fatal
   ones, so "mailbox unavailable: your IP is blocklisted" is a block, and
   "5.1.1 mailbox full" a full mailbox);
2. a specific enhanced status code (``5.1.1``, ``5.2.2``, ``5.7.26``, Microsoft's
   ``5.4.310``…), unless the reporting system's words name a living-mailbox reason;
3. the reporting system's own wording (Gmail's "address couldn't be found", qmail's
   "no mailbox here by that name", KDDI's "As their mailbox is full"…);
4. weak hints ("mailbox unavailable", "access denied");
5. otherwise ``onhold``: we cannot tell, so the address is not condemned.

Hard means the mailbox or the domain is gone: ``userunknown``, ``hostunknown``,
``hasmoved``, and only under a permanent failure. A ``5.0.x`` status alone never
makes a hard bounce; a full mailbox, a quota, a hold, greylisting, a rate limit, a
content or spam filter, a policy or authentication refusal, a blocked sender or IP,
a security requirement and a suspended account are never hard, whatever their code.
A temporary (4xx) "user unknown" is hard only when the sending system gave up on it
(``Action: failed`` after days of the same answer).

Rules are lists of lower-case phrases (checked with ``in``, linear and fast) and a
few bounded regular expressions, in English, French, German, Spanish, Japanese and
Chinese where providers use them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

HARD, SOFT, COMPLAINT, IGNORE = "hard", "soft", "complaint", "ignore"

# Every reason a report can get (the admin translates them).
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
# Reasons too vague to overrule what a status code says.
_GENERIC = frozenset({"expired", "networkerror", "systemerror", "mailererror", "exceedlimit", "onhold"})

_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d])")
_SMTP_CODE = re.compile(r"(?<!\d)([245])(\d\d)(?=[ \-]|$)", re.M)
_SPACES = re.compile(r"\s+")
TEXT_LIMIT = 8_000  # characters of text looked at: enough for any real reply or explanation


@dataclass(frozen=True)
class Rule:
    """One reason: phrases (lower case, matched with ``in``) and an optional bounded pattern."""

    reason: str
    phrases: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    def matches(self, lowered: str) -> bool:
        return any(p in lowered for p in self.phrases) or bool(self.pattern and self.pattern.search(lowered))


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


# Tried in this order: the first rule that matches names the reason. "hostunknown!" is a
# temporary DNS failure (reported as networkerror).
RULES: list[Rule] = [
    Rule("authfailure", (
        "dmarc", "sender policy framework", "dkim", "domainkeys", "unauthenticated", "not pass authentication",
        "not passing authentication", "authentication check fail", "authentication checks fail",
        "failed authentication", "fails authentication", "not authorized to send on behalf",
        "not permitted to send on behalf", "5.7.509", "5.7.510", "arc validation", "authentification de l'expéditeur",
        "échec de l'authentification", "usurpation", "aup#cxsndr", "ib508", "5.7.515", "required authentication level",
    ), _rx(r"\bspf\b", r"\b5\.7\.2[0-46]\b", r"\b5\.7\.29\b")),
    Rule("requireptr", (
        "ptr record", "reverse dns", "reverse lookup", "reverse hostname", "reverse name", "rdns",
        "cannot find your hostname", "cannot find your reverse", "can't find your hostname", "ip name lookup failed",
        "ip name possibly forged", "no reverse", "5.7.25", "résolution inverse", "resolution inverse", "aup#cxdns",
        "ib108",
    ), _rx(r"\bptr\b", r"(?:hostname|helo)[^\n.]{0,40}(?:does not|doesn't|did not) (?:match|resolve)",
           r"can(?:no|')t resolve your (?:ip|address|host)")),
    Rule("norelaying", (
        "relay access denied", "relaying denied", "relay denied", "relay not permitted", "relaying not permitted",
        "relay not allowed", "relaying not allowed", "relay prohibited", "relaying prohibited", "not permitted to relay",
        "not allowed to relay", "not authorized to relay", "not authorised to relay", "unable to relay", "cannot relay",
        "can't relay", "we do not relay", "not a gateway", "no relaying", "isn't in my list of allowed rcpthosts",
        "isn't allowed to relay", "non-accepted domain", "smtp relay error", "relais refusé", "relais interdit",
        "relais non autorisé", "5.7.64", "don't handle mail for that domain",
    )),
    Rule("securityerror", (
        "starttls", "tls is required", "tls required", "tls handshake", "tls negotiation", "encryption required",
        "encryption is required", "secure connection required", "certificate", "authentication required",
        "authentication is required", "smtp auth required", "auth required", "resolver.rst.authrequired",
        "sendernotauthenticated", "require sender authentication", "requires sender authentication",
        "security policy", "security issue", "security reasons", "security violation", "sécurité", "securite",
        "5.7.10 ", "5.7.11 ", "5.7.133", "5.7.134", "5.7.135", "5.7.136", "authentification requise",
        "code d'authentification invalide", "ib401", "mta-sts", "not authenticated to send anonymous mail",
        "suspicious account activity",
    )),
    # The recipient's own choices and a mailbox holding too many messages, before the rules about
    # us that share their words ("denylist", "too many messages").
    Rule("filtered", (
        "user denylist", "user blocklist", "user block list", "user's block", "user's deny", "recipient's block",
        "recipient's deny", "personal block", "blocked senders list", "does not accept mail from this sender",
        "doesn't accept mail from this sender", "does not accept mail from you", "doesn't accept mail from you",
        "refuse les messages de cet expéditeur",
    )),
    Rule("mailboxfull", (
        "too many messages on the server", "too many messages in the mailbox", "too many messages in mailbox",
        "too many messages in the inbox", "zuviele mails", "zu viele mails", "zu viele nachrichten",
    )),
    Rule("toomanyconn", (
        "too many connections", "too many concurrent", "too many simultaneous", "too many messages", "too many mails",
        "too many emails", "too many recipients", "too many sessions", "too many errors", "rate limit", "ratelimit",
        "rate-limit", "sending rate", "message rate", "connection rate", "receiving mail at a rate", "unusual rate",
        "rate of unsolicited", "throttl", "slow down", "sending quota", "sending limit", "daily limit", "hourly limit",
        "recipient limit", "receive limit", "perhourlimit", "unexpected volume", "[ts01]", "[ts02]", "[ts03]",
        "[tss04]", "mail flood", "5.7.28", "5.2.121", "5.2.122", "connection limit", "frequency limited",
        "trop de connexions", "trop de messages", "trop de destinataires", "limite d'envoi", "débit",
        "数量超过限制", "频率", "送信数の上限", "aup#cxcnct", "aup#cxmxrt", "message threshold exceeded",
        "excessive volume", "ib605", "ib007", "ib504", "ib510", "ib607", "too many sessions",
    ), _rx(r"(?:exceeded|over) (?:the )?(?:\w+ )?rate")),
    Rule("blocked", (
        "blocked using", "blacklist", "black list", "blocklist", "block list", "denylist", "deny list", "dnsbl",
        "spamhaus", "spamcop", "barracuda", "sorbs", "uceprotect", "surbl", "reputation", "réputation",
        "banned sending ip", "access denied, banned", "traffic not accepted from this ip", "not authorized to send email directly",
        "service refuse", "service refusé", "permanently deferred", "liste noire", "client host rejected",
        "client host blocked", "ip blocked", "blocked ip", "(bl)", "ofr_505", "ofr_506",
        "your ip", "sending ip", "ip address is", "part of their network", "sperrliste", "lista negra", "黑名单",
        "ブラックリスト", "not in whitelist", "not in allowlist", "not accepting connections", "banned sender",
        "bad helo", "access denied, please try again later", "too many invalid recipients", "ip source bloqu",
        "ip est bloqu", "ip bloquée", "ip bloquee", "but greeting failed",
        "ont ete bloques par nos services", "ont été bloqués par nos services", "rbl reject", "ib103", "ib104",
        "ib105", "ib106", "ib110", "ib111", "ib112", "ib113",
    ), _rx(r"(?<!not )listed (?:at|in|on|by)\b", r"\baup#(?:cxbl|cdrbl|ipbl|urlbl|\d)", r"\b(?:dns)?rbl\b", r"\bcbl\b", r"\b5\.7\.(?:6\d\d|7\d\d)\b",
           r"\bs3\d{3}\b", r"\brp-?00\d\b", r"mail from [^\n]{0,80}(?:refused|rejected|blocked) (?:due to|because)",
           r"\b(?:ip|server|network|host)\b[^\n.]{0,40}\b(?:blocked|banned|blacklisted|blocklisted)\b")),
    Rule("virusdetected", ("virus", "malware", "infected", "trojan", "malicious", "eicar"), _rx(r"\bworm\b")),
    Rule("spamdetected", (
        "spammy", "unsolicited", "junk", "bulk mail", "looks like spam", "spamassassin", "spam score",
        "high probability of being", "indésirable", "indesirable", "pourriel", "polluriel", "identified as spam",
        "classified as spam", "suspected spam", "suspicion of spam", "phishing", "hameçonnage", "dt:spm", "垃圾邮件",
        "迷惑メール", "mensaje rechazado por considerarse spam",
    ), _rx(r"\bspam\b", r"\buce\b")),
    Rule("mailboxfull", (
        "mailbox full", "mailbox is full", "mailbox size limit", "mailbox quota", "over quota", "overquota",
        "quota exceeded", "quota exceed", "quota full", "quota reached", "quota limit", "exceeded storage",
        "exceeded the storage", "storage allocation", "out of storage", "out of space", "not enough space",
        "inbox is full", "full mailbox", "mail file is full", "disk quota", "user is over", "file too large",
        "can't accept messages now", "pleine", "quota dépassé", "quota depasse", "quota atteint", "dépassement de quota",
        "espace insuffisant", "plus de place", "plus d'espace", "postfach voll", "mailbox voll", "speicherplatz",
        "buzón lleno", "buzon lleno", "está lleno", "esta lleno", "casilla llena", "いっぱい", "容量を超え", "容量超過",
        "邮箱已满", "邮箱空间不足", "空间不足", "quotaexceeded", "5.2.2", "一杯", "容量オーバー", "容量不足",
        "mailbox exceeds", "mailbox has exceeded", "mailbox exceeded", "storage limit", "too much mail data", "casella piena", "quota superata", "caixa postal cheia",
        "caixa de correio cheia", "postvak vol", "storage space", "speichervolumen", "speicherkapazit",
    ), _rx(r"(?:mail ?box|inbox|mail ?folder|mail ?store|mail ?drop|mail ?file|account)[^\n.]{0,30}(?:is |was )?"
           r"(?:full|over (?:the )?quota)", r"(?:exceeded|reached|over) (?:its|their|his|her|the|your) (?:\w+ )?quota")),
    Rule("mesgtoobig", (
        "message size", "size exceeds", "exceeds the maximum", "exceeds maximum", "exceeds the size", "message too large",
        "message too big", "message is too large", "message is too big", "size limit", "mailsize", "mail size",
        "5.3.4", "taille du message", "taille maximale", "message trop", "trop volumineux", "exceeds fixed",
        "exceeded google's message size", "taille limite", "message too big for system",
    )),
    Rule("exceedlimit", ("administrative limit", "too many attachments", "too many lines")),
    Rule("onhold", (
        "held for review", "held in quarantine", "quarantined", "on hold", "awaiting moderator", "awaits moderator",
        "until the list moderator", "pending moderation", "held for moderation", "mis en attente", "en quarantaine",
    )),
    Rule("contenterror", (
        "content error", "content rejected", "content not allowed", "content restrictions", "unacceptable content",
        "invalid message content", "message content", "invalid header", "invalid mime", "malformed", "rfc 5322",
        "rfc5322", "rfc 2822", "rfc2822", "rfc 822", "rfc822 compliant", "not rfc", "header error", "header syntax",
        "headers too large", "header too long", "line too long", "bare lf", "bare linefeed",
        "attachment", "file type", "pièce jointe", "contenu refusé", "contenu interdit", "contenu non autorisé",
        "invalid characters", "ib501", "ib502", "5.7.512", "data format error",
    ), _rx(r"\b5\.6\.\d\b")),
    Rule("filtered", (
        "filtered", "content filter", "rejected by the recipient", "rejected by recipient", "recipient's filter",
        "recipient refuses", "recipient has refused", "blocked by the recipient", "blocked by recipient",
        "has blocked you", "has blocked your", "has blocked delivery", "not accepting mail",
        "isn't accepting", "chosen not to receive", "opted not to receive", "mailbox not accepting",
        "resolver.rst.notauthorized", "delivery not authorized", "domain filter", "destinataire a refusé",
        "ambiguous recipient", "mail delivery failed... user unknown",
        "destinataire refuse", "filtré", "受信拒否", "拒收",
    ), _rx(r"(?<!disabled, )not accepting messages")),
    Rule("rejected", (
        "sender address rejected", "sender rejected", "sender refused", "sender denied", "sender blocked",
        "sender unknown", "sender invalid", "sender not allowed", "sender verify failed", "sender verification failed",
        "verification failed for", "domain of sender address", "sender domain must exist", "sender domain must resolve",
        "envelope sender domain must exist", "sender domain does not", "rejected sender", "envelope sender has been denied",
        "mail from rejected", "in reply to mail from", "bad sender", "5.1.7", "5.1.8", "expéditeur refusé",
        "expéditeur inconnu", "expéditeur rejeté", "expéditeur non autorisé", "are not member", "not a member",
        "not member article", "reject mail from", "permission to post", "not allowed to post", "not permitted to post",
        "envelope sender", "sender is not authorized", "sender not authorized", "sender is not allowed",
        "sender address not found", "sender address invalid", "invalid sender", "sender address does not exist",
        "sender was rejected",
        "sender not found", "sender domain", "domain of the sender", "emetteur invalide", "émetteur invalide",
        "invalid sender", "mail from not owned", "ib506", "aup#cxsmtp", "from: domain is invalid",
    ), _rx(r"\bsender(?:'s)?(?: e-?mail)? (?:address|domain)\b")),
    # The recipient's account suspended or disabled "for policy violation", "for abuse": the state of the
    # account, not a refusal of our mail (which "your account" would be).
    Rule("suspend", (), _rx(r"(?<!your )(?<!our )\b(?:account|mailbox)\b[^\n.]{0,20}\b(?:is |has been |was )?"
                            r"(?:suspended|disabled|deactivated)\b[^\n.]{0,20}\b(?:for|due to|because)\b")),
    Rule("policyviolation", (
        "policy", "politique", "administrative prohibition", "prohibited", "not permitted", "ph01",
        "message not allowed", "not accepted for policy", "violat", "refused by local", "not authorized",
        "not authorised", "n'est pas autorisé", "anti-spoofing", "external forwarding", "does not allow",
    ), _rx(r"\brestricted\b")),
    Rule("suspend", (
        "disabled", "deactivated", "frozen", "not active", "no longer active", "account is blocked",
        "account isblocked", "compte du destinataire est bloqu",
        "no longer accepts mail", "no longer accepts e-mail", "discontinued", "archived recipient", "archivee",
        "mailbox unavailable or access denied", "mailbox cannot be accessed", "temporarily limited", "désactivé",
        "désactivée", "suspendu", "(554.30)", "accountdisabled", "account expired", "利用停止", "冻结",
    ), _rx(r"\binactive\b(?! e-?mail address)", r"(?<!delivery temporarily )(?<!delivery )suspended",
           r"(?:account|mailbox|user|address|compte|bo[iî]te)\b[^\n.]{0,30}\b(?:is|has been|was|a été|est) "
           r"(?:\w+ )?(?:closed|terminated|locked|expired|fermée?|clôturée?)\b",
           r"\b(?:account|mailbox|compte)[ \t:]+(?:closed|locked|expired|fermée?|clôturée?)\b")),
    Rule("hasmoved", (
        "has moved", "user not local", "address has changed", "addresses have changed", "new address is",
        "new e-mail address is", "no longer at this", "5.1.6", "a déménagé", "nouvelle adresse",
        "recipient no longer on server",
    )),
    Rule("hostunknown!", (
        "servfail", "servfail)", "serverfailure", "dns lookup timeout", "dns timeout", "temporary dns", "temporary lookup",
        "temporary name", "dns query failed", "temporarily unable to resolve", "could not contact dns",
    ), _rx(r"(?:host|domain)(?: name)? (?:or domain name )?not found[^\n]{0,80}(?:try again|temporar)",
           r"name service error[^\n]{0,120}try again")),
    Rule("hostunknown", (
        "host not found", "domain not found", "domain name not found", "unknown host", "unknown domain", "host unknown",
        "domain unknown", "no such domain", "no such host", "domain does not exist", "domain doesn't exist",
        "domain doesnt exist", "nxdomain", "unrouteable domain", "unroutable domain", "unrouteable mail domain",
        "non-existent hosts", "nonexistent hosts", "no mx", "no valid mx", "null mx", "couldn't find any host",
        "unknown mail domain", "domaine inconnu", "domaine inexistant", "domaine introuvable", "hôte inconnu",
        "hote inconnu", "hôte introuvable", "infodomainnonexistent", "nonexistentdomain", "5.1.2", "5.4.4",
        "dns error", "unable to determine the ip address", "unable to route", "domain existiert nicht",
        "name or service not known", "host/domain does not accept mail", "all host address lookups failed permanently",
        "indicated no smtp service", "couldn't find a mail exchanger or ip address",
        "dominio no existe", "dominio inexistente", "ドメインが存在しません", "域名不存在", "ドメインが見つかりません", "domain does not accept mail",
        "does not accept mail (null mx)", "no dns entries for", "no dns records for",
    ), _rx(r"domain [^\n]{0,80}(?:does not|doesn't|doesnt|did not) exist", r"domain [^\n]{0,80}(?:could not|cannot|couldn't) be found")),
    # "Mailbox unavailable" says no more than that: a missing mailbox, unless the status
    # names a living one (5.2.1 disabled, 5.2.2 full); decide() weighs it against the code.
    Rule("userunknown?", ("mailbox unavailable", "mailbox is unavailable", "mailbox not available")),
    Rule("userunknown", (
        "user unknown", "unknown user", "unknown recipient", "unknown local", "unknown address", "unknown mailbox",
        "unknown account", "unknown alias", "unknown or illegal alias", "unknown e-mail address", "recipient unknown",
        "address unknown", "no such user", "no such mailbox", "no such recipient", "no such address", "no such account",
        "no such person", "no such local user", "addressee unknown", "user not exist", "recipient not exist", "recipnotfound",
        "recipientnotfound", "mailbox not found", "user not found", "recipient not found", "address not found",
        "address couldn't be found", "address could not be found", "invalid recipient", "invalid mailbox",
        "invalid address", "invalid user", "invalid account", "mailbox invalid", "no mailbox here by that name",
        "no mailbox",
        "not our customer", "not a valid recipient", "not a valid user", "not a valid mailbox", "not a valid subscriber",
        "is not a known user", "not listed in domino directory", "not listed in public name", "not listed in the public name",
        "unrouteable address", "unroutable address", "undeliverable address", "bad destination mailbox", "bad recipient",
        "no valid recipients", "recipient address rejected: user", "recipient address rejected: unknown",
        "recipient address rejected: invalid", "recipient address rejected: undeliverable",
        "recipient address rejected: userunknown", "5.4.1 recipient address rejected", "as(201806281)", "ofr_416",
        "destinataire invalide", "#5.1.1", "no longer exists", "does no longer exist", "no longer valid",
        "utilisateur inconnu", "destinataire inconnu", "adresse inconnue", "adresse inexistante", "inexistante",
        "compte inexistant", "adresse invalide", "n'existe pas", "n'existe plus", "benutzer unbekannt",
        "empfänger unbekannt", "unbekannter empfänger", "existiert nicht", "adresse unbekannt", "nicht vorhanden",
        "nicht gefunden", "usuario desconocido", "usuario no existe", "no existe", "dirección inexistente",
        "destinatario desconocido", "宛先不明", "不明な宛先", "存在しません", "用户不存在", "不存在", "ユーザ不明",
        "ユーザー不明", "見つかりません", "ディレクトリのリストにありません", "invalid final delivery userid",
        "utente sconosciuto", "utente inesistente", "casella inesistente", "usuário desconhecido", "usuario inexistente",
        "onbekende gebruiker",
        "recipient name is not recognized", "(000c05a6)", "inactive email address", "account does not exist",
    ), _rx(r"(?:user|mailbox|address|account|recipient|alias|e-?mail|person|addressee)\b[^\n]{0,60}"
           r"(?:does not|doesn't|did not) exist",
           r"(?:user|mailbox|address|account|recipient|addressee)\b[^\n]{0,80}\bnot found",
           r"doesn't have an? [^\n]{0,30}account", r"(?:is not|isn't) a (?:valid|known|registered|local)[^\n.]{0,20}"
           r"(?:mailbox|recipient|user|address)",
           r"(?:account|mailbox|address|user|compte|adresse|bo[iî]te)[^\n.]{0,40}(?:deleted|removed|supprim)",
           r"\b5\.1\.(?:1|10|3)\b")),
    Rule("expired", (
        "retry timeout exceeded", "retry time not reached", "not going to try again",
        "delivery expired", "message expired", "expired after", "queue.expired", "too long in the queue",
        "in the queue too long", "maximum time", "could not be delivered for", "not delivered within",
        "time limit specified", "greylist", "graylist", "grey-list", "gray-list", "come back later", "4.4.7",
        "délai dépassé", "délai expiré", "durée de vie", "delivery timeout", "connection expired",
        "cannot send message for", "could not send message for", "have been failing for a long time",
    ), _rx(r"\bg(?:ave|iving) up(?! on \d)")),
    Rule("networkerror", (
        "connection timed out", "connection refused", "connection reset", "connection lost", "connection dropped",
        "connection closed", "connection died", "timed out", "network error", "network unreachable",
        "network is unreachable", "no route to host", "could not connect", "couldn't connect", "unable to connect",
        "cannot connect", "can not connect", "can't connect", "could not establish", "unable to establish",
        "wasn't able to establish", "lost connection", "host unreachable", "host is unreachable", "no answer from",
        "routing loop", "mail loop", "forwarding loop", "looping", "loops back to myself", "too many hops", "hop count",
        "did not accept our requests to connect", "not responding", "did not respond", "didn't respond",
        "mx lookup", "délai de connexion", "connexion refusée", "connexion impossible", "connexion interrompue",
    ), _rx(r"\b[45]\.4\.[0-6]\b")),
    Rule("mailererror", (
        "mailer error", "unknown mailer", "command died", "command failed", "command output", "pipe to", "procmail",
        "x-unix", "exit code", "exit status", "child process", "local delivery failed", "delivery to program",
        "delivery to a program",
    )),
    Rule("systemerror", (
        "system error", "system failure", "system unavailable", "system problem", "system not available",
        "internal error", "internal server error", "local error", "server error", "server failure", "server busy",
        "server unavailable", "server is busy", "service unavailable", "service not available",
        "service is unavailable", "temporary failure", "temporarily unavailable", "temporary error", "temporary problem",
        "temporarily rejected", "temporarily deferred", "try again later", "try later", "resources temporarily",
        "insufficient system", "system is full", "storedrv", "configuration error", "erreur interne",
        "erreur système", "erreur temporaire", "réessayer plus tard", "réessayez plus tard", "essayer plus tard",
        "duplicated message-id", "loop alert", "loop condition",
    ), _rx(r"\b[45]\.3\.\d\b")),
]

# Weak hints, used only when no rule matched and the status says nothing specific.
_WEAK: list[Rule] = [
    Rule("userunknown", ("address rejected", "recipient rejected", "requested action not taken: mailbox",
                         "destinataire refusé", "destinataire rejeté"), _rx(r"\b553\b[^\n]{0,40}mailbox name")),
    Rule("policyviolation", ("access denied", "denied", "refused", "not allowed", "rejected")),
    Rule("hasmoved", (), _rx(r"^\s*551\b")),
    Rule("mailboxfull", (), _rx(r"^\s*552\b")),
]

# Specific enhanced status codes: subject.detail → reason (any class).
_BY_STATUS: dict[str, str] = {
    "1.1": "userunknown", "1.2": "hostunknown", "1.3": "userunknown", "1.4": "userunknown", "1.5": "userunknown",
    "1.6": "hasmoved", "1.7": "rejected", "1.8": "rejected", "1.10": "hostunknown",
    "2.1": "suspend", "2.2": "mailboxfull", "2.3": "mesgtoobig", "2.4": "mailererror",
    "2.121": "toomanyconn", "2.122": "toomanyconn",
    "3.1": "systemerror", "3.2": "systemerror", "3.3": "systemerror", "3.4": "mesgtoobig", "3.5": "systemerror",
    "4.1": "networkerror", "4.2": "networkerror", "4.3": "networkerror", "4.4": "hostunknown", "4.5": "systemerror",
    "4.6": "networkerror", "4.7": "expired", "4.310": "hostunknown", "4.312": "networkerror",
    "4.316": "networkerror", "4.300": "expired",
    "5.3": "toomanyconn", "5.4": "mailererror", "5.5": "mailererror",
    "6.0": "contenterror", "6.1": "contenterror", "6.2": "contenterror", "6.3": "contenterror", "6.4": "contenterror",
    "6.5": "contenterror",
    "7.1": "policyviolation", "7.2": "policyviolation", "7.3": "securityerror", "7.4": "securityerror",
    "7.5": "securityerror", "7.6": "securityerror", "7.7": "securityerror", "7.8": "securityerror",
    "7.9": "securityerror", "7.10": "securityerror", "7.11": "securityerror", "7.12": "securityerror",
    "7.13": "suspend", "7.14": "securityerror", "7.15": "securityerror", "7.16": "securityerror",
    "7.17": "suspend", "7.18": "suspend", "7.20": "authfailure", "7.21": "authfailure", "7.22": "authfailure",
    "7.23": "authfailure", "7.24": "authfailure", "7.25": "requireptr", "7.26": "authfailure",
    "7.27": "rejected", "7.28": "toomanyconn", "7.29": "authfailure", "7.30": "securityerror",
    "7.133": "securityerror", "7.134": "securityerror", "7.509": "authfailure", "7.510": "authfailure",
    "7.520": "policyviolation", "7.512": "contenterror", "7.515": "authfailure", "7.124": "filtered",
    "4.311": "networkerror", "1.90": "toomanyconn",
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


# Addresses and links say nothing about the reason but may hold words that do ("politique.ville@…",
# "…/antispam-policy"): they are blanked before the rules read the text.
_ADDRESS_OR_LINK = re.compile(r"[^\s<>()\[\]\"',;:]{1,64}@[^\s<>()\[\]\"',;:]{1,255}|\b(?:https?|ftp)://[^\s<>\"')\]]{1,2000}",
                              re.I)


# Sentences a provider appends to many refusals whatever their cause: Gmail closes its 5.7.x
# replies (missing PTR, RFC 5322 faults, authentication…) with "To reduce the amount of spam
# sent to Gmail, this message has been blocked"; the cause is in the words before it.
_BOILERPLATE = re.compile(r"to reduce the amount of spam sent to gmail")


def _lowered(text: str) -> str:
    text = (text or "")[:TEXT_LIMIT]
    if "@" in text or "://" in text:
        text = _ADDRESS_OR_LINK.sub(" ", text)
    return _BOILERPLATE.sub(" ", _SPACES.sub(" ", text).lower())


def match_text(text: str) -> str:
    """The first reason whose rule matches ``text`` ("" if none); a temporary DNS failure is ``networkerror``.

    ``userunknown?`` is "mailbox unavailable": userunknown unless a status says otherwise.
    """
    lowered = _lowered(text)
    if not lowered:
        return ""
    for rule in RULES:
        if rule.matches(lowered):
            return "networkerror" if rule.reason == "hostunknown!" else rule.reason
    return ""


def _reason_of(text: str) -> str:
    """``match_text`` with the ambiguous "mailbox unavailable" read as userunknown."""
    return match_text(text).rstrip("?")


def _weak(text: str) -> str:
    lowered = _lowered(text)
    for rule in _WEAK:
        if rule.matches(lowered):
            return rule.reason
    return ""


def _from_status(status: str) -> str:
    found = _STATUS.match(status or "")
    if not found:
        return ""
    _klass, subject, detail = found.groups()
    if subject == "0" or (detail == "0" and subject != "7"):
        return ""  # x.0.0, x.1.0 …: "other or undefined", the words must say
    if subject == "7" and len(detail) == 3 and detail[0] in "567" and f"7.{detail}" not in _BY_STATUS:
        return "blocked"  # Microsoft's 5.7.5xx-7xx: the sending IP, domain or tenant is refused
    return _BY_STATUS.get(f"{subject}.{detail}", "")


def decide(status: str = "", remote: str = "", reporter: str = "", *, temporary: bool | None = None,
           gave_up: bool = False, after_data: bool = False) -> Verdict:
    """The reason and hardness of one failed recipient.

    ``remote`` is the remote server's reply (Diagnostic-Code, "said: …"), ``reporter``
    the reporting system's own explanation. ``temporary`` forces a 4xx reading (an
    ``Action: delayed``); ``gave_up`` says the sending system stopped trying
    (``Action: failed``), which lets a 4xx "user unknown" it kept getting be hard.
    ``after_data`` says the refusal came after the message was sent (end of DATA): the
    server had accepted the recipient, so a "user unknown" then is its filter speaking,
    unless the status says 5.1.1 (NTT docomo, BIGLOBE and others answer so).
    """
    status = status_code(status)
    said = status_code(remote)
    if said and (not status or status[1:] == ".0.0"):
        status = said  # the remote server's own code is more specific than the reporter's x.0.0
    code = smtp_code(remote)
    if temporary is None:
        temporary = status.startswith("4") or (not status and code.startswith("4"))
    reason, from_words = match_text(remote), True
    if reason == "userunknown?":
        reason = _from_status(status) if _from_status(status) in ("suspend", "mailboxfull") else "userunknown"
    if not reason:
        by_status, by_words = _from_status(status), _reason_of(reporter)
        # The reporter's words overrule a code that would condemn a living mailbox (5.1.1 "mailbox full"),
        # and say more than a code they agree with.
        if by_words in HARD_REASONS and by_status and by_status not in HARD_REASONS:
            reason, from_words = by_status, False  # boilerplate never condemns what the code calls a refusal
        elif by_status and by_words and (by_words not in _GENERIC or by_words == by_status):
            reason = by_words
        else:
            reason, from_words = (by_status, False) if by_status else (by_words, True)
    if not reason:
        reason = _weak(remote) or _weak(reporter)
        from_words = False
        if reason == "userunknown" and (temporary or status.startswith(("5.7", "4"))):
            reason = "policyviolation" if status.startswith("5.7") else "systemerror"
    if not reason:
        subject = status.split(".")[1] if status.count(".") == 2 else ""
        reason = _CLASS_FALLBACK.get(subject, "") if not temporary else ""
        reason = reason or ("expired" if temporary else "onhold")
    if after_data and reason == "userunknown" and not status.endswith(".1.1"):
        reason = "filtered"
    permanent = not temporary or (gave_up and from_words and reason == "userunknown")
    return Verdict(reason, reason in HARD_REASONS and permanent, permanent)


def is_sender_side(reason: str) -> bool:
    """Policy, reputation, authentication, spam, rate: about our mail, not about the address."""
    return reason in SENDER_SIDE
