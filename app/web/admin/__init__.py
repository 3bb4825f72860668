"""The admin blueprint. Every route in it requires a logged-in user (checked once, here).

Pages live in one module each in this package; they are imported automatically.
Routes for admins only are decorated with :func:`admin_required`.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("admin", __name__)

# (order, endpoint, label, admin_only): each page module adds its own entry.
_NAV: list[tuple[int, str, object, bool]] = []


def add_nav(endpoint: str, label, order: int, admin_only: bool = False) -> None:
    """Put a page in the admin navigation (labels are lazy translations)."""
    _NAV.append((order, endpoint, label, admin_only))
    _NAV.sort(key=lambda item: item[0])


# The widths a message is previewed at, one place for the composer and the preview tab (they said 390 and 375):
# 600 px, the message's own width; 390 px, a current phone (the width the public pages are checked at too).
PREVIEW_WIDTHS = {"desktop": 600, "phone": 390}


@bp.app_context_processor
def _inject_nav() -> dict:
    def admin_nav() -> list[tuple[str, str]]:
        is_admin = getattr(current_user, "is_admin", False)
        return [(endpoint, str(label)) for _o, endpoint, label, admin_only in _NAV if is_admin or not admin_only]

    return {"admin_nav": admin_nav, "preview_widths": PREVIEW_WIDTHS}


@bp.before_request
@login_required
def _require_login() -> None:
    """Login on every admin route, without relying on each view to remember it."""


def admin_required(view):
    """Restrict a view to the admin role (users, settings).

    The mark ``admin_only`` lets :mod:`app.web.auth_first` refuse an editor before the body is read;
    the check here stays, for a view reached any other way."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapper.admin_only = True  # type: ignore[attr-defined]
    return wrapper


from app import web as _web  # noqa: E402
import sys as _sys  # noqa: E402

_web.import_submodules(_sys.modules[__name__])
