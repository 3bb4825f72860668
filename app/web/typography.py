"""French typography on the web pages: every French text/html response goes through one pass.

Why a response post-processor rather than a Jinja filter: most of the text that
needs a narrow no-break space is the templates' own literal text ("Adresse
e-mail :", "Des questions ?") and translated strings, not variables, so a filter
would have to be remembered in every template, and a Jinja ``finalize`` hook
would also rewrite attribute values (an ``<input value>`` would post back
changed). The post-processor (``typeset_french_page``: the same pass as the
emails, ``app.message.typography``) reads the HTML's structure: it changes text
nodes only, never tags, attributes, URLs, comments, or the content of
head/style/script/textarea/pre/code/option, so form values and scripts come back
byte for byte. It is limited to:

- responses whose type is ``text/html`` (never JSON, CSV, PDF, .ics, files);
- pages rendered in French (the request's locale: an English admin is left alone);
- complete bodies (a streamed or passed-through response is not buffered);
- successful or error pages alike (the French error pages get it too).

It is idempotent: the e-mail web view, already typeset, comes back the same.
"""
from __future__ import annotations

from flask import Flask, Response

from app.i18n import select_locale
from app.services.support import typeset_french_page


def typeset(response: Response) -> Response:
    """French spacing in a French HTML page's text (see the module docstring)."""
    if response.mimetype != "text/html" or response.is_streamed or response.direct_passthrough:
        return response
    # The request's language as app.i18n chooses it, asked afresh: Flask-Babel's get_locale() would
    # cache it on ``g``, which outlives the request where an app context is already pushed (tests, CLI).
    if select_locale() != "fr":
        return response
    html = response.get_data(as_text=True)
    typeset_html = typeset_french_page(html)
    if typeset_html != html:
        response.set_data(typeset_html)
    return response


def register(app: Flask) -> None:
    app.after_request(typeset)
