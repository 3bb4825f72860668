"""Error pages in French (English on request), never a stack trace."""
from __future__ import annotations

from functools import wraps

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.web.api_v1.core import is_api_request, problem_response


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
    def too_large(e):
        return page(413, _("Envoi trop volumineux"),
                    _("Les données envoyées dépassent la taille autorisée. Rien n'a été enregistré."))

    @app.errorhandler(429)
    @_api_aware
    def too_many(e):
        return page(429, _("Trop de demandes"), _("Trop de demandes en peu de temps. Réessayez dans une minute."))

    @app.errorhandler(500)
    @_api_aware
    def server_error(e):
        return page(500, _("Erreur interne"), _("Une erreur est survenue. Elle a été enregistrée ; réessayez plus tard."))
