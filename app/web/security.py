"""One response policy for every route: security headers, no-store on token pages, body limits.

Why one place: headers set view by view were forgotten on most pages (only ``/u/`` and
``/p/`` had any). Here every response gets:

- ``Content-Security-Policy``: no inline script or style anywhere (the admin's scripts
  are static files), ``frame-ancestors 'none'`` except for the few endpoints that are
  framed by our own preview pages (``'self'``). A view that sets its own, stricter
  policy (the web view and the preview frames show e-mail HTML) keeps it, and gets
  ``frame-ancestors`` added when it lacks one.
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options`` (for old browsers).
- ``Referrer-Policy: same-origin``; on every URL that holds a signed token (a
  ``<token>`` argument in the route) ``no-referrer`` and ``Cache-Control: no-store``,
  since the token is a credential that caches and ``Referer`` headers would leak.
- ``Strict-Transport-Security`` in production.

CSRF on token pages: Flask-WTF's check also demands a same-origin ``Referer`` over HTTPS,
which a page sent with ``no-referrer`` never gets. Those POSTs (``<token>`` URLs) are
therefore checked here, on the CSRF token alone (bound to the SameSite=Lax session cookie);
every other form keeps Flask-WTF's full check. ``/u/<token>`` checks itself, after letting
the RFC 8058 one-click body through.

Request bodies are limited by ``MAX_CONTENT_LENGTH`` (1 MB); the import upload gets its own
limit, for a logged-in user only, in :mod:`app.web.auth_first` (which answers anonymous and
unauthorised admin requests before anything reads their body).
"""
from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from app import links
from app.extensions import csrf
from app.web import auth_first

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: https:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
])
# Endpoints shown inside an <iframe> of our own admin pages (e-mail previews).
FRAMED_BY_SELF: set[str] = {"admin.outbox_message_html", "admin.campaign_preview_html", "admin.campaign_preview_draft",
                             "admin.survey_invitation_html"}
TOKEN_ARGUMENTS = {"token"}
HSTS = "max-age=31536000; includeSubDomains"
# Token endpoints that run check_csrf_token() themselves (the one-click body is exempt).
CSRF_SELF_CHECKED = {"public.unsubscribe_page"}


def holds_token() -> bool:
    """The URL of this request carries a signed token (its route has a ``<token>`` part)."""
    rule = request.url_rule
    return rule is not None and bool(TOKEN_ARGUMENTS & set(rule.arguments))


def _frame_ancestors() -> str:
    return "'self'" if request.endpoint in FRAMED_BY_SELF else "'none'"


def apply_headers(response: Response) -> Response:
    """The after_request policy (see the module docstring)."""
    ancestors = _frame_ancestors()
    own = response.headers.get("Content-Security-Policy")
    if own is None:
        response.headers["Content-Security-Policy"] = f"{CSP}; frame-ancestors {ancestors}"
    elif "frame-ancestors" not in own:
        response.headers["Content-Security-Policy"] = f"{own.rstrip('; ')}; frame-ancestors {ancestors}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if ancestors == "'self'" else "DENY"
    if holds_token():
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("LETTRINE_ENV") == "production":
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def check_csrf_token() -> None:
    """Flask-WTF's token check without its Referer check (see the module docstring)."""
    config = current_app.config
    if not config.get("WTF_CSRF_ENABLED", True) or request.method not in config["WTF_CSRF_METHODS"]:
        return
    token = request.form.get(config["WTF_CSRF_FIELD_NAME"]) or request.headers.get("X-CSRFToken")
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CSRFError(exc.args[0]) from exc


def _token_page_csrf() -> None:
    if holds_token() and request.endpoint not in CSRF_SELF_CHECKED:
        check_csrf_token()


def register(app: Flask) -> None:
    """Call after every blueprint is registered: token pages are found in the URL map."""
    for rule in app.url_map.iter_rules():
        if TOKEN_ARGUMENTS & set(rule.arguments) and "POST" in (rule.methods or ()):
            csrf.exempt(app.view_functions[rule.endpoint])
    app.before_request(_token_page_csrf)
    app.after_request(apply_headers)
    auth_first.register(app)  # first of all before_request functions: CSRFProtect reads the form


def message_csp(sandboxed: bool = True) -> str:
    """The CSP of a message's HTML shown by the app (previews, outbox, web view): no script, styles
    inline, images from https, data: and this app's own media library — named by its address, since a
    sandboxed frame has no origin of its own, and http on `make run`, where BASE_URL is http."""
    policy = f"default-src 'none'; img-src https: data: {links.absolute('/media/')}; style-src 'unsafe-inline'"
    return f"sandbox; {policy}; frame-ancestors 'self'" if sandboxed else policy


def message_page(html: str | None, *, noindex: bool = True) -> Response:
    """A message shown as a page of its own (web view, test preview, archived letter): 404 when there is
    none, the message's CSP (its own styles, no scripts), kept out of search engines unless ``noindex``
    is False."""
    if html is None:
        abort(404)
    response = Response(html, mimetype="text/html")
    if noindex:
        response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Content-Security-Policy"] = message_csp(sandboxed=False)
    return response

