"""Reuse: duplicate a campaign, duplicate a cycle onto new dates, save a campaign as a
template and start a new one from it."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from babel.dates import format_date
from sqlalchemy import select

from app.errors import LettrineError
from app.extensions import db
from app.models import Campaign, CampaignTemplate, Cycle, Journee, MessageTemplate, utcnow
from app.services.events import CycleError, copy_survey_questions, save_cycle
from app.services.support import unique_slug
from app.timeutil import local_to_utc, to_local

CAMPAIGN_FIELDS = ("subject", "preheader", "from_name", "from_email", "reply_to", "template", "content", "segment",
                   "cycle_id", "track_clicks")
CYCLE_FIELDS = ("kicker", "title", "subtitle", "introduction", "stakes", "objectives", "audience", "format",
                "speakers", "sponsor_note", "venue_name", "venue_room", "venue_address", "contact_name",
                "contact_email", "contact_phone", "registration_required", "registration_url", "agenda_url",
                "capacity")
JOURNEE_FIELDS = ("number", "title", "introduction", "objectives", "work_axes", "lunch_minutes")


class ReuseError(LettrineError, ValueError):
    """The copy cannot be made as asked (message in French, one line)."""

    status = 422
    code = "reuse"
    en = "The copy cannot be made as asked."


def _copy(value: Any) -> Any:
    """A deep copy of JSON data, so the copy's blocks never share lists with the original."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def duplicate_campaign(campaign: Campaign, *, user_id: int | None = None) -> Campaign:
    """A draft copy (content, audience, sender, tracking), never its date nor its sends; commits."""
    if campaign.journee_id is not None:
        raise ReuseError("Les rappels se créent avec le cycle : dupliquez le cycle plutôt que son rappel.")
    name = f"{campaign.name} (copie)"[:300]
    copy = Campaign(name=name, slug=unique_slug(Campaign, name), created_by=user_id,
                    **{f: _copy(getattr(campaign, f)) for f in CAMPAIGN_FIELDS})
    copy.lists = list(campaign.lists)
    db.session.add(copy)
    db.session.commit()
    return copy


def parse_dates(text: str) -> list[date]:
    """"2027-02-04, 2027-03-04" → dates; ReuseError names the first wrong one."""
    days = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            days.append(date.fromisoformat(part))
        except ValueError as exc:
            raise ReuseError(f"date invalide : {part!r} (format AAAA-MM-JJ)") from exc
    return days


def _period(days: list[date]) -> str:
    first, last = format_date(days[0], "MMMM yyyy", locale="fr"), format_date(days[-1], "MMMM yyyy", locale="fr")
    first, last = first[:1].upper() + first[1:], last[:1].upper() + last[1:]
    return first if first == last else f"{first} – {last}"


def duplicate_cycle(cycle: Cycle, days: list[date], now: datetime | None = None) -> Cycle:
    """Copy a cycle onto new dates, one per journée in order (same hours, same texts), with a
    new slug and period; its reminders are created by ``save_cycle``. Commits.

    The copy is a draft (not published: no agenda entry, no registration form) until the officer
    has read last year's texts again and publishes it; preflight names any year left in them."""
    now = now or utcnow()
    journees = sorted(cycle.journees, key=lambda j: j.number)
    if len(days) != len(journees):
        raise ReuseError(f"{len(journees)} date(s) attendue(s), une par journée ({len(days)} donnée(s))")
    if days != sorted(days) or len(set(days)) != len(days):
        raise ReuseError("les dates doivent être différentes et dans l'ordre des journées")
    copy = Cycle(**{f: getattr(cycle, f) for f in CYCLE_FIELDS}, reminder_rules=_copy(cycle.reminder_rules),
                 period=_period(days), published=False, slug=unique_slug(Cycle, f"{cycle.title} {days[0].year}"))
    for journee, day in zip(journees, days):
        start, end = to_local(journee.starts_at), to_local(journee.ends_at)
        starts_at = local_to_utc(day, time(start.hour, start.minute))
        if starts_at <= now:
            raise ReuseError(f"la journée {journee.number} tomberait dans le passé ({day.isoformat()})")
        copy.journees.append(Journee(
            starts_at=starts_at, ends_at=local_to_utc(day + (end.date() - start.date()), time(end.hour, end.minute)),
            **{f: getattr(journee, f) for f in JOURNEE_FIELDS}))
    try:
        save_cycle(copy, now)
    except CycleError as exc:
        db.session.rollback()
        raise ReuseError(str(exc)) from exc
    copy_survey_questions(cycle, copy)  # the same satisfaction survey as the cycle copied
    return copy


def save_as_template(campaign: Campaign, name: str, *, actor: str) -> MessageTemplate:
    """Keep a newsletter's content and settings under a name (overwrites that name); commits."""
    if campaign.template != CampaignTemplate.NEWSLETTER:
        raise ReuseError("Seules les lettres d'information s'enregistrent comme modèle "
                         "(une annonce se refait à partir de son cycle).")
    name = (name or "").strip()[:300]
    if not name:
        raise ReuseError("Donnez un nom au modèle.")
    row = db.session.scalar(select(MessageTemplate).where(MessageTemplate.name == name))
    if row is None:
        row = MessageTemplate(name=name, template=campaign.template.value, created_by=actor[:320])
        db.session.add(row)
    for field in ("subject", "preheader", "from_name", "reply_to"):
        setattr(row, field, getattr(campaign, field))
    row.content = _copy(campaign.content or {})
    db.session.commit()
    return row


def campaign_from_template(row: MessageTemplate, name: str, *, user_id: int | None = None) -> Campaign:
    """A new draft newsletter with the template's content (the audience is chosen after); commits."""
    name = (name or "").strip()[:300] or row.name
    campaign = Campaign(name=name, slug=unique_slug(Campaign, name), template=CampaignTemplate(row.template),
                        subject=row.subject, preheader=row.preheader, from_name=row.from_name,
                        reply_to=row.reply_to, content=_copy(row.content or {}), created_by=user_id)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def delete_template(row: MessageTemplate) -> None:
    """Forget a saved template (letters made from it keep their content: it was copied); commits."""
    db.session.delete(row)
    db.session.commit()
