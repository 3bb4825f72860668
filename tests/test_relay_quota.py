"""Relay limits shared across processes: counted in the database or in Redis, never per process.

Two pools with their own quota store (and their own database engine, as two
worker processes would have) send to one aiosmtpd relay with ``per_hour=N``:
together they hand over exactly N messages; a third process started later gets none.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from app.database import configure_engine
from app.extensions import db
from app.models import RelayQuota
from app.sending.limits import DatabaseQuota, Limits, RedisQuota, quota_store, windows
from app.sending.smtp import SMTPPool, parse_smtp_urls
from app.sending.transport import Envelope
from config import engine_options
from tests.smtp_server import SMTPTestServer, free_port

RAW = b"From: a@crpve91.fr\r\nTo: b@example.org\r\nSubject: t\r\n\r\nbonjour\r\n"
PER_HOUR = 7


def _items(prefix: str, count: int) -> list[tuple[Envelope, bytes]]:
    return [(Envelope("a@crpve91.fr", (f"{prefix}{i}@example.org",)), RAW) for i in range(count)]


def _race(url: str, stores: list, each: int, quota_wait: float | None = 1.0) -> list:
    """Each store drives its own pool in its own thread, all at once; every answer, flattened."""
    results: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(stores))

    def run(index: int, store) -> None:
        pool = SMTPPool(parse_smtp_urls(url), quota=store, quota_wait=quota_wait)
        barrier.wait()
        answers = []
        for start in range(0, each, 3):  # several exchanges each, interleaved with the other pool
            answers += pool.send_many(_items(f"p{index}-{start}-", min(3, each - start)))
        pool.close()
        with lock:
            results.extend(answers)

    threads = [threading.Thread(target=run, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _own_engine(url: str):
    engine = create_engine(url, **engine_options(url))
    configure_engine(engine)
    return engine


def test_windows_from_limits():
    assert windows(Limits(rate=50, per_hour=9, per_day=99)) == [
        windows(Limits(rate=50))[0], windows(Limits(per_hour=9))[0], windows(Limits(per_day=99))[0]]
    second, = windows(Limits(rate=0.5))
    assert (second.span, second.limit) == (2, 1)  # one message every two seconds
    assert windows(Limits()) == []


def test_two_pools_share_one_hourly_quota_in_the_database(app):
    server = SMTPTestServer().start()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engines = [_own_engine(url), _own_engine(url)]
    try:
        relay_url = f"{server.url}?per_hour={PER_HOUR}"
        results = _race(relay_url, [DatabaseQuota(e) for e in engines], each=10)
        accepted = [r for r in results if r.accepted]
        refused = [r for r in results if not r.accepted]
        assert len(accepted) == PER_HOUR and len(server.messages) == PER_HOUR
        assert len(refused) == 20 - PER_HOUR
        assert all(r.code == 0 and r.connection_failure and "quota" in r.reply for r in refused)
        counted = db.session.scalar(select(func.sum(RelayQuota.count))
                                    .where(RelayQuota.relay == f"127.0.0.1:{server.port}", RelayQuota.span == 3600))
        assert counted == PER_HOUR
    finally:
        server.stop()
        for engine in engines:
            engine.dispose()


def test_two_pools_share_one_rate_per_second(app):
    """rate=20 shared by two pools sending 30 each: three one-second windows, so more than a
    second (each pool counting for itself would need two windows: possibly a few ms)."""
    server = SMTPTestServer().start()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    engines = [_own_engine(url), _own_engine(url)]
    try:
        started = time.monotonic()
        results = _race(f"{server.url}?rate=20", [DatabaseQuota(e) for e in engines], each=30, quota_wait=None)
        elapsed = time.monotonic() - started
        assert sum(r.accepted for r in results) == 60 and elapsed > 1.0
        per_second = db.session.scalars(select(RelayQuota.count).where(RelayQuota.span == 1)).all()
        assert sum(per_second) == 60 and max(per_second) == 20
    finally:
        server.stop()
        for engine in engines:
            engine.dispose()


def test_database_quota_is_a_sliding_window(app):
    now = [1_000_000.0]
    store = DatabaseQuota(db.engine, clock=lambda: now[0])
    limits = Limits(per_hour=3)
    assert store.take("relay:25", limits, 2) == (2, 0.0)
    assert store.take("relay:25", limits, 5) == (1, 0.0)  # partial grant: what is left
    granted, wait = store.take("relay:25", limits, 1)
    assert granted == 0 and 3600 <= wait <= 3660
    now[0] += 3599  # an hour minus a second later: the window still holds the three
    assert store.take("relay:25", limits, 1)[0] == 0
    assert store.take("other:25", limits, 1) == (1, 0.0)  # another relay has its own quota
    now[0] += 61 + 60  # past the window and the bucket it was counted in
    assert store.take("relay:25", limits, 5) == (3, 0.0)


def test_no_limit_no_store():
    class Refusing:
        def take(self, *args):  # would refuse everything if it were asked
            return 0, 60.0

    server = SMTPTestServer().start()
    try:
        pool = SMTPPool.from_url(server.url, quota=Refusing())
        assert all(r.accepted for r in pool.send_many(_items("x", 3)))
        pool.close()
    finally:
        server.stop()


CHILD = """
import sys, json
sys.path.insert(0, {root!r})
from sqlalchemy import create_engine
from app.sending.limits import DatabaseQuota
from app.sending.smtp import SMTPPool, parse_smtp_urls
from app.sending.transport import Envelope
from config import engine_options
url, relay = sys.argv[1], sys.argv[2]
engine = create_engine(url, **engine_options(url))
pool = SMTPPool.from_url(relay, quota=DatabaseQuota(engine), )
pool.quota_wait = 1.0
raw = b"From: a@crpve91.fr\\r\\nSubject: t\\r\\n\\r\\nbonjour\\r\\n"
results = pool.send_many([(Envelope("a@crpve91.fr", (f"child{{i}}@example.org",)), raw) for i in range(5)])
print(json.dumps([r.code for r in results]))
"""


@pytest.mark.slow
def test_two_worker_processes_together_respect_the_quota(app):
    """Two real processes, same database, same relay: PER_HOUR messages in all, whoever sends them."""
    server = SMTPTestServer().start()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    root = str(Path(__file__).resolve().parent.parent)
    script = CHILD.format(root=root)
    try:
        relay = f"{server.url}?per_hour={PER_HOUR}"
        children = [subprocess.Popen([sys.executable, "-c", script, url, relay], stdout=subprocess.PIPE, text=True)
                    for _ in range(2)]
        codes = [c for child in children for c in json.loads(child.communicate(timeout=60)[0])]
        assert codes.count(250) == PER_HOUR and codes.count(0) == 10 - PER_HOUR
        assert len(server.messages) == PER_HOUR
    finally:
        server.stop()


@pytest.fixture
def redis_uri(tmp_path):
    """A throw-away redis-server on a free loopback port (Debian's redis-server package)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (.ci/system-packages.sh installs it)")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def test_two_pools_share_one_hourly_quota_in_redis(redis_uri):
    server = SMTPTestServer().start()
    try:
        stores = [quota_store(redis_uri, None), quota_store(redis_uri, None)]
        assert all(isinstance(s, RedisQuota) for s in stores)
        results = _race(f"{server.url}?per_hour={PER_HOUR}", stores, each=10)
        assert sum(r.accepted for r in results) == PER_HOUR and len(server.messages) == PER_HOUR
        assert all(r.connection_failure for r in results if not r.accepted)
    finally:
        server.stop()
