"""Operations endpoints: ``/readyz`` (readiness, for monitoring and load balancers) and ``/metrics``.

No login (probes and Prometheus have none), no secrets in the answers: readiness says
yes/no per check with harmless figures; metrics need METRICS_TOKEN or a loopback client.
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
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


@bp.route("/metrics")
def metrics_endpoint() -> Response:
    return metrics.metrics_view()


def register(app: Flask) -> None:
    csrf.exempt(bp)
    limiter.exempt(bp)
    app.register_blueprint(bp)
