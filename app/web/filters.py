"""Jinja filters: dates shown in the organisation's time zone, in French."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from app.models import CampaignStatus
from app.timeutil import format_local

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


def register_filters(app: Flask) -> None:
    app.jinja_env.globals["get_locale"] = get_locale

    @app.template_filter("datetime")
    def _datetime(value: datetime | None, fmt: str = "d MMM yyyy HH:mm") -> str:
        if value is None:
            return "—"
        return format_datetime(value, fmt)

    @app.template_filter("localtime")
    def _localtime(value: datetime | None) -> str:
        """Local wall-clock time with its UTC offset, as the officer enters it."""
        return format_local(value)

    app.jinja_env.globals["status_label"] = lambda status: str(STATUS_LABELS.get(status, status))

    @app.template_filter("number")
    def _number(value) -> str:
        return format_decimal(value or 0)
