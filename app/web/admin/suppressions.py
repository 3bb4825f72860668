"""The suppression list page: addresses and domains nobody may write to; add, remove, filter."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.models import SuppressionReason
from app.services.audience import (
    SUPPRESSION_REASON_LABELS,
    SuppressionError,
    add_suppression,
    remove_suppression,
    remove_suppression_hash,
    suppression_entries,
)
from app.web.admin import bp


@bp.get("/suppressions")
def suppressions():
    q = request.args.get("q", "").strip()[:320]
    reason = request.args.get("reason", "")
    if reason not in {r.value for r in SuppressionReason} | {"domain"}:
        reason = ""
    return render_template("admin/suppressions.html", entries=suppression_entries(q=q, reason=reason),
                           q=q, reason=reason, reasons=SUPPRESSION_REASON_LABELS)


@bp.post("/suppressions")
def suppressions_add():
    values = [v for v in request.form.get("values", "").replace(",", "\n").splitlines() if v.strip()]
    note = request.form.get("note", "")
    if not values:
        flash(_("Indiquez au moins une adresse ou un domaine."), "error")
    added, errors = 0, []
    for value in values[:500]:
        try:
            add_suppression(value, note, actor=current_user.email)
            added += 1
        except SuppressionError as exc:
            errors.append(str(exc))
    if added:
        flash(_("%(n)s entrée(s) ajoutée(s) à la liste d'exclusion.", n=added), "success")
    for error in errors[:20]:
        flash(error, "error")
    return redirect(url_for("admin.suppressions"), 303)


@bp.post("/suppressions/remove")
def suppressions_remove():
    kind, key = request.form.get("kind", ""), request.form.get("key", "")
    done = (remove_suppression(key, actor=current_user.email) if kind == "domain"
            else remove_suppression_hash(key, actor=current_user.email))
    flash(_("Retiré de la liste d'exclusion.") if done else _("Cette entrée n'était plus sur la liste."),
          "success" if done else "info")
    return redirect(url_for("admin.suppressions", q=request.form.get("q") or None), 303)
