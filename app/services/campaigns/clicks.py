"""Click tracking (off by default): signed redirect URLs, counted per link.

Links are rewritten once per campaign version when the HTML is compiled, so the
redirect URL is the same for every recipient: we learn how often a link was
followed, never who followed it (per-person tracking needs consent under the
CNIL's reading). The destination travels inside a signed token, so /l/<token>
can only redirect where a campaign really linked to — no open redirect.
"""
from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.database import upsert_insert
from app.extensions import db
from app.sending.views import track_links, tracked_url
from app.models import LinkClick, utcnow
from app.tokens import InvalidToken, Purpose, verify

def resolve(token: str) -> tuple[int, str]:
    """(campaign id, destination) of a click token; InvalidToken if forged or not http(s)."""
    payload = verify(Purpose.CLICK, token)
    if not (isinstance(payload, list) and len(payload) == 2 and isinstance(payload[0], int) and isinstance(payload[1], str)):
        raise InvalidToken("unexpected payload")
    if urlsplit(payload[1]).scheme not in {"http", "https"}:
        raise InvalidToken("not a web link")
    return payload[0], payload[1]


def record_click(campaign_id: int, url: str) -> None:
    """Add one click, atomically (an upsert on PostgreSQL and SQLite alike)."""
    now = utcnow()
    values = {"campaign_id": campaign_id, "url": url, "url_hash": hashlib.sha256(url.encode()).hexdigest(),
              "clicks": 1, "first_at": now, "last_at": now}
    stmt = upsert_insert(LinkClick, db.engine).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign_id", "url_hash"],
        set_={"clicks": LinkClick.clicks + 1, "last_at": now},
    )
    db.session.execute(stmt)
    db.session.commit()


def clicks_for(campaign_id: int) -> list[LinkClick]:
    return list(db.session.scalars(
        select(LinkClick).where(LinkClick.campaign_id == campaign_id).order_by(LinkClick.clicks.desc())
    ))


def total_clicks(campaign_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(LinkClick.clicks), 0)).where(LinkClick.campaign_id == campaign_id)) or 0


__all__ = ["tracked_url", "track_links", "resolve", "record_click", "clicks_for", "total_clicks"]
