"""Why an address is refused, in the visitor's language rather than email-validator's English.

email-validator words its errors for developers ("The part after the @-sign is not valid. It
should have a period."); a public form must say it in French. Known messages are matched by
their start (some end with details); anything new falls back to a plain French sentence, so
no English ever reaches a page.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

# Longest prefixes first where one starts another.
_REASONS: list[tuple[str, LazyString]] = [
    ("An email address must have an @-sign", _l("il manque le signe @")),
    ("There must be something before the @-sign", _l("il manque la partie avant le @")),
    ("There must be something after the @-sign", _l("il manque le nom de domaine après le @")),
    ("The part after the @-sign is not valid. It should have a period",
     _l("le nom de domaine après le @ doit contenir un point (par exemple exemple.fr)")),
    ("The part after the @-sign is not valid. It is not within a valid top-level domain",
     _l("le nom de domaine après le @ n'a pas d'extension valide (.fr, .org…)")),
    ("The part after the @-sign is a special-use or reserved name",
     _l("ce nom de domaine est réservé : il ne reçoit pas de courrier")),
    ("The part after the @-sign", _l("le nom de domaine après le @ n'est pas valide")),
    ("After the @-sign", _l("le nom de domaine après le @ n'est pas valide")),
    ("A bracketed IP address after the @-sign", _l("une adresse IP n'est pas acceptée après le @")),
    ("The IPv6 address", _l("une adresse IP n'est pas acceptée après le @")),
    ("The address in brackets", _l("une adresse IP n'est pas acceptée après le @")),
    ("An email address cannot have two periods in a row", _l("deux points de suite ne sont pas permis")),
    ("An email address cannot have a period and a hyphen", _l("un point et un tiret ne peuvent pas se suivre")),
    ("An email address cannot have two letters followed by two dashes",
     _l("le nom de domaine après le @ n'est pas valide")),
    ("The email address contains invalid characters before the @-sign",
     _l("l'adresse contient des caractères non permis avant le @")),
    ("The email address contains invalid characters after the @-sign",
     _l("le nom de domaine après le @ contient des caractères non permis")),
    ("Internationalized characters before the @-sign",
     _l("les lettres accentuées ne sont pas acceptées avant le @")),
    ("The email address is too long", _l("l'adresse est trop longue")),
    ("There can't be anything after the email address", _l("rien ne doit suivre l'adresse")),
    ("A display name and angle brackets", _l("indiquez l'adresse seule, sans nom ni chevrons")),
    ("An open angle bracket", _l("indiquez l'adresse seule, sans nom ni chevrons")),
    ("The email address has the \"small commercial at\"", _l("le signe @ n'est pas le @ ordinaire")),
    ("Quoting the part before the @-sign", _l("les guillemets ne sont pas acceptés dans l'adresse")),
]
FALLBACK = _l("vérifiez qu'elle a la forme nom@exemple.fr")


def french_reason(message: str) -> str:
    """email-validator's message → a short French reason (in English when the page is in English)."""
    for prefix, reason in _REASONS:
        if message.startswith(prefix):
            return str(reason)
    return str(FALLBACK)
