"""Imports started from the admin: run in a background thread, progress kept in the DB.

The upload is saved under ``instance/imports/`` first (the request must end
quickly; the thread reads the file as a stream) and deleted once imported. The
thread commits progress after every batch, so any worker serving the progress
page sees it; a small companion thread writes a heartbeat every 15 seconds.

A job whose process died (restart, crash, deployment) stops beating: the scheduler
(:func:`resume_stale`, every tick) takes it over and imports the file again from
its first line. That is safe because an import merges: rows already imported come
out as "already members", never doubled (a double opt-in import sends the
confirmation again to those still pending). ``resumes`` is the lease: taking over
increments it, and a thread that finds it changed stops at its next write, so two
threads never import one job side by side.
"""
from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid
from datetime import datetime, timedelta
from typing import IO

from flask import Flask, current_app
from sqlalchemy import and_, or_, select, update

from app import background
from app.backoff import Backoff
from app.database import rowcount
from app.extensions import db
from app.models import ImportJob, ImportStatus, MailingList, utcnow
from app.services.audience.import_mapping import remapped_lines
from app.services.audience.importer import ImportFileError, ImportReport, import_csv

log = logging.getLogger(__name__)

REPORT_CAP = 1000  # rejected rows kept on the job (the counts hold the totals)
# A running job's heartbeat thread writes every BEAT_SECONDS, whatever the import is waiting
# for: a job silent for STALE_AFTER (several missed beats) has lost its process.
BEAT_SECONDS = 15.0
STALE_AFTER = timedelta(minutes=2)
_threads: dict[int, threading.Thread] = {}


def upload_dir() -> str:
    path = os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, exist_ok=True)
    return path


def create_job_from_preview(preview_path: str, file_name: str, mailing_list: MailingList, actor: str,
                            pending: bool) -> ImportJob:
    """The officer confirmed a previewed upload: move it beside the jobs' files and record the job."""
    path = os.path.join(upload_dir(), f"{uuid.uuid4().hex}.csv")
    os.replace(preview_path, path)
    return _record(path, os.path.basename(file_name or "import.csv")[:300], mailing_list, actor, pending)


def create_job_from_upload(stream: IO[bytes], file_name: str, mailing_list: MailingList, actor: str, pending: bool,
                           mapping: dict[str, str] | None = None) -> ImportJob:
    """An upload that comes with no preview (the API): stored (its header renamed by ``mapping``, see
    ``import_mapping``), then recorded as a queued job; :func:`start` runs it. ImportFileError (nothing
    stored) when the mapping does not fit the file."""
    path = os.path.join(upload_dir(), f"{uuid.uuid4().hex}.csv")
    try:
        if mapping:
            lines = remapped_lines(stream, mapping)
            with open(path, "w", encoding="utf-8", newline="") as out:
                out.writelines(lines)
        else:
            with open(path, "wb") as raw:
                shutil.copyfileobj(stream, raw)
    except BaseException:
        if os.path.exists(path):
            os.remove(path)
        raise
    return _record(path, os.path.basename(file_name or "import.csv")[:300], mailing_list, actor, pending)


def _record(path: str, name: str, mailing_list: MailingList, actor: str, pending: bool) -> ImportJob:
    job = ImportJob(list_id=mailing_list.id, file_name=name, stored_path=path, actor=actor, pending=pending,
                    bytes_total=os.path.getsize(path), status=ImportStatus.QUEUED)
    db.session.add(job)
    db.session.commit()
    return job


def start(job_id: int) -> threading.Thread:
    app = background.real_app()
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


class TakenOver(Exception):
    """This job was resumed elsewhere (we were presumed dead): stop without writing."""


def run_job(job_id: int) -> None:
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return
    lease = job.resumes
    job.status = ImportStatus.RUNNING
    job.started_at = job.started_at or utcnow()
    job.heartbeat_at = utcnow()
    db.session.commit()

    heart = _Heartbeat(background.real_app(), job_id, lease)

    def progress(report: ImportReport, bytes_read: int) -> None:
        if heart.lost.is_set():
            raise TakenOver(job_id)
        _write(job_id, lease, bytes_done=bytes_read, counts=report.counts(), heartbeat_at=utcnow())

    final: dict = {}
    try:
        mailing_list = job.mailing_list
        if mailing_list is None:
            raise ImportFileError("La liste de cet import a été supprimée entre-temps : rien n'a été importé.")
        with heart, open(job.stored_path, "rb") as stream:
            # A resumed double opt-in import sends the confirmation again to those still pending:
            # the crash may have come between a batch's commit and its confirmation messages.
            report = import_csv(stream, mailing_list, file_name=job.file_name, actor=job.actor,
                                pending=job.pending, on_progress=progress, max_rejections=REPORT_CAP,
                                resend_pending=job.pending and lease > 0, reference=f"import:{job_id}")
        final = {"counts": report.counts() | {"rejections_total": report.rejections_total},
                 "report": [r.as_dict() for r in report.rejections], "bytes_done": job.bytes_total,
                 "status": ImportStatus.DONE}
    except TakenOver:
        log.warning("import %s: taken over by another process, this thread stops", job_id)
        db.session.rollback()
        return
    except FileNotFoundError:
        db.session.rollback()
        final = {"status": ImportStatus.FAILED, "error": (
            "Le fichier importé est introuvable (l'import a été interrompu, et le fichier était sur un autre "
            "serveur ou a été effacé). Relancez l'import : les lignes déjà importées ne seront pas doublées.")}
    except ImportFileError as exc:
        db.session.rollback()
        final = {"status": ImportStatus.FAILED, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - the admin must see the failure, not a spinner
        log.exception("import %s failed", job_id)
        db.session.rollback()
        final = {"status": ImportStatus.FAILED, "error": f"Erreur inattendue : {exc}"[:2000]}
    try:
        _write(job_id, lease, finished_at=utcnow(), **final)
    except TakenOver:
        db.session.rollback()
        return
    try:
        os.remove(job.stored_path)
    except OSError:
        pass


class _Heartbeat:
    """Beats every :data:`BEAT_SECONDS` from its own thread while the import runs, however long a
    batch takes (a double opt-in batch waits on the relay for its confirmation messages).
    ``lost`` is set when the job was taken over: the import stops at its next progress write."""

    def __init__(self, app: Flask, job_id: int, lease: int) -> None:
        self.app, self.job_id, self.lease = app, job_id, lease
        self.lost = threading.Event()
        # Missed beats are retried at the same pace (STALE_AFTER allows several), logged once per streak.
        self.missed = Backoff(log, f"import {job_id}: heartbeat", first=BEAT_SECONDS, most=BEAT_SECONDS)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lettrine-import-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> "_Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(BEAT_SECONDS):
            with self.app.app_context():
                try:
                    _write(self.job_id, self.lease, heartbeat_at=utcnow())
                    self.missed.succeeded()
                except TakenOver:
                    self.lost.set()
                    return
                except Exception as exc:  # noqa: BLE001 - a missed beat is retried; STALE_AFTER allows several
                    db.session.rollback()
                    self.missed.failed(exc)
                finally:
                    db.session.remove()


def _write(job_id: int, lease: int, **values) -> None:
    """Update the job and commit, only while this thread still holds it (``resumes`` unchanged)."""
    result = db.session.execute(
        update(ImportJob).where(ImportJob.id == job_id, ImportJob.resumes == lease).values(**values)
    )
    if rowcount(result) != 1:
        raise TakenOver(job_id)
    db.session.commit()


def resume_stale(now: datetime | None = None) -> list[int]:
    """Start again, in this process, the jobs whose process died; returns their ids.

    Stale: running with no heartbeat for :data:`STALE_AFTER`, or queued that long
    without a thread ever picking it up. Each take-over is a compare-and-set on
    ``resumes``, so two schedulers never both take one job.
    """
    now = now or utcnow()
    limit = now - STALE_AFTER
    stale = db.session.execute(select(ImportJob.id, ImportJob.resumes).where(or_(
        and_(ImportJob.status == ImportStatus.RUNNING,
             or_(ImportJob.heartbeat_at.is_(None), ImportJob.heartbeat_at < limit)),
        and_(ImportJob.status == ImportStatus.QUEUED, ImportJob.created_at < limit),
    ))).all()
    resumed = []
    for job_id, lease in stale:
        if take_over(job_id, lease, now):
            log.warning("import %s: its process stopped; importing the file again here", job_id)
            start(job_id)
            resumed.append(job_id)
    return resumed


def take_over(job_id: int, lease: int, now: datetime) -> bool:
    """Claim a job last held under ``lease``; False if someone else claimed it first."""
    taken = rowcount(db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.resumes == lease,
               ImportJob.status.in_([ImportStatus.RUNNING, ImportStatus.QUEUED]))
        .values(resumes=lease + 1, heartbeat_at=now)
    ))
    db.session.commit()
    return taken == 1
