"""The public subscription form (also embeddable on the CRPVE site) and its thank-you page.

The POST is exempt from CSRF so that a plain HTML form on another site can post
here. What protects it instead: nothing happens without double opt-in (the
address owner must click the emailed link), a honeypot field, and rate limits
per IP and per address. The answer is the same whether the address is known.
"""
from __future__ import annotations

import hashlib

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from app.extensions import csrf, limiter
from app.services.audience import InvalidAddress, address_key, consent_text, normalise_email, public_lists, request_subscription
from app.web.public import bp

HONEYPOT = "website"  # hidden from people by CSS; bots fill every field


def _address_key() -> str:
    """Rate-limit key per target address, so one address cannot be bombed from many IPs."""
    key = address_key(request.form.get("email") or "")  # one mailbox, however it is spelt
    return "subscribe-addr:" + hashlib.sha256(key.encode()).hexdigest()


def _form(errors: dict[str, str] | None = None, status: int = 200):
    chosen = set(request.values.getlist("lists")) or ({request.args["list"]} if request.args.get("list") else set())
    return render_template(
        "public/subscribe.html", lists=public_lists(), chosen=chosen, errors=errors or {},
        email=request.form.get("email", ""), first_name=request.form.get("first_name", ""),
        consent=consent_text(), honeypot=HONEYPOT,
    ), status


@bp.get("/subscribe")
def subscribe_form():
    return _form()


@bp.post("/subscribe")
@csrf.exempt
@limiter.limit("10 per hour; 3 per minute", key_func=lambda: "subscribe-ip:" + (request.remote_addr or ""))
@limiter.limit("3 per hour; 5 per day", key_func=_address_key)
def subscribe_submit():
    if request.form.get(HONEYPOT):
        return redirect(url_for("public.subscribe_thanks"), 303)  # a bot: same answer, nothing done
    errors: dict[str, str] = {}
    try:
        normalise_email(request.form.get("email", ""))
    except InvalidAddress as exc:
        errors["email"] = _("Cette adresse électronique n'est pas valide (%(reason)s). Vérifiez-la et réessayez.",
                            reason=exc.reason)
    offered = public_lists()
    slugs = set(request.form.getlist("lists"))
    if not slugs and len(offered) == 1:
        slugs = {offered[0].slug}
    lists = [m for m in offered if m.slug in slugs]
    if not lists:
        errors["lists"] = _("Choisissez au moins une liste.")
    if errors:
        return _form(errors, 400)
    request_subscription(request.form["email"], request.form.get("first_name", ""), lists,
                         ip=request.remote_addr, shown_text=consent_text())
    return redirect(url_for("public.subscribe_thanks"), 303)


@bp.get("/subscribe/merci")
def subscribe_thanks():
    return render_template("public/subscribe_thanks.html")

