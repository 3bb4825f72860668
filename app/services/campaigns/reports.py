"""A campaign's report: its figures (:mod:`app.services.campaigns.figures`, the numbers every
other surface shows too), what failed and why, what was clicked, and sends/unsubscribes per
hour for the chart. Aggregates in SQL, bounded results."""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, literal_column, select

from app.extensions import db
from app.models import AuditLog, Campaign, Delivery, DeliveryStatus, LinkClick
from app.services.campaigns.figures import UNSUBSCRIBE_ACTIONS, CampaignFigures, campaign_figures
from app.timeutil import format_when, to_local


@dataclass
class Report:
    campaign: Campaign
    figures: CampaignFigures
    failures: list[tuple[int | None, str, int]]  # SMTP code, reply, how many refused with it
    clicks: list[LinkClick]
    timeline: list[tuple[datetime, int, int]] = field(default_factory=list)  # bucket start, sent, unsubscribed
    step: timedelta = timedelta(hours=1)  # a bucket's width: minutes for a send of a few minutes


def _truncate(column, unit: str = "hour"):
    """Truncate a timestamp column to the hour or the minute, on PostgreSQL and SQLite alike."""
    if db.engine.dialect.name == "postgresql":
        # A literal, not a bound parameter: PostgreSQL must see the same expression in GROUP BY.
        return func.date_trunc(literal_column(f"'{unit}'"), column)
    return func.strftime("%Y-%m-%d %H:00:00" if unit == "hour" else "%Y-%m-%d %H:%M:00", column)


# A send whose sends and unsubscribes fit in this many hours is charted per minute: per hour it
# would be one bar labelled with the same time at both ends.
MINUTE_CHART_HOURS = 2


def _as_utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    return value.replace(tzinfo=timezone.utc)


def unsubscribes_from(campaign_id: int):
    """Audit rows of unsubscribes made through this campaign's links (detail.campaign)."""
    return select(AuditLog).where(
        AuditLog.action.in_(UNSUBSCRIBE_ACTIONS),
        AuditLog.detail["campaign"].as_integer() == campaign_id,
    )


def build_report(campaign: Campaign) -> Report:
    unsub_rows = unsubscribes_from(campaign.id).subquery()
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
    timeline, step = _timeline(campaign.id, unsub_rows, "hour")
    if timeline and len(timeline) <= MINUTE_CHART_HOURS:
        timeline, step = _timeline(campaign.id, unsub_rows, "minute")
    return Report(campaign, campaign_figures(campaign), [(failure[0], failure[1], failure[2]) for failure in failures], clicks, timeline, step)


def _timeline(campaign_id: int, unsub_rows, unit: str) -> tuple[list[tuple[datetime, int, int]], timedelta]:
    """Messages sent and unsubscribes per bucket, every bucket between the first and the last."""
    step = timedelta(hours=1) if unit == "hour" else timedelta(minutes=1)
    sent_rows: dict[Any, int] = dict(db.session.execute(
        select(_truncate(Delivery.sent_at, unit), func.count())
        .where(Delivery.campaign_id == campaign_id, Delivery.sent_at.is_not(None))
        .group_by(_truncate(Delivery.sent_at, unit))
    ).all())
    unsub_counts: dict[Any, int] = dict(db.session.execute(
        select(_truncate(unsub_rows.c.at, unit), func.count()).group_by(_truncate(unsub_rows.c.at, unit))
    ).all())
    sent_by = {_as_utc(b): n for b, n in sent_rows.items() if b is not None}
    unsub_by = {_as_utc(b): n for b, n in unsub_counts.items() if b is not None}
    buckets = sorted({*sent_by, *unsub_by})
    if not buckets:
        return [], step
    first, last = buckets[0], buckets[-1]
    span = min(int((last - first) / step) + 1, 24 * 14)  # two weeks of hours at most
    return [(first + i * step, sent_by.get(first + i * step, 0), unsub_by.get(first + i * step, 0))
            for i in range(span)], step


def _label(moment: datetime, step: timedelta) -> str:
    """A bucket's edge as the officer reads it, in local time and the page's language: ``01/03 10:00 CET``,
    ``Mar 1, 10:00 CET`` (hours) or ``10:42`` (minutes)."""
    if step < timedelta(hours=1):
        return format_when(moment, "HH:mm")
    return f"{format_when(moment, 'chart')} {to_local(moment):%Z}"


def chart_svg(timeline: list[tuple[datetime, int, int]], step: timedelta = timedelta(hours=1),
              width: int = 720, height: int = 180) -> str:
    """An accessible inline SVG: bars of messages sent per bucket, a line of unsubscribes.

    The axis is labelled with the start of the first bucket and the END of the last one, so a
    send of two minutes reads "10:42 … 10:44", never the same time at both ends."""
    if not timeline:
        return ""
    pad = 28
    max_sent = max(1, max(s for _h, s, _u in timeline))
    max_unsub = max(1, max(u for _h, _s, u in timeline))
    bar_w = (width - 2 * pad) / len(timeline)
    bars, points = [], []
    for i, (_h, sent, unsub) in enumerate(timeline):
        bar_h = (height - 2 * pad) * sent / max_sent
        x = pad + i * bar_w
        bars.append(f'<rect x="{x:.1f}" y="{height - pad - bar_h:.1f}" width="{max(bar_w - 1, 1):.1f}" height="{bar_h:.1f}" fill="#0b5cad"/>')
        points.append(f"{x + bar_w / 2:.1f},{height - pad - (height - 2 * pad) * unsub / max_unsub:.1f}")
    first, end = timeline[0][0], timeline[-1][0] + step
    title = (_("Envois par minute (barres, max %(sent)d) et désinscriptions (ligne, max %(unsub)d), de %(start)s à %(end)s",
               sent=max_sent, unsub=max_unsub, start=_label(first, step), end=_label(end, step))
             if step < timedelta(hours=1) else
             _("Envois par heure (barres, max %(sent)d) et désinscriptions (ligne, max %(unsub)d), de %(start)s à %(end)s",
               sent=max_sent, unsub=max_unsub, start=_label(first, step), end=_label(end, step)))
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-title">{html.escape(title)}</title>'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#5b6478"/>'
        + "".join(bars)
        + f'<polyline points="{" ".join(points)}" fill="none" stroke="#a11d1d" stroke-width="2"/>'
        f'<text x="{pad}" y="{height - 8}" font-size="11" fill="#5b6478">{_label(first, step)}</text>'
        f'<text x="{width - pad}" y="{height - 8}" font-size="11" fill="#5b6478" text-anchor="end">{_label(end, step)}</text>'
        "</svg>"
    )
