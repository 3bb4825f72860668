"""A campaign's report: who it reached, what failed and why, who left, what was clicked,
and sends/unsubscribes per hour for the chart. Aggregates in SQL, bounded results."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, literal_column, select

from app.extensions import db
from app.models import AuditLog, Campaign, Delivery, DeliveryStatus, LinkClick
from app.services.dashboard import delivery_counts
from app.timeutil import to_local


@dataclass
class Report:
    campaign: Campaign
    counts: dict[str, int]
    bounced: int
    unsubscribed: int
    failures: list[tuple[int | None, str, int]]
    clicks: list[LinkClick]
    timeline: list[tuple[datetime, int, int]] = field(default_factory=list)  # hour, sent, unsubscribed

    @property
    def recipients(self) -> int:
        return sum(self.counts.values())


def _hour(column):
    """Truncate a timestamp column to the hour, on PostgreSQL and SQLite alike."""
    if db.engine.dialect.name == "postgresql":
        # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
        return func.date_trunc(literal_column("'hour'"), column)
    return func.strftime("%Y-%m-%d %H:00:00", column)


def _as_hour(value) -> datetime:
    if isinstance(value, str):
        value = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    return value.replace(tzinfo=timezone.utc)


def unsubscribes_from(campaign_id: int):
    """Audit rows of unsubscribes made through this campaign's links (detail.campaign)."""
    return select(AuditLog).where(
        AuditLog.action.in_(("unsubscribe", "unsubscribe_all")),
        AuditLog.detail["campaign"].as_integer() == campaign_id,
    )


def build_report(campaign: Campaign) -> Report:
    counts = delivery_counts([campaign.id])[campaign.id]
    bounced = db.session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.campaign_id == campaign.id, Delivery.bounced.is_(True))
    ) or 0
    unsub_rows = unsubscribes_from(campaign.id).subquery()
    unsubscribed = db.session.scalar(select(func.count(func.distinct(unsub_rows.c.subscriber_id)))) or 0
    failures = db.session.execute(
        select(Delivery.smtp_code, Delivery.smtp_reply, func.count())
        .where(Delivery.campaign_id == campaign.id, Delivery.status == DeliveryStatus.FAILED)
        .group_by(Delivery.smtp_code, Delivery.smtp_reply)
        .order_by(func.count().desc())
        .limit(20)
    ).all()
    clicks = list(db.session.scalars(
        select(LinkClick).where(LinkClick.campaign_id == campaign.id).order_by(LinkClick.clicks.desc()).limit(50)
    ))
    sent_hours = dict(db.session.execute(
        select(_hour(Delivery.sent_at), func.count())
        .where(Delivery.campaign_id == campaign.id, Delivery.sent_at.is_not(None))
        .group_by(_hour(Delivery.sent_at))
    ).all())
    unsub_hours = dict(db.session.execute(
        select(_hour(unsub_rows.c.at), func.count()).group_by(_hour(unsub_rows.c.at))
    ).all())
    hours = sorted({_as_hour(h) for h in [*sent_hours, *unsub_hours] if h is not None})
    sent_by = {_as_hour(h): n for h, n in sent_hours.items() if h is not None}
    unsub_by = {_as_hour(h): n for h, n in unsub_hours.items() if h is not None}
    timeline: list[tuple[datetime, int, int]] = []
    if hours:
        hour, last = hours[0], hours[-1]
        span = min(int((last - hour).total_seconds() // 3600) + 1, 24 * 14)  # two weeks at most
        for i in range(span):
            h = hour + timedelta(hours=i)
            timeline.append((h, sent_by.get(h, 0), unsub_by.get(h, 0)))
    return Report(campaign, counts, bounced, unsubscribed, [tuple(f) for f in failures], clicks, timeline)


def _label(hour: datetime) -> str:
    """An hour bucket as the officer reads it: local time (``TIMEZONE``, whole-hour offsets), e.g. ``01/03 10:00 CET``."""
    local = to_local(hour)
    return f"{local:%d/%m %H:00} {local:%Z}"


def chart_svg(timeline: list[tuple[datetime, int, int]], width: int = 720, height: int = 180) -> str:
    """An accessible inline SVG: bars of messages sent per hour, a line of unsubscribes."""
    if not timeline:
        return ""
    pad = 28
    max_sent = max(1, max(s for _h, s, _u in timeline))
    max_unsub = max(1, max(u for _h, _s, u in timeline))
    step = (width - 2 * pad) / len(timeline)
    bars, points = [], []
    for i, (_h, sent, unsub) in enumerate(timeline):
        bar_h = (height - 2 * pad) * sent / max_sent
        x = pad + i * step
        bars.append(f'<rect x="{x:.1f}" y="{height - pad - bar_h:.1f}" width="{max(step - 1, 1):.1f}" height="{bar_h:.1f}" fill="#0b5cad"/>')
        points.append(f"{x + step / 2:.1f},{height - pad - (height - 2 * pad) * unsub / max_unsub:.1f}")
    first, last = timeline[0][0], timeline[-1][0]
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">Envois par heure (barres, max {max_sent}) et désinscriptions (ligne, max {max_unsub})</title>'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#5b6478"/>'
        + "".join(bars)
        + f'<polyline points="{" ".join(points)}" fill="none" stroke="#a11d1d" stroke-width="2"/>'
        f'<text x="{pad}" y="{height - 8}" font-size="11" fill="#5b6478">{_label(first)}</text>'
        f'<text x="{width - pad}" y="{height - 8}" font-size="11" fill="#5b6478" text-anchor="end">{_label(last)}</text>'
        "</svg>"
    )
