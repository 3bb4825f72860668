"""Times are stored in UTC and entered/shown in the organisation's zone (Europe/Paris)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LOCAL_FORMAT = "%Y-%m-%d %H:%M"


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"] if has_app_context() else "Europe/Paris")


def to_local(value: datetime) -> datetime:
    return value.astimezone(local_zone())


def local_to_utc(day: date, at: time) -> datetime:
    """A wall-clock time in the local zone, as an aware UTC instant (DST handled by zoneinfo)."""
    return datetime.combine(day, at, tzinfo=local_zone()).astimezone(timezone.utc)


def parse_local(text: str) -> datetime:
    """``"YYYY-MM-DD HH:MM"`` (or ISO ``T``) in local time → aware UTC; ValueError in French."""
    cleaned = text.strip().replace("T", " ")
    try:
        naive = datetime.strptime(cleaned, LOCAL_FORMAT)
    except ValueError as exc:
        raise ValueError(f"date et heure attendues au format AAAA-MM-JJ HH:MM, pas {text!r}") from exc
    return local_to_utc(naive.date(), naive.time())


def format_local(value: datetime | None, with_offset: bool = True) -> str:
    """``2016-03-03 09:00 (UTC+01:00)``: what the officer sees for a stored instant."""
    if value is None:
        return ""
    local = to_local(value)
    text = local.strftime(LOCAL_FORMAT)
    if with_offset:
        offset = local.strftime("%z")
        text += f" (UTC{offset[:3]}:{offset[3:]})"
    return text
