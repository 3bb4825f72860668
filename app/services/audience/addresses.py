"""One mailbox, one key: every way to type an address is parsed and canonicalised here.

Limits, look-ups, uniqueness and suppression tests all compare the key this module
gives (what is stored and delivered to is the address as first typed, IDNA domain), so ``<a@x.fr>``, ``Anne <a@x.fr>``, ``A@X.FR `` and ``a@xn--…`` count as the one
mailbox they are (issue #22: spellings counted apart let one mailbox receive 7
confirmations against a limit of 3). Anything that is not exactly one mailbox — a
list, a group, a name holding an address, stray text — is refused in French.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from app.errors import LettrineError
from app.services.audience.address_reasons import french_reason


class InvalidAddress(LettrineError, ValueError):
    """The address is not a valid email address; the message is French, for the UI.

    ``reason`` is the short why ("il manque le signe @") for forms that say "Adresse invalide : …"."""

    status = 422
    code = "invalid_address"
    en = "Invalid email address."

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


@dataclass(frozen=True)
class Mailbox:
    """A parsed address: ``local`` as typed, ``domain`` canonical (lower case, UTS-46).

    ``key`` is what is compared, counted and hashed (the local part lower-cased: no
    provider our audience uses tells ``Anne`` from ``anne``); ``as_typed`` is what is
    stored and delivered to (the local part as typed: RFC 5321 lets a server tell them
    apart), with the IDNA (``xn--``) domain the wire needs. Both spellings of a domain give
    one key and one stored form.
    """

    local: str
    domain: str
    ascii_domain: str
    display_name: str = ""

    @property
    def key(self) -> str:
        return f"{self.local.lower()}@{self.domain}"

    @property
    def as_typed(self) -> str:
        """The address to deliver to: the local part as typed, the domain in IDNA form."""
        return f"{self.local}@{self.ascii_domain}"


# Plain ASCII addresses (nearly all of them): a dot-atom local part and LDH labels.
# For these, email-validator's verdict depends on the local part's syntax (checked
# by this pattern and the lengths) and on the domain alone, so the costly domain
# checks (UTS-46, special-use names) are done once per domain and cached. Imports
# of 100,000 addresses share a few hundred domains; this makes them ~5x faster.
_SIMPLE_ADDRESS = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)$"
)
# ``Name <addr>`` or ``"Name" <addr>``: one pair of brackets at the end, a name before it.
_NAME_ADDR = re.compile(r'^(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]*)>$', re.S)
_SPACE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")


def _refuse(reason: object) -> InvalidAddress:
    return InvalidAddress(f"adresse invalide ({reason})", str(reason))


def _one_mailbox(raw: str) -> tuple[str, str]:
    """(display name, addr-spec) from what was typed, or InvalidAddress if not exactly one mailbox."""
    text = _SPACE.sub(" ", raw or "").strip()
    if not text:
        raise InvalidAddress("adresse vide", str(_l("l'adresse est vide")))
    name = ""
    match = _NAME_ADDR.match(text)
    if match:
        name, text = match["name"].strip(), match["addr"].strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1]
        if "@" in name or '"' in name:  # "a@x.fr <b@y.fr>": which one would receive the mail?
            raise _refuse(_l("une seule adresse, sans autre adresse dans le nom"))
    if "<" in text or ">" in text:
        raise _refuse(_l("indiquez l'adresse seule, sans nom ni chevrons"))
    if text.count("@") > 1 or "," in text or ";" in text or " " in text:
        raise _refuse(_l("une seule adresse à la fois"))
    return name, text


@lru_cache(maxsize=4096)
def _domain(domain: str) -> tuple[str, str]:
    """(canonical domain, IDNA domain) as email-validator normalises it (raises InvalidAddress)."""
    mailbox = _validate("postmaster@" + domain)
    return mailbox.domain, mailbox.ascii_domain


def _validate(candidate: str) -> Mailbox:
    try:
        result = validate_email(candidate, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        reason = french_reason(str(exc))
        raise InvalidAddress(f"adresse invalide ({reason})", reason) from exc
    domain = result.domain.lower()
    try:
        ascii_domain = result.ascii_domain or domain.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_domain = domain
    return Mailbox(result.local_part, domain, ascii_domain.lower())


def parse_mailbox(raw: str) -> Mailbox:
    """The one parser: display name and brackets stripped, surrounding space removed, the domain
    lower-cased and normalised; refuses (French) anything but exactly one mailbox."""
    name, candidate = _one_mailbox(raw)
    simple = _SIMPLE_ADDRESS.match(candidate)
    if simple and len(simple["local"]) <= 64 and len(candidate) <= 254:
        domain, ascii_domain = _domain(simple["domain"].lower())
        return Mailbox(simple["local"], domain, ascii_domain, name)
    mailbox = _validate(candidate)
    return Mailbox(mailbox.local, mailbox.domain, mailbox.ascii_domain, name)


def normalise_email(raw: str) -> str:
    """The key one mailbox is compared, limited and suppressed under (see :class:`Mailbox`)."""
    return parse_mailbox(raw).key


def delivery_address(raw: str) -> str:
    """What is stored for a new address and delivered to: ``Anne.Dupont@xn--exmple-cua.fr``."""
    return parse_mailbox(raw).as_typed


def shown_address(stored: str) -> str:
    """A stored address as people read it: the domain back in Unicode (``Anne@exämple.fr``)."""
    local, at, domain = (stored or "").rpartition("@")
    if not at or "xn--" not in domain:
        return stored
    try:
        return f"{local}@{_domain(domain)[0]}"
    except InvalidAddress:
        return stored


def address_key(raw: str) -> str:
    """For a rate limit: the mailbox's key, or the text itself (trimmed, lower-cased) when it is
    not an address, so invalid spellings are limited too without being told apart from valid ones."""
    try:
        return normalise_email(raw)
    except InvalidAddress:
        return _SPACE.sub(" ", raw or "").strip().lower()
