"""The certificates' signatory, scanned signature and stamp, set once in the settings (admin only).

The images are checked by the service (PNG or JPEG decoded whole, 500 ko at most); this view
only reads the form and shows what is kept, so the officer sees the signature that will be printed.
"""
from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.services.events import save_settings, settings_image
from app.web.admin import admin_required, bp


def _upload(name: str) -> bytes | None:
    file = request.files.get(name)
    data = file.read() if file is not None else b""
    return data or None


@bp.route("/settings/certificates", methods=["POST"])
@admin_required
def settings_certificates():
    if not FlaskForm().validate_on_submit():
        abort(400)
    form = request.form
    save_settings(form.get("signatory_name", ""), form.get("signatory_title", ""), form.get("place", ""),
                  _upload("signature"), remove_image=bool(form.get("remove_signature")),
                  stamp=_upload("stamp"), remove_stamp=bool(form.get("remove_stamp")))
    flash(_("Signataire des attestations enregistré."), "success")
    return redirect(url_for("admin.settings") + "#attestations", 303)


@bp.route("/settings/certificates/<which>.png")
@admin_required
def settings_certificate_image(which: str):
    """The kept signature or stamp, for the settings page's preview (never cached: it may be replaced)."""
    png = settings_image(which)
    if png is None:
        abort(404)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})
