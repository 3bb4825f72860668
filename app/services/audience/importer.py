"""CSV import of subscribers into a list: streamed, batched, reported line by line.

Choices, and why:

* The file is read as a stream of physical lines (``app.services.support.csvfile``) and
  handled in batches of ``BATCH_SIZE`` rows: per batch, one query for the
  addresses already known (with their membership of the list), one for
  suppressions, then bulk INSERT/UPDATE statements and one commit. Memory stays
  flat whatever the size; a crash keeps the batches already committed, and
  importing the same file again is harmless (everything is merged).
* Duplicates inside the file are found with a small on-disk SQLite table of
  address keys (16 bytes of the SHA-256 per address): an in-memory set would
  grow by ~100 bytes per row, which is not "flat" at a million rows.
* A duplicate (in the file or against the database) is merged: empty fields are
  filled, nothing is overwritten, nothing is blanked; free attributes are added.
* Suppressed addresses and subscribers who unsubscribed (from everything, or
  from this list), bounced, complained or were erased are never resubscribed by
  an import; they are reported. Only the person can resubscribe (double opt-in).
* Audit: one ``import`` row per import summarising it, plus one row per
  subscription that changes (``subscribe`` / ``subscribe_pending``, as
  ``set_subscription`` writes). The per-row audit is inserted in the same bulk
  statement as the batch, costs about 10 % of the import time and keeps each
  subscriber's history page complete, so it is kept. Rows that change nothing
  (already members) get no audit row.
* Consent: the subscription's source is ``import: <file> by <user>``, its time
  the import's; in confirmed mode ``confirmed_at`` is set too. In pending mode
  the person receives the double opt-in message after the batch is committed.
"""
from __future__ import annotations

import csv
import enum
import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain
from typing import Any, BinaryIO, Callable, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.database import refresh_statistics
from app.errors import LettrineError
from app.extensions import db
from app.links import confirm_url
from app.models import (
    EventKind,
    MailingList,
    SubscriberStatus,
    SubscriptionStatus,
    SuppressionReason,
    email_hash,
    utcnow,
)
from app.models.audience import new_uid
from app.models.search_index import term_rows
from app.models.workspace import TERM_FIELDS
from app.services.audience.core import InvalidAddress, audit, delivery_address, suppressed_hashes
from app.sending.transactional import send_transactional
from app.services.support import (
    DecodedStream,
    FIELD_LIMITS,
    csv_reader,
    detect_delimiter,
    formula_like,
    is_text,
    is_workbook,
    map_headers,
    not_text_error,
    workbook_error,
)

# Imports at least this large refresh PostgreSQL's planner statistics when they finish.
ANALYZE_AFTER_ROWS = 1000
# The tables a big import fills, whose statistics it refreshes (the search index's words included).
IMPORT_STATISTICS = ("subscribers", "subscriptions", "suppressions", "subscriber_terms")

BATCH_SIZE = 2000
# Stands for an erased address in a report (the erasure writes it over the ones already there).
ERASED_MARK = "[effacé]"
PROFILE_FIELDS = ("first_name", "last_name", "organisation", "function", "commune")
_ACTIVE = SubscriberStatus.ACTIVE.value


class ImportFileError(LettrineError, ValueError):
    """The file cannot be imported at all (empty, no e-mail column…); French message."""

    status = 422
    code = "import_file"
    en = "The file cannot be imported."


@dataclass
class Rejection:
    line: int
    email: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "email": self.email, "reason": self.reason}


COUNT_LABELS = {
    "read": _l("lignes lues"),
    "created": _l("abonnés créés"),
    "updated": _l("abonnés existants ajoutés à la liste"),
    "already_member": _l("déjà membres de la liste"),
    "skipped_suppressed": _l("ignorés : liste d'exclusion"),
    "skipped_unsubscribed": _l("ignorés : désinscrits, en erreur ou effacés"),
    "invalid": _l("lignes rejetées (adresse invalide ou ligne illisible)"),
    "duplicates": _l("doublons dans le fichier (fusionnés)"),
}


@dataclass
class ImportReport:
    """What an import did: counts, and the rejected or skipped rows with their line."""

    file_name: str
    list_slug: str
    pending: bool = False
    encoding: str = ""
    delimiter: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # field -> header as written
    read: int = 0
    created: int = 0
    updated: int = 0
    already_member: int = 0
    skipped_suppressed: int = 0
    skipped_unsubscribed: int = 0
    invalid: int = 0
    duplicates: int = 0
    confirmations_queued: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    rejections_total: int = 0
    max_rejections: int = 10_000

    def reject(self, line: int, email: str, reason: str) -> None:
        self.rejections_total += 1
        if len(self.rejections) < self.max_rejections:
            self.rejections.append(Rejection(line, email[:320], reason))

    def counts(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in COUNT_LABELS} | {"confirmations_queued": self.confirmations_queued}

    def summary_lines(self) -> list[str]:
        return [f"{label} : {getattr(self, key)}" for key, label in COUNT_LABELS.items()]


@dataclass
class _Row:
    line: int
    email: str
    key: str  # email_hash
    values: dict[str, str]
    attributes: dict[str, str]
    first_line: int | None = None  # set when this row repeats an earlier batch's address

    def merge(self, other: "_Row") -> None:
        for name, value in other.values.items():
            if value and not self.values.get(name):
                self.values[name] = value
        for name, value in other.attributes.items():
            self.attributes.setdefault(name, value)


class _SeenAddresses:
    """Address keys already met in this file, on disk so memory stays flat."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="lettrine-import-")
        self._db = sqlite3.connect(os.path.join(self._dir.name, "seen.db"))
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY, line INTEGER) WITHOUT ROWID")

    @staticmethod
    def _k(key: str) -> bytes:
        return bytes.fromhex(key[:32])

    def lookup(self, keys: list[str]) -> dict[str, int]:
        found: dict[bytes, int] = {}
        for start in range(0, len(keys), 500):
            part = [self._k(k) for k in keys[start:start + 500]]
            marks = ",".join("?" * len(part))
            found.update(self._db.execute(f"SELECT k, line FROM seen WHERE k IN ({marks})", part).fetchall())
        return {k: found[self._k(k)] for k in keys if self._k(k) in found}

    def add(self, rows: Iterable[tuple[str, int]]) -> None:
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", ((self._k(k), line) for k, line in rows))

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()


def _clean(value: str) -> str:
    """Trim a cell; undo our own export's formula neutralisation ('=…) on the way back in."""
    value = value.strip()
    if len(value) > 1 and value[0] == "'" and formula_like(value[1:]):
        value = value[1:]
    return value


def consent_source(file_name: str, actor: str) -> str:
    return f"import: {file_name} by {actor}"[:500]


ProgressCallback = Callable[[ImportReport, int], None]


def no_email_column(headers: list[str]) -> ImportFileError:
    seen = ", ".join(h.strip() for h in headers if h.strip())[:300]
    return ImportFileError(
        _("Aucune colonne d'adresse e-mail (en-têtes lus : %(headers)s). "
          "Nommez-la « email », « e-mail » ou « courriel ».", headers=seen or "—")
    )


def import_csv(
    stream: BinaryIO,
    mailing_list: MailingList,
    *,
    file_name: str,
    actor: str,
    pending: bool = False,
    on_progress: ProgressCallback | None = None,
    batch_size: int = BATCH_SIZE,
    max_rejections: int = 10_000,
    resend_pending: bool = False,
    reference: str = "",
) -> ImportReport:
    """Import a CSV stream into ``mailing_list``; commits batch by batch.

    Raises :class:`ImportFileError` before writing anything when the file cannot
    be used (empty, no e-mail column). ``on_progress(report, bytes_read)`` is
    called after each committed batch. ``resend_pending`` (with ``pending``): people
    already pending on the list get the confirmation message again (a resumed import).
    ``reference`` (e.g. "import:12") tags the confirmation messages so the job page can
    follow them from "en file" to "envoyé" or "refusé".
    """
    report = ImportReport(file_name=file_name, list_slug=mailing_list.slug, pending=pending,
                          max_rejections=max_rejections)
    decoded = DecodedStream(stream)
    if is_workbook(decoded.first_bytes):
        raise ImportFileError(workbook_error())
    if not is_text(decoded.sample):
        raise ImportFileError(not_text_error())
    lines = decoded.lines()
    skipped = 0
    header_line = None
    for text in lines:
        if text.strip():
            header_line = text
            break
        skipped += 1
    if header_line is None:
        raise ImportFileError(_("Le fichier est vide."))
    report.delimiter = detect_delimiter(header_line)
    rows = csv_reader(chain([header_line], lines), report.delimiter)
    try:
        headers = next(rows)
    except csv.Error as exc:
        raise ImportFileError(_("En-tête illisible (ligne %(line)d) : %(error)s", line=skipped + 1, error=exc)) from exc
    report.encoding = decoded.encoding
    fields, extra = map_headers(headers)
    if "email" not in fields:
        raise no_email_column(headers)
    report.columns = {name: headers[index].strip().lstrip("\ufeff") for name, index in fields.items()}

    importer = _BatchImporter(mailing_list, report, consent_source(file_name, actor), actor, pending,
                              resend_pending=resend_pending, reference=reference)
    email_index = fields["email"]
    other_fields = [(name, index) for name, index in fields.items() if name != "email"]
    width = len(headers)
    batch: list[_Row] = []
    previous = rows.line_num
    try:
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                line = skipped + previous + 1
                previous = rows.line_num
                report.read += 1
                report.invalid += 1
                report.reject(line, "", _("ligne illisible (%(error)s)", error=exc))
                continue
            line = skipped + previous + 1  # the physical line where this record starts
            previous = rows.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank line: nothing to import, nothing to report
            report.read += 1
            raw_email = cells[email_index].strip() if email_index < len(cells) else ""
            try:
                address = delivery_address(raw_email)  # stored as typed (IDNA domain); row.key compares
            except InvalidAddress:
                report.invalid += 1
                reason = _("adresse e-mail manquante") if not raw_email else _("adresse e-mail invalide")
                report.reject(line, raw_email, reason)
                continue
            values = {}
            for name, index in other_fields:
                if index < len(cells):
                    value = _clean(cells[index])
                    if value:
                        values[name] = value[: FIELD_LIMITS[name]]
            attributes = {}
            for index, cell in enumerate(cells):
                if index == email_index or (index < width and index not in extra):
                    continue
                value = _clean(cell)
                if value:
                    attributes[extra.get(index, f"colonne {index + 1}")] = value[:1000]
            batch.append(_Row(line, address, email_hash(address), values, attributes))
            if len(batch) >= batch_size:
                importer.flush(batch)
                batch = []
                if on_progress:
                    on_progress(report, decoded.bytes_read)
        if batch:
            importer.flush(batch)
        report.encoding = decoded.encoding  # may have changed at the first non-UTF-8 byte
        audit(
            "import", None, mailing_list, actor=actor, source=importer.source,
            detail={"file": file_name, "pending": pending, "encoding": report.encoding,
                    "delimiter": report.delimiter, **report.counts()},
        )
        db.session.commit()
        if report.created + report.updated >= ANALYZE_AFTER_ROWS:
            # A freshly loaded table has no statistics: the first send must not be planned for "one row".
            refresh_statistics(*IMPORT_STATISTICS)
        if on_progress:
            on_progress(report, decoded.bytes_read)
    finally:
        importer.close()
    return report


class _BatchImporter:
    """Applies batches of parsed rows to the database with a few bulk statements each."""

    def __init__(self, mailing_list: MailingList, report: ImportReport, source: str, actor: str, pending: bool,
                 resend_pending: bool = False, reference: str = ""):
        self.list = mailing_list
        self.reference = reference
        self.resend_pending = pending and resend_pending
        self.list_id = mailing_list.id
        self.report = report
        self.source = source
        self.actor = actor[:320]
        self.pending = pending
        self.target = SubscriptionStatus.PENDING if pending else SubscriptionStatus.CONFIRMED
        self.target_value = self.target.value  # enum attribute access showed up per row
        self.seen = _SeenAddresses()

    def close(self) -> None:
        self.seen.close()

    def flush(self, rows: list[_Row]) -> None:
        unique = self._dedupe(rows)
        for attempt in (1, 2):
            try:
                to_confirm = self._apply(unique)
                _restore_page_cache()
                db.session.commit()
                break
            except IntegrityError:
                # Someone else inserted one of these addresses meanwhile: classify again.
                db.session.rollback()
                if attempt == 2:
                    raise
        self.seen.add((row.key, row.line) for row in unique.values() if row.first_line is None)
        for uid, row in to_confirm:
            self._send_confirmation(uid, row)

    def _dedupe(self, rows: list[_Row]) -> dict[str, _Row]:
        report = self.report
        unique: dict[str, _Row] = {}
        for row in rows:
            first = unique.get(row.key)
            if first is None:
                unique[row.key] = row
            else:
                first.merge(row)
                report.duplicates += 1
                report.reject(row.line, row.email, _("doublon de la ligne %(line)d (fusionné)", line=first.line))
        for key, first_line in self.seen.lookup(list(unique)).items():
            row = unique[key]
            row.first_line = first_line
            report.duplicates += 1
            report.reject(row.line, row.email, _("doublon de la ligne %(line)d (fusionné)", line=first_line))
        return unique

    def _apply(self, unique: dict[str, _Row]) -> list[tuple[str, _Row]]:
        report = self.report
        raw = _Raw()
        existing = {r.email_hash: r for r in raw.existing(self.list_id, list(unique))}
        suppressed = suppressed_hashes(list(unique))
        now = raw.value(utcnow())  # in stored form: rows below go straight to the driver
        new_people: list[dict[str, Any]] = []
        new_rows: dict[str, _Row] = {}
        profile_updates: list[dict[str, Any]] = []
        sub_inserts: list[dict[str, Any]] = []
        sub_updates: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        to_confirm: list[tuple[str, _Row]] = []
        reindexed: dict[int, dict[str, Any]] = {}  # search terms of known people whose names were filled
        created_ids: set[int] = set()

        for row in unique.values():
            found = existing.get(row.key)
            repeat = row.first_line is not None  # an earlier batch's address: counted there
            if row.key in suppressed:
                if not repeat:
                    report.skipped_suppressed += 1
                    if suppressed[row.key] == SuppressionReason.ERASED:
                        # The report keeps no erased address, even typed again: the line number finds it.
                        report.reject(row.line, ERASED_MARK, _("adresse effacée (RGPD) : non réabonnée"))
                    else:
                        report.reject(row.line, row.email, _("adresse sur la liste d'exclusion : non réabonnée"))
                continue
            if found is not None and found.status != _ACTIVE:
                # Someone who left (or whose address fails) keeps the data they left with.
                if not repeat:
                    report.skipped_unsubscribed += 1
                    report.reject(row.line, row.email, _("abonné au statut « %(status)s » : non réabonné",
                                                         status=_status_label(found.status)))
                continue
            if found is not None:
                update_values = self._fill_empty(found, row, now)
                if update_values:
                    profile_updates.append({"_id": found.id, **update_values})
                    if any(name in update_values for name in TERM_FIELDS):
                        reindexed[found.id] = {f: update_values.get(f) or getattr(found, f) for f in TERM_FIELDS}
            if repeat:
                continue
            if found is None:
                new_people.append({
                    "uid": new_uid(), "email": row.email, "email_hash": row.key,
                    **{name: row.values.get(name, "") for name in PROFILE_FIELDS},
                    "attributes": json.dumps(row.attributes) if row.attributes else "{}",
                    "status": _ACTIVE,
                    "created_at": now, "updated_at": now,
                })
                new_rows[row.key] = row
                continue
            previous = SubscriptionStatus(found.sub_status) if found.sub_status else None
            if previous == SubscriptionStatus.UNSUBSCRIBED:
                report.skipped_unsubscribed += 1
                report.reject(row.line, row.email, _("s'est désinscrit de cette liste : non réabonné"))
            elif previous == SubscriptionStatus.CONFIRMED or previous == self.target:
                report.already_member += 1
                if previous == SubscriptionStatus.PENDING and self.resend_pending:
                    to_confirm.append((found.uid, row))
            elif previous == SubscriptionStatus.PENDING:  # confirmed import of a pending member
                report.updated += 1
                sub_updates.append({"_id": found.id, **self._consent(now)})
                audits.append(self._audit(found.id, row, previous, now))
            else:
                report.updated += 1
                sub_inserts.append(self._subscription(found.id, now))
                audits.append(self._audit(found.id, row, None, now))
                if self.pending:
                    to_confirm.append((found.uid, row))

        if new_people:
            columns = list(new_people[0])
            raw.insert("subscribers", columns, [tuple(p.values()) for p in new_people])
            created = raw.ids([p["email_hash"] for p in new_people])
            report.created += len(created)
            by_key = {p["email_hash"]: p for p in new_people}
            created_ids.update(person_id for person_id, _uid, _key in created)
            for person_id, uid, key in created:
                row = new_rows[key]
                reindexed[person_id] = by_key[key]
                sub_inserts.append(self._subscription(person_id, now))
                audits.append(self._audit(person_id, row, None, now))
                if self.pending:
                    to_confirm.append((uid, row))
        if profile_updates:
            raw.update("subscribers", "id = ?", profile_updates)
        if sub_inserts:
            columns = list(sub_inserts[0])
            raw.insert("subscriptions", columns, [tuple(r.values()) for r in sub_inserts])
        if sub_updates:
            raw.update("subscriptions", f"subscriber_id = ? AND list_id = {int(self.list_id)}", sub_updates)
        if audits:
            columns = list(audits[0])
            raw.insert("audit_log", columns, [tuple(r.values()) for r in audits])
            if not self.pending:  # confirmed by the import: a welcome series starts (app.models.sequences)
                raw.insert("sequence_events", ["kind", "subscriber_id", "list_id", "at"],
                           [(EventKind.SUBSCRIBED.value, a["subscriber_id"], self.list_id, now) for a in audits])
        if reindexed:
            known = [i for i in reindexed if i not in created_ids]  # new people have no words yet
            if known:
                raw.delete_terms(known)
            # Sorted: each index is then written in key order within the batch (far fewer page splits).
            terms = sorted((t["term"], t["subscriber_id"]) for i, values in reindexed.items() for t in term_rows(i, values))
            if terms:
                raw.insert("subscriber_terms", ["term", "subscriber_id"], terms)
        return to_confirm

    def _fill_empty(self, found, row: _Row, now: Any) -> dict[str, Any]:
        """Values that fill a known subscriber's empty fields (never overwrite, never blank)."""
        changes: dict[str, Any] = {}
        for name in PROFILE_FIELDS:
            value = row.values.get(name)
            if value and not getattr(found, name):
                changes[name] = value
        if row.attributes:
            current = found.attributes or {}
            if isinstance(current, str):  # SQLite gives the JSON text back
                current = json.loads(current)
            added = {k: v for k, v in row.attributes.items() if not current.get(k)}
            if added:
                changes["attributes"] = json.dumps(current | added)
        if changes:
            changes["updated_at"] = now
        return changes

    def _consent(self, now) -> dict[str, Any]:
        values: dict[str, Any] = {
            "status": self.target_value, "consent_at": now, "consent_source": self.source,
            "consent_ip": None, "consent_text": _consent_text(), "updated_at": now,
            "unsubscribed_at": None, "confirmed_at": None,
        }
        if self.target == SubscriptionStatus.CONFIRMED:
            values["confirmed_at"] = now
        return values

    def _subscription(self, subscriber_id: int, now) -> dict[str, Any]:
        return {"subscriber_id": subscriber_id, "list_id": self.list_id, "created_at": now, **self._consent(now)}

    def _audit(self, subscriber_id: int, row: _Row, previous, now) -> dict[str, Any]:
        return {
            "at": now, "subscriber_id": subscriber_id, "list_id": self.list_id,
            "action": "subscribe_pending" if self.pending else "subscribe",
            "actor": self.actor, "source": self.source, "ip": None,
            # Written by hand: json.dumps per row was a tenth of the import's time.
            "detail": f'{{"from": {json.dumps(previous.value) if previous else "null"}, '
                      f'"to": "{self.target_value}", "import_line": {int(row.line)}}}',
        }

    def _send_confirmation(self, uid: str, row: _Row) -> None:
        url = confirm_url(uid, [self.list_id])
        subject = _("Confirmez votre inscription : %(name)s", name=self.list.name)
        first = row.values.get("first_name", "")
        try:
            send_transactional("subscription_confirmation", row.email, {
                "subject": subject, "first_name": first, "confirm_url": url, "lists": [self.list.name],
            }, reference=self.reference)
            self.report.confirmations_queued += 1
        except Exception as exc:  # noqa: BLE001 - a message that cannot be built: the row stays pending
            self.report.reject(row.line, row.email, _("message de confirmation impossible à préparer (%(error)s)",
                                                      error=exc))


class _Raw:
    """executemany straight to the driver, values already in their stored form.

    SQLAlchemy's per-row bind processing (UTC conversion, enums, JSON) cost about
    150 µs a row here, more than everything else together; these statements are
    simple enough to write by hand for both SQLite and PostgreSQL.
    """

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"
        self.mark = "?" if self.connection.dialect.paramstyle == "qmark" else "%s"
        if self.sqlite:
            # The default 2 MB page cache is smaller than the indexes a big import
            # touches at random (uid, email, hash): 32 MB made inserts ~2x faster.
            self.connection.exec_driver_sql("PRAGMA cache_size = -32000")

    def value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
            return value.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else value
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return value

    def _marks(self, values: list[Any]) -> str:
        return ", ".join([self.mark] * len(values))

    def existing(self, list_id: int, keys: list[str]) -> list[Any]:
        """Known subscribers among these ``email_hash`` keys (any spelling), with their membership of the list."""
        sql = (
            "SELECT s.id, s.uid, s.email, s.email_hash, s.status, s.attributes, s.first_name, s.last_name, s.organisation,"
            " s.function, s.commune, m.status AS sub_status FROM subscribers s"
            f" LEFT JOIN subscriptions m ON m.subscriber_id = s.id AND m.list_id = {int(list_id)}"
            f" WHERE s.email_hash IN ({self._marks(keys)})"
        )
        return list(self.connection.exec_driver_sql(sql, tuple(keys)))

    def ids(self, keys: list[str]) -> list[tuple[int, str, str]]:
        """``(id, uid, email_hash)`` of the people with these keys."""
        sql = f"SELECT id, uid, email_hash FROM subscribers WHERE email_hash IN ({self._marks(keys)})"
        return [tuple(r) for r in self.connection.exec_driver_sql(sql, tuple(keys))]

    def insert(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """executemany on SQLite; COPY on PostgreSQL (same transaction), several times faster."""
        if not self.sqlite:
            driver = self.connection.connection.driver_connection  # psycopg 3, inside our transaction
            if driver is None:  # only after the connection was invalidated: nothing to copy into
                raise RuntimeError("the database connection was closed during the import")
            with driver.cursor() as cursor:
                with cursor.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            return
        marks = ", ".join([self.mark] * len(columns))
        sql = f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({marks})'
        self.connection.exec_driver_sql(sql, rows)

    def delete_terms(self, subscriber_ids: list[int]) -> None:
        """Drop the search terms of these people (their names are about to be indexed again)."""
        for start in range(0, len(subscriber_ids), 500):
            part = subscriber_ids[start:start + 500]
            self.connection.exec_driver_sql(
                f"DELETE FROM subscriber_terms WHERE subscriber_id IN ({self._marks(part)})", tuple(part))

    def update(self, table: str, where: str, rows: list[dict[str, Any]]) -> None:
        """UPDATE … SET changed columns WHERE key = row["_id"], one executemany per column set."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for r in rows:
            groups.setdefault(tuple(sorted(k for k in r if k != "_id")), []).append(r)
        for keys, group in groups.items():
            sets = ", ".join(f"{key} = {self.mark}" for key in keys)
            sql = f"UPDATE {table} SET {sets} WHERE {where.replace('?', self.mark)}"
            self.connection.exec_driver_sql(
                sql, [tuple(r[k] for k in keys) + (r["_id"],) for r in group]
            )


def _restore_page_cache() -> None:
    """Back to SQLite's default page cache before the pooled connection serves anyone else."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size = -2000")


def _consent_text() -> str:
    return "Importé depuis un fichier : consentement recueilli par l'organisme en dehors de Lettrine."


def _status_label(status) -> str:
    labels = {
        SubscriberStatus.UNSUBSCRIBED: _("désinscrit"),
        SubscriberStatus.BOUNCED: _("adresse en erreur"),
        SubscriberStatus.COMPLAINED: _("plainte pour spam"),
        SubscriberStatus.ERASED: _("effacé"),
    }
    try:
        return labels.get(SubscriberStatus(status), str(status))
    except ValueError:
        return str(status)
