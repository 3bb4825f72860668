"""Where a consent, a suppression, a registration or a logged action came from, in words: one function for
every page and file that shows one (the subscriber's consents, the suppressions, the history, the dashboard's
activity, the registrations' CSV). Sources are stored as short tokens the code writes ("form", "admin"),
cycle registrations as ``<how>:<cycle slug>`` ("form:contrat-de-ville-2016", "campaign:12:…"); a source
not listed (an import's file name, a sentence the team typed) is shown as it is."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

SOURCE_LABELS = {
    "form": _l("formulaire d'abonnement"),
    "confirm": _l("lien de confirmation"),
    "preferences": _l("centre de préférences"),
    "one-click": _l("désinscription en un clic (messagerie)"),
    "unsubscribe-page": _l("page de désinscription"),
    "erase": _l("effacement à la demande de la personne"),
    "bounced": _l("adresse en erreur"),
    "complained": _l("plainte (message signalé comme indésirable)"),
    "admin": _l("ajout par l'équipe"),
    "demo": _l("données de démonstration"),
    "api": _l("API"),
    "webhook": _l("notification d'un relais"),
    "retention": _l("reconfirmation après inactivité"),
    "worker": _l("envoi automatique"),
}

# How a cycle registration was made (the part before ":<cycle slug>").
REGISTRATION_WAYS = {
    "form": _l("formulaire d'inscription"),
    "inscription": _l("formulaire d'inscription"),
    "campaign": _l("formulaire d'inscription, depuis une annonce"),
    "admin": _l("inscription par l'équipe"),
    "sur place": _l("venu·e sur place"),
    "liste d'attente": _l("depuis la liste d'attente"),
    "presence": _l("émargement"),
}


def source_label(source: str | None, cycle: str | None = None) -> str:
    """``source`` in the reader's language; ``cycle`` (a slug) when the source is a registration's own
    (``Registration.source``: "form", "campaign:12", "admin"), read the way the audit log writes it."""
    if not source:
        return ""
    if cycle is not None:
        source = f"{source}:{cycle}"
    how, _sep, rest = source.partition(":")
    if rest and how in REGISTRATION_WAYS:
        slug = rest.split(":", 1)[1] if how == "campaign" and ":" in rest else rest
        return _("%(how)s (cycle %(cycle)s)", how=REGISTRATION_WAYS[how], cycle=slug)
    label = SOURCE_LABELS.get(source)
    return str(label) if label is not None else source
