"""The site root and a health check for load balancers and monitoring."""
from __future__ import annotations

from flask import jsonify, redirect, url_for
from sqlalchemy import text

from app.extensions import db
from app.web.public import bp


@bp.route("/")
def home():
    return redirect(url_for("admin.dashboard"))


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
