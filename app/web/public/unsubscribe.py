"""``/u/<token>``: the unsubscribe page (email-standards.md, RFC 8058).

- GET shows a confirmation page with one button and changes nothing (link scanners).
- POST ``List-Unsubscribe=One-Click`` (url-encoded or multipart) unsubscribes at once:
  no cookie, session or CSRF token (the signed token is the proof), 200, no redirect,
  idempotent.
- The page's own button POSTs too: "this list only" or "everything", and a way back
  ("me réabonner").
"""
from __future__ import annotations

from flask import Response, make_response, render_template, request
from flask_babel import gettext as _

from app import links
from app.extensions import csrf
from app.services.subscriptions import (
    LinkTarget,
    is_unsubscribed,
    resolve_unsubscribe,
    resubscribe,
    scope_lists,
    unsubscribe,
)
from app.tokens import InvalidToken
from app.web.public import bp


def link_error() -> tuple[str, int]:
    """Forged, truncated or tampered link: a clear French page, 400, nothing changed."""
    return render_template(
        "error.html", code=400, title=_("Lien invalide"),
        message=_("Ce lien est incomplet ou a été modifié : il ne peut pas être utilisé. "
                  "Copiez l'adresse complète depuis le message reçu, ou utilisez le lien "
                  "d'un message plus récent. Rien n'a été modifié."),
    ), 400


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is a credential
    return response


def _page(target: LinkTarget, token: str, template: str, **extra):
    sub = target.subscriber
    return _no_store(make_response(render_template(
        template, token=token, subscriber=sub, lists=scope_lists(target), campaign=target.campaign,
        preferences_url=links.preferences_url(sub.uid), erased=sub.email is None, **extra,
    )))


@bp.route("/u/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe_page(token: str):
    try:
        target = resolve_unsubscribe(token)
    except InvalidToken:
        return link_error()
    if request.method == "GET":
        return _page(target, token, "public/unsubscribe.html", done=is_unsubscribed(target))
    ip = request.remote_addr
    if request.form.get("List-Unsubscribe") == "One-Click":
        unsubscribe(target, "list", ip=ip, source="one-click")
        response = make_response(_("Vous êtes désabonné·e."), 200)
        response.mimetype = "text/plain"
        return _no_store(response)
    if request.form.get("action") == "resubscribe":
        try:
            restored = resubscribe(target, ip=ip)
        except InvalidToken:
            return link_error()
        return _page(target, token, "public/resubscribed.html", restored=restored)
    scope = unsubscribe(target, "all" if request.form.get("scope") == "all" else "list", ip=ip, source="unsubscribe-page")
    return _page(target, token, "public/unsubscribed.html", scope=scope)
