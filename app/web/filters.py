"""Jinja filters: dates shown in the organisation's time zone and the page's language (app.timeutil)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from app.models import CampaignStatus
from app.services.audience import source_label
from app.timeutil import format_when

STATUS_LABELS = {
    CampaignStatus.DRAFT: _l("Brouillon"),
    CampaignStatus.SCHEDULED: _l("Programmée"),
    CampaignStatus.SENDING: _l("En cours d'envoi"),
    CampaignStatus.PAUSED: _l("En pause"),
    CampaignStatus.SENT: _l("Envoyée"),
    CampaignStatus.CANCELLED: _l("Annulée"),
    CampaignStatus.MISSED: _l("Manquée"),
}


def local_time(value: datetime | None) -> datetime | None:
    """An aware instant converted to the configured zone (Europe/Paris by default)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def long_date(value: datetime | None) -> str:
    """"jeudi 4 février 2027, 9 h 00" in the organisation's zone, in the page's language."""
    return format_when(value, "long")


def register_filters(app: Flask) -> None:
    app.jinja_env.globals["get_locale"] = get_locale

    @app.template_filter("datetime")
    def _datetime(value: datetime | None, fmt: str | None = None) -> str:
        """A short date in the admin's language and the organisation's zone: "4 févr. 2027, 9 h 00"."""
        if value is None:
            return "—"
        return format_when(value, fmt or "short")

    @app.template_filter("localtime")
    def _localtime(value: datetime | None) -> str:
        """The long form, without UTC offset: "jeudi 4 février 2027, 9 h 00"."""
        return long_date(value)

    @app.template_filter("localtime_offset")
    def _localtime_offset(value: datetime | None) -> str:
        """A moment, where it is chosen (scheduling): "7 décembre 2026 à 03:29", "December 7, 2026 at 3:29 AM"."""
        return format_when(value, "moment")

    @app.template_filter("when")
    def _when(value: datetime | date | None, form: str = "moment") -> str:
        """Any form of :data:`app.timeutil.PATTERNS`: ``{{ x|when("day") }}``, ``{{ x|when("numeric") }}``."""
        return format_when(value, form)

    app.jinja_env.globals["format_when"] = format_when
    app.jinja_env.globals["long_date"] = long_date

    app.jinja_env.globals["status_label"] = lambda status: str(STATUS_LABELS.get(status, status))
    app.jinja_env.filters["source_label"] = source_label

    @app.template_filter("number")
    def _number(value, pattern: str | None = None) -> str:
        """A number in the page's language: "1 200", "4,67" in French ("#,##0.00" for two decimals)."""
        return format_decimal(value or 0, format=pattern)
