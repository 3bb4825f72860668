"""Reminder campaigns: one per (journée, rule), derived from the cycle's dates and reminder rules.

A rule is ``{"days_before": 7, "time": "09:00"}``: the local wall-clock time in
the organisation's zone (Europe/Paris) that many calendar days before the
journée's local date. The instant is computed with zoneinfo, so a rule keeps
its 09:00 across the change to summer time (08:00 UTC before 27 March 2016,
07:00 UTC after).

:func:`sync_reminders` is idempotent and is called whenever a cycle is saved or a
journée moves. It never touches a reminder that has started or been sent, never
creates one for a moment already past, and cancels the unsent reminders of
rules or journées that no longer exist. The dispatcher (``app.scheduling``)
sends them when due; their audience is the journée's confirmed registrants
(``app.sending.queue.audience_query``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.errors import LettrineError
from app.extensions import db
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, Journee, utcnow
from app.sending import campaign_state
from app.timeutil import format_when, local_to_utc, to_local

# Reminders in these states are history: sync never changes them.
LOCKED = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_DAYS_BEFORE = 365


class InvalidReminderRules(LettrineError, ValueError):
    """The rules cannot be used; the message is French, for the officer."""

    status = 422
    code = "reminder_rules"
    en = "The reminder rules cannot be used."


@dataclass(frozen=True, order=True)
class ReminderRule:
    days_before: int
    at: time

    def as_json(self) -> dict:
        return {"days_before": self.days_before, "time": self.at.strftime("%H:%M")}


def parse_rules(raw: list[dict] | None) -> list[ReminderRule]:
    """Validate a cycle's ``reminder_rules``: days 0–365, HH:MM, one rule per number of days."""
    rules: list[ReminderRule] = []
    for item in raw or []:
        try:
            days = int(item["days_before"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidReminderRules(f"rappel invalide : nombre de jours manquant ou incorrect ({item!r})") from exc
        if not 0 <= days <= MAX_DAYS_BEFORE:
            raise InvalidReminderRules(f"rappel invalide : {days} jours avant (entre 0 et {MAX_DAYS_BEFORE})")
        match = TIME_RE.match(str(item.get("time", "09:00")).strip())
        if not match:
            raise InvalidReminderRules(f"rappel invalide : heure {item.get('time')!r} (format HH:MM attendu)")
        rules.append(ReminderRule(days, time(int(match[1]), int(match[2]))))
    if len({r.days_before for r in rules}) != len(rules):
        raise InvalidReminderRules("deux rappels ne peuvent pas tomber le même nombre de jours avant une journée")
    return sorted(rules, reverse=True)


def parse_rules_text(text: str) -> list[dict]:
    """``"7@09:00, 1@09:00"`` (the admin and CLI form) → the JSON stored on the cycle."""
    items = []
    for chunk in re.split(r"[,;\n]+", text or ""):
        chunk = chunk.strip()
        if not chunk:
            continue
        days, _, at = chunk.partition("@")
        items.append({"days_before": days.strip().rstrip("jJ").strip(), "time": (at or "09:00").strip()})
    return [r.as_json() for r in parse_rules(items)]


def reminder_instant(journee: Journee, rule: ReminderRule) -> datetime:
    """The UTC instant of ``rule`` for ``journee`` (local date minus N days, at the rule's local time)."""
    local_day = to_local(journee.starts_at).date() - timedelta(days=rule.days_before)
    return local_to_utc(local_day, rule.at)


def french_date(value: datetime) -> str:
    """``jeudi 10 mars 2016`` for an instant, in the organisation's zone (the messages' French, app.timeutil)."""
    return format_when(value, "weekday", "fr")


SUBJECT_LIMIT = 78  # what preflight accepts; phones show about sixty characters


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis, so a subject never ends mid-word."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" :,;—-")
    return cut + "…"


def reminder_subject(journee: Journee) -> str:
    """The date first (what the reader needs), then as much of the cycle's title as fits."""
    head = f"Rappel : journée {journee.number} le {french_date(journee.starts_at)}"
    return shorten(f"{head} — {journee.cycle.title}", SUBJECT_LIMIT)


def reminder_preheader(journee: Journee) -> str:
    """Time and place, shown by the inbox after the subject."""
    start, end = to_local(journee.starts_at), to_local(journee.ends_at)
    cycle = journee.cycle
    place = ", ".join(p for p in (cycle.venue_name, cycle.venue_room) if p)
    text = f"{start.hour} h {start.minute:02d}–{end.hour} h {end.minute:02d}" + (f" · {place}" if place else "") + f" · {cycle.title}"
    return shorten(text, 110)


def reminder_name(journee: Journee, rule: ReminderRule) -> str:
    when = "la veille" if rule.days_before == 1 else ("le jour même" if rule.days_before == 0
                                                        else f"J-{rule.days_before}")
    return f"Rappel {when} — Journée {journee.number} — {journee.cycle.title}"[:300]


def _slug(journee: Journee, rule: ReminderRule) -> str:
    """Stable per (journée, rule); a suffix only if an old, unrelated campaign holds the name."""
    base = f"{journee.cycle.slug}-rappel-journee-{journee.number}-j{rule.days_before}"[:110]
    slug, n = base, 1
    while db.session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


@dataclass
class SyncReport:
    created: list[Campaign]
    updated: list[Campaign]
    cancelled: list[Campaign]
    skipped_past: int = 0


def sync_reminders(cycle: Cycle, now: datetime | None = None) -> SyncReport:
    """Create, move or cancel this cycle's reminder campaigns to match its journées and rules.

    Flushes, does not commit (the caller saves the cycle in the same transaction).
    """
    now = now or utcnow()
    rules = parse_rules(cycle.reminder_rules)
    report = SyncReport([], [], [])
    db.session.flush()
    existing = {
        (c.journee_id, c.reminder_days_before): c
        for c in db.session.scalars(
            select(Campaign).where(Campaign.cycle_id == cycle.id, Campaign.template == CampaignTemplate.REMINDER)
        )
    }
    wanted: set[tuple[int, int]] = set()
    for journee in cycle.journees:
        for rule in rules:
            key = (journee.id, rule.days_before)
            wanted.add(key)
            at = reminder_instant(journee, rule)
            campaign = existing.get(key)
            if campaign is None:
                if at <= now:
                    report.skipped_past += 1
                    continue
                campaign = Campaign(
                    slug=_slug(journee, rule), name=reminder_name(journee, rule),
                    subject=reminder_subject(journee), preheader=reminder_preheader(journee),
                    template=CampaignTemplate.REMINDER,
                    cycle_id=cycle.id, journee_id=journee.id, reminder_days_before=rule.days_before,
                    status=CampaignStatus.SCHEDULED, scheduled_at=at,
                )
                db.session.add(campaign)
                db.session.flush()
                report.created.append(campaign)
            elif _update(campaign, journee, rule, at, now):
                (report.cancelled if campaign.status == CampaignStatus.CANCELLED else report.updated).append(campaign)
    for existing_key, campaign in existing.items():
        if existing_key not in wanted and campaign_state.cancel_reminder(
                campaign.id, "Rappel annulé : sa règle ou sa journée n'existe plus.", now):
            report.cancelled.append(campaign)
    db.session.flush()
    return report


def _update(campaign: Campaign, journee: Journee, rule: ReminderRule, at: datetime, now: datetime) -> bool:
    """Bring one existing reminder in line; True if anything changed."""
    if campaign.status in LOCKED:
        return False
    subject, name, preheader = reminder_subject(journee), reminder_name(journee, rule), reminder_preheader(journee)
    moved = campaign.scheduled_at != at
    if not moved and (campaign.subject, campaign.name, campaign.preheader) == (subject, name, preheader):
        if campaign.status == CampaignStatus.CANCELLED and at > now:
            pass  # a rule or journée came back: reschedule below
        else:
            return False  # due-but-unsent ones are the dispatcher's business (grace / missed)
    campaign.subject, campaign.name, campaign.preheader = subject, name, preheader
    db.session.flush()
    if at <= now:
        if moved:
            campaign_state.cancel_reminder(
                campaign.id, "Rappel annulé : après le déplacement de la journée, son moment était déjà passé.", now)
        return True
    # Compare-and-set: if the scheduler started this reminder a moment ago, it keeps going.
    campaign_state.reschedule_reminder(campaign.id, at)
    return True
