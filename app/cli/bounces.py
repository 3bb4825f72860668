"""``flask bounces process PATH|-`` and ``flask bounces poll``: read bounce and complaint messages.

PATH may be one message file, an mbox file, a maildir (cur/new/tmp) or a directory
of message files; ``-`` reads one message (or an mbox) from stdin.
"""
from __future__ import annotations

import imaplib
import json
import mailbox
import sys
from collections import Counter
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli import fail
from app.message.dsn import classify
from app.services.bounces import apply_report

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


def read_messages(path: str) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for each message at ``path``."""
    if path == "-":
        yield from _one_source(sys.stdin.buffer.read(), "stdin")
        return
    p = Path(path)
    if p.is_dir():
        if (p / "cur").is_dir() and (p / "new").is_dir():
            box = mailbox.Maildir(str(p), factory=None, create=False)
            for key in sorted(box.iterkeys()):
                yield f"{p.name}/{key}", box.get_bytes(key)
            return
        for child in sorted(c for c in p.iterdir() if c.is_file()):
            yield from _one_source(child.read_bytes(), child.name)
        return
    if not p.is_file():
        fail(f"Introuvable : {path} / not found")
    yield from _one_source(p.read_bytes(), p.name)


def _process(label: str, raw: bytes, source: str, as_json: bool, totals: Counter) -> None:
    report = classify(raw)
    outcome = apply_report(report, source=source)
    totals[f"{outcome.kind}:{outcome.action}"] += 1
    row = {"message": label, "kind": report.kind, "reason": report.reason, "status": report.status,
           "attributed_by": outcome.attributed_by, "action": outcome.action,
           "subscriber_id": outcome.subscriber_id, "campaign_id": outcome.campaign_id}
    click.echo(json.dumps(row, ensure_ascii=False) if as_json else
               f"{label}: {report.kind} ({report.reason}) -> {outcome.action or '-'}"
               f"{' via ' + outcome.attributed_by if outcome.attributed_by else ''}")


@cli.command("process")
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
def process(path: str, as_json: bool) -> None:
    """Classify and apply DSN (RFC 3464), ARF (RFC 5965) and plain-text bounces."""
    totals: Counter = Counter()
    for label, raw in read_messages(path):
        _process(label, raw, f"bounces process {label}"[:500], as_json, totals)
    if not as_json:
        click.echo("Total : " + (", ".join(f"{k} {v}" for k, v in sorted(totals.items())) or "aucun message"))


@cli.command("poll")
@click.option("--expunge", is_flag=True, help="Delete processed messages instead of marking them read.")
def poll(expunge: bool) -> None:
    """Read unseen messages from BOUNCE_IMAP_URL (imaps://user:password@host[:port]/MAILBOX)."""
    url = current_app.config.get("BOUNCE_IMAP_URL", "")
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
    click.echo("Total : " + (", ".join(f"{k} {v}" for k, v in sorted(totals.items())) or "aucun message"))


def _poll(parts, expunge: bool, totals: Counter) -> None:
    klass = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    with klass(parts.hostname, parts.port or (993 if parts.scheme == "imaps" else 143), timeout=60) as imap:
        if parts.scheme == "imap" and "STARTTLS" in imap.capabilities:
            imap.starttls()
        imap.login(unquote(parts.username or ""), unquote(parts.password or ""))
        imap.select(unquote(parts.path.lstrip("/")) or "INBOX")
        _typ, data = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (data[0] or b"").split():
            _typ, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), b"")
            _process(f"imap:{uid.decode()}", raw, "imap", False, totals)
            # Marked only once applied (committed): a crash mid-way re-reads this one message
            # (hard bounces and complaints are idempotent; a soft bounce may count twice).
            imap.uid("STORE", uid, "+FLAGS", r"(\Deleted)" if expunge else r"(\Seen)")
        if expunge:
            imap.expunge()
