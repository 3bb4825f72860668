"""Following a send as it goes: fresh figures at each tick until the campaign is done or stopped."""
from __future__ import annotations

import time
from typing import Iterator

from app.extensions import db
from app.models import Campaign
from app.services.campaigns.figures import CampaignFigures, campaign_figures


def follow_progress(campaign: Campaign, interval: float) -> Iterator[CampaignFigures]:
    """Yield the campaign's figures every ``interval`` seconds, the last one when nothing is left to send
    (or the send stopped: paused, cancelled, finished). Each reading starts a new transaction, so it sees
    what the workers committed since."""
    while True:
        db.session.expire_all()
        state = campaign_figures(campaign)
        yield state
        if state.status not in ("sending", "scheduled") or (
                not state.remaining and state.audience and not state.audience_estimated):
            return
        db.session.commit()  # ends this reading's transaction (nothing is written): the next one sees new rows
        time.sleep(interval)
