"""Is the sending domain set up? Read its published MX, SPF, DKIM and DMARC and say, in French, what is wrong.

``flask dns records`` prints what to publish; this reads what *is* published (dnspython,
through ``DNS_NAMESERVERS`` or the system's resolvers) and compares:

- MX: the domain (and ``BOUNCE_DOMAIN``) must receive mail, or bounces and replies are lost;
- SPF (RFC 7208): exactly one ``v=spf1`` record, and it must authorise the relay: the hosts of
  ``SMTP_URL`` (or, for a relay on loopback, the host of ``BASE_URL``), resolved to addresses
  and evaluated against ``ip4``/``ip6``/``a``/``mx``/``include``/``redirect`` within RFC 7208's
  ten DNS lookups (macros, ``exists`` and ``ptr`` are not evaluated: they count as not matching);
- DKIM (RFC 6376 §3.6.1): ``<selector>._domainkey.<domain>`` must hold the public half of
  ``DKIM_PRIVATE_KEY_FILE``, byte for byte;
- DMARC (RFC 7489): a ``v=DMARC1`` record at ``_dmarc.<domain>``; ``p=none`` without ``rua``
  protects nothing and reports to nobody.

Each finding is one French line; a check never raises for what the DNS says.
"""
from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass
from typing import Iterable, Mapping
from urllib.parse import urlsplit

import dns.exception
import dns.nameserver
import dns.resolver

from app.message.dkim import DKIMError, signer_from_config
from app.services.deliverability.dns_records import sending_domain

OK, WARNING, ERROR = "ok", "warning", "error"
LOOPBACK = {"localhost", "127.0.0.1", "::1"}
SPF_LOOKUP_LIMIT = 10  # RFC 7208 §4.6.4


@dataclass(frozen=True)
class Finding:
    record: str  # MX, SPF, DKIM, DMARC
    level: str  # ok | warning | error
    message: str  # one line, French

    @property
    def ok(self) -> bool:
        return self.level == OK

    def line(self) -> str:
        mark = {OK: "OK", WARNING: "ATTENTION", ERROR: "ERREUR"}[self.level]
        return f"{mark} {self.record} : {self.message}"


class DnsUnavailable(RuntimeError):
    """No answer at all from the name servers (timeout, refused): nothing can be said about the records."""


def resolver_for(nameservers: Iterable[str] = (), timeout: float = 3.0) -> dns.resolver.Resolver:
    """``DNS_NAMESERVERS`` entries (``ip:port``, ``[ipv6]:port``) or, when empty, the system's resolvers."""
    servers = list(nameservers)
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = [_nameserver(entry) for entry in servers]
    resolver.timeout = resolver.lifetime = timeout
    return resolver


def _nameserver(entry: str) -> dns.nameserver.Nameserver:
    host, _, port = entry.rpartition(":")
    return dns.nameserver.Do53Nameserver(host.strip("[]"), int(port))


class _Lookup:
    """Answers as lists of strings: empty for NXDOMAIN or no data; DnsUnavailable when nobody answers."""

    def __init__(self, resolver: dns.resolver.Resolver) -> None:
        self.resolver = resolver

    def __call__(self, name: str, rdtype: str) -> list[str]:
        try:
            answer = self.resolver.resolve(name, rdtype, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers):
            return []
        except (dns.exception.Timeout, OSError) as exc:
            raise DnsUnavailable(f"pas de réponse des serveurs DNS pour {name} ({rdtype}) : {exc}") from exc
        if rdtype == "TXT":
            return [b"".join(r.strings).decode("utf-8", "replace") for r in answer]
        if rdtype == "MX":
            return [str(r.exchange).rstrip(".").lower() for r in sorted(answer, key=lambda r: r.preference)]
        return [r.to_text() for r in answer]

    def addresses(self, host: str) -> list[str]:
        return self(host, "A") + self(host, "AAAA")


def check_domain(config: Mapping, resolver: dns.resolver.Resolver | None = None) -> list[Finding]:
    """Every finding for the configured sending domain, MX first. Raises DnsUnavailable when DNS is silent."""
    domain = sending_domain(config)
    if not domain:
        return [Finding("DNS", ERROR, "aucun domaine d'envoi : définissez MAIL_FROM (ou DKIM_DOMAIN)")]
    lookup = _Lookup(resolver or resolver_for(config.get("DNS_NAMESERVERS") or ()))
    findings = [check_mx(lookup, domain)]
    bounce_domain = str(config.get("BOUNCE_DOMAIN") or "").lower()
    if bounce_domain and bounce_domain != domain:
        findings.append(check_mx(lookup, bounce_domain))
    findings.append(check_spf(lookup, domain, relay_hosts(config)))
    findings.append(check_dkim(lookup, config))
    findings.append(check_dmarc(lookup, domain))
    return findings


def relay_hosts(config: Mapping) -> list[str]:
    """The hosts SPF must authorise: the SMTP_URL relays, or BASE_URL's host when the relay is on loopback."""
    hosts = [urlsplit(part.strip()).hostname or "" for part in str(config.get("SMTP_URL") or "").split(",")]
    public = [h for h in hosts if h and h not in LOOPBACK]
    if public:
        return public
    web = urlsplit(str(config.get("BASE_URL") or "")).hostname or ""
    return [web] if web and web not in LOOPBACK else []


def check_mx(lookup: _Lookup, domain: str) -> Finding:
    hosts = lookup(domain, "MX")
    if not hosts or hosts == [""]:  # RFC 7505 "null MX" (".") refuses all mail
        return Finding("MX", ERROR, f"aucun serveur de messagerie (MX) pour {domain} : "
                                    "les rebonds et les réponses à vos envois ne peuvent pas arriver")
    return Finding("MX", OK, f"{domain} reçoit son courrier sur {', '.join(hosts)}")


def check_spf(lookup: _Lookup, domain: str, relays: list[str]) -> Finding:
    records = [t for t in lookup(domain, "TXT") if t.lower().startswith("v=spf1")
               and (len(t) == 6 or t[6] == " ")]
    if not records:
        return Finding("SPF", ERROR, f"aucun enregistrement SPF pour {domain} : publiez celui que donne "
                                     "« flask dns records »")
    if len(records) > 1:
        return Finding("SPF", ERROR, f"{len(records)} enregistrements SPF pour {domain} : un seul est permis "
                                     "(RFC 7208), les destinataires les ignorent tous ; fusionnez-les")
    if not relays:
        return Finding("SPF", WARNING, f"enregistrement présent pour {domain}, mais aucun relais public à "
                                       "vérifier (SMTP_URL et BASE_URL désignent cette machine)")
    refused = []
    for host in relays:
        ips = [host] if _is_ip(host) else lookup.addresses(host)
        if not ips:
            refused.append(f"{host} (nom introuvable dans le DNS)")
            continue
        evaluator = _Spf(lookup)
        if not any(evaluator.evaluate(domain, ip) == "pass" for ip in ips):
            refused.append(f"{host} ({', '.join(ips)})")
    if refused:
        return Finding("SPF", ERROR, f"l'enregistrement de {domain} n'autorise pas le relais {', '.join(refused)} : "
                                     "ajoutez son adresse (ip4:…) ou l'include: de votre fournisseur")
    return Finding("SPF", OK, f"{domain} autorise le relais {', '.join(relays)}")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class _Spf:
    """A bounded SPF evaluation (RFC 7208 §4–5) of one address: enough to answer "is the relay allowed?"."""

    def __init__(self, lookup: _Lookup) -> None:
        self.lookup = lookup
        self.lookups = 0

    def _count(self) -> bool:
        self.lookups += 1
        return self.lookups <= SPF_LOOKUP_LIMIT

    def evaluate(self, domain: str, ip: str, depth: int = 0) -> str:
        """"pass", "fail", "softfail", "neutral", "none" or "permerror"."""
        if depth > SPF_LOOKUP_LIMIT:
            return "permerror"
        records = [t for t in self.lookup(domain, "TXT") if t.lower().startswith("v=spf1")]
        if len(records) != 1:
            return "none" if not records else "permerror"
        address = ipaddress.ip_address(ip)
        redirect = ""
        for term in records[0].split()[1:]:
            term_lower = term.lower()
            if term_lower.startswith("redirect="):
                redirect = term.split("=", 1)[1]
                continue
            if "=" in term and ":" not in term.split("=", 1)[0]:
                continue  # another modifier (exp=…)
            qualifier = term[0] if term[0] in "+-~?" else "+"
            mechanism = term[1:] if term[0] in "+-~?" else term
            matched = self._matches(mechanism, domain, address, depth)
            if matched is None:
                return "permerror"
            if matched:
                return {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}[qualifier]
        if redirect:
            if not self._count():
                return "permerror"
            return self.evaluate(redirect, ip, depth + 1)
        return "neutral"

    def _matches(self, mechanism: str, domain: str, address, depth: int) -> bool | None:
        name, _, arg = mechanism.partition(":")
        name, _, cidr = name.partition("/")
        name = name.lower()
        if name == "all":
            return True
        if name in ("ip4", "ip6"):
            try:
                return address in ipaddress.ip_network(arg, strict=False)
            except ValueError:
                return None
        if name == "include":
            if not self._count():
                return None
            result = self.evaluate(arg, str(address), depth + 1)
            return None if result in ("permerror", "none") else result == "pass"
        if name == "a":
            if not self._count():
                return None
            host, _, prefix = (arg or domain).partition("/")
            return _in_any(address, self.lookup.addresses(host), prefix or cidr)
        if name == "mx":
            if not self._count():
                return None
            host, _, prefix = (arg or domain).partition("/")
            return any(_in_any(address, self.lookup.addresses(mx), prefix or cidr)
                       for mx in self.lookup(host, "MX")[:SPF_LOOKUP_LIMIT])
        if name in ("exists", "ptr"):
            return False if self._count() else None
        return None  # unknown mechanism: permerror (RFC 7208 §5)


def _in_any(address, ips: list[str], prefix: str) -> bool:
    for ip in ips:
        try:
            candidate = ipaddress.ip_address(ip)
            if candidate.version != address.version:
                continue
            bits = int(prefix) if prefix and candidate.version == 4 else candidate.max_prefixlen
            if address in ipaddress.ip_network(f"{ip}/{bits}", strict=False):
                return True
        except ValueError:
            continue
    return False


def _tags(record: str) -> dict[str, str]:
    tags = {}
    for part in record.split(";"):
        key, sep, value = part.partition("=")
        if sep:
            tags[key.strip().lower()] = "".join(value.split())
    return tags


def check_dkim(lookup: _Lookup, config: Mapping) -> Finding:
    try:
        signer = signer_from_config(config)
    except (DKIMError, OSError, ValueError) as exc:
        return Finding("DKIM", ERROR, f"la clé privée DKIM configurée est illisible : {exc}")
    if signer is None:
        return Finding("DKIM", WARNING, "DKIM n'est pas configuré (DKIM_DOMAIN, DKIM_SELECTOR, "
                                        "DKIM_PRIVATE_KEY_FILE) : vos messages partent sans signature")
    name = f"{signer.selector}._domainkey.{signer.domain}"
    published = [t for t in lookup(name, "TXT") if "p=" in t]
    if not published:
        return Finding("DKIM", ERROR, f"aucune clé publiée sous {name} : publiez celle que donne "
                                      "« flask dns records »")
    expected = _tags(signer.public_dns_record())
    for record in published:
        tags = _tags(record)
        if not tags.get("p"):
            return Finding("DKIM", ERROR, f"la clé publiée sous {name} est révoquée (p= vide)")
        if _key_bytes(tags.get("p", "")) == _key_bytes(expected["p"]) \
                and tags.get("k", "rsa").lower() == expected["k"]:
            return Finding("DKIM", OK, f"la clé publiée sous {name} correspond à la clé privée configurée")
    return Finding("DKIM", ERROR, f"la clé publiée sous {name} ne correspond pas à la clé privée configurée : "
                                  "les signatures échoueront ; publiez celle que donne « flask dns records »")


def _key_bytes(value: str) -> bytes:
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return b""


def check_dmarc(lookup: _Lookup, domain: str) -> Finding:
    name = f"_dmarc.{domain}"
    records = [t for t in lookup(name, "TXT") if t.replace(" ", "").lower().startswith("v=dmarc1")]
    if not records:
        return Finding("DMARC", ERROR, f"aucun enregistrement DMARC sous {name} : Gmail et Yahoo l'exigent pour "
                                       "les envois en nombre (p=none suffit pour commencer, avec rua=)")
    if len(records) > 1:
        return Finding("DMARC", ERROR, f"{len(records)} enregistrements DMARC sous {name} : un seul est permis")
    tags = _tags(records[0])
    policy = tags.get("p", "").lower()
    if policy not in ("none", "quarantine", "reject"):
        return Finding("DMARC", ERROR, f"politique p= absente ou inconnue dans {name} ({policy or 'vide'})")
    if policy == "none" and not tags.get("rua"):
        return Finding("DMARC", WARNING, f"p=none sans rua= sous {name} : rien n'est protégé et personne ne "
                                         "reçoit les rapports ; ajoutez rua=mailto:…")
    return Finding("DMARC", OK, f"politique p={policy} sous {name}" + (", rapports envoyés" if tags.get("rua") else ""))
