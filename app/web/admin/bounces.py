"""Bounce reports: what came back, why, what was done and how it was attributed; "pas un rebond"."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.extensions import db
from app.models import BounceRecord
from app.services.deliverability import BOUNCE_REASONS as REASONS, NotUndoable, recent_bounces, undo_bounce
from app.web.admin import add_nav, bp
from app.web.auth import safe_next

add_nav("admin.bounces", _l("Rebonds"), 27)

REASON_LABELS = {
    "userunknown": _l("adresse inconnue"), "hostunknown": _l("domaine inexistant"), "hasmoved": _l("adresse changée"),
    "suspend": _l("compte désactivé"), "mailboxfull": _l("boîte pleine"), "exceedlimit": _l("limite dépassée"),
    "mesgtoobig": _l("message trop gros"), "filtered": _l("filtré par le destinataire"),
    "spamdetected": _l("pris pour du spam"), "virusdetected": _l("virus détecté"), "contenterror": _l("contenu refusé"),
    "blocked": _l("IP ou réputation bloquée"), "policyviolation": _l("refus de politique"),
    "authfailure": _l("authentification (SPF, DKIM, DMARC)"), "requireptr": _l("DNS inverse manquant"),
    "securityerror": _l("erreur de sécurité (TLS)"), "rejected": _l("expéditeur refusé"),
    "norelaying": _l("relais refusé"), "toomanyconn": _l("trop d'envois (limite de débit)"),
    "expired": _l("délai dépassé"), "networkerror": _l("erreur réseau"), "systemerror": _l("erreur du serveur"),
    "mailererror": _l("erreur de distribution"), "onhold": _l("indéterminé"), "feedback": _l("plainte"),
    "vacation": _l("réponse automatique"), "delivered": _l("distribué"),
}
ACTION_LABELS = {
    "bounced": _l("adresse mise en erreur"), "bounced-repeated": _l("en erreur (rebonds répétés)"),
    "complained": _l("plainte : désinscrit de tout"), "counted": _l("compté"),
    "sender-health": _l("alerte expéditeur (ne compte pas)"), "noted": _l("noté (retard)"),
    "review": _l("à vérifier : n'a modifié personne"), "none": _l("aucune"),
}
KIND_LABELS = {"hard": _l("rebond définitif"), "soft": _l("rebond temporaire"), "complaint": _l("plainte")}
ATTRIBUTION_LABELS = {"verp": _l("adresse de retour signée"), "message-id": _l("Message-ID signé"),
                      "smtp": _l("réponse SMTP à l'envoi"), "": _l("non attribué")}


@bp.app_context_processor
def _labels() -> dict:
    return {"bounce_reason_labels": REASON_LABELS, "bounce_action_labels": ACTION_LABELS,
            "bounce_attribution_labels": ATTRIBUTION_LABELS, "bounce_kind_labels": KIND_LABELS}


@bp.route("/bounces")
def bounces():
    reason = request.args.get("reason", "")
    if reason not in REASONS:
        reason = ""
    return render_template("admin/bounces.html", records=recent_bounces(reason), reason=reason,
                           reasons=[r for r in REASONS if r not in ("vacation", "delivered")])


@bp.post("/bounces/<int:record_id>/undo")
def bounce_undo(record_id: int):
    record = db.session.get(BounceRecord, record_id) or abort(404)
    try:
        undo_bounce(record, actor=current_user.email)
    except NotUndoable:
        flash(_("Ce rapport ne peut pas être annulé."), "error")
    else:
        flash(_("Ce n'était pas un rebond : l'adresse est rétablie."), "success")
    return redirect(safe_next(request.form.get("next")) if request.form.get("next") else url_for("admin.bounces"))
