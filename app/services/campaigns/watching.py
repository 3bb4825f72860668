"""Following a send as it goes: fresh figures at each tick until the campaign is done or stopped."""
from __future__ import annotations

import time
from typing import Iterator

from app.extensions import db
from app.models import Campaign
from app.services.campaigns.lifecycle import Progress, progress


def follow_progress(campaign: Campaign, interval: float) -> Iterator[Progress]:
    """Yield the campaign's progress every ``interval`` seconds, the last one when nothing is left to send
    (or the send stopped: paused, cancelled, finished). Each reading starts a new transaction, so it sees
    what the workers committed since."""
    while True:
        db.session.expire_all()
        state = progress(campaign)
        yield state
        if state.status not in ("sending", "scheduled") or (state.queued + state.in_flight == 0 and state.total):
            return
        db.session.commit()  # ends this reading's transaction (nothing is written): the next one sees new rows
        time.sleep(interval)
