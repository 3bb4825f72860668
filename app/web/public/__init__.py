"""Public pages: subscribe, confirm, unsubscribe, preferences, register, web view, agenda.

Nothing here needs a login: signed tokens are the proof. Each page is one module.
"""
from __future__ import annotations

import sys

from flask import Blueprint

from app import web

bp = Blueprint("public", __name__)

web.import_submodules(sys.modules[__name__])
