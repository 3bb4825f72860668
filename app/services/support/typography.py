"""French typography for the web pages: the same pass the emails get (``app.message.typography``)."""
from __future__ import annotations

from app.message.typography import french_spacing_html


def typeset_french_page(html: str) -> str:
    """French spacing in an HTML page's text nodes only: the space before ``? ! ; :`` made a narrow
    no-break one, guillemets, hours, dates, numbers and phone numbers kept on one line; tags,
    attributes, URLs, comments and head/style/script/textarea/pre/code/option never change.
    Idempotent: an already typeset page comes back the same."""
    return french_spacing_html(html)
