"""``/u/<token>``: the unsubscribe page (email-standards.md, RFC 8058).

- GET shows a confirmation page with one button and changes nothing (link scanners).
- POST ``List-Unsubscribe=One-Click`` (url-encoded or multipart) unsubscribes at once:
  no cookie, session or CSRF token (the signed token is the proof), 200, no redirect,
  idempotent. Only that exact body is exempt from CSRF: anything else is a page action.
- Both pages say exactly which service messages still come (``audience.still_coming``, read
  from ``app.sending.eligibility``): per journée she stays registered for, its reminder and the
  notice if it changes; per open cycle, her certificate; her own requests' answers. To cancel a
  registration instead, a button mails the owner her confirmation (with its manage link): this
  page may be open in a forwarded message, whose reader must not get a link that cancels her seats.
- Whatever audience the message came from, the unsubscribe records what makes the next
  editorial message skip her (``audience.unsubscribe``); a message with no list means every
  message the team writes.
- The page's own buttons POST too, with a CSRF token: "this list only" or "everything",
  and a way back ("me réabonner"). Without the CSRF exception, a cross-site POST holding
  a forwarded message's link cannot resubscribe its owner.
"""
from __future__ import annotations

import hashlib

from flask import Request, Response, make_response, render_template, request
from flask_babel import gettext as _

from app import links
from app.extensions import csrf, limiter
from app.services.audience import (
    LinkTarget,
    is_unsubscribed,
    resolve_unsubscribe,
    resubscribe,
    scope_lists,
    still_coming,
    unsubscribe,
)
from app.services.events import resend_confirmation
from app.tokens import InvalidToken
from app.web.public import bp
from app.web.security import check_csrf_token


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
        preferences_url=links.preferences_url(sub.uid), erased=sub.email is None,
        kept=None if sub.email is None else still_coming(sub), **extra,
    )))


def is_one_click(req: Request) -> bool:
    """The exact RFC 8058 body: one field ``List-Unsubscribe`` with the value ``One-Click``."""
    return not req.files and req.form.to_dict(flat=False) == {"List-Unsubscribe": ["One-Click"]}


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
    if is_one_click(request):
        unsubscribe(target, "list", ip=ip, source="one-click")
        response = make_response(_("Vous êtes désabonné·e."), 200)
        response.mimetype = "text/plain"
        return _no_store(response)
    check_csrf_token()  # the page's own buttons: same-site only
    if request.form.get("action") == "resubscribe":
        try:
            restored = resubscribe(target, ip=ip)
        except InvalidToken:
            return link_error()
        return _page(target, token, "public/resubscribed.html", restored=restored)
    scope = unsubscribe(target, "all" if request.form.get("scope") == "all" else "list", ip=ip, source="unsubscribe-page")
    return _page(target, token, "public/unsubscribed.html", scope=scope)


@bp.post("/u/<token>/inscription")
@limiter.limit("3 per hour", key_func=lambda: "manage-link:" + hashlib.sha256(request.path.encode()).hexdigest())
def unsubscribe_send_manage_link(token: str):
    """"Annuler plutôt cette inscription": the manage link goes to the address, never to the screen."""
    try:
        target = resolve_unsubscribe(token)
    except InvalidToken:
        return link_error()
    sent = resend_confirmation(target.subscriber, request.form.get("registration", ""))
    return _page(target, token, "public/unsubscribe.html", done=is_unsubscribed(target), manage_link_sent=sent)
