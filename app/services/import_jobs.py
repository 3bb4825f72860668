"""Imports started from the admin: run in a background thread, progress kept in the DB.

The upload is saved under ``instance/imports/`` first (the request must end
quickly; the thread reads the file as a stream) and deleted once imported. The
thread commits progress after every batch, so any worker serving the progress
page sees it. A job left "running" by a process that died stays so; re-importing
the file is safe (everything is merged).
"""
from __future__ import annotations

import logging
import os
import threading
import uuid

from flask import Flask, current_app

from app.extensions import db
from app.models import ImportJob, ImportStatus, MailingList, utcnow
from app.services.importer import ImportFileError, ImportReport, import_csv

log = logging.getLogger(__name__)

REPORT_CAP = 1000  # rejected rows kept on the job (the counts hold the totals)
_threads: dict[int, threading.Thread] = {}


def upload_dir() -> str:
    path = os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, exist_ok=True)
    return path


def create_job(file_storage, mailing_list: MailingList, actor: str, pending: bool) -> ImportJob:
    """Save the uploaded file and record a queued job."""
    name = os.path.basename(file_storage.filename or "import.csv")[:300]
    path = os.path.join(upload_dir(), f"{uuid.uuid4().hex}.csv")
    file_storage.save(path)
    job = ImportJob(list_id=mailing_list.id, file_name=name, stored_path=path, actor=actor, pending=pending,
                    bytes_total=os.path.getsize(path), status=ImportStatus.QUEUED)
    db.session.add(job)
    db.session.commit()
    return job


def start(job_id: int) -> threading.Thread:
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run, args=(app, job_id), name=f"lettrine-import-{job_id}", daemon=True)
    _threads[job_id] = thread
    thread.start()
    return thread


def wait(job_id: int, timeout: float | None = None) -> None:
    """Block until a job started by this process ends (tests, the CLI)."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)


def _run(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()
            _threads.pop(job_id, None)


def run_job(job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return
    job.status = ImportStatus.RUNNING
    job.started_at = utcnow()
    db.session.commit()

    def progress(report: ImportReport, bytes_read: int) -> None:
        job.bytes_done = bytes_read
        job.counts = report.counts()
        db.session.commit()

    try:
        with open(job.stored_path, "rb") as stream:
            report = import_csv(stream, job.mailing_list, file_name=job.file_name, actor=job.actor,
                                pending=job.pending, on_progress=progress, max_rejections=REPORT_CAP)
        job.counts = report.counts() | {"rejections_total": report.rejections_total}
        job.report = [r.as_dict() for r in report.rejections]
        job.bytes_done = job.bytes_total
        job.status = ImportStatus.DONE
    except ImportFileError as exc:
        db.session.rollback()
        job.status, job.error = ImportStatus.FAILED, str(exc)
    except Exception as exc:  # noqa: BLE001 - the admin must see the failure, not a spinner
        log.exception("import %s failed", job_id)
        db.session.rollback()
        job.status, job.error = ImportStatus.FAILED, f"Erreur inattendue : {exc}"[:2000]
    job.finished_at = utcnow()
    db.session.commit()
    try:
        os.remove(job.stored_path)
    except OSError:
        pass
