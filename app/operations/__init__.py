"""Running Lettrine in production: heartbeats, health checks, metrics and structured logs.

``init_app`` wires what the web process needs (logging, request metrics, the /readyz and
/metrics routes); workers and the scheduler call :mod:`app.operations.heartbeat`.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from app.operations import logs, metrics
    from app.web import operations as routes

    logs.configure(app)
    metrics.init_app(app)
    routes.register(app)
