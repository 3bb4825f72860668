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
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.errors import LettrineError
from app.extensions import db
from app.message.header_text import without_controls
from app.models import Campaign, CampaignStatus, CampaignTemplate, Cycle, Journee, utcnow
from app.sending import campaign_state
from app.timeutil import format_when, local_to_utc, to_local

# Reminders in these states are history: sync never changes them.
LOCKED = (CampaignStatus.SENDING, CampaignStatus.PAUSED, CampaignStatus.SENT)
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_DAYS_BEFORE = 365
MAX_INTRO = 5000


class InvalidReminderRules(LettrineError, ValueError):
    """The rules cannot be used; the message is French, for the officer."""

    status = 422
    code = "reminder_rules"
    en = "The reminder rules cannot be used."


@dataclass(frozen=True, order=True)
class ReminderRule:
    days_before: int
    at: time
    # The officer's own words above the journée's details (which are still generated below), in Markdown.
    intro: str = field(default="", compare=False)

    def as_json(self) -> dict:
        rule = {"days_before": self.days_before, "time": self.at.strftime("%H:%M")}
        return rule | ({"intro": self.intro} if self.intro else {})


def parse_rules(raw: list[dict] | None) -> list[ReminderRule]:
    """Validate a cycle's ``reminder_rules``: days 0–365, HH:MM, one rule per number of days, an optional
    introduction. The one syntax of the rules: the cycle editor's rows "N jours avant, à HH:MM" write it."""
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
        intro = str(item.get("intro") or "").strip()
        if len(intro) > MAX_INTRO:
            raise InvalidReminderRules(f"rappel invalide : introduction de plus de {MAX_INTRO} caractères")
        rules.append(ReminderRule(days, time(int(match[1]), int(match[2])), intro))
    if len({r.days_before for r in rules}) != len(rules):
        raise InvalidReminderRules("deux rappels ne peuvent pas tomber le même nombre de jours avant une journée")
    return sorted(rules, reverse=True)


def reminder_instant(journee: Journee, rule: ReminderRule) -> datetime:
    """The UTC instant of ``rule`` for ``journee`` (local date minus N days, at the rule's local time)."""
    local_day = to_local(journee.starts_at).date() - timedelta(days=rule.days_before)
    return local_to_utc(local_day, rule.at)


def french_date(value: datetime) -> str:
    """``jeudi 10 mars 2016`` for an instant, in the organisation's zone (the messages' French, app.timeutil)."""
    return format_when(value, "weekday", "fr")


SUBJECT_LIMIT = 78  # what preflight accepts; phones show about sixty characters


# Words a shortened subject must not end on: "… un contrat de…" reads as cut in the middle.
DANGLING = {"à", "au", "aux", "avec", "d'", "dans", "de", "des", "du", "en", "et", "l'", "la", "le", "les", "ou",
            "par", "pour", "sur", "un", "une", "—", "-", ":"}


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with "…", never after a dangling
    little word ("de", "la", "un"…): "… vivre un contrat…", not "… un contrat de…"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    words = head.split(" ") if text[limit - 1] == " " else head.split(" ")[:-1]
    while words and (words[-1].lower() in DANGLING or not words[-1].strip(" :,;—-")):
        words.pop()
    cut = " ".join(words).rstrip(" :,;—-")
    return (cut or head.rstrip()) + "…"


def reminder_subject(journee: Journee) -> str:
    """The date first (what the reader needs), then as much of the cycle's title as fits."""
    head = f"Rappel : journée {journee.number} le {french_date(journee.starts_at)}"
    return shorten(without_controls(f"{head} — {journee.cycle.title}"), SUBJECT_LIMIT)


def reminder_preheader(journee: Journee) -> str:
    """Time and place, shown by the inbox after the subject."""
    start, end = to_local(journee.starts_at), to_local(journee.ends_at)
    cycle = journee.cycle
    place = ", ".join(p for p in (cycle.venue_name, cycle.venue_room) if p)
    text = f"{start.hour} h {start.minute:02d}–{end.hour} h {end.minute:02d}" + (f" · {place}" if place else "") + f" · {cycle.title}"
    return shorten(without_controls(text), 110)


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
                    status=CampaignStatus.SCHEDULED, scheduled_at=at, content=_content({}, rule),
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


def _content(content: dict, rule: ReminderRule) -> dict:
    """The reminder's content with its rule's introduction (the template shows it above the journée)."""
    kept = {k: v for k, v in content.items() if k != "intro"}
    return kept | ({"intro": rule.intro} if rule.intro else {})


def _update(campaign: Campaign, journee: Journee, rule: ReminderRule, at: datetime, now: datetime) -> bool:
    """Bring one existing reminder in line; True if anything changed."""
    if campaign.status in LOCKED:
        return False
    subject, name, preheader = reminder_subject(journee), reminder_name(journee, rule), reminder_preheader(journee)
    content = _content(campaign.content or {}, rule)
    moved = campaign.scheduled_at != at
    if not moved and (campaign.subject, campaign.name, campaign.preheader, campaign.content or {}) == (
            subject, name, preheader, content):
        if campaign.status == CampaignStatus.CANCELLED and at > now:
            pass  # a rule or journée came back: reschedule below
        else:
            return False  # due-but-unsent ones are the dispatcher's business (grace / missed)
    campaign.subject, campaign.name, campaign.preheader, campaign.content = subject, name, preheader, content
    db.session.flush()
    if at <= now:
        if moved:
            campaign_state.cancel_reminder(
                campaign.id, "Rappel annulé : après le déplacement de la journée, son moment était déjà passé.", now)
        return True
    # Compare-and-set: if the scheduler started this reminder a moment ago, it keeps going.
    campaign_state.reschedule_reminder(campaign.id, at)
    return True
