"""Error pages in French (English on request), never a stack trace; and the one place where a
refusal of the rules (:class:`app.errors.LettrineError`) becomes an answer in a browser."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.errors import LettrineError
from app.extensions import db
from app.web.api_v1.core import is_api_request, problem_response, refusal_response


def same_site_referrer() -> str | None:
    """The page the form was posted from, as a local path: ``/admin/lists?x=1``; None when the
    Referer is absent or another site's (only our own pages are ever sent back to)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/") or referrer.path.startswith("//"):
        return None
    return urlunsplit(("", "", referrer.path, referrer.query, ""))


def _api_aware(handler):
    """Under /api/v1 every error is RFC 9457 problem+json, even one raised before a route matched."""

    @wraps(handler)
    def wrapper(e):
        return problem_response(e) if is_api_request() else handler(e)

    return wrapper


def register(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    @_api_aware
    def bad_request(e):
        return page(400, _("Requête invalide"), getattr(e, "description", "") or _("La requête est invalide."))

    @app.errorhandler(CSRFError)
    @_api_aware
    def csrf_error(e):
        return page(400, _("Formulaire expiré"), _("Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez."))

    @app.errorhandler(403)
    @_api_aware
    def forbidden(e):
        return page(403, _("Accès refusé"), _("Vous n'avez pas les droits nécessaires pour cette page."))

    @app.errorhandler(404)
    @_api_aware
    def not_found(e):
        return page(404, _("Page introuvable"), _("Cette page n'existe pas ou plus."))

    @app.errorhandler(413)
    @_api_aware
    def too_large(e):
        return page(413, _("Envoi trop volumineux"),
                    _("Les données envoyées dépassent la taille autorisée. Rien n'a été enregistré."))

    @app.errorhandler(429)
    @_api_aware
    def too_many(e):
        return page(429, _("Trop de demandes"), _("Trop de demandes en peu de temps. Réessayez dans une minute."))

    @app.errorhandler(LettrineError)
    def refused(error: LettrineError):
        """A service said no, in French: nothing was saved. A form goes back to its page with the
        message on top (as a successful post would); anything else gets an error page saying it."""
        db.session.rollback()
        if is_api_request():
            return refusal_response(error)
        back = same_site_referrer() if request.method == "POST" else None
        if back is not None:
            flash(error.message, "error")
            return redirect(back, 303)
        status = error.status if 400 <= error.status < 600 else 400
        return page(status, _("Action impossible"), error.message)

    @app.errorhandler(500)
    @_api_aware
    def server_error(e):
        return page(500, _("Erreur interne"), _("Une erreur est survenue. Elle a été enregistrée ; réessayez plus tard."))
