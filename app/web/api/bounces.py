"""``POST /api/bounces``: bounce and complaint events from a relay (JSON), token-authenticated.

Accepts ``Authorization: Bearer <BOUNCE_WEBHOOK_TOKEN>`` (this endpoint only) or the
general API token. Body: one event or a list (at most 500); what an event may be, and
how a batch is checked then applied in one transaction, is
``app.services.deliverability.bounce_intake``'s. SNS posts ``text/plain``: the body is read
as JSON whatever its type. A malformed event answers 400 with the reason and its index.
"""
from __future__ import annotations

import json

from flask import jsonify, request

from app.services.deliverability import MAX_RELAY_EVENTS, BadRelayEvent, apply_relay_events
from app.web.api import ENDPOINT_TOKENS, bp

ENDPOINT_TOKENS["api.bounces_webhook"] = "BOUNCE_WEBHOOK_TOKEN"


@bp.post("/bounces")
def bounces_webhook():
    try:
        data = json.loads(request.get_data(cache=False, as_text=False) or b"null")
    except ValueError:
        data = None
    events = data if isinstance(data, list) else [data] if isinstance(data, dict) else None
    if events is None:
        return jsonify(error="corps JSON attendu (un objet ou une liste) / JSON object or list expected"), 400
    if len(events) > MAX_RELAY_EVENTS:
        return jsonify(error=f"au plus {MAX_RELAY_EVENTS} événements par requête / at most {MAX_RELAY_EVENTS} events"), 413
    try:
        results = apply_relay_events(events)
    except BadRelayEvent as exc:
        return jsonify(error=str(exc), index=exc.index), 400
    return jsonify(results=results), 200
