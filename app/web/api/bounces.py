"""``POST /api/bounces``: bounce and complaint events from a relay (JSON), token-authenticated.

Accepts ``Authorization: Bearer <BOUNCE_WEBHOOK_TOKEN>`` (this endpoint only) or the
general API token. Body: one event or a list (at most 500), each either

    {"type": "hard" | "soft" | "complaint", "email": "...", "message_id": "<...>",
     "return_path": "bounces+<token>@...", "status": "5.1.1", "diagnostic": "550 ..."}

or ``{"raw": "<the whole DSN/ARF message>"}``, classified like ``bounces process``.
"""
from __future__ import annotations

from flask import jsonify, request

from app.message.dsn import COMPLAINT, HARD, SOFT, BounceReport, classify
from app.services.bounces import apply_report
from app.web.api import ENDPOINT_TOKENS, bp

ENDPOINT_TOKENS["api.bounces_webhook"] = "BOUNCE_WEBHOOK_TOKEN"
MAX_EVENTS = 500


def _report(event: dict) -> BounceReport | str:
    if isinstance(event.get("raw"), str):
        return classify(event["raw"])
    kind = str(event.get("type", "")).lower()
    kind = {"bounce": HARD, "hard_bounce": HARD, "soft_bounce": SOFT, "spam": COMPLAINT}.get(kind, kind)
    if kind not in (HARD, SOFT, COMPLAINT):
        return "type doit valoir hard, soft ou complaint"
    verp = str(event.get("return_path", ""))
    token = verp.split("+", 1)[1].split("@", 1)[0] if verp.startswith("bounces+") and "@" in verp else None
    if not any(isinstance(event.get(k), str) and event.get(k) for k in ("email", "message_id")) and not token:
        return "il faut email, message_id ou return_path"
    return BounceReport(kind, f"webhook {kind}", recipient=event.get("email") or None,
                        status=str(event.get("status", ""))[:20], diagnostic=str(event.get("diagnostic", ""))[:1000],
                        message_id=event.get("message_id") or None, verp_tokens=[token] if token else [])


@bp.post("/bounces")
def bounces_webhook():
    data = request.get_json(silent=True)
    events = data if isinstance(data, list) else [data] if isinstance(data, dict) else None
    if events is None:
        return jsonify(error="corps JSON attendu (un objet ou une liste)"), 400
    if len(events) > MAX_EVENTS:
        return jsonify(error=f"au plus {MAX_EVENTS} événements par requête"), 413
    results = []
    for i, event in enumerate(events):
        report = _report(event) if isinstance(event, dict) else "objet JSON attendu"
        if isinstance(report, str):
            results.append({"index": i, "error": report})
            continue
        outcome = apply_report(report, source="webhook")
        results.append({"index": i, "kind": outcome.kind, "action": outcome.action,
                        "attributed_by": outcome.attributed_by})
    status = 200 if all("error" not in r for r in results) else 207 if any("error" not in r for r in results) else 400
    return jsonify(results=results), status
