"""What a team password must be: at least 12 characters, and not a common one.

"Common" is decided by zxcvbn (PyPI ``zxcvbn``, pinned in requirements.txt), the maintained
port of Dropbox's estimator: its list of the 30,000 most used passwords, English words, names,
keyboard walks, sequences, repeats and dates. A password is refused when it is on that list or
is only an easy variant of what is on it (``passwordpassword``, ``soleil123456``): zxcvbn's
estimate under 10^8 guesses (its score below 3). The audit found ``12345678`` accepted.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from app.i18n import TranslatedError

MIN_PASSWORD = 12
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable" (10^8 guesses or more)
# What an attacker of this instance would try first, besides the account's own address and name.
_CONTEXT = ("lettrine", "crpve", "crpve91", "essonne", "evry", "newsletter", "admin")


class WeakPassword(TranslatedError):
    """The password is too short or too common; nothing was saved."""


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Raise WeakPassword (French) unless ``password`` is long enough and not a common one."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(_l("Le mot de passe doit faire au moins %(n)s caractères.", n=MIN_PASSWORD))
    local = email.lower().partition("@")[0]
    hints = [*_CONTEXT, local, local.replace(".", ""), *email.lower().replace("@", " ").replace(".", " ").split(),
             name.lower(), name.lower().replace(" ", ""), *name.lower().split()]
    if zxcvbn(password[:100], user_inputs=hints)["score"] < MIN_SCORE:
        raise WeakPassword(_l("Ce mot de passe est trop courant ou trop facile à deviner (il figure dans une liste "
                              "de mots de passe connus, ou en est une variante simple). Choisissez-en un autre, "
                              "par exemple quatre mots sans rapport entre eux."))
