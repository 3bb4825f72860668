"""Import and export pages: upload a CSV into a list, follow its progress, download exports."""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, redirect, render_template, stream_with_context, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField

from app.extensions import db
from app.models import ImportJob, MailingList
from app.services import import_jobs
from app.services.exporter import export_csv
from app.services.importer import COUNT_LABELS
from app.services.messages import last_refusals, message_counts
from app.web.admin import add_nav, bp

add_nav("admin.imports", _l("Import / export"), 26)


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV"), validators=[FileRequired(_l("Choisissez un fichier."))])
    list_id = SelectField(_l("Liste"), coerce=int)
    pending = BooleanField(_l("Double opt-in : envoyer un message de confirmation au lieu d'inscrire directement"))


def _form() -> ImportForm:
    form = ImportForm()
    form.list_id.choices = [(l.id, l.name) for l in db.session.scalars(select(MailingList).order_by(MailingList.name))]
    return form


@bp.route("/imports", methods=["GET", "POST"])
def imports():
    form = _form()
    if form.validate_on_submit():
        mailing_list = db.session.get(MailingList, form.list_id.data) or abort(400)
        job = import_jobs.create_job(form.file.data, mailing_list, current_user.email, form.pending.data)
        import_jobs.start(job.id)
        return redirect(url_for("admin.import_job", job_id=job.id))
    for field, errors in form.errors.items():
        for error in errors:
            flash(f"{getattr(form, field).label.text} : {error}", "error")
    jobs = db.session.scalars(select(ImportJob).order_by(ImportJob.id.desc()).limit(20)).all()
    lists = db.session.scalars(select(MailingList).order_by(MailingList.name)).all()
    return render_template("admin/imports.html", form=form, jobs=jobs, lists=lists)


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
