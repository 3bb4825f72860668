"""Admin imports survive the death of the process running them: the scheduler resumes them."""
from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import (
    ImportJob, ImportStatus, MailingList, OutboxMessage, Subscriber, Subscription, SubscriptionStatus, utcnow,
)
from app.scheduling import run_once
from app.services.audience import import_jobs
from tests.sending_fixtures import deliver_queued
from app.services.audience.importer import import_csv

ROWS = 30


def _csv(first: int, last: int) -> bytes:
    lines = ["courriel;prénom;nom"] + [f"p{i}@example.org;Prénom{i};Nom{i}" for i in range(first, last)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _died_while_running(app, stored_path: str, heartbeat_ago: timedelta, slug: str = "formations",
                        pending: bool = False) -> ImportJob:
    """What a web process killed mid-import leaves: a running job, its file, the first rows imported
    (with ``pending``: subscribed as pending, killed before their confirmation messages went out)."""
    lst = MailingList(slug=slug, name="Formations CRPVE")
    db.session.add(lst)
    db.session.commit()
    if os.path.exists(stored_path):
        with open(stored_path, "rb") as partial:  # the first half made it before the crash
            import_csv(io.BytesIO(partial.read().split(b"p15@")[0]), lst, file_name="inscrits.csv", actor="admin")
        if pending:
            db.session.execute(update(Subscription).values(status=SubscriptionStatus.PENDING, confirmed_at=None))
            db.session.commit()
    job = ImportJob(list_id=lst.id, file_name="inscrits.csv", stored_path=stored_path, actor="admin@example.org",
                    pending=pending,
                    bytes_total=os.path.getsize(stored_path) if os.path.exists(stored_path) else 0,
                    status=ImportStatus.RUNNING, started_at=utcnow() - heartbeat_ago,
                    heartbeat_at=utcnow() - heartbeat_ago, counts={"read": ROWS // 2})
    db.session.add(job)
    db.session.commit()
    return job


@pytest.fixture
def stored_file(app):
    path = os.path.join(import_jobs.upload_dir(), "interrupted.csv")
    with open(path, "wb") as fh:
        fh.write(_csv(0, ROWS))
    return path


def test_the_scheduler_resumes_an_import_whose_process_died(app, admin_client, stored_file):
    job = _died_while_running(app, stored_file, heartbeat_ago=timedelta(minutes=10))
    report = run_once(app)
    assert report.imports_resumed == [job.id]
    import_jobs.wait(job.id, timeout=60)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.DONE and job.resumes == 1 and job.finished_at is not None
    # The whole file again from its first line: nothing lost, nothing doubled.
    assert job.counts["read"] == ROWS
    assert job.counts["created"] == ROWS // 2 and job.counts["already_member"] == ROWS // 2
    assert db.session.scalar(select(func.count()).select_from(Subscriber)) == ROWS
    assert not os.path.exists(stored_file)
    page = admin_client.get(f"/admin/imports/{job.id}").get_data(as_text=True)
    assert "repris depuis le début du fichier" in page
    assert run_once(app).imports_resumed == []  # done: never resumed again


def test_a_job_that_is_still_beating_is_left_alone(app, stored_file):
    _died_while_running(app, stored_file, heartbeat_ago=timedelta(seconds=20))
    assert run_once(app).imports_resumed == []


def test_two_schedulers_never_both_take_one_job(app, stored_file):
    job = _died_while_running(app, stored_file, heartbeat_ago=timedelta(minutes=10))
    with app.app_context():
        first = import_jobs.resume_stale()
        second = import_jobs.resume_stale()
    assert first == [job.id] and second == []
    import_jobs.wait(job.id, timeout=60)
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).resumes == 1
    # Both found it stale before either claimed it: the compare-and-set lets one through.
    other = _died_while_running(app, stored_file, heartbeat_ago=timedelta(minutes=10), slug="autre")
    assert import_jobs.take_over(other.id, 0, utcnow()) is True
    assert import_jobs.take_over(other.id, 0, utcnow()) is False


def test_a_thread_whose_job_was_taken_over_writes_nothing(app, stored_file):
    job = _died_while_running(app, stored_file, heartbeat_ago=timedelta(seconds=1))
    job.resumes = 1  # another process took it over; this thread started under lease 0
    db.session.commit()
    with pytest.raises(import_jobs.TakenOver):
        import_jobs._write(job.id, 0, status=ImportStatus.DONE, bytes_done=123)
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).status == ImportStatus.RUNNING


def test_a_resumed_job_whose_file_is_gone_fails_with_what_to_do(app):
    job = _died_while_running(app, "/nonexistent/imports/gone.csv", heartbeat_ago=timedelta(minutes=10))
    assert run_once(app).imports_resumed == [job.id]
    import_jobs.wait(job.id, timeout=60)
    db.session.expire_all()
    job = db.session.get(ImportJob, job.id)
    assert job.status == ImportStatus.FAILED
    assert "introuvable" in job.error and "ne seront pas doublées" in job.error


def test_a_resumed_double_opt_in_import_sends_every_confirmation(app, stored_file):
    """The crash came after a batch's commit but before its confirmation messages: on resume,
    those still pending get theirs (a second one at worst), the rest get theirs once."""
    job = _died_while_running(app, stored_file, heartbeat_ago=timedelta(minutes=10), pending=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert run_once(app).imports_resumed == [job.id]
    import_jobs.wait(job.id, timeout=60)
    db.session.expire_all()
    assert db.session.get(ImportJob, job.id).status == ImportStatus.DONE
    deliver_queued()
    recipients = sorted(db.session.scalars(select(OutboxMessage.recipients)))
    assert recipients == sorted(f"p{i}@example.org" for i in range(ROWS))
    assert {s.status for s in db.session.scalars(select(Subscription))} == {SubscriptionStatus.PENDING}


def test_the_heartbeat_beats_on_its_own_and_notices_a_take_over(app, stored_file, monkeypatch):
    monkeypatch.setattr(import_jobs, "BEAT_SECONDS", 0.02)
    job = _died_while_running(app, stored_file, heartbeat_ago=timedelta(minutes=1))
    before = job.heartbeat_at
    with import_jobs._Heartbeat(app, job.id, 0) as heart:
        for _ in range(500):  # up to ~10 s on a loaded machine; usually a few beats
            db.session.expire_all()
            if db.session.get(ImportJob, job.id).heartbeat_at > before:
                break
            heart._stop.wait(0.02)
        db.session.expire_all()
        assert db.session.get(ImportJob, job.id).heartbeat_at > before  # beating, with no batch written
        assert import_jobs.take_over(job.id, 0, utcnow())  # another process takes it over
        assert heart.lost.wait(10)
