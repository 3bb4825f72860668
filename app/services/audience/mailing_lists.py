"""Lists as the officer keeps them: rename, describe, archive, delete, growth.

Archiving hides a list from the public form, the composer and the person page while
keeping its members and history; deleting is refused while a campaign uses it (its
report and its re-check need the list).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.errors import LettrineError
from app.extensions import db
from app.models import Campaign, MailingList, Subscription, SubscriptionStatus, campaign_lists, utcnow
from app.timeutil import to_local


class ListError(LettrineError, ValueError):
    """The change cannot be made (message in French)."""

    status = 422
    code = "list"
    en = "The list cannot be changed as asked."


class DuplicateList(ListError):
    """Another list already has this identifier."""


class UnknownList(ListError):
    """Some of the slugs given name no list; ``missing`` holds them, in the order given."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"Liste inconnue : {missing[0]}")
        self.missing = missing


# A list's identifier, as typed in URLs and on the command line.
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def create_list(slug: str, *, name: str, description: str = "", public: bool = True) -> MailingList:
    """A new list; its identifier is checked here, for the admin form, the API and the CLI alike. Commits."""
    if not SLUG_RE.match(slug):
        raise ListError(f"Identifiant invalide : {slug!r} (lettres minuscules, chiffres, tirets).")
    if db.session.scalar(select(MailingList).where(MailingList.slug == slug)):
        raise DuplicateList(f"La liste « {slug} » existe déjà.")
    if not name.strip():
        raise ListError("Le nom de la liste est vide.")
    row = MailingList(slug=slug, name=name.strip(), description=description, public=public)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # created by another request between the check and the commit
        db.session.rollback()
        raise DuplicateList(f"La liste « {slug} » existe déjà.") from None
    return row


def lists_by_slug(slugs: Sequence[str]) -> list[MailingList]:
    """The lists these slugs name, in the order given (each once); UnknownList names the missing ones."""
    wanted = list(dict.fromkeys(slugs))
    found = {m.slug: m for m in db.session.scalars(select(MailingList).where(MailingList.slug.in_(wanted)))} if wanted else {}
    missing = [slug for slug in wanted if slug not in found]
    if missing:
        raise UnknownList(missing)
    return [found[slug] for slug in wanted]


def open_lists() -> list[MailingList]:
    """Lists not archived, by name (what forms offer)."""
    return list(db.session.scalars(
        select(MailingList).where(MailingList.archived_at.is_(None)).order_by(MailingList.name)))


def update(mailing_list: MailingList, *, name: str | None = None, description: str | None = None,
           public: bool | None = None) -> None:
    """Rename, describe, show or hide a list (None leaves a value as it is); commits."""
    if name is not None:
        name = name.strip()
        if not name:
            raise ListError("Le nom de la liste est obligatoire.")
        mailing_list.name = name[:200]
    if description is not None:
        mailing_list.description = description.strip()
    if public is not None:
        mailing_list.public = public
    db.session.commit()


def set_archived(mailing_list: MailingList, archived: bool) -> None:
    mailing_list.archived_at = utcnow() if archived else None
    if archived:
        mailing_list.public = False
    db.session.commit()


def campaigns_using(mailing_list: MailingList) -> list[Campaign]:
    return list(db.session.scalars(
        select(Campaign).join(campaign_lists, campaign_lists.c.campaign_id == Campaign.id)
        .where(campaign_lists.c.list_id == mailing_list.id).order_by(Campaign.id.desc())))


def delete(mailing_list: MailingList) -> None:
    """Delete a list no campaign uses (its memberships go with it); commits."""
    using = campaigns_using(mailing_list)
    if using:
        names = ", ".join(f"« {c.name} »" for c in using[:3]) + (" …" if len(using) > 3 else "")
        raise ListError(f"Cette liste est utilisée par {len(using)} campagne(s) ({names}) : archivez-la plutôt.")
    # The memberships go with it (the audit keeps its rows, their list set to NULL).
    db.session.execute(sa_delete(Subscription).where(Subscription.list_id == mailing_list.id))
    db.session.execute(sa_delete(MailingList).where(MailingList.id == mailing_list.id))
    db.session.commit()


@dataclass
class Growth:
    month: str  # "2027-02"
    joined: int
    left: int

    @property
    def first_day(self) -> date:
        """The month as a date, for pages to name it ("février 2027", "February 2027")."""
        year, month = self.month.split("-")
        return date(int(year), int(month), 1)


def growth(mailing_list: MailingList, months: int = 12) -> list[Growth]:
    """Confirmations and departures per month over the last ``months`` months (local time).

    Read from the subscriptions' own dates (one grouped pass over the list's members)."""
    start = (utcnow() - timedelta(days=31 * months)).replace(day=1)
    counts: dict[str, Growth] = {}
    day = to_local(utcnow()).date().replace(day=1)
    for _ in range(months):
        counts[day.strftime("%Y-%m")] = Growth(day.strftime("%Y-%m"), 0, 0)
        day = (day - timedelta(days=1)).replace(day=1)
    rows = db.session.execute(
        select(Subscription.confirmed_at, Subscription.unsubscribed_at).where(
            Subscription.list_id == mailing_list.id,
            (Subscription.confirmed_at >= start) | (Subscription.unsubscribed_at >= start))
    ).all()
    for joined, left in rows:
        for when, attr in ((joined, "joined"), (left, "left")):
            if when is not None:
                key = to_local(when).strftime("%Y-%m")
                if key in counts:
                    setattr(counts[key], attr, getattr(counts[key], attr) + 1)
    return sorted(counts.values(), key=lambda g: g.month)


def member_counts() -> dict[int, int]:
    return dict(db.session.execute(
        select(Subscription.list_id, func.count()).where(Subscription.status == SubscriptionStatus.CONFIRMED)
        .group_by(Subscription.list_id)).all())


