"""Mail clients may POST the one-click twice at once: both answers must be 200 (idempotent under races)."""
from __future__ import annotations

import threading
import urllib.request

from sqlalchemy import select

from app import links
from app.extensions import db
from app.models import Subscriber, SubscriberStatus, Suppression
from tests.subscribe_helpers import make_audience


def test_simultaneous_one_click_posts_all_succeed(live_server):
    urls = []
    for i in range(8):
        sub, _lists, _campaign = make_audience(f"twice{i}@example.org")
        urls.append(links.unsubscribe_url(sub.uid))  # no campaign: everything, with suppression
    results: list[int | str] = []
    lock = threading.Lock()

    def post(url: str, barrier: threading.Barrier) -> None:
        request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                code: int | str = response.status
        except Exception as exc:  # noqa: BLE001 - a 500 is the failure we look for
            code = str(exc)
        with lock:
            results.append(code)

    for url in urls:
        barrier = threading.Barrier(3)
        threads = [threading.Thread(target=post, args=(url, barrier)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == [200] * 24
    db.session.expire_all()
    subs = db.session.scalars(select(Subscriber)).all()
    assert {s.status for s in subs} == {SubscriberStatus.UNSUBSCRIBED}
    assert len(db.session.scalars(select(Suppression)).all()) == 8
