"""``flask bounces process PATH|-`` and ``flask bounces poll``: read bounce and complaint messages.

PATH may be one message file, an mbox file, a maildir (cur/new/tmp) or a directory
of message files; ``-`` reads one message (or an mbox) from stdin.
"""
from __future__ import annotations

import imaplib
import json
import mailbox
import re
import shutil
import ssl
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli import fail
from app.extensions import db
from app.services.deliverability import MAX_BOUNCE_BYTES, UnreadableMessage, apply_bounce_message

cli = AppGroup("bounces", help="Retours en erreur et plaintes / bounces and complaints.")


def _split_mbox(data: bytes) -> Iterator[bytes]:
    chunk: list[bytes] = []
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From ") and chunk:
            yield b"".join(chunk[1:])
            chunk = []
        chunk.append(line)
    if chunk:
        yield b"".join(chunk[1:])


def _one_source(data: bytes, name: str) -> Iterator[tuple[str, bytes]]:
    if data.startswith(b"From "):
        for i, message in enumerate(_split_mbox(data)):
            yield f"{name}#{i + 1}", message
    else:
        yield name, data


@dataclass
class Source:
    """One message to process, and how to set it aside if it cannot be read."""

    label: str
    raw: bytes
    reject: Callable[[], str] | None = None  # moves/copies it to rejected/, returns where


def _rejected_dir(base: Path) -> Path:
    target = base / "rejected"
    target.mkdir(exist_ok=True)
    return target


def _move_file(path: Path) -> Callable[[], str]:
    def reject() -> str:
        target = _rejected_dir(path.parent) / path.name
        shutil.move(str(path), str(target))
        return str(target)
    return reject


def _copy_bytes(base: Path, name: str, raw: bytes) -> Callable[[], str]:
    def reject() -> str:
        target = _rejected_dir(base) / name.replace("/", "_")
        target.write_bytes(raw)
        return str(target)
    return reject


def read_messages(path: str) -> Iterator[Source]:
    """Each message at ``path`` (file, mbox, maildir, directory of files, or ``-``)."""
    if path == "-":
        for label, raw in _one_source(sys.stdin.buffer.read(), "stdin"):
            yield Source(label, raw)
        return
    p = Path(path)
    if p.is_dir():
        if (p / "cur").is_dir() and (p / "new").is_dir():
            box = mailbox.Maildir(str(p), factory=None, create=False)
            for key in sorted(box.iterkeys()):
                raw = box.get_bytes(key)

                def reject(key: str = key, raw: bytes = raw) -> str:
                    where = _copy_bytes(p, key, raw)()
                    box.remove(key)
                    return where
                yield Source(f"{p.name}/{key}", raw, reject)
            return
        for child in sorted(c for c in p.iterdir() if c.is_file()):
            yield from _file_sources(child)
        return
    if not p.is_file():
        fail(f"Introuvable : {path} / not found")
    yield from _file_sources(p)


def _file_sources(path: Path) -> Iterator[Source]:
    data = path.read_bytes()
    if data.startswith(b"From "):  # an mbox: rejected messages are copied out, the mbox is left as it is
        for label, raw in _one_source(data, path.name):
            yield Source(label, raw, _copy_bytes(path.parent, label.replace("#", "-") + ".eml", raw))
    else:
        yield Source(path.name, data, _move_file(path))


def _process(source: Source, origin: str, as_json: bool, totals: Counter) -> bool:
    """Classify and apply one message; a failure is logged, reported and set aside. True when it went through."""
    try:
        report, outcome = apply_bounce_message(source.raw, source=origin)
    except Exception as exc:  # noqa: BLE001 - one bad message must never stop the others
        db.session.rollback()
        error = exc if isinstance(exc, UnreadableMessage) else f"{type(exc).__name__}: {exc}"
        current_app.logger.warning("bounce message %s set aside: %s", source.label, error)
        where = ""
        if source.reject is not None:
            try:
                where = source.reject()
            except OSError as move_error:
                where = f"(not moved: {move_error})"
        totals["rejected"] += 1
        row = {"message": source.label, "kind": "error", "reason": "", "status": "", "attributed_by": "",
               "action": "rejected", "error": str(error)[:300], "moved_to": where}
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"{source.label}: illisible, mis de côté / set aside ({str(error)[:200]}){' -> ' + where if where else ''}")
        return False
    totals[f"{outcome.kind}:{outcome.action}"] += 1
    changed = outcome.action in ("bounced", "bounced-repeated", "complained", "counted")
    row = {"message": source.label, "kind": report.kind, "reason": report.reason, "status": report.status,
           "attributed_by": outcome.attributed_by, "action": outcome.action, "review": outcome.review,
           "changed": changed, "recipient": report.recipient, "diagnostic": report.diagnostic[:300],
           "final": report.final, "format": report.format,
           "subscriber_id": outcome.subscriber_id, "campaign_id": outcome.campaign_id}
    if outcome.action == "review":
        row["note"] = "n'a modifié personne / changed nobody"
    click.echo(json.dumps(row, ensure_ascii=False) if as_json else _line(source.label, report, outcome))
    return True


def _line(label: str, report, outcome) -> str:
    head = f"{label}: {report.kind} {report.reason}{' ' + report.status if report.status else ''}"
    if outcome.action == "review":
        return f"{head} -> à vérifier ({outcome.review}) : n'a modifié personne / changed nobody"
    return f"{head} -> {outcome.action or '-'}{' via ' + outcome.attributed_by if outcome.attributed_by else ''}"


def _total_line(totals: Counter) -> str:
    return "Total : " + (", ".join(f"{k} {v}" for k, v in sorted(totals.items())) or "aucun message")


@cli.command("process")
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
def process(path: str, as_json: bool) -> None:
    """Classify and apply DSN (RFC 3464), ARF (RFC 5965) and plain-text bounces.

    A message that cannot be read is moved to a rejected/ folder beside it
    (copied there, for mbox and stdin) and the others go on.
    """
    totals: Counter = Counter()
    for source in read_messages(path):
        _process(source, f"bounces process {source.label}"[:500], as_json, totals)
    if not as_json:
        click.echo(_total_line(totals))


QUARANTINE = ("Lettrine", "quarantine")
QUARANTINE_FLAG = "$LettrineQuarantine"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@cli.command("poll")
@click.option("--expunge", is_flag=True, help="Delete processed messages instead of marking them read.")
def poll(expunge: bool) -> None:
    """Read unseen messages from BOUNCE_IMAP_URL (imaps://user:password@host[:port]/MAILBOX).

    TLS with certificate verification (imaps://, or STARTTLS for imap://); plain
    imap:// without STARTTLS is refused except on the loopback. A message that
    cannot be read is flagged and moved to Lettrine/quarantine; the rest go on.
    """
    url = current_app.config["BOUNCE_IMAP_URL"]
    if not url:
        fail("BOUNCE_IMAP_URL n'est pas configurée / is not set")
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        fail("BOUNCE_IMAP_URL doit commencer par imap:// ou imaps://")
    totals: Counter = Counter()
    try:
        _poll(parts, expunge, totals)
    except (imaplib.IMAP4.error, OSError) as exc:
        fail(f"IMAP {parts.hostname}: {exc}")
    click.echo(_total_line(totals))


def _connect(parts) -> imaplib.IMAP4:
    context = ssl.create_default_context()  # verifies the certificate and the host name
    if parts.scheme == "imaps":
        return imaplib.IMAP4_SSL(parts.hostname, parts.port or 993, ssl_context=context, timeout=60)
    imap = imaplib.IMAP4(parts.hostname, parts.port or 143, timeout=60)
    if "STARTTLS" in imap.capabilities:
        imap.starttls(ssl_context=context)
    elif parts.hostname not in _LOOPBACK:
        imap.logout()
        fail(f"IMAP {parts.hostname}: le serveur ne propose pas STARTTLS ; utilisez imaps:// / no STARTTLS offered")
    return imap


def _quarantine(imap: imaplib.IMAP4, uid: bytes) -> str:
    """Flag the message and move it to Lettrine/quarantine (copy + delete where MOVE is missing)."""
    imap.uid("STORE", uid, "+FLAGS", f"(\\Seen {QUARANTINE_FLAG})")
    _typ, listing = imap.list('""', '""')
    separator = "/"
    match = re.search(rb'\(.*?\) "(.)"', listing[0] or b"") if listing and listing[0] else None
    if match:
        separator = match.group(1).decode()
    folder = separator.join(QUARANTINE)
    imap.create(folder)  # "already exists" is answered NO: harmless
    if "MOVE" in imap.capabilities:
        typ, _data = imap.uid("MOVE", uid, folder)
    else:
        typ, _data = imap.uid("COPY", uid, folder)
        if typ == "OK":
            imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
            imap.expunge()
    return folder if typ == "OK" else f"{QUARANTINE_FLAG} (flag only)"


def _poll(parts, expunge: bool, totals: Counter) -> None:
    with _connect(parts) as imap:
        imap.login(unquote(parts.username or ""), unquote(parts.password or ""))
        imap.select(unquote(parts.path.lstrip("/")) or "INBOX")
        _typ, data = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split():
            # At most MAX_BOUNCE_BYTES + 1 bytes are fetched: the classifier reads no more anyway.
            _typ, fetched = imap.uid("FETCH", uid, f"(BODY.PEEK[]<0.{MAX_BOUNCE_BYTES + 1}>)")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), b"")
            ok = _process(Source(f"imap:{uid.decode()}", raw, lambda uid=uid: _quarantine(imap, uid)),
                          "imap", False, totals)
            if ok:
                # Marked only once applied (committed): a crash mid-way re-reads this one message
                # (hard bounces and complaints are idempotent; a soft bounce may be recorded twice,
                # but counts once per campaign).
                imap.uid("STORE", uid, "+FLAGS", r"(\Deleted)" if expunge else r"(\Seen)")
        if expunge:
            imap.expunge()
