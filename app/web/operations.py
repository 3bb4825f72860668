"""Operations endpoints: ``/readyz`` (readiness, for monitoring and load balancers) and ``/metrics``.

No login (probes and Prometheus have none), no secrets in the answers: readiness says
"ok" or "not ready" to anyone, and its checks (yes/no with harmless figures) only to a
loopback client or one with METRICS_TOKEN; metrics need the same.
Liveness is ``/healthz`` (app/web/public/home.py).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify

from app.extensions import csrf, limiter
from app.operations import health, metrics

bp = Blueprint("operations", __name__)


@bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    ready, body = health.readiness()
    response = jsonify(body if metrics.trusted_client() else health.summary(body))
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


@bp.route("/metrics")
def metrics_endpoint() -> Response:
    return metrics.metrics_view()


def register(app: Flask) -> None:
    csrf.exempt(bp)
    limiter.exempt(bp)
    app.register_blueprint(bp)
