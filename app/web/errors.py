"""Error pages in French (English on request), never a stack trace."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def register(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(e):
        return page(400, _("Requête invalide"), getattr(e, "description", "") or _("La requête est invalide."))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(400, _("Formulaire expiré"), _("Le formulaire a expiré ou n'est pas valide. Rechargez la page et réessayez."))

    @app.errorhandler(403)
    def forbidden(e):
        return page(403, _("Accès refusé"), _("Vous n'avez pas les droits nécessaires pour cette page."))

    @app.errorhandler(404)
    def not_found(e):
        return page(404, _("Page introuvable"), _("Cette page n'existe pas ou plus."))

    @app.errorhandler(413)
    def too_large(e):
        return page(413, _("Envoi trop volumineux"),
                    _("Les données envoyées dépassent la taille autorisée. Rien n'a été enregistré."))

    @app.errorhandler(429)
    def too_many(e):
        return page(429, _("Trop de demandes"), _("Trop de demandes en peu de temps. Réessayez dans une minute."))

    @app.errorhandler(500)
    def server_error(e):
        return page(500, _("Erreur interne"), _("Une erreur est survenue. Elle a été enregistrée ; réessayez plus tard."))
