"""The language a message is written in, handed in by the caller: a locale code and its Babel catalogue.

``app.message`` is pure: it never asks Flask-Babel which locale applies (that needs an
application, a request, a locale selector). The callers know it — ``app.sending`` for the
recipient's email (French today), ``app.services`` for the officer's preflight report (the
request's language) — and pass a :class:`Language` holding the ``babel.support.Translations``
they loaded. The msgids are French, so the empty catalogue is French (:data:`FRENCH`).

The code travels with the catalogue because Flask-Babel's merged catalogues do not say
which language they hold, and French typography (``app.message.typography``) is for French only.
"""
from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Language:
    """A locale code (``"fr"``, ``"en"``…) and the gettext catalogue for it."""

    code: str = "fr"
    translations: gettext.NullTranslations = field(default_factory=gettext.NullTranslations, compare=False)

    @property
    def french(self) -> bool:
        """Whether French typography applies (``fr``, ``fr_CA``…)."""
        return self.code.replace("-", "_").split("_")[0].lower() == "fr"

    def gettext(self, message: str, **variables: Any) -> str:
        """``message`` translated, then ``%``-formatted with ``variables`` when there are any (as Flask-Babel does)."""
        text = self.translations.gettext(message)
        return text % variables if variables else text

    def ngettext(self, singular: str, plural: str, num: int, **variables: Any) -> str:
        """The plural form for ``num``; ``%(num)d`` is available in the format string (as Flask-Babel does)."""
        variables.setdefault("num", num)
        return self.translations.ngettext(singular, plural, num) % variables


FRENCH = Language("fr")  # the msgids themselves
