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


# --- Dates in words, through Babel -------------------------------------------------------------------------
# One place for every date and time a reader sees: pages (Jinja filters in app.web.filters), PDFs, CSV exports
# and the services that write labels. French form in French ("7 décembre 2026 à 03:29", "07/12/2026"),
# English form in English ("December 7, 2026 at 3:29 AM"), always in the organisation's zone.
PATTERNS: dict[str, dict[str, str]] = {
    "fr": {
        "day": "d MMMM yyyy",  # 7 décembre 2026
        "weekday": "EEEE d MMMM yyyy",  # lundi 7 décembre 2026
        "moment": "d MMMM yyyy 'à' HH:mm",  # 7 décembre 2026 à 03:29
        "numeric_day": "dd/MM/yyyy",  # 07/12/2026
        "numeric": "dd/MM/yyyy HH:mm",  # 07/12/2026 03:29
        "hour": "H' h 'mm",  # 9 h 00, as French writes hours in the messages
        "short": "d MMM yyyy, H' h 'mm",  # 4 févr. 2027, 9 h 00 (tables)
        "long": "EEEE d MMMM yyyy, H' h 'mm",  # jeudi 4 février 2027, 9 h 00
        "weekday_moment": "EEEE d MMMM yyyy 'à' H' h 'mm",  # jeudi 7 avril 2016 à 17 h 00
        "month": "LLLL yyyy",  # février 2027 (the stand-alone month, as a table cell names it)
        "chart": "dd/MM HH:mm",  # 01/03 10:00 (a chart's axis, short)
    },
    "en": {
        "day": "MMMM d, yyyy",
        "weekday": "EEEE, MMMM d, yyyy",
        "moment": "MMMM d, yyyy 'at' h:mm a",
        "numeric_day": "MMM d, yyyy",  # "12/07/2026" reads as July in half the English-speaking world
        "numeric": "MMM d, yyyy, h:mm a",
        "hour": "h:mm a",
        "short": "d MMM yyyy, H:mm",
        "long": "EEEE, MMMM d, yyyy, h:mm a",
        "weekday_moment": "EEEE, MMMM d, yyyy 'at' h:mm a",
        "month": "LLLL yyyy",
        "chart": "MMM d, HH:mm",
    },
}


def language(locale: object | None = None) -> str:
    """``"fr"`` or ``"en"``: the one asked for, else the page's (Flask-Babel's locale), else French (workers,
    CLI and messages, which are written in French)."""
    if locale is None and has_app_context():
        from flask_babel import get_locale

        locale = get_locale()
    code = str(locale or "fr").replace("-", "_").split("_")[0].lower()
    return code if code in PATTERNS else "fr"


def format_when(value: datetime | date | None, form: str = "moment", locale: object | None = None) -> str:
    """``value`` in words (``form`` one of :data:`PATTERNS`' keys, or a Babel pattern of its own), in the
    organisation's zone; "" for None.

    A ``date`` is a calendar day already (no zone to apply); an aware ``datetime`` is shown in local time."""
    from babel.dates import format_date as babel_date, format_datetime as babel_datetime

    if value is None:
        return ""
    lang = language(locale)
    pattern = PATTERNS[lang].get(form, form)
    day = to_local(value).date() if isinstance(value, datetime) else value
    if lang == "fr" and day.day == 1:
        pattern = pattern.replace("d MMMM", "d'er' MMMM")  # "1er avril 2027": French writes the first so
    if not isinstance(value, datetime):
        return babel_date(value, pattern, locale=lang)
    return babel_datetime(to_local(value), pattern, tzinfo=local_zone(), locale=lang)


def format_hours(start: datetime, end: datetime, locale: object | None = None) -> str:
    """``10 h 00–17 h 00`` / ``10:00 AM–5:00 PM``: a span of one day."""
    return f"{format_when(start, 'hour', locale)}–{format_when(end, 'hour', locale)}"
