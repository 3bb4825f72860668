"""Where an outgoing webhook may go: https, to public unicast addresses only.

A webhook URL is typed by an administrator, but the request is made from inside the
installation's network: without a rule, ``http://169.254.169.254/`` or ``http://10.0.0.5:6379/``
would turn the delivery log into a scanner of the internal network (and a way to reach
a cloud's metadata service). So, unless ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` is set:

- the scheme is ``https`` (``http`` only with the opt-in), with no user name or password
  in the URL (the signature is the credential);
- every address the name resolves to is a public unicast one (:func:`refusal`): no
  loopback, private, shared (CGNAT), link-local, multicast, reserved, documentation or
  cloud-metadata address, whatever its spelling (``2130706433``, ``0x7f000001`` and
  ``127.1`` are resolved, not parsed, so they are judged as the 127.0.0.1 they are), and
  IPv6 forms that carry an IPv4 address (``::ffff:a.b.c.d``, 6to4, NAT64) are judged by
  that address.

The check is made when the endpoint is created and again at each delivery, on the very
addresses the connection then uses (:func:`resolve` once; the caller connects to what it
returned, never to the name), so a DNS answer that changes between the check and the
connection (DNS rebinding) cannot slip a private address in.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges Python's ``is_global`` lets through that still reach no public web server.
_ALSO_REFUSED: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = (
    (ipaddress.ip_network("192.0.0.0/24"), "adresse réservée (IETF, métadonnées Oracle Cloud)"),
    (ipaddress.ip_network("168.63.129.16/32"), "service de métadonnées (Azure)"),
    (ipaddress.ip_network("fec0::/10"), "adresse de site (IPv6, obsolète)"),
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))

# getaddrinfo(host, port, type=…) -> [(family, type, proto, canonname, sockaddr)]; tests replace it.
Resolver = Callable[..., list]
resolver: Resolver = socket.getaddrinfo


class TargetRefused(ValueError):
    """The URL or its address is not an acceptable webhook target (French, one line, no address)."""


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL: what to connect to and what to say to it."""

    scheme: str
    host: str  # the name (or literal address) as written, lower case, IDNA-encoded, no brackets
    port: int
    request_target: str  # path and query, as sent in the request line
    host_header: str  # ``Host:`` as the URL names it


def parse(url: str, *, allow_private: bool) -> Target:
    """Check the URL's form (scheme, host, no credentials); raise :class:`TargetRefused`."""
    parts = urlsplit(url.strip())
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        if parts.scheme == "http":
            raise TargetRefused("adresse en http:// refusée : https:// est obligatoire")
        raise TargetRefused("adresse invalide : https:// attendu")
    try:
        hostname, port = parts.hostname, parts.port
    except ValueError as exc:
        raise TargetRefused("adresse invalide : port incorrect") from exc
    if not hostname:
        raise TargetRefused("adresse invalide : nom de serveur manquant")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("adresse refusée : pas d'identifiant ni de mot de passe dans l'adresse "
                            "(le secret de signature authentifie les envois)")
    try:
        host = hostname.encode("idna").decode("ascii") if not _is_literal(hostname) else hostname
    except UnicodeError as exc:
        raise TargetRefused("adresse invalide : nom de serveur incorrect") from exc
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return Target(parts.scheme, host, port, path + (f"?{parts.query}" if parts.query else ""), netloc)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address (French, a few words), or None if it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and any(address in net for net in _NAT64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded)
    if address.is_unspecified:
        return "adresse non spécifiée"
    if address.is_loopback:
        return "adresse de bouclage (cette machine)"
    if address.is_link_local:
        return "adresse lien-local (dont les services de métadonnées du nuage)"
    if address.is_multicast:
        return "adresse de multidiffusion"
    for network, reason in _ALSO_REFUSED:
        if address.version == network.version and address in network:
            return reason
    if isinstance(address, ipaddress.IPv4Address) and address in ipaddress.ip_network("100.64.0.0/10"):
        return "adresse partagée d'opérateur (CGNAT)"
    if address.is_private:
        return "adresse privée ou réservée"
    if address.is_reserved or not address.is_global:
        return "adresse réservée"
    return None


def resolve(target: Target, *, allow_private: bool) -> list[IPAddress]:
    """Every address ``target.host`` resolves to, each one checked; raise :class:`TargetRefused`.

    One resolution: the caller connects to these addresses, never to the name again. A
    name with one public and one private address is refused (a connection could pick the
    private one, or an attacker's resolver could alternate).
    """
    try:
        answers = resolver(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused("nom de serveur introuvable (DNS)") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused("nom de serveur introuvable (DNS)")
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                raise TargetRefused(f"adresse refusée : {reason} ; seules les adresses publiques sont acceptées")
    return addresses


def check(url: str, *, allow_private: bool) -> tuple[Target, list[IPAddress]]:
    """Parse and resolve: what may be connected to for ``url``; raise :class:`TargetRefused`."""
    target = parse(url, allow_private=allow_private)
    return target, resolve(target, allow_private=allow_private)
