"""The language a message is written in, loaded from the application's catalogues for ``app.message``.

``app.message`` takes a :class:`~app.message.language.Language` (a locale code and its Babel
catalogue) and never asks Flask-Babel itself; this is where that catalogue is taken from
Flask-Babel, which loads each locale's catalogue once per application and caches it.
"""
from __future__ import annotations

from flask_babel import force_locale, get_locale, get_translations

from app.message.language import Language
from app.message.render import LOCALE


def email_language(locale: str = LOCALE) -> Language:
    """The language of the emails Lettrine sends (French, whatever the officer's interface language)."""
    with force_locale(locale):
        return Language(locale, get_translations())


def interface_language() -> Language:
    """The officer's language: the request's (``?lang=``, cookie, account), French outside a request."""
    locale = get_locale()
    return Language(str(locale) if locale is not None else LOCALE, get_translations())
