"""The engine: enrol who a trigger names, and move each enrolment along its steps, exactly once.

One :func:`tick` (the scheduler's, every ``SCHEDULER_INTERVAL_SECONDS``) does three things:

1. reads the trigger events recorded since the last tick (``sequence_events``, in id order), enrols
   the people they name and deletes them, in one transaction;
2. fires the dated triggers whose moment has come (21 days before a journée, the end of a
   journée…): one ``INSERT … SELECT`` of the audience, once per sequence;
3. finds the due steps with one query on the partial index of active enrolments by due time
   (:func:`due_statement`: no scan of every person, no statistics needed) and, batch by batch,
   in one transaction each: checks the exits and the step's window and condition, inserts the
   ``sequence_step_sends`` rows (unique per person, sequence and step: ``ON CONFLICT DO
   NOTHING … RETURNING``), inserts a ``deliveries`` row into the step's campaign for each row
   this tick inserted, and moves the enrolments on (a compare-and-set on their position).
   A second tick, a second scheduler, a restart or a clock jump finds the rows already there
   and queues nothing twice; a process killed mid-batch committed nothing of it.

The campaign worker sends those deliveries like any campaign's, re-checking the
``sequence_step`` kind's rule (``app.sending.eligibility``) just before sending.
"""
from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import Select, bindparam, delete, func, select, text, update

from app.database import upsert_insert
from app.extensions import db
from app.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    EnrolmentStatus,
    EventKind,
    Journee,
    Sequence,
    SequenceEnrolment,
    SequenceEvent,
    SequenceStep,
    SequenceStepSend,
    Subscriber,
    SubscriberStatus,
    Subscription,
    SubscriptionStatus,
    SuppressionReason,
    utcnow,
)
from app.sending import audiences, eligibility
from app.sending.eligibility import Person
from app.services.events import seats_left
from app.errors import LettrineError
from app.services.audience import find_subscriber, normalise_email
from app.services.integrations import emit_signal, signal_listened
from app.services.sequences.definitions import ALWAYS_EXITS, DATED_TRIGGERS, SequenceError, by_name, step_campaign
from app.services.sequences.timing import fit, parse_window

log = logging.getLogger(__name__)

E = SequenceEnrolment.__table__
KIND = eligibility.SEQUENCE_STEP
BATCH = 1000


@dataclass
class TickReport:
    """What one tick did (the scheduler logs it; the bench reads ``due_ms``)."""

    events: int = 0
    enrolled: int = 0
    queued: int = 0
    passed: int = 0  # steps whose condition did not hold: nothing sent, the enrolment moves on
    waiting_window: int = 0  # due outside their window: moved to its next opening
    completed: int = 0
    exited: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    due_ms: float = 0.0  # the first due query, as the database answered it
    missed: list[str] = field(default_factory=list)  # dated triggers found beyond the grace period: not fired

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "enrolled": self.enrolled, "queued": self.queued, "passed": self.passed,
                "waiting_window": self.waiting_window, "completed": self.completed, "exited": dict(self.exited),
                **({"missed": self.missed} if self.missed else {})}


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def first_due(sequence: Sequence, anchor: datetime) -> datetime:
    """When step 1 falls due for someone enrolled at ``anchor``."""
    if not sequence.steps:
        return anchor
    step = sequence.steps[0]
    return fit(anchor + timedelta(seconds=step.after_seconds), parse_window(step.window))


# --- enrolling ------------------------------------------------------------------------------

def _enrol_rows(sequence: Sequence, people: Iterable[tuple[int, datetime]], source: str) -> int:
    """Enrol these ``(subscriber id, anchor)``; someone already enrolled (ever) is left as is."""
    rows = [{"sequence_id": sequence.id, "subscriber_id": sid, "status": EnrolmentStatus.ACTIVE.value,
             "anchor_at": anchor, "next_position": 1, "next_due_at": first_due(sequence, anchor), "exit_reason": "",
             "source": source[:200], "enrolled_at": utcnow()} for sid, anchor in people]
    if not rows:
        return 0
    statement = upsert_insert(SequenceEnrolment, db.engine).on_conflict_do_nothing(
        index_elements=["sequence_id", "subscriber_id"]).returning(E.c.id)
    return len(db.session.execute(statement, rows).all())


def enrol_subscriber(sequence: Sequence, subscriber_id: int, *, anchor: datetime | None = None,
                     source: str = "api") -> bool:
    """Enrol one person now (the API, the admin); False if she already was. Does not commit."""
    return _enrol_rows(sequence, [(subscriber_id, anchor or utcnow())], source) == 1


class UnknownAddress(LettrineError, LookupError):
    status = 404
    code = "unknown_address"
    en = "Nobody on record with this address: add the person first (POST /api/v1/subscribers)."


def enrol_address(name: str, email: str, *, source: str = "api") -> tuple[Sequence, bool]:
    """The API's enrolment: the sequence named, the person with this address (already on record). Commits.

    Returns ``(sequence, enrolled)``; ``enrolled`` False when she already was (once per person).
    The address must be someone's: an enrolment is no consent, so nobody is created here.
    """
    sequence = by_name(name)
    subscriber = find_subscriber(normalise_email(email))
    if subscriber is None:
        raise UnknownAddress("aucune personne avec cette adresse : ajoutez-la d'abord (POST /api/v1/subscribers)")
    return sequence, enrol(sequence.name, subscriber.id, source=source)


def enrol(name: str, subscriber_id: int, *, source: str = "api") -> bool:
    """Enrol one person (by id) in the API-triggered sequence called ``name``; commits. False if she already was."""
    sequence = by_name(name)
    if sequence.trigger_kind != "api":
        raise SequenceError(f"la séquence « {sequence.name} » ne se déclenche pas par l'API "
                            f"(déclencheur : {sequence.trigger_kind})")
    done = enrol_subscriber(sequence, subscriber_id, source=source)
    db.session.commit()
    return done


def handle_events(now: datetime, report: TickReport, limit: int = 5000) -> None:
    """Enrol who the recorded events name, and delete those events (one transaction)."""
    events = db.session.execute(
        select(SequenceEvent.id, SequenceEvent.kind, SequenceEvent.subscriber_id, SequenceEvent.list_id,
               SequenceEvent.cycle_id, SequenceEvent.journee_id, SequenceEvent.at)
        .order_by(SequenceEvent.id).limit(limit)
    ).all()
    if not events:
        return
    report.events += len(events)
    sequences = _sequences()
    for sequence in sequences:
        if sequence.trigger_kind == "subscribed":
            wanted = [(e.subscriber_id, e.at) for e in events
                      if e.kind == EventKind.SUBSCRIBED and e.list_id == sequence.list_id]
        elif sequence.trigger_kind == "registered":
            wanted = [(e.subscriber_id, e.at) for e in events
                      if e.kind == EventKind.REGISTERED and e.cycle_id == sequence.cycle_id]
        elif sequence.trigger_kind == "survey_not_answered":
            # Enrolled when the invitation is queued, due DAYS later: whoever has answered by then leaves.
            days = timedelta(days=int(sequence.definition["trigger"]["survey_not_answered"][2]))
            wanted = [(e.subscriber_id, e.at + days) for e in events
                      if e.kind == EventKind.SURVEY_SENT and e.cycle_id == sequence.cycle_id
                      and e.journee_id == sequence.journee_id]
        elif sequence.trigger_kind in ("attended", "absent", "after_journee") and sequence.fired_at is not None:
            # The journée is over and its audience enrolled: a late check-in or correction joins it.
            named = {e.subscriber_id for e in events
                     if e.kind == EventKind.ATTENDANCE and e.journee_id == sequence.journee_id}
            matching = audiences.members(_followup(sequence), named) if named else set()
            wanted = [(sid, sequence.fired_at) for sid in sorted(matching)]
        else:
            continue
        report.enrolled += _enrol_rows(sequence, wanted, f"déclencheur:{sequence.trigger_kind}")
    # Read once, then gone: the enrolments they made say where they came from (``source``).
    db.session.execute(delete(SequenceEvent).where(SequenceEvent.id.in_([e.id for e in events])))
    db.session.commit()


def _followup(sequence: Sequence) -> dict[str, Any]:
    kind = {"attended": "present", "absent": "absent", "survey_not_answered": "not_answered"}.get(
        sequence.trigger_kind, "present")
    return {"kind": kind, "cycle_id": sequence.cycle_id, "journee_id": sequence.journee_id}


def anchor_of(sequence: Sequence) -> datetime | None:
    """The moment a dated trigger fires (None: not a dated trigger, or its journée is gone)."""
    journee = db.session.get(Journee, sequence.journee_id) if sequence.journee_id else None
    args: list[Any] = sequence.definition.get("trigger", {}).get(sequence.trigger_kind) or [None, None, 0]
    if sequence.trigger_kind == "before_journee" and journee is not None:
        return journee.starts_at - timedelta(days=int(args[2]))
    if sequence.trigger_kind in ("attended", "absent", "after_journee") and journee is not None:
        return journee.ends_at
    return None


def audience_of(sequence: Sequence) -> Select:
    """SELECT of the subscriber ids (column ``id``) a dated trigger enrols when it fires."""
    if sequence.trigger_kind == "before_journee":
        not_registered = audiences.clause({"kind": "none", "cycle_id": sequence.cycle_id})
        return (select(Subscription.subscriber_id.label("id"))
                .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
                .where(Subscription.list_id == sequence.list_id, Subscription.status == SubscriptionStatus.CONFIRMED,
                       Subscriber.status == SubscriberStatus.ACTIVE, not_registered))
    if sequence.trigger_kind == "after_journee":
        both = [audiences.followup_ids(kind, sequence.cycle_id or 0, sequence.journee_id)
                for kind in ("present", "absent")]
        return select(Subscriber.id).where(Subscriber.id.in_(both[0]) | Subscriber.id.in_(both[1]))
    followup = _followup(sequence)
    return audiences.followup_ids(followup["kind"], followup["cycle_id"], followup["journee_id"])


def fire_dated(now: datetime, report: TickReport) -> None:
    """Enrol the audience of every dated trigger whose moment has come (once per sequence)."""
    for sequence in _sequences():
        if sequence.trigger_kind not in DATED_TRIGGERS or sequence.fired_at is not None:
            continue
        anchor = anchor_of(sequence)
        if anchor is None or anchor > now:
            continue
        if now - first_due(sequence, anchor) > _grace():
            # Loaded (or its journée moved) long after its moment: never a surprise message about a
            # journée months ago, as a campaign found that late is "missed", not sent.
            db.session.execute(update(Sequence).where(Sequence.id == sequence.id, Sequence.fired_at.is_(None))
                               .values(fired_at=anchor).execution_options(synchronize_session=False))
            db.session.commit()
            report.missed.append(sequence.name)
            log.warning("sequences: %s not fired: its first step was due %s, beyond the grace period",
                        sequence.name, first_due(sequence, anchor).isoformat())
            continue
        audience = audience_of(sequence).subquery()
        already = select(SequenceEnrolment.subscriber_id).where(SequenceEnrolment.sequence_id == sequence.id)
        due = first_due(sequence, anchor)
        insert = E.insert().from_select(
            ["sequence_id", "subscriber_id", "status", "anchor_at", "next_position", "next_due_at", "exit_reason",
             "source", "enrolled_at"],
            select(bindparam("s", sequence.id), audience.c.id, bindparam("st", EnrolmentStatus.ACTIVE.value),
                   bindparam("a", anchor, type_=E.c.anchor_at.type), bindparam("p", 1),
                   bindparam("d", due, type_=E.c.next_due_at.type), bindparam("r", ""),
                   bindparam("src", f"déclencheur:{sequence.trigger_kind}"),
                   bindparam("e", now, type_=E.c.enrolled_at.type))
            .distinct().where(audience.c.id.not_in(already)))
        result = db.session.execute(insert.execution_options(preserve_rowcount=True))
        won = db.session.execute(update(Sequence).where(Sequence.id == sequence.id, Sequence.fired_at.is_(None))
                                 .values(fired_at=anchor).execution_options(synchronize_session=False))
        if getattr(won, "rowcount", 0) != 1:  # another scheduler fired it first
            db.session.rollback()
            continue
        report.enrolled += max(getattr(result, "rowcount", 0), 0)
        db.session.commit()
        log.info("sequences: %s fired (%s enrolled)", sequence.name, getattr(result, "rowcount", "?"))


def _grace() -> timedelta:
    return timedelta(hours=float(current_app.config["SCHEDULE_GRACE_HOURS"]))


def _sequences() -> list[Sequence]:
    sequences = list(db.session.scalars(select(Sequence).order_by(Sequence.id)))
    for sequence in sequences:
        _ = sequence.steps  # loaded while the transaction is open
    return sequences


# --- moving along the steps -------------------------------------------------------------------

def due_statement(now: datetime, limit: int, paused: list[int]) -> Select:
    """The tick's one query: active enrolments due by ``now``, oldest first, through the partial index."""
    query = (select(E.c.id, E.c.sequence_id, E.c.subscriber_id, E.c.next_position)
             .where(E.c.status == EnrolmentStatus.ACTIVE.value, E.c.next_due_at <= now)
             .order_by(E.c.next_due_at).limit(limit))
    if paused:
        query = query.where(E.c.sequence_id.not_in(paused))
    if _postgresql():
        query = query.with_for_update(skip_locked=True)
    return query


# PostgreSQL, for the due query only: no bitmap scan, no sort. Without statistics (a table loaded a minute
# ago, autovacuum off or not yet passed) the planner guesses a few dozen due rows and reads the partial
# index as a bitmap, then sorts; under FOR UPDATE that sort is of every due row, not a top-N (110 ms at
# 100,000 due, ten times that at a million). The ordered index scan stops after ``limit`` rows whatever
# the count: it is the plan wanted, stated rather than hoped for.
_ORDERED_SCAN = ("SET LOCAL enable_bitmapscan = off", "SET LOCAL enable_sort = off")
_PLANNER_DEFAULTS = ("RESET enable_bitmapscan", "RESET enable_sort")


def find_due(now: datetime, limit: int, paused: list[int], *, explain: bool = False) -> list[Any]:
    """Run the tick's one query (locking the rows on PostgreSQL); with ``explain``, its plan's lines instead."""
    statement: Any = due_statement(now, limit, paused)
    postgresql = _postgresql()
    if postgresql:
        for setting in _ORDERED_SCAN:
            db.session.execute(text(setting))
    try:
        if explain:
            sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
            return [str(row[-1]) for row in db.session.execute(text(prefix + sql))]
        return list(db.session.execute(statement).all())
    finally:
        if postgresql:
            for setting in _PLANNER_DEFAULTS:
                db.session.execute(text(setting))


def run_due(now: datetime, report: TickReport, batch: int = BATCH) -> int:
    """One batch of due enrolments, handled and committed together; how many were due."""
    sequences = {s.id: s for s in _sequences()}
    paused = sorted(s.id for s in sequences.values() if s.paused)
    started = time.perf_counter()
    rows = find_due(now, batch, paused)
    if not report.due_ms:
        report.due_ms = (time.perf_counter() - started) * 1000
    if not rows:
        db.session.commit()
        return 0
    groups: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(row.sequence_id, row.next_position)].append(row)
    for (sequence_id, position), group in groups.items():
        _advance(sequences[sequence_id], position, group, now, report)
    db.session.commit()
    return len(rows)


def tick(now: datetime | None = None, *, batch: int = BATCH, most: int | None = None) -> TickReport:
    """One pass: events, dated triggers, then every due step (``most`` caps how many enrolments)."""
    now = now or utcnow()
    report = TickReport()
    handle_events(now, report)
    fire_dated(now, report)
    handled = 0
    while most is None or handled < most:
        size = batch if most is None else min(batch, most - handled)
        done = run_due(now, report, size)
        handled += done
        if done < size:
            break
    if report.queued or report.enrolled or report.completed or report.exited:
        log.info("sequences: %s", report.as_dict())
    return report


_MOVE = (update(E)
         .where(E.c.id == bindparam("_id"), E.c.status == EnrolmentStatus.ACTIVE.value,
                E.c.next_position == bindparam("_position"))
         .values(status=bindparam("_status"), next_position=bindparam("_next"), next_due_at=bindparam("_due"),
                 exit_reason=bindparam("_reason"), finished_at=bindparam("_finished")))


def _move(rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(_MOVE, rows)


def _advance(sequence: Sequence, position: int, group: list[Any], now: datetime, report: TickReport) -> None:
    """Handle one step for these enrolments: exits, window, condition, then queue it (or pass it)."""
    ids = [row.subscriber_id for row in group]
    by_id = {row.subscriber_id: row for row in group}
    moves: list[dict[str, Any]] = []
    ended: list[tuple[int, str]] = []  # (subscriber id, "completed" or the exit reason)

    def finish(subscriber_id: int, reason: str) -> None:
        completed = reason == "completed"
        moves.append({"_id": by_id[subscriber_id].id, "_position": position,
                      "_status": (EnrolmentStatus.COMPLETED if completed else EnrolmentStatus.EXITED).value,
                      "_next": position, "_due": None, "_reason": "" if completed else reason, "_finished": now})
        ended.append((subscriber_id, reason))

    if position > len(sequence.steps):  # a step was removed from the file meanwhile
        for sid in ids:
            finish(sid, "completed")
        _move(moves)
        _signals(sequence, ended, report)
        return
    step = sequence.steps[position - 1]
    exits = exit_reasons(sequence, ids, now)
    for sid, reason in exits.items():
        finish(sid, reason)
    staying = [sid for sid in ids if sid not in exits]
    window = parse_window(step.window)
    opening = fit(now, window)
    if staying and opening > now:  # due outside its window (a late tick, a clock jump): wait for it
        report.waiting_window += len(staying)
        moves += [{"_id": by_id[sid].id, "_position": position, "_status": EnrolmentStatus.ACTIVE.value,
                   "_next": position, "_due": opening, "_reason": "", "_finished": None} for sid in staying]
        _move(moves)
        _signals(sequence, ended, report)
        return
    holding = condition_holds(sequence, step.condition, staying, now)
    outcome = {sid: ("queued" if sid in holding else "passed") for sid in staying}
    inserted = _insert_sends(sequence, step, outcome, now)
    queue = [sid for sid, kind in inserted if kind == "queued"]
    report.passed += sum(1 for _, kind in inserted if kind == "passed")
    if queue:
        _carrier(sequence, step)
        statement = upsert_insert(Delivery, db.engine).on_conflict_do_nothing(
            index_elements=["campaign_id", "subscriber_id"])
        db.session.execute(statement, [
            {"campaign_id": step.campaign_id, "subscriber_id": sid, "status": DeliveryStatus.QUEUED.value,
             "attempts": 0, "next_attempt_at": now, "smtp_reply": "", "bounced": False, "updated_at": now}
            for sid in queue])
        report.queued += len(queue)
    following = sequence.steps[position] if position < len(sequence.steps) else None
    for sid in staying:
        if following is None:
            finish(sid, "completed")
        else:
            due = fit(now + timedelta(seconds=following.after_seconds), parse_window(following.window))
            moves.append({"_id": by_id[sid].id, "_position": position, "_status": EnrolmentStatus.ACTIVE.value,
                          "_next": position + 1, "_due": due, "_reason": "", "_finished": None})
    _move(moves)
    _signals(sequence, ended, report)


def _carrier(sequence: Sequence, step: SequenceStep) -> None:
    """The step's campaign, open: one cancelled (or deleted) from the campaigns' pages is replaced, so the
    step's next messages are not queued into a campaign nobody sends. A paused one stays paused: its
    messages wait for the officer (a send guard paused it, or she did)."""
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == step.campaign_id)) \
        if step.campaign_id is not None else None
    if status in (CampaignStatus.SENDING, CampaignStatus.PAUSED):
        return
    step.campaign_id = None
    step_campaign(sequence, step)
    log.warning("sequences: step %s of %s had no open campaign (%s); a new one carries it", step.position,
                sequence.name, status.value if status is not None else "none")


def _insert_sends(sequence: Sequence, step: SequenceStep, outcome: dict[int, str], now: datetime) -> list[tuple[int, str]]:
    """Insert the step's rows; returns ``(subscriber id, outcome)`` of those this call inserted (the others
    were already there: queued by an earlier tick, and not to be queued again)."""
    if not outcome:
        return []
    table = SequenceStepSend.__table__
    statement = (upsert_insert(SequenceStepSend, db.engine)
                 .on_conflict_do_nothing(index_elements=["subscriber_id", "sequence_id", "step_id"])
                 .returning(table.c.subscriber_id, table.c.outcome))
    rows = [{"subscriber_id": sid, "sequence_id": sequence.id, "step_id": step.id, "outcome": kind, "created_at": now}
            for sid, kind in outcome.items()]
    # SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues"), RETURNING only the rows inserted.
    return [(r.subscriber_id, r.outcome) for r in db.session.execute(statement, rows)]


def exit_reasons(sequence: Sequence, ids: list[int], now: datetime) -> dict[int, str]:
    """``{subscriber id: why she leaves}`` for those of ``ids`` an exit now applies to."""
    reasons: dict[int, str] = {}
    if not ids:
        return reasons
    rule = eligibility.KINDS[KIND].rule
    people = db.session.execute(select(Subscriber.id, Subscriber.email, Subscriber.email_hash, Subscriber.status)
                                .where(Subscriber.id.in_(ids))).all()
    found = {row.id: row for row in people}
    suppressed = eligibility.suppressions(row.email_hash for row in people if row.email_hash)
    blocked = eligibility.blocked_domains(row.email for row in people if row.email)
    for sid in ids:
        row = found.get(sid)
        if row is None or row.email is None or row.status == SubscriberStatus.ERASED:
            reasons[sid] = "erased"
            continue
        reason = suppressed.get(row.email_hash)
        if rule.stop(Person(row.status, True, reason, eligibility.domain_of(row.email) in blocked)) is not None:
            unsubscribed = row.status == SubscriberStatus.UNSUBSCRIBED or reason == SuppressionReason.UNSUBSCRIBED
            reasons[sid] = "unsubscribed" if unsubscribed else "ineligible"
    rest = [sid for sid in ids if sid not in reasons]
    if rest and sequence.list_id is not None and sequence.trigger_kind in ("subscribed", "before_journee"):
        # By the ids alone (the (subscriber, list) unique index): "list_id = …" beside them let a planner
        # without statistics read the whole list through its (list, status) index, once per batch.
        members = {sid for sid, list_id, status in db.session.execute(
            select(Subscription.subscriber_id, Subscription.list_id, Subscription.status)
            .where(Subscription.subscriber_id.in_(rest)))
            if list_id == sequence.list_id and status == SubscriptionStatus.CONFIRMED}
        reasons.update({sid: "unsubscribed" for sid in rest if sid not in members})
    rest = [sid for sid in ids if sid not in reasons]
    if rest and sequence.trigger_kind == "survey_not_answered":  # the reason it was started is gone
        waiting = audiences.members(_followup(sequence), rest)
        reasons.update({sid: "answered" for sid in rest if sid not in waiting})
    rest = [sid for sid in ids if sid not in reasons]
    exits = set(sequence.exits) - set(ALWAYS_EXITS)
    if rest and "registered" in exits and sequence.cycle_id is not None:
        free = audiences.members({"kind": "none", "cycle_id": sequence.cycle_id}, rest)
        reasons.update({sid: "registered" for sid in rest if sid not in free})
    rest = [sid for sid in ids if sid not in reasons]
    if rest and "cycle_started" in exits and cycle_started(sequence, now):
        reasons.update({sid: "cycle_started" for sid in rest})
    rest = [sid for sid in ids if sid not in reasons]
    if rest and "cycle_full" in exits and not places_left(sequence, now):
        reasons.update({sid: "cycle_full" for sid in rest})
    return reasons


def condition_holds(sequence: Sequence, condition: str, ids: list[int], now: datetime) -> set[int]:
    """Which of ``ids`` meet the step's condition now (all of them for a step without one)."""
    if not condition or not ids:
        return set(ids)
    if condition == "places_left":
        return set(ids) if places_left(sequence, now) else set()
    cycle_id = sequence.cycle_id or 0
    if condition in ("not_registered", "registered"):
        free = audiences.members({"kind": "none", "cycle_id": cycle_id}, ids)
        return free if condition == "not_registered" else set(ids) - free
    return audiences.members({"kind": condition, "cycle_id": cycle_id, "journee_id": sequence.journee_id}, ids)


def cycle_started(sequence: Sequence, now: datetime) -> bool:
    first = db.session.scalar(select(func.min(Journee.starts_at)).where(Journee.cycle_id == sequence.cycle_id))
    return first is not None and first <= now


def places_left(sequence: Sequence, now: datetime) -> bool:
    """A seat left at the sequence's journée (or, with none named, at a journée of its cycle yet to come),
    as the registration form counts them (events' ``seats_left``)."""
    query = select(Journee).where(Journee.cycle_id == sequence.cycle_id)
    if sequence.journee_id is not None:
        query = query.where(Journee.id == sequence.journee_id)
    else:
        query = query.where(Journee.starts_at > now)
    return any(left is None or left > 0 for left in map(seats_left, db.session.scalars(query)))


def _signals(sequence: Sequence, ended: list[tuple[int, str]], report: TickReport) -> None:
    """Count the enrolments that ended, and announce them (``sequence.completed``, ``sequence.exited``)."""
    if not ended:
        return
    completed = [sid for sid, reason in ended if reason == "completed"]
    exited = [(sid, reason) for sid, reason in ended if reason != "completed"]
    report.completed += len(completed)
    for _, reason in exited:
        report.exited[reason] += 1
    wanted = {event for event, items in (("sequence.completed", completed), ("sequence.exited", exited))
              if items and signal_listened(event)}
    if not wanted:
        return
    people = {row.id: row for row in db.session.execute(
        select(Subscriber.id, Subscriber.email, Subscriber.status).where(Subscriber.id.in_([sid for sid, _ in ended])))}
    data = {"id": sequence.id, "name": sequence.name}

    def who(sid: int) -> dict[str, Any]:
        row = people.get(sid)
        return {"id": sid, "email": row.email if row else None,
                "status": row.status.value if row is not None and row.status is not None else "erased"}

    if "sequence.completed" in wanted:
        for sid in completed:
            emit_signal("sequence.completed", sequence=data, subscriber=who(sid))
    if "sequence.exited" in wanted:
        for sid, reason in exited:
            emit_signal("sequence.exited", sequence=data, subscriber=who(sid), reason=reason)
