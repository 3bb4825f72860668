"""Import and export pages: upload a CSV into a list, follow its progress, download exports."""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, request, stream_with_context, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField

from app.extensions import db
from app.models import ImportJob, MailingList
from app.services.audience import (
    COUNT_LABELS,
    ImportFileError,
    create_job_from_preview,
    discard_preview,
    export_csv,
    forget_old_previews,
    preview_path,
    read_preview,
    start_import,
    store_preview,
)
from app.services.campaigns import last_refusals, message_counts
from app.web.admin import add_nav, bp

add_nav("admin.imports", _l("Import / export"), 26)


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV"), validators=[FileRequired(_l("Choisissez un fichier."))])
    list_id = SelectField(_l("Liste"), coerce=int)
    pending = BooleanField(_l("Double opt-in : envoyer un message de confirmation au lieu d'inscrire directement"))


class ConfirmImportForm(FlaskForm):
    """The second step: the previewed upload (an opaque id), its list and its mode."""

    upload = HiddenField()
    file_name = HiddenField()
    list_id = HiddenField()
    pending = HiddenField()


def _form() -> ImportForm:
    form = ImportForm()
    form.list_id.choices = [(l.id, l.name) for l in db.session.scalars(select(MailingList).order_by(MailingList.name))]
    return form


@bp.route("/imports", methods=["GET", "POST"])
def imports():
    forget_old_previews()  # uploads never confirmed: personal data kept no longer than a day
    form = _form()
    status = 200
    if form.validate_on_submit():
        mailing_list = db.session.get(MailingList, form.list_id.data) or abort(400)
        upload_id = ""
        try:
            upload_id = store_preview(form.file.data)
            preview = read_preview(preview_path(upload_id))
        except ImportFileError as exc:
            discard_preview(upload_id)  # nothing kept of a file that cannot be imported
            flash(str(exc), "error")
            status = exc.status
        else:
            confirm = ConfirmImportForm(formdata=None, upload=upload_id, list_id=str(mailing_list.id),
                                        pending="1" if form.pending.data else "",
                                        file_name=form.file.data.filename or "import.csv")
            return render_template("admin/import_preview.html", preview=preview, confirm=confirm,
                                   mailing_list=mailing_list, file_name=confirm.file_name.data,
                                   pending=form.pending.data)
    for field, errors in form.errors.items():
        for error in errors:
            flash(f"{getattr(form, field).label.text} : {error}", "error")
    jobs = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(20)).all()
    lists = db.session.scalars(select(MailingList).order_by(MailingList.name)).all()
    return render_template("admin/imports.html", form=form, jobs=jobs, lists=lists), status


@bp.route("/imports/confirm", methods=["POST"])
def import_confirm():
    """Start the import the officer has just previewed; "Annuler" forgets the upload."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        path = preview_path(form.upload.data or "")
        list_id = int(form.list_id.data or 0)
    except ValueError:
        flash(_l("Ce fichier n'est plus disponible : choisissez-le à nouveau."), "error")
        return redirect(url_for("admin.imports"))
    if "cancel" in request.form:
        discard_preview(form.upload.data or "")
        flash(_l("Import annulé : rien n'a été importé."), "info")
        return redirect(url_for("admin.imports"))
    mailing_list = db.session.get(MailingList, list_id) or abort(400)
    try:
        job = create_job_from_preview(path, form.file_name.data or "import.csv", mailing_list,
                                                  current_user.email, form.pending.data == "1")
    except FileNotFoundError:  # a double click: the first one took the file
        flash(_l("Ce fichier n'est plus disponible : choisissez-le à nouveau."), "error")
        return redirect(url_for("admin.imports"))
    start_import(job.id)
    return redirect(url_for("admin.import_job", job_id=job.id))


@bp.route("/imports/<int:job_id>")
def import_job(job_id: int):
    job = db.session.get(ImportJob, job_id) or abort(404)
    return render_template("admin/import_job.html", job=job, labels=COUNT_LABELS,
                           messages=message_counts(f"import:{job.id}") if job.pending else {},
                           refusals=last_refusals(f"import:{job.id}") if job.pending else [])


@bp.route("/imports/<int:job_id>.json")
def import_job_status(job_id: int):
    job = db.session.get(ImportJob, job_id) or abort(404)
    return jsonify(status=job.status.value, percent=job.percent, bytes_done=job.bytes_done,
                   bytes_total=job.bytes_total, counts=job.counts, finished=job.finished,
                   messages=message_counts(f"import:{job.id}") if job.pending else {})


@bp.route("/export.csv")
@bp.route("/export/<slug>.csv")
def export(slug: str | None = None):
    mailing_list = None
    if slug is not None:
        mailing_list = db.session.scalar(select(MailingList).where(MailingList.slug == slug)) or abort(404)
    name = f"abonnes-{slug}.csv" if slug else "abonnes-tous.csv"
    return Response(
        stream_with_context(export_csv(mailing_list)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        content_type="text/csv; charset=utf-8",
    )
