"""Structured logs: JSON in production with request/campaign ids, addresses, tokens and passwords masked."""

from __future__ import annotations

import json
import logging

from app import logs
from tests.conftest import make_app


def _record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("app.sending.worker", logging.INFO, __file__, 1, message, args, None)


def test_mask_hides_addresses_tokens_and_passwords():
    line = logs.mask(
        "to jeanne.dupont@example.org via smtp://lettrine:s3cret@relay:587 "
        "GET /u/eyJzIjoxMjN9.ZmFrZXRva2VuMTIz.c2lnbmF0dXJl Authorization: Bearer abc123def "
        "password=hunter2&x=1"
    )
    assert "jeanne.dupont" not in line and "j***@example.org" in line
    assert "s3cret" not in line and "smtp://lettrine:***@relay:587" in line
    assert "/u/[token]" in line and "eyJz" not in line
    assert "abc123def" not in line and "hunter2" not in line
    assert logs.mask(line) == line  # idempotent


def test_json_lines_with_ids_and_nothing_in_clear():
    handler_format = logs.formatter("json")
    record = _record("cannot build message for delivery %s of campaign %s to %s", 345, 12, "ana@example.org")
    logs.ContextFilter().filter(record)
    data = json.loads(handler_format.format(record))
    assert data["level"] == "INFO" and data["logger"] == "app.sending.worker"
    assert data["campaign_id"] == 12 and data["delivery_id"] == 345
    assert "ana@" not in data["message"] and "a***@example.org" in data["message"]


def test_bind_sets_ids_for_a_block():
    record = _record("rendu terminé")
    with logs.bind(campaign_id=7):
        logs.ContextFilter().filter(record)
    assert record.campaign_id == 7 and record.delivery_id is None


def test_request_id_from_nginx_is_echoed_and_logged(migrated, capsys):
    app = make_app(
        migrated, LETTRINE_ENV="production", BASE_URL="https://lettres.example.org", SMTP_URL="", LOG_FORMAT="json"
    )
    assert app.config["LOG_FORMAT"] == "json"

    @app.route("/_log")
    def _log():
        logging.getLogger("app.test").warning("unsubscribed marie@example.org from campaign 3")
        return "ok"

    client = app.test_client()
    response = client.get("/_log", headers={"X-Request-ID": "0123456789abcdef0123456789abcdef"})
    assert response.headers["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    lines = [json.loads(l) for l in capsys.readouterr().err.splitlines() if l.startswith("{")]
    line = next(l for l in lines if l["logger"] == "app.test")
    assert line["request_id"] == "0123456789abcdef0123456789abcdef" and line["campaign_id"] == 3
    assert "marie@" not in json.dumps(line)
    # A forged, unreasonable id is replaced by a fresh one.
    response = client.get("/_log", headers={"X-Request-ID": "<script>"})
    assert response.headers["X-Request-ID"] != "<script>" and len(response.headers["X-Request-ID"]) == 32


def test_development_logs_are_readable_text():
    record = _record("worker %s started", "vm:1")
    logs.ContextFilter().filter(record)
    line = logs.formatter("text").format(record)
    assert "INFO app.sending.worker: worker vm:1 started" in line and not line.startswith("{")
