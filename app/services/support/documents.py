"""PDF documents from Jinja HTML/CSS templates (``app/templates/pdf/``), through WeasyPrint.

WeasyPrint lays out the same HTML and CSS as the web pages into a real PDF:
A4, selectable text, fonts embedded (subset). Nothing is fetched while
rendering: only ``data:`` URLs are allowed, so a logo or signature image must
be inlined, and a template can never make the server call out.

The documents are French: the rendered HTML gets the same typography pass as
the emails and pages (app.message.typography), so the data in them (a journée
title ending in "?", a cycle title with ":") has its narrow no-break spaces too,
not only the templates' own text.
"""
from __future__ import annotations

import logging

from flask import render_template

from app.message.typography import french_spacing_html

_FETCHER_PROTOCOLS = {"data"}
# WeasyPrint narrates every layout step at INFO; keep its warnings (a refused image, a CSS error).
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(template: str, **context) -> bytes:
    """The PDF of ``pdf/<template>`` rendered with ``context``."""
    # Imported here: WeasyPrint loads pango and its stylesheets (and logs) at import; only PDF makers pay.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = french_spacing_html(render_template(f"pdf/{template}", **context))
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=_FETCHER_PROTOCOLS)).write_pdf()
