"""The DNS TXT records a sending domain publishes: SPF, DKIM and DMARC (``flask dns records``).

Receivers (Gmail, Outlook, Orange…) now refuse bulk mail without all three. The DKIM
record is derived from the configured private key (``DKIMSigner.public_dns_record``),
so what is published is exactly what verifies the signatures; SPF and DMARC are the
usual starting points, printed as zone-file lines the operator pastes into the zone.

RFC 7208 (SPF), RFC 6376 §3.6.1 (DKIM key records), RFC 7489 (DMARC). A TXT record's
character-strings hold at most 255 bytes each (RFC 1035 §3.3), so long values (an
RSA-2048 key) are split into several quoted strings, which resolvers join.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Mapping
from urllib.parse import urlsplit

from app.message.dkim import signer_from_config

DMARC_POLICIES = ("none", "quarantine", "reject")


@dataclass(frozen=True)
class TxtRecord:
    name: str  # fully qualified, with the trailing dot
    value: str
    why: str

    def zone_line(self) -> str:
        return f"{self.name} IN TXT {quote_txt(self.value)}"


def quote_txt(value: str) -> str:
    """One or more quoted character-strings of at most 255 bytes (ASCII values only)."""
    chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def sending_domain(config: Mapping) -> str:
    """The DKIM domain when set, otherwise the domain of MAIL_FROM."""
    if config.get("DKIM_DOMAIN"):
        return str(config["DKIM_DOMAIN"]).lower()
    address = parseaddr(str(config["MAIL_FROM"]))[1]
    return address.rpartition("@")[2].lower()


def spf_value(hosts: list[str], ips: list[str], includes: list[str], strict: bool) -> str:
    mechanisms = ["v=spf1", "mx"]
    mechanisms += [f"a:{h}" for h in hosts]
    mechanisms += [f"ip6:{ip}" if ":" in ip else f"ip4:{ip}" for ip in ips]
    mechanisms += [f"include:{i}" for i in includes]
    mechanisms.append("-all" if strict else "~all")
    return " ".join(mechanisms)


def records(
    config: Mapping,
    *,
    ips: list[str] | None = None,
    includes: list[str] | None = None,
    policy: str = "none",
    report_to: str = "",
    strict_spf: bool = False,
) -> list[TxtRecord]:
    """SPF for the sending (and bounce) domain, the DKIM key record, and DMARC.

    Without ``ips``/``includes``, SPF authorises the domain's MX hosts and the host of
    BASE_URL (the machine that runs Lettrine and its Postfix relay, in the usual layout).
    """
    if policy not in DMARC_POLICIES:
        raise ValueError(f"DMARC policy must be one of {', '.join(DMARC_POLICIES)}, not {policy!r}")
    domain = sending_domain(config)
    if not domain:
        raise ValueError("no sending domain: set DKIM_DOMAIN or MAIL_FROM")
    web_host = urlsplit(str(config["BASE_URL"])).hostname or ""
    hosts = [web_host] if web_host and not (ips or includes) and web_host not in {"127.0.0.1", "localhost"} else []
    spf = spf_value(hosts, ips or [], includes or [], strict_spf)
    out = [TxtRecord(f"{domain}.", spf, "SPF: the machines allowed to send for this domain (RFC 7208)")]
    bounce_domain = str(config.get("BOUNCE_DOMAIN") or "").lower()
    if bounce_domain and bounce_domain != domain:
        out.append(
            TxtRecord(
                f"{bounce_domain}.",
                spf,
                "SPF of the envelope sender (VERP bounces+…@BOUNCE_DOMAIN); it also needs an MX",
            )
        )
    signer = signer_from_config(config)
    if signer is not None:
        out.append(
            TxtRecord(
                f"{signer.selector}._domainkey.{signer.domain}.",
                signer.public_dns_record(),
                f"DKIM public key for selector {signer.selector} ({signer.algorithm})",
            )
        )
    rua = report_to or f"dmarc@{domain}"
    out.append(
        TxtRecord(
            f"_dmarc.{domain}.",
            f"v=DMARC1; p={policy}; rua=mailto:{rua}; adkim=r; aspf=r",
            "DMARC: start with p=none, read the reports, then quarantine (RFC 7489)",
        )
    )
    return out
