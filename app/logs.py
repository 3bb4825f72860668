"""Structured logs: JSON lines in production, readable lines in development, secrets masked.

Contained on purpose: existing ``log.info(...)`` calls stay as they are. This module adds

- a formatter per ``LOG_FORMAT`` (``json`` by default in production, one object per
  line for journald/Loki: time, level, logger, message, and the ids below; ``text``
  otherwise);
- :class:`ContextFilter`: the request id (nginx's ``X-Request-ID`` when it looks like
  one, otherwise a new one; echoed in the response), and the campaign / delivery ids a
  message names ("campaign 12", "delivery 345") or :func:`bind` set for a block;
- :func:`mask` on the final line, so no format can leak: e-mail addresses keep their
  first character and domain (``j***@example.org``), signed tokens in URLs
  (``/u/<token>``…) and long token-like strings become ``[token]``, passwords in URLs
  and ``Authorization: Bearer …`` values become ``***``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@", re.I)
_BEARER = re.compile(r"(\bBearer\s+)[^\s\"',;]+", re.I)
_SECRET_PARAM = re.compile(r"(\b(?:password|passwd|pass|token|secret|api_key|apikey)=)[^&\s\"',;]+", re.I)
# Links that carry a signed token: unsubscribe, confirm, preferences, registration, survey,
# certificate, presence, click tracking (app/web/public).
_TOKEN_PATH = re.compile(r"(/(?:u|confirm|p|r|avis|attestation|presence|presence/qr|l)/)[^/\s?\"']{8,}")
# itsdangerous tokens and similar: long runs of URL-safe base64 with dots.
_LONG_TOKEN = re.compile(r"\b[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_.-]{10,}\b")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_CAMPAIGN = re.compile(r"\bcampa(?:ign|gne)s? (\d+)\b", re.I)
_DELIVERY = re.compile(r"\bdelivery (\d+)\b", re.I)

_bound: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("lettrine_log_context", default=None)


def mask(text: str) -> str:
    """The line with addresses, tokens and passwords hidden (idempotent)."""
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _BEARER.sub(r"\1***", text)
    text = _SECRET_PARAM.sub(r"\1***", text)
    text = _TOKEN_PATH.sub(r"\1[token]", text)
    text = _LONG_TOKEN.sub("[token]", text)
    return _EMAIL.sub(r"\1***@\2", text)


@contextmanager
def bind(**ids: Any) -> Iterator[None]:
    """``with bind(campaign_id=12):`` every line logged inside carries that id."""
    token = _bound.set({**(_bound.get() or {}), **ids})
    try:
        yield
    finally:
        _bound.reset(token)


class ContextFilter(logging.Filter):
    """Adds request_id, campaign_id and delivery_id to every record (None when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        bound = _bound.get() or {}
        message = (
            record.getMessage()
            if ("campaign" in str(record.msg).lower() or "delivery" in str(record.msg).lower())
            else ""
        )
        found = _CAMPAIGN.search(message)
        record.campaign_id = bound.get("campaign_id") or (int(found.group(1)) if found else None)
        found = _DELIVERY.search(message)
        record.delivery_id = bound.get("delivery_id") or (int(found.group(1)) if found else None)
        return True


class MaskingTextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(
            f"{k}={getattr(record, k)}"
            for k in ("request_id", "campaign_id", "delivery_id")
            if getattr(record, k, None) is not None
        )
        return mask(f"{line} [{ids}]" if ids else line)


class MaskingJsonFormatter(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return MaskingJsonFormatter(
            "{asctime}{levelname}{name}{message}{request_id}{campaign_id}{delivery_id}{process}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    return MaskingTextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def _is_ours(handler: logging.Handler) -> bool:
    return getattr(handler, "_lettrine", False)


def configure(app: Flask) -> None:
    """One handler on the root logger (stderr: journald under systemd), replacing basicConfig's."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        # basicConfig's plain stream handler, or ours from an earlier create_app; test harness
        # handlers (pytest's caplog, subclasses) stay.
        if _is_ours(handler) or type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._lettrine = True  # type: ignore[attr-defined]
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    app.before_request(_request_id)
    app.after_request(_echo_request_id)


def _request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    if g.get("request_id"):
        response.headers.setdefault("X-Request-ID", g.request_id)
    return response
